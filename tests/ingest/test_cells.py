"""The cannabis cells hold exactly the records' counts, after every kind of ingest, and every figure read
through them equals the same figure counted on the records, for any dates.

Known answers are GROUP BY / count queries on the records written here, with the statutes' effective dates
typed in (2019-08-28, 2021-03-31), not taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from conftest import ARREST_HEADER, ROOT, SUMMONS_HEADER, arrest, cli_json, query, summons, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nyc_cannabis.core import store
from nyc_cannabis.ingest import cells
from nyc_cannabis.ingest import loader as ingest
from nyc_cannabis.law import regimes
from nyc_cannabis.projection import project
from nyc_cannabis.stats import disparity, trend

TABLES = {"arrests": ("arrests", "arrest_date", "arrest_precinct"),
          "summonses": ("summonses", "summons_date", "precinct_of_occur")}
LAW = ("CASE WHEN {d} < DATE '2019-08-28' THEN 'old-1977' WHEN {d} < DATE '2021-03-31' THEN 'reform-2019' "
       "ELSE 'mrta-2021' END")


def records_by_cell(db, dataset: str) -> list[tuple]:
    table, d, p = TABLES[dataset]
    return query(db, f"""SELECT date_trunc('month', {d})::DATE, {LAW.format(d=d)}, law_section, law_subdivision,
                                age_band, race_group, sex_code, boro_code, {p}, min({d}), max({d}), count(*)
                         FROM {table} WHERE is_cannabis GROUP BY ALL ORDER BY ALL""")


def stored_cells(db, dataset: str) -> list[tuple]:
    # cells may be stored in several parts (one per file); summed they must equal the records
    return query(db, f"""SELECT month, charged_regime, law_section, law_subdivision, age_band, race_group, sex_code,
                                boro_code, precinct, min(first_date), max(last_date), sum(n)::BIGINT
                         FROM {cells.TABLES[dataset]} GROUP BY ALL ORDER BY ALL""")


def assert_cells_match(db) -> None:
    for dataset in TABLES:
        assert stored_cells(db, dataset) == records_by_cell(db, dataset), dataset
    assert query(db, "SELECT value FROM meta WHERE name = 'cells'") == [(cells.stamp(),)]


def test_cells_follow_every_kind_of_ingest(tmp_path, db):
    dates = ["12/31/2017", "08/27/2019", "08/28/2019", "03/30/2021", "03/31/2021", "01/15/2022"]
    first = write_csv(tmp_path / "1.csv", ARREST_HEADER,
                      [arrest(str(i), ARREST_DATE=d, ARREST_PRECINCT=str(40 + i)) for i, d in enumerate(dates)]
                      + [arrest("90", LAW_CODE="PL 1551000")])  # not cannabis: no cell
    # repeats key 1 less completely (kept: the stored copy), key 2 more completely (replaces it), adds key 7
    second = write_csv(tmp_path / "2.csv", ARREST_HEADER,
                       [arrest("1", PERP_RACE="", ARREST_DATE=dates[1]), arrest("7", LAW_CODE="PL 2210500")])
    third = write_csv(tmp_path / "3.csv", SUMMONS_HEADER,
                      [summons("1"), summons("1", RACE="", AGE_GROUP=""), summons("2", SUMMONS_DATE="04/01/2021")])
    for path in (first, second, third, first):
        cli_json("ingest", path, "--db", db)
        assert_cells_match(db)
    assert query(db, "SELECT sum(n) FROM arrests_cells")[0][0] == 7
    assert query(db, "SELECT sum(n) FROM summonses_cells")[0][0] == 2


def test_cells_of_the_demo_database(demo_db):
    assert_cells_match(demo_db)


def _raw_counts(db, dataset: str, start: dt.date, end: dt.date, sections: tuple[str, ...]) -> dict:
    table, d, _ = TABLES[dataset]
    rows = query(db, f"""SELECT race_group, {LAW.format(d=d)}, count(*) FROM {table}
                         WHERE is_cannabis AND {d} BETWEEN ? AND ? AND (len(?) = 0 OR list_contains(?, law_section))
                         GROUP BY ALL""", [start, end, list(sections), list(sections)])
    return {(g, p): n for g, p, n in rows}


days = st.dates(min_value=dt.date(2011, 12, 1), max_value=dt.date(2025, 1, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=days, b=days, low_level=st.booleans(), dataset=st.sampled_from(["arrests", "summonses"]))
def test_counts_for_any_dates_equal_the_records(demo_db, a, b, low_level, dataset):
    start, end = min(a, b), max(a, b)
    sections = disparity.LOW_LEVEL_SECTIONS if low_level else ()
    rows = project.tabulate(demo_db, dataset, regimes.load("mrta-2021"), start=start, end=end, by="group",
                            area="period", sections=sections)
    assert {(r["group"], r["area"]): r["records"] for r in rows} == _raw_counts(demo_db, dataset, start, end, sections)
    table, d, _ = TABLES[dataset]
    first, last = query(demo_db, f"""SELECT min({d}), max({d}) FROM {table} WHERE is_cannabis AND {d} BETWEEN ? AND ?
                                      AND (len(?) = 0 OR list_contains(?, law_section))""",
                        [start, end, list(sections), list(sections)])[0]
    assert disparity.period(demo_db, dataset, None, None, sections) == query(
        demo_db, f"""SELECT min({d}), max({d}) FROM {table} WHERE is_cannabis
                     AND (len(?) = 0 OR list_contains(?, law_section))""", [list(sections), list(sections)])[0]
    con = store.connect(demo_db, read_only=True)
    try:
        found = store.fetch_one(con, "disparity/date_range", cells.period_params(start, end, sections),
                                **cells.identifiers(con, dataset))
    finally:
        con.close()
    assert (found["first_date"], found["last_date"]) == (first, last)
    monthly = trend.monthly(demo_db, dataset, start=start, end=end, scope="low-level" if low_level else "all")
    by_month = query(demo_db, f"""SELECT date_trunc('month', {d})::DATE, race_group, count(*) FROM {table}
                                  WHERE is_cannabis AND {d} BETWEEN ? AND ?
                                  AND (len(?) = 0 OR list_contains(?, law_section)) GROUP BY ALL""",
                     [start, end, list(sections), list(sections)])
    got = {(m.date(), g): c for m, g, c in monthly[["month", "group", "count"]].itertuples(index=False) if c}
    assert got == {(m, g): c for m, g, c in by_month}


def test_dates_beyond_any_record_are_the_open_period(demo_db):
    # 9999-12-31 is a valid date a user can type; the month arithmetic must not overflow on it
    far = project.project(demo_db, "arrests", "mrta-2021", start=dt.date(1, 1, 1), end=dt.date(9999, 12, 31))
    assert far["groups"] == project.project(demo_db, "arrests", "mrta-2021")["groups"]


@pytest.mark.parametrize("start,end,whole", [
    (dt.date(2019, 8, 1), dt.date(2019, 8, 31), (dt.date(2019, 8, 1), dt.date(2019, 8, 1), dt.date(2019, 8, 31))),
    (dt.date(2019, 8, 28), dt.date(2019, 10, 15), (dt.date(2019, 9, 1), dt.date(2019, 9, 1), dt.date(2019, 9, 30))),
    (dt.date(2019, 8, 28), dt.date(2019, 8, 30), (dt.date(2019, 9, 1), dt.date(2019, 7, 1), dt.date(2019, 7, 31))),
    (dt.date(2020, 2, 2), dt.date(2020, 2, 29), (dt.date(2020, 3, 1), dt.date(2020, 2, 1), dt.date(2020, 2, 29))),
    (dt.date(2019, 12, 31), dt.date(2021, 1, 1), (dt.date(2020, 1, 1), dt.date(2020, 12, 1), dt.date(2020, 12, 31))),
])
def test_window_takes_only_whole_months_from_the_cells(start, end, whole):
    w = cells.window(start, end)
    assert (w["whole_from"], w["whole_to"], w["whole_end"]) == whole
    assert (w["start"], w["end"]) == (start, end)


def _older(tmp_path, demo_db, *statements: str):
    """A copy of the demo database as an older version left it (``statements`` undo what it did not have)."""
    old = tmp_path / "old.duckdb"
    shutil.copy(demo_db, old)
    with duckdb.connect(str(old)) as con:
        for sql in statements:
            con.execute(sql)
    return old


def test_an_older_database_is_answered_exactly_then_upgraded(tmp_path, demo_db):
    old = _older(tmp_path, demo_db, "DELETE FROM meta WHERE name = 'cells'", "DROP TABLE arrests_cells",
                 "DROP TABLE summonses_cells")  # as a database built before the cells existed
    for dataset in TABLES:
        assert (project.project(old, dataset, "reform-2019", by="precinct")["groups"]
                == project.project(demo_db, dataset, "reform-2019", by="precinct")["groups"])
    assert query(old, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%cells%'") == [(0,)]
    assert cli_json("info", "--db", old)["cells_current"] is False
    out = cli_json("summarize", "--db", old)
    assert cli_json("info", "--db", old)["cells_current"] is True
    assert {d: c["records"] for d, c in out["datasets"].items()} == {
        d: query(old, f"SELECT count(*) FROM {t} WHERE is_cannabis")[0][0] for d, (t, _, _) in TABLES.items()}
    assert_cells_match(old)


def test_opening_an_older_database_for_writing_builds_its_cells(tmp_path, demo_db):
    old = _older(tmp_path, demo_db, "UPDATE meta SET value = 'cut by an older version' WHERE name = 'cells'",
                 "DELETE FROM arrests_cells")
    ingest.open_db(old).close()
    assert_cells_match(old)


def test_fragments_are_included_and_filled():
    text = store.sql_text("cells/insert", table="arrests", date="arrest_date", precinct="arrest_precinct",
                          cells="arrests_cells")
    assert "{{" not in text
    assert "INSERT INTO arrests_cells" in text and "min(arrest_date) AS first_date" in text
    assert "WHEN arrest_date < $reform_from THEN 'old-1977'" in text


def test_the_dashboard_says_when_the_cells_are_from_an_older_version_and_rebuilds_them(tmp_path, demo_db,
                                                                                      monkeypatch):
    from streamlit.testing.v1 import AppTest

    old = _older(tmp_path, demo_db, "DELETE FROM meta WHERE name = 'cells'", "DELETE FROM summonses_cells")
    for db, shown in ((old, True), (demo_db, False)):
        monkeypatch.setenv("ANALYTICS_DB", str(db))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert not at.exception, at.exception
        assert any("Rebuild its summary once on the Data & methods page" in i.value for i in at.info) is shown
    # the running app holds the file, so the rebuild happens on a copy that is swapped in
    monkeypatch.setenv("ANALYTICS_DB", str(old))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("nyc_cannabis/ui/screens/methods.py").run()
    at.button(key="summarize").click().run()
    assert not at.exception, at.exception
    assert any("cannabis records in" in s.value for s in at.success)
    from nyc_cannabis.ui import data
    data.close_all()  # the app's connection, before this test reads the file
    assert_cells_match(old)
    assert not list(tmp_path.glob(".old.duckdb.ingest-*"))  # no copy left behind
