"""Key findings as sentences, every number computed by :func:`nyc_cannabis.projection.project.project` from the database.

Each :class:`Finding` carries the numbers behind its sentence and the view that proves it (a dashboard page
and its query parameters), so the Overview page and ``python -m nyc_cannabis report`` say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.ingest import cells
from nyc_cannabis.law import regimes
from nyc_cannabis.present.charts import fmt, pct
from nyc_cannabis.projection.project import project

HEADLINE_GROUP = "Black"


@dataclass(frozen=True)
class Period:
    dataset: str
    start: dt.date
    end: dt.date
    label: str


@dataclass
class Finding:
    key: str
    sentence: str
    numbers: dict[str, Any]
    page: str = "projection"
    params: dict[str, str] = field(default_factory=dict)


def periods(db_path: Database | str | Path) -> dict[str, dict[str, Any]]:
    """Per dataset: cannabis records, first and last date, last date before the 2019 law."""
    with reading(db_path) as con:
        rows = store.fetch_dicts(con, "dashboard/periods", **{f"{d}_cells": cells.relation(con, d) for d in DATASETS})
    return {r["dataset"]: r for r in rows}


def headline_period(spans: dict[str, dict[str, Any]]) -> Period | None:
    """The last full calendar year before the 2019 law (at most 2018) that has cannabis arrests (else
    summonses), so "under the 2019 law" compares like with like: records charged under the 1977 law."""
    for dataset in ("arrests", "summonses"):
        s = spans.get(dataset)
        if not s or not s["records"] or s["last_before_reform"] is None:
            continue
        year = min(s["last_before_reform"].year, 2018)
        if s["first_date"].year > year:  # the only pre-reform records are from 2019: use Jan 1 – Aug 27
            reform = regimes.load("reform-2019").effective_from
            return Period(dataset, dt.date(2019, 1, 1), reform - dt.timedelta(days=1), "2019 before August 28")
        return Period(dataset, dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    return None


def _params(result: dict[str, Any], **extra: str) -> dict[str, str]:
    out = {"dataset": result["dataset"], "regime": result["regime"]}
    if result.get("start"):
        out["start"] = result["start"]
    if result.get("end"):
        out["end"] = result["end"]
    return {**out, **extra}


def _group(result: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((g for g in result["groups"] if str(g["group"]) == name), None)


def _drop(g: dict[str, Any]) -> tuple[int, int]:
    """Fewest and most charges that stop being criminal (net): as charged minus the high / low bound."""
    return max(0, g["criminal_as_charged"] - g["criminal_high"]), max(0, g["criminal_as_charged"] - g["criminal_low"])


def _between(a: int, b: int) -> str:
    return fmt(a) if a == b else f"between {fmt(a)} and {fmt(b)}"


def regime_finding(result: dict[str, Any], period: Period, group: str = HEADLINE_GROUP) -> Finding | None:
    g = _group(result, group)
    if g is None or not g["criminal_as_charged"]:
        return None
    fewest, most = _drop(g)
    law = regimes.label(result["regime"])
    noun = "arrests" if period.dataset == "arrests" else "summonses"
    sentence = (f"Under {law}, {_between(fewest, most)} of the {fmt(g['criminal_as_charged'])} criminal cannabis "
                f"charges ({noun}) against {group} New Yorkers in {period.label} would have been violations or "
                f"legal; {_between(g['criminal_low'], g['criminal_high'])} would have stayed criminal.")
    return Finding(f"{result['regime']}-{group}", sentence,
                   {"group": group, "criminal_as_charged": g["criminal_as_charged"], "no_longer_criminal_low": fewest,
                    "no_longer_criminal_high": most, "criminal_low": g["criminal_low"],
                    "criminal_high": g["criminal_high"], "records": g["records"]},
                   params=_params(result))


def share_finding(result: dict[str, Any], period: Period, group: str = HEADLINE_GROUP) -> Finding | None:
    g = _group(result, group)
    charged_total = sum(x["criminal_as_charged"] for x in result["groups"])
    if g is None or not charged_total:
        return None
    lows = sorted(x for x in (g["share_of_criminal_low"], g["share_of_criminal_high"]) if x is not None)
    share = pct(g["criminal_as_charged"], charged_total)
    if not lows:
        rest = "no criminal charges would remain for anyone."
    else:
        span = (f"{100 * lows[0]:.1f}%" if lows[0] == lows[-1] else f"between {100 * lows[0]:.1f}% and "
                f"{100 * lows[-1]:.1f}%")
        rest = (f"of the criminal charges that would remain under {regimes.label(result['regime'])}, {span} would be "
                "against them.")
    noun = "arrests" if period.dataset == "arrests" else "summonses"
    sentence = (f"{group} New Yorkers faced {share} of the {fmt(charged_total)} criminal cannabis charges ({noun}) "
                f"in {period.label}; {rest}")
    return Finding(f"share-{result['regime']}-{group}", sentence,
                   {"group": group, "share_as_charged": g["criminal_as_charged"] / charged_total,
                    "share_remaining": lows, "criminal_as_charged_total": charged_total},
                   params=_params(result))


def expunge_finding(result: dict[str, Any]) -> Finding | None:
    total = sum(g["records"] for g in result["groups"])
    if not total:
        return None
    target = sum(g["expungeable_target"] for g in result["groups"])
    old = sum(g["expungeable"] for g in result["groups"])
    sentence = (f"Of the {fmt(total)} cannabis {result['dataset']} in the database, {fmt(target)} "
                f"({pct(target, total)}) are of sections the MRTA expunges automatically; under the 2019 rules "
                f"{fmt(old)} ({pct(old, total)}).")
    return Finding(f"expunge-{result['dataset']}", sentence,
                   {"records": total, "expungeable_mrta": target, "expungeable_2019": old},
                   params=_params(result))


#: (name, function) pairs computing the findings; disparity findings are appended here later
#: a finding function gets the database, the headline period, ``run`` (project or a cached wrapper) and
#: ``compare`` (nyc_cannabis.stats.disparity.disparity or a cached wrapper)
FindingFn = Callable[[str | Path, Period, Callable[..., dict[str, Any]], Callable[..., dict[str, Any]]],
                     list[Finding]]


def _regime_findings(db: str | Path, period: Period, run: Callable[..., dict[str, Any]],
                     compare: Callable[..., dict[str, Any]]) -> list[Finding]:
    out = []
    for regime in ("reform-2019", "mrta-2021"):
        result = run(db, period.dataset, regime, start=period.start, end=period.end)
        out += [f for f in (regime_finding(result, period),) if f]
        if regime == "mrta-2021":
            out += [f for f in (share_finding(result, period),) if f]
    return out


def _expunge_findings(db: str | Path, period: Period, run: Callable[..., dict[str, Any]],
                      compare: Callable[..., dict[str, Any]]) -> list[Finding]:
    return [f for f in (expunge_finding(run(db, period.dataset, "mrta-2021")),) if f]


def disparity_finding(result: dict[str, Any], period: Period, group: str = HEADLINE_GROUP) -> Finding | None:
    """The rate ratio of criminal charges as charged against the reference group, and of the charges that
    would stay criminal under the target law (a ``disparity(..., regime=...)`` result)."""
    cf = next((x for x in result.get("counterfactual", []) if x["group"] == group), None)
    if cf is None or cf["as_charged"].get("rate_ratio") is None or cf["as_charged"].get("ci_low") is None:
        return None
    ref, charged = result["reference"], cf["as_charged"]
    noun = "arrests" if period.dataset == "arrests" else "criminal summonses"
    sentence = (f"In {period.label}, {group} New Yorkers were {charged['rate_ratio']:.1f} times as likely as {ref} "
                f"New Yorkers to face a criminal cannabis charge ({noun}), per resident (95% CI "
                f"{charged['ci_low']:.1f}–{charged['ci_high']:.1f}; Census 2020 populations).")
    bounds = [cf[b]["rate_ratio"] for b in ("low", "central", "high")]
    if all(b is not None for b in bounds):
        lo, hi = min(bounds), max(bounds)
        span = f"{lo:.1f}" if round(lo, 1) == round(hi, 1) else f"between {lo:.1f} and {hi:.1f}"
        sentence += (f" Counting only the charges that would have stayed criminal under "
                     f"{regimes.label(result['regime'])}, the ratio would be {span}.")
    else:
        sentence += f" Under {regimes.label(result['regime'])} too few criminal charges would remain to compute a ratio."
    return Finding(f"disparity-{period.dataset}-{group}", sentence,
                   {"group": group, "reference": ref, "rate_ratio_as_charged": charged["rate_ratio"],
                    "ci_low": charged["ci_low"], "ci_high": charged["ci_high"], "counterfactual_ratios": bounds},
                   page="disparities",
                   params={"dataset": period.dataset, "start": period.start.isoformat(),
                           "end": period.end.isoformat(), "regime": result["regime"]})


def _disparity_findings(db: str | Path, period: Period, run: Callable[..., dict[str, Any]],
                        compare: Callable[..., dict[str, Any]]) -> list[Finding]:
    result = compare(db, period.dataset, regime="reform-2019", start=period.start, end=period.end)
    return [f for f in (disparity_finding(result, period),) if f]


FINDINGS: list[FindingFn] = [_regime_findings, _expunge_findings, _disparity_findings]


def key_findings(db_path: Database | str | Path, run: Callable[..., dict[str, Any]] = project,
                 spans: dict[str, dict[str, Any]] | None = None,
                 compare: Callable[..., dict[str, Any]] | None = None) -> tuple[Period | None, list[Finding]]:
    """The headline period and the findings. ``run`` is :func:`project` or a cached wrapper of it;
    ``compare`` is :func:`nyc_cannabis.stats.disparity.disparity` (the default) or a cached wrapper of it."""
    period = headline_period(spans if spans is not None else periods(db_path))
    if period is None:
        return None, []
    if compare is None:
        from nyc_cannabis.stats.disparity import disparity as compare
    return period, [f for fn in FINDINGS for f in fn(db_path, period, run, compare)]


__all__ = ["FINDINGS", "Finding", "Period", "headline_period", "key_findings", "periods"]
