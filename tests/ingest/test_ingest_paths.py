"""The fast path (no key repeats within the file or against the table: valid rows go straight into the
table) stores exactly what the full deduplicating path stores, and is taken only when it applies."""

from __future__ import annotations

import pytest
from conftest import ARREST_HEADER, SUMMONS_HEADER, arrest, cli_json, snapshot, summons, write_csv

import nyc_cannabis.ingest.loader as ingest_module


def _stored(db):
    """Every table, less the load time (the two runs happen at different moments)."""
    tables = snapshot(db)
    tables["sources"] = [row[:18] + row[19:] for row in tables["sources"]]
    return tables


def _mixed_arrests():
    return [arrest("1"), arrest("", ARREST_DATE="12/30/2017"), list(arrest("3").values())[:5],
            arrest("4", PD_DESC="TWO\nLINES", PERP_RACE=""), arrest("5", ARREST_DATE="31/12/2017"),
            arrest("6", Latitude="12.5"), list(arrest("7").values()) + ["extra"], arrest("8", KY_CD="235.5"),
            arrest("9", LAW_CODE="pl 2210500", AGE_GROUP="UNKNOWN"), arrest("10")]


@pytest.mark.parametrize("make", [
    lambda tmp: [write_csv(tmp / "a.csv", ARREST_HEADER, _mixed_arrests())],
    lambda tmp: [write_csv(tmp / "s.csv", SUMMONS_HEADER,
                           [summons("1"), summons("2", RACE="", BORO="ATLANTIS"), summons("3", SUMMONS_DATE="x")])],
    lambda tmp: [write_csv(tmp / "1.csv", ARREST_HEADER, [arrest("1"), arrest("2")]),
                 write_csv(tmp / "2.csv", ARREST_HEADER, [arrest("3"), arrest("4", PERP_RACE="")])],
], ids=["rejects-and-invalid-rows", "summonses", "two-disjoint-files"])
def test_fast_path_stores_what_the_full_path_stores(tmp_path, monkeypatch, make):
    paths = make(tmp_path)
    fast = cli_json("ingest", *paths, "--db", tmp_path / "fast.duckdb")["files"]
    taken = []
    monkeypatch.setattr(ingest_module, "_load_distinct",
                        lambda *a: taken.append(1) or ingest_module._load_deduplicated(*a))
    full = cli_json("ingest", *paths, "--db", tmp_path / "full.duckdb")["files"]
    assert len(taken) == len(paths)  # every file here qualifies for the fast path
    assert fast == full
    assert _stored(tmp_path / "fast.duckdb") == _stored(tmp_path / "full.duckdb")


def test_fast_path_only_without_repeated_keys(tmp_path, db, monkeypatch):
    taken = []
    real = ingest_module._load_distinct
    monkeypatch.setattr(ingest_module, "_load_distinct", lambda *a: taken.append(1) or real(*a))
    first = write_csv(tmp_path / "1.csv", ARREST_HEADER, [arrest("1"), arrest("2")])
    repeats = write_csv(tmp_path / "2.csv", ARREST_HEADER, [arrest("3"), arrest("3", PERP_RACE="")])
    overlaps = write_csv(tmp_path / "3.csv", ARREST_HEADER, [arrest("4"), arrest("1", PERP_RACE="")])
    reports = cli_json("ingest", first, repeats, overlaps, first, "--db", db)["files"]
    assert taken == [1]  # only the first file; the rest repeat a key or were loaded before
    assert [(r["rows_loaded"], r["rows_duplicate"], r["conflicts"]) for r in reports] == [
        (2, 0, 0), (1, 1, 1), (1, 1, 1), (0, 2, 0)]
