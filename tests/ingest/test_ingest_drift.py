"""Schema drift is caught, not guessed: a file whose columns or value formats changed since the known
editions is refused in one line naming what changed, or loaded with the change listed by ``info`` when
it is harmless (a new column, an optional column gone). docs/data-model.md "Schema drift"."""

from __future__ import annotations

import json

import pytest
from conftest import (
    ARREST_HEADER,
    SUMMONS_HEADER,
    arrest,
    cli,
    cli_json,
    query,
    snapshot,
    summons,
    write_csv,
)

from nyc_cannabis.ingest.inspection import DRIFT_MIN_VALUES, inspect_file

#: enough rows for the value checks to judge a column (they leave smaller files to quarantine)
N = DRIFT_MIN_VALUES + 10


def arrests(**over: str) -> list[dict[str, str]]:
    return [arrest(str(k), **over) for k in range(1000, 1000 + N)]


def refused(db, path) -> str:
    """Ingest ``path``: refused in one line, the database byte-for-byte as before. Returns the line."""
    before = snapshot(db)
    code, _, err = cli("ingest", path, "--db", db)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"error: {path}: "), err
    assert snapshot(db) == before
    return lines[0]


# ------------------------------------------------------------------------------------------ harmless

def test_a_new_column_loads_and_is_recorded_in_info(populated, tmp_path):
    header = ARREST_HEADER + ["PERP_ETHNICITY"]
    path = write_csv(tmp_path / "new.csv", header, [r | {"PERP_ETHNICITY": "X"} for r in arrests()])
    (report,) = cli_json("ingest", path, "--db", populated)["files"]
    assert (report["edition"], report["rows_loaded"], report["rows_rejected"]) == ("export-18+drift", N, 0)
    info = cli_json("info", "--db", populated)
    assert info["schema_drift"] == [{"source_id": 3, "file": "new.csv", "dataset": "arrests",
                                     "edition": "export-18+drift", "new_columns": ["PERP_ETHNICITY"],
                                     "missing_optional_columns": []}]
    assert info["sources"][2]["ignored_columns"] == ["PERP_ETHNICITY"]


def test_an_optional_column_gone_loads_and_is_recorded(tmp_path, db):
    header = [h for h in SUMMONS_HEADER if h not in ("LAW_DESCRIPTION", "X_COORDINATE_CD")]
    path = write_csv(tmp_path / "s.csv", header, [summons("1"), summons("2")])
    (report,) = cli_json("ingest", path, "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"]) == ("export-16+drift", 2)
    (drift,) = cli_json("info", "--db", db)["schema_drift"]
    # the point column is not drift: it is what tells the known editions apart
    assert (drift["new_columns"], drift["missing_optional_columns"]) == ([], ["LAW_DESCRIPTION", "X_COORDINATE_CD"])


API_HEADER = [c.lower() for c in ARREST_HEADER] + ["geocoded_column", ":@computed_region_efsh_h5xi"]


@pytest.mark.parametrize("header, edition", [
    (ARREST_HEADER, "export-18"),
    (ARREST_HEADER + ["New Georeferenced Column"], "export-ytd-2021"),
    (ARREST_HEADER + ["Lon_Lat"], "export-historic-2024"),
    (API_HEADER, "api"),  # Socrata's system fields are part of the API form
], ids=["export-18", "export-ytd-2021", "export-historic-2024", "api"])
def test_a_known_edition_shows_no_drift(tmp_path, db, header, edition):
    rows = [[arrest(str(k)).get(h, arrest(str(k)).get(h.upper(), "")) for h in header] for k in range(N)]
    if header is API_HEADER:
        rows = [r[:1] + ["2017-12-31T00:00:00.000"] + r[2:] for r in rows]
    (report,) = cli_json("ingest", write_csv(tmp_path / "a.csv", header, rows), "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"]) == (edition, N)
    assert cli_json("info", "--db", db)["schema_drift"] == []


def test_known_summons_edition_shows_no_drift(tmp_path, db):
    rows = [summons(str(k)) for k in range(N)]
    (report,) = cli_json("ingest", write_csv(tmp_path / "s.csv", SUMMONS_HEADER, rows), "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"]) == ("export-16", N)
    assert cli_json("info", "--db", db)["schema_drift"] == []


def test_api_dates_in_an_export_load(tmp_path, db):
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, arrests(ARREST_DATE="2017-12-31T00:00:00.000"))
    (report,) = cli_json("ingest", path, "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"], report["first_date"]) == ("export-18", N, "2017-12-31")


def test_the_date_format_is_the_one_most_rows_have(tmp_path, db):
    """A bad first row no longer decides the format of the whole file (it goes to quarantine alone)."""
    rows = [arrest("1", ARREST_DATE="soon")] + arrests(ARREST_DATE="2017-12-31")
    (report,) = cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)["files"]
    assert (report["rows_loaded"], report["rows_rejected"]) == (N, 1)
    assert query(db, "SELECT line, reason FROM quarantine") == [
        (2, "unparseable ARREST_DATE 'soon' (expected date %Y-%m-%d)")]


def test_a_few_bad_rows_are_quarantined_not_refused(tmp_path, db):
    rows = arrests()
    bad = len(rows) // 2  # exactly half: not more than half
    rows[:bad] = [r | {"ARREST_DATE": "31.12.2017", "LAW_CODE": "221.10", "ARREST_PRECINCT": "P75"}
                  for r in rows[:bad]]
    (report,) = cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"], report["rows_rejected"]) == ("export-18", N - bad, bad)


def test_a_small_file_is_too_small_to_judge(tmp_path, db):
    rows = [arrest(str(k), ARREST_DATE="31.12.2017") for k in range(DRIFT_MIN_VALUES - 1)]
    (report,) = cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)["files"]
    assert (report["rows_loaded"], report["rows_rejected"]) == (0, DRIFT_MIN_VALUES - 1)


# ------------------------------------------------------------------------------------------ breaking

def test_a_renamed_required_column_is_refused_naming_old_and_new(populated, tmp_path):
    header = ["PERP_RACE_DESC" if h == "PERP_RACE" else h for h in ARREST_HEADER]
    path = write_csv(tmp_path / "x.csv", header, [r | {"PERP_RACE_DESC": "BLACK"} for r in arrests()])
    line = refused(populated, path)
    assert line.endswith("looks like arrests but lacks required column(s) PERP_RACE (renamed to PERP_RACE_DESC?)")


def test_a_missing_required_column_lists_the_new_columns(populated, tmp_path):
    header = [h for h in ARREST_HEADER if h != "AGE_GROUP"] + ["RACE_ETHNICITY"]
    path = write_csv(tmp_path / "x.csv", header, arrests())
    line = refused(populated, path)
    assert line.endswith("lacks required column(s) AGE_GROUP; new column(s) RACE_ETHNICITY")


def test_a_renamed_key_column_is_named(populated, tmp_path):
    header = ["ARREST_ID" if h == "ARREST_KEY" else h for h in ARREST_HEADER]
    path = write_csv(tmp_path / "x.csv", header, arrests())
    line = refused(populated, path)
    assert "neither ARREST_KEY nor SUMMONS_KEY" in line
    assert line.endswith("key column ARREST_KEY (renamed to ARREST_ID?)")


def test_dates_in_an_unknown_format_are_refused(populated, tmp_path):
    path = write_csv(tmp_path / "x.csv", ARREST_HEADER, arrests(ARREST_DATE="31.12.2017"))
    line = refused(populated, path)
    assert f"schema drift in column ARREST_DATE: {N} of {N} sampled values do not look like dates" in line
    assert "e.g. '31.12.2017'" in line


def test_day_first_dates_are_refused(populated, tmp_path):
    """Day-first dates are never guessed: most do not parse month-first (day 13 onwards)."""
    rows = [arrest(str(k), ARREST_DATE=f"{d:02d}/12/2017") for k, d in enumerate(range(1, 32))]
    line = refused(populated, write_csv(tmp_path / "x.csv", ARREST_HEADER, rows))
    assert "schema drift in column ARREST_DATE: 19 of 31" in line and "e.g. '13/12/2017'" in line


def test_section_numbers_in_the_arrest_law_code_are_refused(populated, tmp_path):
    path = write_csv(tmp_path / "x.csv", ARREST_HEADER, arrests(LAW_CODE="221.10"))
    line = refused(populated, path)
    assert "schema drift in column LAW_CODE" in line
    assert "law codes such as 'PL 2211001', e.g. '221.10'" in line


def test_arrest_codes_in_the_summons_section_are_refused(populated, tmp_path):
    rows = [summons(str(k), LAW_SECTION_NUMBER="PL 2211001") for k in range(N)]
    line = refused(populated, write_csv(tmp_path / "x.csv", SUMMONS_HEADER, rows))
    assert "schema drift in column LAW_SECTION_NUMBER" in line and "e.g. 'PL 2211001'" in line


def test_a_precinct_no_longer_numeric_is_refused(populated, tmp_path):
    path = write_csv(tmp_path / "x.csv", ARREST_HEADER, arrests(ARREST_PRECINCT="75th", Latitude="40,67"))
    line = refused(populated, path)
    assert "schema drift in column ARREST_PRECINCT (also Latitude)" in line
    assert "do not look like numbers, e.g. '75th'" in line


def test_a_refused_file_does_not_stop_the_others(populated, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", ARREST_HEADER, arrests(LAW_CODE="221.10"))
    good = write_csv(tmp_path / "good.csv", ARREST_HEADER, arrests())
    code, out, _ = cli("ingest", bad, good, "--db", populated, "--json")
    result = json.loads(out)
    assert code == 1 and [e["path"] for e in result["errors"]] == [str(bad)]
    assert "schema drift in column LAW_CODE" in result["errors"][0]["error"]
    assert [f["rows_loaded"] for f in result["files"]] == [N]
    assert query(populated, "SELECT count(*) FROM arrests") == [(2 + N,)]


# ------------------------------------------------------------------------------------------ real data

@pytest.mark.parametrize("name, edition", [("dec2017", "export-18"), ("historic", "export-18"),
                                           ("ytd2021", "export-ytd-2021"), ("summons2020", "export-16")])
def test_the_real_extracts_are_known_editions(real, name, edition):
    recognised = inspect_file(real[name]).recognised  # the value checks pass: no refusal
    assert (recognised.edition, recognised.drift) == (edition, False)
