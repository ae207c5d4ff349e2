"""The one CLI: every command answers --json, fails with one line, and the pieces fit end to end."""

from __future__ import annotations

import json

import pytest
from conftest import cli, cli_json, query, run_module
from socrata_server import SocrataServer

COMMANDS = ("ingest", "info", "demo", "fetch", "crosswalk", "project", "explain")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_documents_json(command):
    code, out, _ = cli(command, "--help")
    assert code == 0 and "--json" in out


def test_module_entry_point_and_usage_error():
    ok = run_module("--help")
    assert ok.returncode == 0 and all(c in ok.stdout for c in COMMANDS)
    bad = run_module("ingest")  # no PATH
    assert bad.returncode == 2 and "Missing argument" in bad.stderr


def test_fetch_then_ingest_round_trip(tmp_path, db):
    """Download through the real HTTP client from a local Socrata-shaped server, then ingest the file."""
    rows = [
        {"arrest_key": "238013474", "arrest_date": "2021-11-19T00:00:00.000", "pd_cd": "567.0",
         "pd_desc": "MARIJUANA, POSSESSION 4 & 5", "ky_cd": "235", "ofns_desc": "DANGEROUS DRUGS",
         "law_code": "PL 2223000", "law_cat_cd": "M", "arrest_boro": "M", "arrest_precinct": "14",
         "jurisdiction_code": "0", "age_group": "25-44", "perp_sex": "M", "perp_race": "BLACK",
         "x_coord_cd": "987196", "y_coord_cd": "212712", "latitude": "40.7506", "longitude": "-73.9892",
         "geocoded_column": {"type": "Point", "coordinates": [-73.9892, 40.7506]}},
        {"arrest_key": "238013475", "arrest_date": "2021-11-20T00:00:00.000", "law_code": "PL 1200501",
         "arrest_boro": "K", "arrest_precinct": "75", "age_group": "18-24", "perp_sex": "F",
         "perp_race": "WHITE HISPANIC"},
    ]
    with SocrataServer() as server:
        server.set_rows("8h9b-rp9u", rows)
        server.set_rows("uip8-fykc", [])
        fetched = cli_json("fetch", "--dataset", "arrests", "--source", "historic", "--out", tmp_path,
                           "--base-url", server.base_url)
    (f,) = fetched["files"]
    assert f["rows"] == f["expected_rows"] == 1  # the marijuana filter kept only the PL 222 record
    (report,) = cli_json("ingest", f["path"], "--db", db)["files"]
    assert (report["edition"], report["rows_loaded"]) == ("api", 1)
    assert query(db, "SELECT arrest_key, arrest_date::VARCHAR, pd_cd, law_section, geo_point FROM arrests") == [
        ("238013474", "2021-11-19", 567, "222.30", "POINT (-73.9892 40.7506)")]


def test_fetch_failure_is_one_line(tmp_path):
    with SocrataServer() as server:  # no datasets: the server answers 404
        code, _, err = cli("fetch", "--dataset", "summonses", "--out", tmp_path, "--base-url", server.base_url)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: ") and "404" in err


def test_info_readable_and_json_agree(tmp_path, db):
    from conftest import ARREST_HEADER, arrest, write_csv
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1"), arrest("2")]), "--db", db)
    code, text, _ = cli("info", "--db", db)
    assert code == 0 and "arrests:     2 unique records" in text
    assert json.loads(cli("info", "--db", db, "--json")[1])["arrests"] == 2


def test_crosswalk_command_lists_every_charged_section_with_bounds_and_assumptions():
    out = cli_json("crosswalk", "--from", "old-1977", "--to", "reform-2019", "--age", "25-44")
    rows = {r["charged"]: r for r in out["sections"]}
    # every 1977 section is listed; 221.10(1) becomes a violation whatever the unrecorded facts
    assert set(rows) == {"221.05", "221.10(1)", "221.10(2)", "221.15", "221.20", "221.25", "221.30", "221.35",
                         "221.40", "221.45", "221.50(1)", "221.50(2)", "221.55"}
    r = rows["221.10(1)"]
    assert (r["charged_class"], r["low_class"], r["central_class"], r["high_class"]) == (
        "b_misdemeanor", "violation", "violation", "violation")
    assert r["central_sections"] == ["221.05"] and r["high_sections"] == ["221.10"]
    assert all(c.startswith("http") for c in r["citations"])
    assert {"A1", "A2", "A4", "A5"} <= set(out["assumptions"])
