"""Re-apply a penalty regime to the cannabis records in the database, by group, with low/central/high bounds.

The YAML regimes drive a small crosswalk table (:mod:`nyc_cannabis.law.crosswalk`: one row per charged regime ×
section × subdivision × age band), which is registered in DuckDB and joined to the records by
``nyc_cannabis/projection/sql/project/by_group.sql``, which reads the records' cannabis cells (:mod:`nyc_cannabis.ingest.cells`). No Python
object per record: 10 million records are about 600,000 cells, one aggregate and a join of a few thousand
rows with a few hundred.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import DATASETS, PRECINCT_SUCCESSOR
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.ingest import cells
from nyc_cannabis.law import crosswalk, regimes

#: --by choices → the column grouped on (an allow-list: identifiers never come from the user)
GROUPINGS = {"group": "race_group", "borough": "boro_code", "precinct": "precinct", "age": "age_band",
             "sex": "sex_code", "period": "charged_regime", "year": "event_year"}
#: second grouping for the disparity statistics (None: the whole city)
AREAS = {None: "all_areas", "borough": "boro_code", "precinct": "precinct_2020", "period": "charged_regime"}


@lru_cache(maxsize=8)
def crosswalk_frame(target: regimes.Regime, assume: crosswalk.Assumptions = crosswalk.DEFAULT) -> pd.DataFrame:
    """Every (charged regime, section, subdivision, age band) → charged class and bounds under ``target``."""
    rows = []
    for charged in regimes.load_all().values():
        codes = {(r.section, r.subdivision) for r in charged.rules} | {(r.section, None) for r in charged.rules}
        for section, subdivision in sorted(codes, key=lambda c: (c[0], c[1] or 0)):
            for age_band in crosswalk.AGE_BANDS:
                own = crosswalk.bounds(charged, section, subdivision, age_band, charged)
                b = crosswalk.bounds(charged, section, subdivision, age_band, target, assume)
                if own is None or b is None:
                    continue
                fines = [_fine(b.low), _fine(b.high)]
                rows.append({"charged_regime": charged.id, "law_section": section, "law_subdivision": subdivision,
                             "age_band": age_band, "charged_class": own.central.klass,
                             "low_class": b.low.klass, "central_class": b.central.klass,
                             "high_class": b.high.klass, "fine_min": min(fines), "fine_max": max(fines),
                             "unverified": any(not r.verified for o in (b.low, b.central, b.high) for r in o.rules)})
    frame = pd.DataFrame(rows)
    frame["law_subdivision"] = frame["law_subdivision"].astype("Int16")
    return frame


def _fine(outcome: regimes.Outcome) -> float:
    """The maximum fine of a non-criminal outcome; a criminal charge counts as a charge, not a fine."""
    return 0.0 if outcome.criminal else float(outcome.fine_max)


def project(db_path: Database | str | Path, dataset: str, regime: str, *, start: dt.date | None = None,
            end: dt.date | None = None, by: str = "group",
            assume: crosswalk.Assumptions = crosswalk.DEFAULT) -> dict[str, Any]:
    """Counts per group of records, criminal charges as charged and under ``regime`` (low/central/high),
    violations, legal outcomes, fines, records expunged automatically under the 2019 rules
    (``expungeable``) and under the target's rules (``expungeable_target``).

    ``regime`` is an enacted regime id or a YAML file: a custom reform, usually an overlay (``base:``)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}: one of {', '.join(GROUPINGS)}")
    target = regimes.load(regime)
    rows = tabulate(db_path, dataset, target, start=start, end=end, by=by, assume=assume)
    for r in rows:
        del r["area"]
    return {"regime": target.id, "regime_name": target.name, "dataset": dataset, "by": by,
            "start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
            "assumptions": assume.describe(), "groups": _with_changes(rows)}


def tabulate(db_path: Database | str | Path, dataset: str, target: regimes.Regime, *, start: dt.date | None = None,
             end: dt.date | None = None, by: str = "group", area: str | None = None,
             sections: tuple[str, ...] = (),
             assume: crosswalk.Assumptions = crosswalk.DEFAULT) -> list[dict[str, Any]]:
    """The rows of ``nyc_cannabis/projection/sql/project/by_group.sql``: one per ``by`` value (× ``area``: borough, precinct
    or period, for the disparity statistics), limited to ``sections`` when given."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: arrests or summonses")
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}: one of {', '.join(a for a in AREAS if a)}")
    enacted = regimes.load_all()
    with reading(db_path) as con:
        con.register("crosswalk", crosswalk_frame(target, assume))
        return store.fetch_dicts(
            con, "project/by_group",
            cells.period_params(start, end, sections)
            | {"criminal": sorted(regimes.CRIMINAL), "merged": list(PRECINCT_SUCCESSOR), "into": list(PRECINCT_SUCCESSOR.values()),
               "expunge_2019": sorted(enacted["reform-2019"].expunge_sections),
               "expunge_target": sorted(target.expunge_sections)},
            group_by=GROUPINGS[by], area_by=AREAS[area], **cells.identifiers(con, dataset))


def _with_changes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the net change in criminal charges per bound, and each group's share of those who stay criminal."""
    totals = {b: sum(r[f"criminal_{b}"] for r in rows) for b in ("low", "central", "high")}
    for r in rows:
        for b in ("low", "central", "high"):
            r[f"net_change_{b}"] = r[f"criminal_{b}"] - r["criminal_as_charged"]
            r[f"share_of_criminal_{b}"] = round(r[f"criminal_{b}"] / totals[b], 4) if totals[b] else None
    return rows
