"""Monthly series by group and interrupted time series (ITS) around the law dates.

Model (Bernal, Cummins & Gasparrini 2017, "Interrupted time series regression for the evaluation of public
health interventions"): a segmented quasi-Poisson regression of monthly counts,

    log E[count_t] = log(days_t) + b0 + b1·t + Σ_k (c_k·after_k(t) + d_k·(t − t_k)·after_k(t)) [+ season]

with ``t`` in months, ``after_k`` 1 from the first whole month on or after break ``k``, and the dispersion
estimated from the Pearson chi-square (quasi-Poisson, floored at 1), so overdispersed counts get honest
intervals.
``exp(c_k)`` is the **level change** (rate ratio just after the break vs the pre-break trend) and ``exp(d_k)``
the **slope change** (extra multiplicative change per month). Optional seasonality: one sine/cosine pair.

For a disparity ratio (group vs reference) both series are fitted together with every term interacted with
a group indicator: ``exp(c_k:group)`` is the change in the rate ratio at break ``k``.

A break enters a model only when the series has at least :data:`MIN_SIDE` months on each side of it;
otherwise it is listed under ``skipped_breaks`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from nyc_cannabis.core import events, store
from nyc_cannabis.core.datasets import DATASETS, RACE_GROUPS
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.ingest import cells
from nyc_cannabis.stats import population
from nyc_cannabis.stats.disparity import LOW_LEVEL_SECTIONS
from nyc_cannabis.stats.disparity import period as _period

#: the dates the ITS looks at: NYPD policy, the 2019 law, the MRTA (``core/events.yaml``)
BREAKS: tuple[tuple[dt.date, str], ...] = tuple((e.date, e.label) for e in events.breaks())
MIN_SIDE = 6
#: a group's series is modelled only with at least this many records in all
MIN_RECORDS = 30


def monthly(db_path: Database | str | Path, dataset: str, *, start: dt.date | None = None, end: dt.date | None = None,
            scope: str = "all") -> pd.DataFrame:
    """Counts per month × group (every month between the first and last, zeros filled)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: arrests or summonses")
    sections = LOW_LEVEL_SECTIONS if scope == "low-level" else ()
    with reading(db_path) as con:
        frame = store.fetch_df(con, "disparity/monthly", cells.period_params(start, end, sections),
                               **cells.identifiers(con, dataset))
    if frame.empty:
        return pd.DataFrame(columns=["month", "group", "count", "days"])
    first, last = _period(db_path, dataset, start, end, sections)
    frame["month"] = pd.to_datetime(frame["month"])
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    groups = [g for g in RACE_GROUPS if g in set(frame["group"])]
    full = pd.MultiIndex.from_product([months, groups], names=["month", "group"])
    out = (frame.set_index(["month", "group"])["count"].reindex(full, fill_value=0)
           .astype("int64").reset_index())
    out["days"] = [_days_covered(m, first, last) for m in out["month"]]
    return out


def _days_covered(month: pd.Timestamp, first: dt.date, last: dt.date) -> int:
    """Days of ``month`` inside [first, last]: a period that starts or ends mid-month is not a drop."""
    lo = max(month.date(), first)
    hi = min((month + pd.offsets.MonthEnd(0)).date(), last)
    return max((hi - lo).days + 1, 1)


def _first_month_on_or_after(day: dt.date) -> pd.Timestamp:
    ts = pd.Timestamp(day)
    return ts if ts.day == 1 else (ts + pd.offsets.MonthBegin(1))


def usable_breaks(months: pd.DatetimeIndex) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Breaks with enough months on both sides, and the others with why they were left out."""
    used, skipped = [], []
    for day, label in BREAKS:
        first = _first_month_on_or_after(day)
        before = int((months < first).sum())
        after = int((months >= first).sum())
        entry = {"date": day.isoformat(), "label": label, "first_month_after": first.date().isoformat()}
        if before >= MIN_SIDE and after >= MIN_SIDE:
            used.append(entry)
        else:
            skipped.append({**entry, "reason": f"{before} month(s) before and {after} after in the data; "
                                               f"the model needs {MIN_SIDE} on each side"})
    return used, skipped


def design(months: pd.DatetimeIndex, breaks: list[dict[str, Any]], seasonal: bool) -> pd.DataFrame:
    """The segmented-regression columns for a run of months."""
    t = np.arange(len(months), dtype=float)
    x = pd.DataFrame({"const": 1.0, "time": t}, index=months)
    for b in breaks:
        first = pd.Timestamp(b["first_month_after"])
        after = (months >= first).astype(float)
        t0 = float(np.argmax(months >= first))
        x[f"level:{b['date']}"] = after
        x[f"slope:{b['date']}"] = (t - t0) * after
    if seasonal:
        angle = 2 * np.pi * months.month.to_numpy() / 12
        x["sin12"], x["cos12"] = np.sin(angle), np.cos(angle)
    return x


@dataclass(frozen=True)
class _Fitted:
    """What the effects need from a fit: coefficients, standard errors, p-values, dispersion."""

    params: pd.Series
    bse: pd.Series
    pvalues: pd.Series
    scale: float


def _fit(y: np.ndarray, x: pd.DataFrame, offset: np.ndarray) -> _Fitted:
    """Poisson fit, then the quasi-Poisson dispersion Pearson X²/df floored at 1 (never narrower intervals
    than Poisson; a perfectly regular series would otherwise get a dispersion of 0). The quasi-Poisson fit
    has the Poisson coefficients and their standard errors times sqrt(dispersion), so those are scaled here
    rather than fitted a second time (``GLM.fit(scale=...)`` gives the same numbers: tests/test_trend.py)."""
    import statsmodels.api as sm  # 0.7 s to import: only the Trends page and the trend command pay it
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():  # separation shows up as a non-estimable effect (see _ratio)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit()
    dispersion = fit.pearson_chi2 / fit.df_resid if fit.df_resid > 0 else 1.0
    scale = float(dispersion) if np.isfinite(dispersion) and dispersion > 1 else 1.0
    bse = fit.bse * np.sqrt(scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        pvalues = pd.Series(special.erfc(np.abs(fit.params / bse) / np.sqrt(2)), index=fit.params.index)
    return _Fitted(fit.params, bse, pvalues, scale)  # Wald z tests, as GLM's (use_t is off)


_Z95 = float(special.ndtri(0.975))
#: an effect whose 95% interval spans more than a factor of 100 (0.1 to 10, say) says nothing a reader can use:
#: it is flagged "imprecise" (too few records around that date), though still reported
_IMPRECISE = float(np.log(100))


def _ratio(fit, name: str) -> dict[str, Any]:
    """exp(coefficient) with its 95% interval, or not estimable (e.g. a segment of all-zero months, where
    the fit runs off to infinity)."""
    coef = fit.params[name]
    # the Wald interval GLM.conf_int() gives (normal quantile; use_t is off), without building the whole
    # interval table for each of the ~80 coefficients asked for
    low, high = coef - _Z95 * fit.bse[name], coef + _Z95 * fit.bse[name]
    if not np.all(np.isfinite([coef, low, high])) or high - low > 20:
        return {"ratio": None, "ci_low": None, "ci_high": None, "p_value": None, "estimable": False,
                "imprecise": False}
    return {"ratio": float(np.exp(coef)), "ci_low": float(np.exp(low)), "ci_high": float(np.exp(high)),
            "p_value": float(fit.pvalues[name]), "estimable": True, "imprecise": high - low > _IMPRECISE}


def _effects(fit, breaks: list[dict[str, Any]], suffix: str = "") -> list[dict[str, Any]]:
    return [{"break": b["date"], "label": b["label"], "kind": kind, **_ratio(fit, f"{kind}:{b['date']}{suffix}")}
            for b in breaks for kind in ("level", "slope")]


def _days(series: pd.DataFrame) -> np.ndarray:
    """Exposure days per month: the ``days`` column when the series has one, else whole months."""
    if "days" in series:
        return series["days"].to_numpy(dtype=float)
    return pd.DatetimeIndex(series["month"]).days_in_month.to_numpy(dtype=float)


def its(series: pd.DataFrame, breaks: list[dict[str, Any]], *, seasonal: bool = False,
        population_size: float | None = None) -> dict[str, Any]:
    """Segmented quasi-Poisson fit of one monthly series (columns month, count)."""
    months = pd.DatetimeIndex(series["month"])
    x = design(months, breaks, seasonal)
    offset = np.log(_days(series) * (population_size or 1.0))
    fit = _fit(series["count"].to_numpy(dtype=float), x, offset)
    return {"months": len(months), "family": "quasi-Poisson (Pearson X²/df dispersion, at least 1)",
            "dispersion": float(fit.scale), "seasonal": seasonal,
            "pre_trend_per_month": _ratio(fit, "time"),
            "effects": _effects(fit, breaks)}


def its_ratio(group: pd.DataFrame, reference: pd.DataFrame, breaks: list[dict[str, Any]], *,
              seasonal: bool = False, pop_group: float | None = None,
              pop_reference: float | None = None) -> dict[str, Any]:
    """Changes in the group-vs-reference rate ratio at each break: both series in one model with every term
    interacted with the group indicator."""
    months = pd.DatetimeIndex(group["month"])
    x = design(months, breaks, seasonal)
    xg = x.add_suffix(":group")
    stacked = pd.concat([pd.concat([x, xg * 0.0], axis=1), pd.concat([x, xg], axis=1)], ignore_index=True)
    y = np.concatenate([reference["count"].to_numpy(dtype=float), group["count"].to_numpy(dtype=float)])
    days = np.concatenate([_days(reference), _days(group)])
    pops = np.repeat([pop_reference or 1.0, pop_group or 1.0], len(months))
    fit = _fit(y, stacked, np.log(days * pops))
    return {"months": len(months), "dispersion": float(fit.scale),
            "rate_ratio_at_start": _ratio(fit, "const:group"),
            "effects": _effects(fit, breaks, ":group")}


def trend(db_path: Database | str | Path, dataset: str, *, reference: str = "White", start: dt.date | None = None,
          end: dt.date | None = None, scope: str = "all", seasonal: bool = False) -> dict[str, Any]:
    """Monthly series by group, an ITS per group, and an ITS of each group's rate ratio vs ``reference``."""
    series = monthly(db_path, dataset, start=start, end=end, scope=scope)
    pops = population.city()
    result: dict[str, Any] = {
        "dataset": dataset, "scope": scope, "reference": reference, "seasonal": seasonal,
        "population_source": population.SOURCES["city"],
        "monthly": [{"month": m.date().isoformat(), "group": g, "count": int(c), "days": int(d)}
                    for m, g, c, d in series.itertuples(index=False)],
        "groups": [], "ratios": [],
    }
    if series.empty:
        result.update(breaks=[], skipped_breaks=[], note="no cannabis records in the period")
        return result
    months = pd.DatetimeIndex(sorted(series["month"].unique()))
    used, skipped = usable_breaks(months)
    result.update(breaks=used, skipped_breaks=skipped, first_month=months[0].date().isoformat(),
                  last_month=months[-1].date().isoformat())
    by_group = {g: s.reset_index(drop=True) for g, s in series.groupby("group", sort=False)}
    for group, s in by_group.items():
        entry: dict[str, Any] = {"group": group, "records": int(s["count"].sum())}
        if entry["records"] < MIN_RECORDS:
            entry["note"] = f"fewer than {MIN_RECORDS} records: not modelled"
        elif not used:
            entry["note"] = "no law date has enough months on both sides in the data"
        else:
            entry.update(its(s, used, seasonal=seasonal, population_size=pops.get(group)))
        result["groups"].append(entry)
    ref = by_group.get(reference)
    for group, s in by_group.items():
        if group == reference or group not in pops or ref is None:
            continue
        entry = {"group": group, "reference": reference}
        if min(int(s["count"].sum()), int(ref["count"].sum())) < MIN_RECORDS:
            entry["note"] = f"fewer than {MIN_RECORDS} records in a series: not modelled"
        elif not used:
            entry["note"] = "no law date has enough months on both sides in the data"
        else:
            entry.update(its_ratio(s, ref, used, seasonal=seasonal, pop_group=pops[group],
                                   pop_reference=pops[reference]))
        result["ratios"].append(entry)
    return result
