"""Disparity statistics on real databases: hand-built records with hand-computed rates and ratios, the real
Q1 2020 summonses against an independent query with the Census figures typed in from the law reference, and
the published figures the extracts can reproduce."""

from __future__ import annotations

import csv
import itertools
import math

import pytest
from conftest import ARREST_HEADER, ROOT, SUMMONS_HEADER, arrest, cli, cli_json, query, summons, write_csv

#: Census 2020 P2, New York City (ny-marijuana-law.md §5.1), typed here independently of the shipped CSV
NYC = {"Black": 1_776_891, "Hispanic": 2_490_350, "White": 2_719_856, "Asian / Pacific Islander": 1_373_502 + 3_301,
       "American Indian / Alaska Native": 19_146}


def by_group(rows):
    return {g["group"]: g for g in rows}


_KEYS = itertools.count(300000001)


def _summonses(db, tmp_path, plan: dict[str, int], date="06/15/2020", **over):
    rows = [summons(str(next(_KEYS)), RACE=race, SUMMONS_DATE=date, **over)
            for race, count in plan.items() for _ in range(count)]
    cli_json("ingest", write_csv(tmp_path / f"s{rows[0]['SUMMONS_KEY']}.csv", SUMMONS_HEADER, rows), "--db", db)


def test_rates_ratios_and_suppression_by_hand(tmp_path, db):
    _summonses(db, tmp_path, {"BLACK": 40, "WHITE HISPANIC": 15, "BLACK HISPANIC": 5, "WHITE": 12,
                              "ASIAN / PACIFIC ISLANDER": 3, "UNKNOWN": 5, "OTHER": 2})
    out = cli_json("disparity", "--db", db, "--dataset", "summonses", "--start", "2020-01-01", "--end", "2020-12-31")
    years = 366 / 365.25
    g = by_group(out["groups"])
    assert out["years"] == pytest.approx(years, abs=1e-4)
    assert g["Black"]["count"] == 40 and g["Hispanic"]["count"] == 20 and g["White"]["count"] == 12
    assert g["Black"]["rate_per_100k"] == pytest.approx(40 / NYC["Black"] / years * 1e5)
    rr = (40 / NYC["Black"]) / (12 / NYC["White"])
    assert g["Black"]["rate_ratio"] == pytest.approx(rr)
    # 12 White events (< 30): the exact conditional interval is reported, and it contains the ratio
    assert g["Black"]["ci_method"] == "exact conditional"
    assert g["Black"]["ci_low"] < rr < g["Black"]["ci_high"]
    se = math.sqrt(1 / 40 + 1 / 12)
    assert g["Black"]["log_ci_low"] == pytest.approx(rr * math.exp(-1.959964 * se), rel=1e-5)
    # 3 Asian / Pacific Islander records: suppressed with the reason, count still shown
    asian = g["Asian / Pacific Islander"]
    assert asian["suppressed"] and asian["count"] == 3 and asian["rate_per_100k"] is None
    assert "count below 10" in asian["note"]
    # no denominator for Other and Unknown: counts only
    assert out["no_denominator"] == ["Other", "Unknown"]
    assert g["Unknown"]["count"] == 5 and g["Unknown"]["rate_per_100k"] is None
    assert out["unknown"]["count"] == 5
    # Unknown sensitivity: all 5 Unknown in White (17) lowers the ratio, all in Black (45) raises it
    assert g["Black"]["rate_ratio_if_unknown_in_reference"] == pytest.approx((40 / NYC["Black"]) / (17 / NYC["White"]))
    assert g["Black"]["rate_ratio_if_unknown_in_group"] == pytest.approx((45 / NYC["Black"]) / (12 / NYC["White"]))
    # shares of enforcement vs population
    assert g["Black"]["share_of_count"] == pytest.approx(40 / 82)
    # all records sit on one day of a 366-day period: the output says the rates are not annual rates
    assert out["coverage"]["days_with_records"] == 1 and "cover only 1 of the 366 days" in out["coverage"]["warning"]
    # the goodness-of-fit test uses the five groups with a population
    assert out["test"]["df"] == 4


def test_reference_group_choice_and_suppressed_reference(tmp_path, db):
    _summonses(db, tmp_path, {"BLACK": 50, "WHITE HISPANIC": 30, "WHITE": 4})
    out = cli_json("disparity", "--db", db, "--dataset", "summonses", "--reference", "Hispanic")
    g = by_group(out["groups"])
    assert out["reference"] == "Hispanic"
    assert g["Black"]["rate_ratio"] == pytest.approx((50 / NYC["Black"]) / (30 / NYC["Hispanic"]))
    out = cli_json("disparity", "--db", db, "--dataset", "summonses")
    g = by_group(out["groups"])
    assert g["Black"]["rate_ratio"] is None and "reference group White suppressed" in g["Black"]["note"]


def test_precincts_population_rule_successor_precinct_and_bh(tmp_path, db):
    # precinct 22 (Central Park, 129 residents): no rate whatever the count; 116 counts with 105
    _summonses(db, tmp_path, {"BLACK": 30, "WHITE": 12}, PRECINCT_OF_OCCUR="22", BORO="MANHATTAN")
    _summonses(db, tmp_path, {"BLACK": 25, "WHITE": 11}, PRECINCT_OF_OCCUR="116", BORO="QUEENS")
    _summonses(db, tmp_path, {"BLACK": 5}, PRECINCT_OF_OCCUR="105", BORO="QUEENS")
    out = cli_json("disparity", "--db", db, "--dataset", "summonses", "--by", "precinct")
    areas = {a["area"]: a for a in out["areas"]}
    assert set(areas) == {"22", "105"}
    p22 = by_group(areas["22"]["groups"])
    assert p22["Black"]["suppressed"] and "population below 1,000" in p22["Black"]["note"]
    p105 = by_group(areas["105"]["groups"])
    assert p105["Black"]["count"] == 30
    with open(ROOT / "nyc_cannabis/core/reference/census/nyc_precinct_2020_pl.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["precinct"] == "105")
    assert p105["Black"]["population"] == int(row["P2_006N"])
    rr = (30 / int(row["P2_006N"])) / (11 / int(row["P2_005N"]))
    assert p105["Black"]["rate_ratio"] == pytest.approx(rr)
    # one comparison with a p-value (105: Black vs White); BH over one test leaves p unchanged
    assert out["fdr"]["comparisons"] == 1
    assert p105["Black"]["q_value"] == pytest.approx(p105["Black"]["p_value"])
    assert out["area_population_source"].startswith("U.S. Census Bureau")
    # the citywide rows are the same whether or not areas are asked for
    city = cli_json("disparity", "--db", db, "--dataset", "summonses")
    assert [(g["group"], g["count"], g["rate_ratio"]) for g in out["groups"]] == \
        [(g["group"], g["count"], g["rate_ratio"]) for g in city["groups"]]
    assert by_group(out["groups"])["Black"]["count"] == 60


def test_by_period_annualises_each_law_period(tmp_path, db):
    _summonses(db, tmp_path, {"BLACK": 20, "WHITE": 10}, date="06/15/2019")
    _summonses(db, tmp_path, {"BLACK": 12, "WHITE": 12}, date="06/15/2020")
    out = cli_json("disparity", "--db", db, "--dataset", "summonses", "--by", "period",
                   "--start", "2019-01-01", "--end", "2020-12-31")
    periods = {a["area"]: a for a in out["areas"]}
    assert list(periods) == ["old-1977", "reform-2019"]
    old_years = (dt_days("2019-01-01", "2019-08-27")) / 365.25
    assert periods["old-1977"]["years"] == pytest.approx(old_years, abs=1e-4)
    black = by_group(periods["old-1977"]["groups"])["Black"]
    assert black["rate_per_100k"] == pytest.approx(20 / NYC["Black"] / old_years * 1e5)
    assert by_group(periods["reform-2019"]["groups"])["Black"]["rate_ratio"] == pytest.approx(NYC["White"] / NYC["Black"])


def dt_days(a: str, b: str) -> int:
    import datetime as dt
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days + 1


def test_enforcement_mode_by_hand(tmp_path, db):
    rows = [arrest(str(500 + i), ARREST_DATE="05/01/2018", PERP_RACE=race)
            for i, race in enumerate(["BLACK"] * 6 + ["WHITE"] * 2)]
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)
    _summonses(db, tmp_path, {"BLACK": 4, "WHITE": 8}, date="05/02/2018")
    out = cli_json("mode", "--db", db)
    got = {(r["period"], r["group"]): r for r in out["rows"]}
    assert got[("old-1977", "Black")]["arrest_share"] == pytest.approx(6 / 10)
    assert got[("old-1977", "White")]["arrest_share"] == pytest.approx(2 / 10)
    assert got[("old-1977", "Black")]["ci_low"] < 0.6 < got[("old-1977", "Black")]["ci_high"]


def test_bad_arguments_are_one_line_errors(tmp_path, db):
    _summonses(db, tmp_path, {"BLACK": 1})
    # the reference is a choice of the groups with a population (as on the Disparities page): a usage error
    code, _, err = cli("disparity", "--db", db, "--dataset", "summonses", "--reference", "Other")
    assert code == 2 and "'Other' is not one of 'Black', 'Hispanic', 'White'" in err
    from nyc_cannabis.stats.disparity import disparity  # the engine refuses it too, in one line
    with pytest.raises(ValueError, match="has no population"):
        disparity(db, "summonses", reference="Other")
    code, _, err = cli("disparity", "--db", tmp_path / "missing.duckdb", "--dataset", "arrests")
    assert code == 1 and "no such database" in err


@pytest.mark.real
def test_q1_2020_summonses_vs_white_match_an_independent_query(real_db_all):
    out = cli_json("disparity", "--db", real_db_all, "--dataset", "summonses")
    assert (out["start"], out["end"]) == ("2020-01-01", "2020-03-31")
    assert out["coverage"]["warning"] is None
    years = 91 / 365.25
    labels = {"BLACK": "Black", "WHITE HISPANIC": "Hispanic", "BLACK HISPANIC": "Hispanic", "WHITE": "White",
              "ASIAN / PACIFIC ISLANDER": "Asian / Pacific Islander",
              "AMERICAN INDIAN/ALASKAN NATIVE": "American Indian / Alaska Native"}
    hand: dict[str, int] = {}
    for race, n in query(real_db_all, """
            SELECT race, count(*) FROM summonses
            WHERE law_section_number LIKE '221%' OR law_section_number LIKE '222%' GROUP BY race"""):
        if race in labels:
            hand[labels[race]] = hand.get(labels[race], 0) + n
    g = by_group(out["groups"])
    for group, n in hand.items():
        assert g[group]["count"] == n, group
        assert g[group]["rate_per_100k"] == pytest.approx(n / NYC[group] / years * 1e5), group
        if group != "White":
            rr = (n / NYC[group]) / (hand["White"] / NYC["White"])
            assert g[group]["rate_ratio"] == pytest.approx(rr), group
            se = math.sqrt(1 / n + 1 / hand["White"])
            assert g[group]["log_ci_low"] == pytest.approx(rr * math.exp(-1.959964 * se), rel=1e-5), group
    assert g["Black"]["rate_ratio"] > 15  # and so the published disparity shows


@pytest.mark.real
def test_published_q1_2020_low_level_summons_counts_are_reproduced(real_db_all):
    # ny-marijuana-law.md §6: Q1 2020 summonses coded 221.05 / 221.10: Black 1,961, Hispanic 1,357, White 156
    out = cli_json("disparity", "--db", real_db_all, "--dataset", "summonses", "--scope", "low-level")
    g = by_group(out["groups"])
    assert (g["Black"]["count"], g["Hispanic"]["count"], g["White"]["count"]) == (1961, 1357, 156)
    # 3,616 rows in the file; one summons key appears twice (the conflicting pair), so 3,615 records
    assert sum(x["count"] for x in out["groups"]) == 3615
    assert (1961 + 1357) / 3616 == pytest.approx(0.918, abs=5e-4)


@pytest.mark.real
def test_december_2017_low_level_arrests_match_the_published_profile(real_db_all):
    # City Council study (ny-marijuana-law.md §6): 2017 low-level possession arrests 86% Black + Hispanic,
    # White under 9%. One month cannot equal a year; it should sit close and on the same side of 9%.
    out = cli_json("disparity", "--db", real_db_all, "--dataset", "arrests", "--scope", "low-level",
                   "--start", "2017-12-02", "--end", "2017-12-31")
    assert out["coverage"]["warning"] is None
    g = by_group(out["groups"])
    total = sum(x["count"] for x in out["groups"])
    hand = query(real_db_all, """SELECT count(*) FROM arrests WHERE arrest_date BETWEEN '2017-12-02' AND '2017-12-31'
                                 AND (law_code LIKE 'PL 22105%' OR law_code LIKE 'PL 22110%')""")[0][0]
    assert total == hand
    black_hispanic = (g["Black"]["count"] + g["Hispanic"]["count"]) / total
    assert 0.80 < black_hispanic < 0.95
    assert g["White"]["count"] / total < 0.09


@pytest.mark.real
def test_counterfactual_disparity_under_the_2019_law(real_db_all):
    out = cli_json("disparity", "--db", real_db_all, "--dataset", "arrests", "--regime", "reform-2019",
                   "--start", "2017-12-02", "--end", "2017-12-31")
    projected = {g["group"]: g for g in cli_json("project", "--db", real_db_all, "--dataset", "arrests",
                                                  "--regime", "reform-2019", "--start", "2017-12-02",
                                                  "--end", "2017-12-31")["groups"]}
    cf = by_group(out["counterfactual"])
    for group in ("Black", "Hispanic", "White"):
        for bound in ("low", "central", "high"):
            assert cf[group][bound]["count"] == projected[group][f"criminal_{bound}"]
        assert cf[group]["as_charged"]["count"] == projected[group]["criminal_as_charged"]
    assert out["measure"] == "criminal charges under the 2019 law (central bound)"
    assert by_group(out["groups"])["Black"]["count"] == projected["Black"]["criminal_central"]


def test_a_law_under_which_nothing_stays_criminal_gives_no_ratio_and_no_error(tmp_path, db):
    # 221.05 summonses of 2020 (a violation) under the MRTA: lawful for adults, so no criminal charge remains
    _summonses(db, tmp_path, {"BLACK": 30, "WHITE": 20})
    out = cli_json("disparity", "--db", db, "--dataset", "summonses", "--regime", "mrta-2021", "--bound", "high")
    g = by_group(out["groups"])
    assert g["Black"]["count"] == 0 and g["Black"]["rate_ratio"] is None
    assert out["unknown"]["share"] is None
    cf = by_group(out["counterfactual"])
    assert cf["Black"]["as_charged"]["count"] == 0     # a 221.05 summons was a violation, not a crime
