"""Disparity statistics: rates per 100,000 residents by group, rate ratios against a reference group with
confidence intervals, small-number suppression, Benjamini–Hochberg flags across areas, the counterfactual
disparity of criminal charges under another regime, and the enforcement mode (arrest vs summons).

Counts come from ``nyc_cannabis/projection/sql/project/by_group.sql`` (the regime engine's query, grouped by group × area), so a
disparity "under the 2019 law" counts exactly the criminal charges the projection counts. Populations come
from :mod:`nyc_cannabis.stats.population`; the formulas from :mod:`nyc_cannabis.stats.rates`. Methods: ``docs/disparity.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from nyc_cannabis.core import events, store
from nyc_cannabis.core.datasets import DATASETS, RACE_GROUPS
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.ingest import cells
from nyc_cannabis.law import regimes
from nyc_cannabis.projection.project import tabulate
from nyc_cannabis.stats import population, rates

BOUNDS = ("low", "central", "high")
#: law dates used to split periods (the enacted regimes' effective dates)
PERIOD_LABELS = {p.regime: p.description for p in events.law_periods()}
#: sections that are low-level possession or public use, the offences a summons can replace:
#: the "low-level" scope of the enforcement-mode measure and of ``--scope low-level``
LOW_LEVEL_SECTIONS = ("221.05", "221.10", "222.05", "222.10")
UNKNOWN_TREATMENT = ("Unknown-race records are counted and shown, but have no population and are left out of "
                     "rates; the sensitivity columns give each rate ratio if every Unknown record had been "
                     "in the reference group (lowest) or in the group compared (highest).")


def suppression_rule(threshold: int, min_population: int) -> str:
    return (f"Rates and ratios are not shown (suppressed) when the count is below {threshold} or the group's "
            f"population is below {min_population:,}; counts are still shown.")


def period(db_path: Database | str | Path, dataset: str, start: dt.date | None, end: dt.date | None,
            sections: tuple[str, ...]) -> tuple[dt.date | None, dt.date | None]:
    """The period rates are annualised over: the dates given, else the first and last record's dates."""
    with reading(db_path) as con:
        row = store.fetch_one(con, "disparity/date_range", cells.period_params(start, end, sections),
                              **cells.identifiers(con, dataset))
    return start or row["first_date"], end or row["last_date"]


#: below this share of days with any record, the period is flagged as not fully covered by the data
MIN_COVERAGE = 0.9


def coverage(db_path: Database | str | Path, dataset: str, first: dt.date | None, last: dt.date | None) -> dict[str, Any]:
    """Days of the period with at least one record of any offence: rates assume the data cover every day."""
    days = (last - first).days + 1 if first and last else 0
    if not days:
        return {"days": 0, "days_with_records": 0, "share": None, "warning": "no records in the period"}
    spec = DATASETS[dataset]
    with reading(db_path) as con:
        row = store.fetch_one(con, "disparity/coverage", {"first": first, "last": last},
                              table=spec.table, date=spec.date)
    share = row["days_with_records"] / days
    warning = None
    if share < MIN_COVERAGE:
        warning = (f"the {dataset} loaded cover only {row['days_with_records']:,} of the {days:,} days from "
                   f"{first} to {last}: rates are annualised over the whole period and understate the true "
                   f"rate; choose dates the data cover (ratios between groups are not affected)")
    return {"days": days, "days_with_records": row["days_with_records"], "share": share, "warning": warning}


def _years(start: dt.date | None, end: dt.date | None) -> float:
    if start is None or end is None or end < start:
        return 0.0
    return ((end - start).days + 1) / 365.25


def _period_years(label: str, start: dt.date | None, end: dt.date | None) -> float:
    """Years of a law period that fall within [start, end]."""
    enacted = regimes.load_all()
    order = ["old-1977", "reform-2019", "mrta-2021"]
    lo = enacted[label].effective_from if label != "old-1977" else dt.date(1900, 1, 1)
    nxt = order.index(label) + 1
    hi = enacted[order[nxt]].effective_from - dt.timedelta(days=1) if nxt < len(order) else dt.date(2999, 12, 31)
    if start is None or end is None:
        return 0.0
    return _years(max(lo, start), min(hi, end))


def group_table(counts: dict[str, int], pops: dict[str, int], years: float, reference: str, *,
                threshold: int = 10, min_population: int = 1000) -> list[dict[str, Any]]:
    """One row per group: count, population, rate with its exact interval, rate ratio against ``reference``
    with its interval and exact p-value, shares, suppression, and the Unknown-race sensitivity bounds."""
    total = sum(counts.values())
    pop_total = sum(pops.values())
    unknown = counts.get("Unknown", 0)
    ref_count, ref_pop = counts.get(reference, 0), pops.get(reference)
    ref_suppressed = ref_count < threshold or not ref_pop or ref_pop < min_population
    rows = []
    for group in RACE_GROUPS:
        count = counts.get(group, 0)
        pop = pops.get(group)
        reasons = []
        if pop is None:
            reasons.append("no population denominator for this group")
        else:
            if count < threshold:
                reasons.append(f"count below {threshold}")
            if pop < min_population:
                reasons.append(f"population below {min_population:,}")
        row: dict[str, Any] = {
            "group": group, "count": count, "population": pop,
            "share_of_count": count / total if total else None,
            "share_of_population": pop / pop_total if pop is not None and pop_total else None,
            "suppressed": bool(reasons) and pop is not None, "note": "; ".join(reasons) or None,
            "rate_per_100k": None, "rate_ci_low": None, "rate_ci_high": None,
            "rate_ratio": None, "ci_low": None, "ci_high": None, "ci_method": None, "p_value": None,
            "rate_ratio_if_unknown_in_reference": None, "rate_ratio_if_unknown_in_group": None,
        }
        if pop is not None and not reasons:
            row["rate_per_100k"] = rates.rate(count, pop, years)
            row.update(rates.rate_ci(count, pop, years).as_dict("rate_ci"))
            if group == reference:
                row.update(rate_ratio=1.0, ci_method="reference group")
            elif ref_suppressed:
                row["note"] = f"reference group {reference} suppressed: no ratio"
            else:
                row.update(rates.compare(count, pop, ref_count, ref_pop))
                row["rate_ratio_if_unknown_in_reference"] = rates.rate_ratio(count, pop, ref_count + unknown, ref_pop)
                row["rate_ratio_if_unknown_in_group"] = rates.rate_ratio(count + unknown, pop, ref_count, ref_pop)
        rows.append(row)
    return rows


def _test(rows: list[dict[str, Any]]) -> dict[str, Any]:
    usable = [r for r in rows if r["population"] is not None]
    result = rates.goodness_of_fit([r["count"] for r in usable], [r["population"] for r in usable])
    result["groups"] = [r["group"] for r in usable]
    return result


def _measure(regime: str | None, bound: str) -> str:
    return f"criminal_{bound}" if regime else "records"


def disparity(db_path: Database | str | Path, dataset: str, *, regime: str | None = None, bound: str = "central",
              reference: str = "White", start: dt.date | None = None, end: dt.date | None = None,
              by: str | None = None, scope: str = "all", threshold: int = 10, min_population: int = 1000,
              fdr: float = 0.05) -> dict[str, Any]:
    """Rates and rate ratios by group for one dataset's cannabis records (``regime`` given: the criminal
    charges those records would be under it, at ``bound``), citywide and, with ``by``, per borough,
    precinct or law period."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: arrests or summonses")
    if reference not in population.GROUP_VARIABLES:
        raise ValueError(f"reference group {reference!r} has no population: one of "
                         f"{', '.join(population.GROUP_VARIABLES)}")
    if bound not in BOUNDS:
        raise ValueError(f"unknown bound {bound!r}: low, central or high")
    if by not in (None, "borough", "precinct", "period"):
        raise ValueError(f"unknown --by {by!r}: borough, precinct or period")
    if scope not in ("all", "low-level"):
        raise ValueError(f"unknown scope {scope!r}: all or low-level")
    sections = LOW_LEVEL_SECTIONS if scope == "low-level" else ()
    target = regimes.load(regime) if regime else regimes.load("mrta-2021")
    first, last = period(db_path, dataset, start, end, sections)
    years = _years(first, last)
    measure = _measure(regime, bound)

    def counts_by(area: str | None) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for r in tabulate(db_path, dataset, target, start=start, end=end, area=area, sections=sections):
            out.setdefault(r["area"], {})[r["group"]] = r
        return out

    by_area = counts_by(by) if by else {}
    city = _summed(by_area) if by else counts_by(None).get("*", {})
    city_counts = {g: int(r[measure]) for g, r in city.items()}
    city_rows = group_table(city_counts, population.city(), years, reference,
                            threshold=threshold, min_population=min_population)
    result: dict[str, Any] = {
        "dataset": dataset, "scope": scope, "sections": list(sections) or "all cannabis sections (PL 221, 222)",
        "measure": (f"criminal charges under {regimes.label(target.id)} ({bound} bound)" if regime
                    else f"{dataset} as charged"),
        "regime": target.id if regime else None, "bound": bound if regime else None,
        "reference": reference, "population_source": population.SOURCES["city"],
        "start": first.isoformat() if first else None, "end": last.isoformat() if last else None,
        "years": round(years, 4), "coverage": coverage(db_path, dataset, first, last), "rule": suppression_rule(threshold, min_population),
        "threshold": threshold, "min_population": min_population,
        "no_denominator": list(population.NO_DENOMINATOR),
        "unknown": {"count": city_counts.get("Unknown", 0),
                    "share": (city_counts.get("Unknown", 0) / sum(city_counts.values()))
                    if sum(city_counts.values()) else None,
                    "treatment": UNKNOWN_TREATMENT},
        "groups": city_rows, "test": _test(city_rows),
    }
    if regime:
        result["counterfactual"] = _counterfactual(city, years, reference, threshold, min_population)
    if by:
        result["by"] = by
        result["areas"] = _areas(by_area, by, measure, first, last, years, reference, threshold,
                                 min_population, fdr)
        result["area_population_source"] = population.SOURCES["city" if by == "period" else by]
        result["fdr"] = {"method": "Benjamini–Hochberg", "q": fdr,
                         "comparisons": sum(1 for a in result["areas"] for g in a["groups"]
                                            if g.get("q_value") is not None),
                         "significant": sum(1 for a in result["areas"] for g in a["groups"] if g.get("significant"))}
    return result


def _summed(by_area: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """City totals per group from the per-area rows (one query instead of two)."""
    out: dict[str, dict[str, int]] = {}
    for groups in by_area.values():
        for group, row in groups.items():
            acc = out.setdefault(group, {})
            for k, v in row.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    acc[k] = acc.get(k, 0) + v
    return out


def _areas(by_area: dict[str, dict[str, dict[str, int]]], by: str, measure: str, first: dt.date | None,
           last: dt.date | None, years: float, reference: str, threshold: int, min_population: int,
           fdr: float) -> list[dict[str, Any]]:
    pops = population.for_areas(by)
    names = population.borough_names()
    areas = []
    for area, groups in sorted(by_area.items(), key=lambda kv: _area_order(kv[0], by)):
        counts = {g: int(r[measure]) for g, r in groups.items()}
        if by == "period":
            area_years, area_pops, label = _period_years(area, first, last), pops["*"], PERIOD_LABELS.get(area, area)
        else:
            area_years, area_pops = years, pops.get(area)
            label = names.get(area, area) if by == "borough" else (f"Precinct {area}" if area != "None" else area)
        entry: dict[str, Any] = {"area": area, "label": label, "years": round(area_years, 4),
                                 "records": sum(counts.values())}
        if area_pops is None:
            entry["note"] = "no population for this area (unknown borough or precinct): counts only"
            entry["groups"] = [{"group": g, "count": counts.get(g, 0)} for g in RACE_GROUPS]
        else:
            entry["groups"] = group_table(counts, area_pops, area_years, reference,
                                          threshold=threshold, min_population=min_population)
            entry["test"] = _test(entry["groups"])
        areas.append(entry)
    flat = [g for a in areas for g in a["groups"]]
    q_values, significant = rates.benjamini_hochberg([g.get("p_value") for g in flat], fdr)
    for g, q, s in zip(flat, q_values, significant):
        if "p_value" in g:
            g["q_value"], g["significant"] = q, s
    return areas


def _area_order(area: str, by: str) -> tuple:
    if by == "precinct":
        return (0, int(area)) if area.isdigit() else (1, 0)
    if by == "period":
        return (list(PERIOD_LABELS).index(area) if area in PERIOD_LABELS else 9,)
    return (area == "None", area)


def _counterfactual(city: dict[str, dict[str, int]], years: float, reference: str, threshold: int,
                    min_population: int) -> list[dict[str, Any]]:
    """Per group: rate and rate ratio of criminal charges as charged and under the target at each bound."""
    pops = population.city()
    out: dict[str, dict[str, Any]] = {g: {"group": g} for g in RACE_GROUPS}
    for measure, name in (("criminal_as_charged", "as_charged"), ("criminal_low", "low"),
                          ("criminal_central", "central"), ("criminal_high", "high")):
        counts = {g: int(r[measure]) for g, r in city.items()}
        for row in group_table(counts, pops, years, reference, threshold=threshold, min_population=min_population):
            out[row["group"]][name] = {k: row[k] for k in ("count", "rate_per_100k", "rate_ratio", "ci_low",
                                                           "ci_high", "suppressed")}
    return list(out.values())


def enforcement_mode(db_path: Database | str | Path, *, start: dt.date | None = None, end: dt.date | None = None,
                     scope: str = "low-level") -> dict[str, Any]:
    """By law period and group: the share of cannabis enforcement that was a custodial arrest rather than a
    criminal-court summons, with a Wilson 95% interval. ``low-level`` (default) compares like with like:
    only the possession and public-use sections a summons can replace."""
    sections = LOW_LEVEL_SECTIONS if scope == "low-level" else ()
    target = regimes.load("mrta-2021")
    tallies: dict[tuple[str, str], dict[str, int]] = {}
    for dataset in ("arrests", "summonses"):
        for r in tabulate(db_path, dataset, target, start=start, end=end, area="period", sections=sections):
            tallies.setdefault((r["area"], r["group"]), {"arrests": 0, "summonses": 0})[dataset] = int(r["records"])
    rows = []
    order = {p: i for i, p in enumerate(PERIOD_LABELS)}
    for (period, group), t in sorted(tallies.items(),
                                     key=lambda kv: (order.get(kv[0][0], 9), RACE_GROUPS.index(kv[0][1])
                                                     if kv[0][1] in RACE_GROUPS else 99)):
        n = t["arrests"] + t["summonses"]
        ci = rates.proportion_ci(t["arrests"], n)
        rows.append({"period": period, "period_label": PERIOD_LABELS.get(period, period), "group": group,
                     "arrests": t["arrests"], "summonses": t["summonses"],
                     "arrest_share": t["arrests"] / n if n else None, **ci.as_dict("ci")})
    return {"scope": scope, "sections": list(sections) or "all cannabis sections",
            "definition": "arrests / (arrests + criminal-court summonses), cannabis records, by law period of the "
                          "record's date; interval: Wilson 95%",
            "rows": rows}
