"""The Disparities, Trends and Geography pages (AppTest): figures on the page equal an independent query with
the Census figures typed in; URL parameters drive the view; bad parameters fall back with a notice."""

from __future__ import annotations

import re

import datetime as dt

from conftest import ARREST_HEADER, ROOT, arrest, cli_json, query, write_csv
from streamlit.testing.v1 import AppTest

#: Census 2020 P2, New York City (docs/sources.md), typed in independently of the shipped CSV
NYC = {"Black": 1_776_891, "Hispanic": 2_490_350, "White": 2_719_856}


def page(monkeypatch, db, name: str, **params: str) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(f"nyc_cannabis/ui/screens/{name}.py")
    at.query_params.update(params)
    return at.run()


def whole_span(db) -> dict[str, str]:
    """URL dates for every cannabis record of the database (the rate pages open on a complete year)."""
    lo, hi = query(db, """SELECT min(d), max(d) FROM (SELECT arrest_date AS d FROM arrests WHERE is_cannabis
                          UNION ALL SELECT summons_date FROM summonses WHERE is_cannabis)""")[0]
    return {"start": lo.isoformat(), "end": hi.isoformat()}


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_disparities_headline_ratio_matches_a_hand_query(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "disparities", dataset="summonses", **whole_span(demo_db))
    assert not at.exception
    counts = dict(query(demo_db, """SELECT race, count(*) FROM summonses WHERE law_section LIKE '221%'
                                     OR law_section LIKE '222%' GROUP BY race"""))
    black, white = counts["BLACK"], counts["WHITE"]
    assert metrics(at)["Black rate ÷ White rate"] == f"{(black / NYC['Black']) / (white / NYC['White']):.1f}×"
    assert metrics(at)["Cannabis summonses as charged"] == f"{sum(counts.values()):,}"
    assert any("have no Census denominator" in c.value for c in at.caption)


def test_disparities_counterfactual_and_borough_split_from_the_url(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "disparities", regime="reform-2019", bound="high", by="borough",
              reference="Hispanic")
    assert not at.exception
    heads = [h.value for h in at.header]
    assert "Counterfactual: the disparity in criminal charges under the 2019 law" in heads
    assert "By borough" in heads
    assert at.selectbox(key="reference").value == "Hispanic"
    assert "Black rate ÷ Hispanic rate" in metrics(at)
    assert not [w for w in at.warning if "not valid" in w.value]


def test_disparities_bad_parameters_fall_back_with_a_notice(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "disparities", reference="Other", by="planet")
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "`reference=Other` is not valid" in notices and "`by=planet` is not valid" in notices
    assert at.selectbox(key="reference").value == "White"


def test_changing_the_reference_group_updates_the_url(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "disparities")
    at.selectbox(key="reference").select("Hispanic").run()
    assert not at.exception
    assert at.query_params["reference"] in ("Hispanic", ["Hispanic"])
    assert "Black rate ÷ Hispanic rate" in metrics(at)


def test_trends_page_models_and_tables(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "trends", dataset="arrests", seasonal="1")
    assert not at.exception
    assert at.toggle(key="seasonal").value is True
    heads = [h.value for h in at.header]
    assert "Change at each law date, per group" in heads and "Change in each group's rate ratio to White" in heads
    assert len(at.dataframe) == 2
    # p-values in significant digits, never rounded to a flat 0.000
    import json
    for table in at.dataframe:
        assert json.loads(table.proto.columns)["p_value"]["type_config"]["format"] == "%.2g"
        rows = table.value.dropna(subset=["ci_low"])
        flagged = rows["reading"].str.startswith("too few records")
        assert (flagged == (rows["ci_high"] / rows["ci_low"] > 100)).all()


def test_geography_precinct_peer_table_matches_a_hand_query(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "geography", dataset="arrests", precinct="75", **whole_span(demo_db))
    assert not at.exception
    hand = dict(query(demo_db, """SELECT race_group, count(*) FROM arrests WHERE is_cannabis
                                   AND arrest_precinct = 75 GROUP BY ALL"""))
    peer = at.dataframe[0].value
    got = dict(zip(peer["group"], peer["precinct count"]))
    assert {g: n for g, n in got.items() if n} == hand
    assert any("A precinct against the city" == h.value for h in at.header)


def test_geography_borough_level_and_a_bad_precinct(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db, "geography", level="borough", precinct="999", measure="rate_ratio")
    assert not at.exception
    assert any("`precinct=999` is not valid" in w.value for w in at.warning)
    assert "By borough" in [h.value for h in at.header]
    assert any("Map of the five boroughs" in c.value for c in at.caption)
    # 4,000 demo arrests over five boroughs: some borough × group ratios can be tested
    [tested] = [c.value for c in at.caption if "Benjamini–Hochberg (q = 0.05)" in c.value]
    assert int(re.search(r"of (\d+) borough × group ratios are significant", tested).group(1)) > 0


def test_rate_pages_open_on_a_complete_year(monkeypatch, tmp_path):
    """Records on every day of 2018 and a few in 2017 and 2019: the Disparities and Geography pages open on 2018
    (no "incomplete period" warning); the whole span would be mostly uncovered days."""
    day = dt.date(2018, 1, 1)
    rows = [arrest(str(100000000 + i), ARREST_DATE=(day + dt.timedelta(days=i)).strftime("%m/%d/%Y"))
            for i in range(365)]
    rows += [arrest("200000001", ARREST_DATE="03/01/2017"), arrest("200000002", ARREST_DATE="06/01/2019")]
    db = tmp_path / "year.duckdb"
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)
    for name in ("disparities", "geography"):
        at = page(monkeypatch, db, name)
        assert not at.exception, at.exception
        assert (at.session_state["start"], at.session_state["end"]) == (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
        assert not [w for w in at.warning if "Incomplete period" in w.value], name
    # every record is of one group in one precinct, none of the reference group (White): no ratio can be tested,
    # and the page says so instead of "0 of 0 ratios are significant"
    captions = " ".join(c.value for c in at.caption)
    assert "No precinct × group ratio could be tested" in captions and "0 of 0" not in captions
    at = page(monkeypatch, db, "disparities", start="2017-03-01", end="2019-06-01")  # the whole span says so
    assert any("Incomplete period" in w.value for w in at.warning)
