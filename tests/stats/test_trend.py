"""Interrupted time series: the segmented model recovers effects planted in series built from known
parameters, skips law dates the data cannot speak to, and runs end to end on a real database."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SUMMONS_HEADER, cli, cli_json, query, summons, write_csv

from nyc_cannabis.stats import trend


def series(start: str, end: str, rate_of) -> pd.DataFrame:
    """Expected counts rate_of(month) × days in month, exactly (no noise): the fit must return the
    generating parameters."""
    months = pd.date_range(start, end, freq="MS")
    return pd.DataFrame({"month": months, "count": [rate_of(m) * m.days_in_month for m in months]})


def test_its_recovers_planted_level_and_slope_changes():
    # 2016-01 to 2023-12. Base 300/day, falling 1% a month; halves at 2018-09; quarter again at 2019-09
    # with the slope turning flat; MRTA (2021-04) brings no change.
    start = pd.Timestamp("2016-01-01")

    def rate_of(m):
        t = (m.year - start.year) * 12 + m.month - 1
        log = math.log(300) + math.log(0.99) * t
        if m >= pd.Timestamp("2018-09-01"):
            log += math.log(0.5)
        if m >= pd.Timestamp("2019-09-01"):
            t0 = (2019 - 2016) * 12 + 8
            log += math.log(0.25) + math.log(1 / 0.99) * (t - t0)
        return math.exp(log)

    s = series("2016-01-01", "2023-12-01", rate_of)
    breaks, skipped = trend.usable_breaks(pd.DatetimeIndex(s["month"]))
    assert [b["first_month_after"] for b in breaks] == ["2018-09-01", "2019-09-01", "2021-04-01"] and not skipped
    fit = trend.its(s, breaks)
    eff = {(e["break"], e["kind"]): e for e in fit["effects"]}
    assert fit["pre_trend_per_month"]["ratio"] == pytest.approx(0.99, rel=1e-6)
    assert eff[("2018-09-01", "level")]["ratio"] == pytest.approx(0.5, rel=1e-6)
    assert eff[("2018-09-01", "slope")]["ratio"] == pytest.approx(1.0, rel=1e-6)
    assert eff[("2019-08-28", "level")]["ratio"] == pytest.approx(0.25, rel=1e-6)
    assert eff[("2019-08-28", "slope")]["ratio"] == pytest.approx(1 / 0.99, rel=1e-6)
    assert eff[("2021-03-31", "level")]["ratio"] == pytest.approx(1.0, rel=1e-6)


def test_its_interval_covers_the_truth_with_poisson_noise():
    rng = np.random.default_rng(7)
    s = series("2016-01-01", "2023-12-01", lambda m: 20.0 * (0.4 if m >= pd.Timestamp("2019-09-01") else 1.0))
    s["count"] = rng.poisson(s["count"])
    breaks, _ = trend.usable_breaks(pd.DatetimeIndex(s["month"]))
    eff = {(e["break"], e["kind"]): e for e in trend.its(s, breaks)["effects"]}
    level = eff[("2019-08-28", "level")]
    assert level["ci_low"] < 0.4 < level["ci_high"]
    assert level["ci_high"] < 1.0  # a 60% drop on ~600 a month is not lost in the noise
    assert level["p_value"] < 0.001
    # the interval is statsmodels' own GLM Wald interval (independent: conf_int of a fresh fit)
    import statsmodels.api as sm
    x = trend.design(pd.DatetimeIndex(s["month"]), breaks, seasonal=False)
    offset = np.log(pd.DatetimeIndex(s["month"]).days_in_month.to_numpy(dtype=float))
    poisson = sm.GLM(s["count"].to_numpy(), x, family=sm.families.Poisson(), offset=offset).fit()
    scale = max(1.0, poisson.pearson_chi2 / poisson.df_resid)
    ref = sm.GLM(s["count"].to_numpy(), x, family=sm.families.Poisson(), offset=offset).fit(scale=scale)
    low, high = np.exp(ref.conf_int().loc["level:2019-08-28"])
    assert (level["ci_low"], level["ci_high"]) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    assert level["p_value"] == pytest.approx(ref.pvalues["level:2019-08-28"], rel=1e-9, abs=1e-300)
    assert trend.its(s, breaks)["dispersion"] == pytest.approx(ref.scale, rel=1e-12)


def test_an_effect_with_too_few_records_is_flagged_imprecise():
    # about one record a month, and none at all for the six months after the MRTA: the fit is still
    # "estimable" for the 2019 break but its interval spans far more than x100 for the MRTA level
    rng = np.random.default_rng(3)
    s = series("2016-01-01", "2023-12-01", lambda m: (0.03 if m < pd.Timestamp("2021-04-01") else 0.003))
    s["count"] = rng.poisson(s["count"])
    breaks, _ = trend.usable_breaks(pd.DatetimeIndex(s["month"]))
    eff = {(e["break"], e["kind"]): e for e in trend.its(s, breaks)["effects"]}
    for e in eff.values():  # the flag is exactly "the interval spans more than a factor of 100"
        if e["estimable"]:
            assert e["imprecise"] == (e["ci_high"] / e["ci_low"] > 100)
    assert any(e["imprecise"] for e in eff.values())
    dense = series("2016-01-01", "2023-12-01", lambda m: 20.0)
    dense["count"] = rng.poisson(dense["count"])
    assert not any(e["imprecise"] for e in trend.its(dense, breaks)["effects"])


def test_ratio_model_recovers_a_planted_change_in_the_disparity():
    # group rate 8× the reference before 2019-09, 4× after: the ratio halves at the 2019 law
    ref = series("2016-01-01", "2023-12-01", lambda m: 50.0)
    grp = series("2016-01-01", "2023-12-01",
                 lambda m: 50.0 * (4.0 if m >= pd.Timestamp("2019-09-01") else 8.0) * 2)  # population 2× reference
    breaks, _ = trend.usable_breaks(pd.DatetimeIndex(ref["month"]))
    fit = trend.its_ratio(grp, ref, breaks, pop_group=2_000_000, pop_reference=1_000_000)
    assert fit["rate_ratio_at_start"]["ratio"] == pytest.approx(8.0, rel=1e-6)
    eff = {(e["break"], e["kind"]): e for e in fit["effects"]}
    assert eff[("2019-08-28", "level")]["ratio"] == pytest.approx(0.5, rel=1e-6)
    assert eff[("2018-09-01", "level")]["ratio"] == pytest.approx(1.0, rel=1e-6)


def test_breaks_without_enough_months_are_skipped_with_the_reason():
    months = pd.date_range("2019-03-01", "2020-03-01", freq="MS")
    used, skipped = trend.usable_breaks(months)
    assert [b["date"] for b in used] == ["2019-08-28"]           # 6 months before Sept 2019, 7 after
    reasons = {b["date"]: b["reason"] for b in skipped}
    assert reasons["2018-09-01"].startswith("0 month(s) before and 13 after")
    assert reasons["2021-03-31"].startswith("13 month(s) before and 0 after")


def test_trend_on_a_database_counts_every_record_and_writes_valid_json(tmp_path, db):
    rows, n = [], 0
    for year in range(2018, 2022):
        for month in range(1, 13):
            for race, k in (("BLACK", 6 if year < 2020 else 2), ("WHITE", 2)):
                for _ in range(k):
                    n += 1
                    rows.append(summons(str(400000000 + n), RACE=race, SUMMONS_DATE=f"{month:02d}/10/{year}"))
    cli_json("ingest", write_csv(tmp_path / "s.csv", SUMMONS_HEADER, rows), "--db", db)
    code, out, err = cli("trend", "--db", db, "--dataset", "summonses", "--json")
    assert code == 0, err
    result = json.loads(out)  # strict JSON: no NaN or Infinity
    assert "Infinity" not in out and "NaN" not in out
    hand = dict(query(db, "SELECT race, count(*) FROM summonses GROUP BY race"))
    totals = {}
    for m in result["monthly"]:
        totals[m["group"]] = totals.get(m["group"], 0) + m["count"]
    assert totals == {"Black": hand["BLACK"], "White": hand["WHITE"]}
    assert len({m["month"] for m in result["monthly"]}) == 48
    black = next(r for r in result["ratios"] if r["group"] == "Black")
    # Black 6 a month and White 2 at the start: the rate ratio there is 3 × (White pop / Black pop)
    from nyc_cannabis.stats import population
    pops = population.city()
    assert black["rate_ratio_at_start"]["ratio"] == pytest.approx(3 * pops["White"] / pops["Black"], rel=0.15)


@pytest.mark.real
def test_trend_on_one_quarter_of_real_summonses_skips_every_break(real_db_all):
    result = cli_json("trend", "--db", real_db_all, "--dataset", "summonses")
    assert result["breaks"] == [] and len(result["skipped_breaks"]) == 3
    assert {g["note"] for g in result["groups"] if "note" in g} <= {
        "no law date has enough months on both sides in the data", "fewer than 30 records: not modelled"}
    months = sorted({m["month"] for m in result["monthly"]})
    assert months == ["2020-01-01", "2020-02-01", "2020-03-01"]


def test_a_period_starting_mid_month_counts_only_the_days_covered(tmp_path, db):
    rows = [summons(str(410000000 + i), SUMMONS_DATE=f"{m:02d}/20/2019") for i, m in enumerate(range(1, 13))]
    cli_json("ingest", write_csv(tmp_path / "s.csv", SUMMONS_HEADER, rows), "--db", db)
    result = cli_json("trend", "--db", db, "--dataset", "summonses", "--start", "2019-01-15", "--end", "2019-12-24")
    days = {m["month"]: m["days"] for m in result["monthly"]}
    assert days["2019-01-01"] == 17 and days["2019-06-01"] == 30 and days["2019-12-01"] == 24
