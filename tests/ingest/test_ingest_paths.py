"""The fast path (one pass from the reader into the table, records not numbered) stores exactly what the
numbered path stores, less the record numbers, and is kept only when it applies: a new file, every row
valid, every key once in the file and new to the database. Anything else is rolled back and loaded again
on the numbered path."""

from __future__ import annotations

import duckdb
import pytest
from conftest import ARREST_HEADER, SUMMONS_HEADER, arrest, cli_json, snapshot, summons, write_csv

import nyc_cannabis.ingest.loader as ingest_module

RECORDS = ("arrests", "arrests_raw", "summonses", "summonses_raw")


def _stored(db, *, lines: bool = True):
    """Every table and view, less the load time (the two runs happen at different moments); the cells as
    counts per cell (a file's cells are added, a numbered file's dataset recounted: the same counts, split
    over a different number of rows); the records' line numbers left out when ``lines`` is false."""
    tables = snapshot(db)
    tables["sources"] = [row[:18] + row[19:] for row in tables["sources"]]
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("arrests_cells", "summonses_cells"):
            tables[name] = con.execute(
                f"SELECT * EXCLUDE (first_date, last_date, n), min(first_date), max(last_date), sum(n) "
                f"FROM {name} GROUP BY ALL ORDER BY ALL").fetchall()
        for name in RECORDS if not lines else ():
            tables[name] = con.execute(f"SELECT * EXCLUDE (line) FROM {name} ORDER BY ALL").fetchall()
    return tables


def _clean_arrests():
    """Rows that all qualify for the fast path: one the reader cannot split (quarantined with the reader's
    own line number), a quoted newline, incomplete but valid rows."""
    return [arrest("1"), list(arrest("2").values())[:5], arrest("4", PD_DESC="TWO\nLINES", PERP_RACE=""),
            list(arrest("7").values()) + ["extra"], arrest("9", LAW_CODE="pl 2210500", AGE_GROUP="UNKNOWN"),
            arrest("10")]


def _fast_taken(monkeypatch) -> list[bool]:
    """Record, for each file, whether the fast path kept it (it returns a report) or handed it on (None)."""
    kept: list[bool] = []
    real = ingest_module._load_fast
    monkeypatch.setattr(ingest_module, "_load_fast", lambda *a: kept.append((r := real(*a)) is not None) or r)
    return kept


@pytest.mark.parametrize("make", [
    lambda tmp: [write_csv(tmp / "a.csv", ARREST_HEADER, _clean_arrests())],
    lambda tmp: [write_csv(tmp / "s.csv", SUMMONS_HEADER, [summons("1"), summons("2", RACE="", BORO="ATLANTIS")])],
    lambda tmp: [write_csv(tmp / "1.csv", ARREST_HEADER, [arrest("1"), arrest("2")]),
                 write_csv(tmp / "2.csv", ARREST_HEADER, [arrest("3"), arrest("4", PERP_RACE="")])],
], ids=["rejects-and-incomplete-rows", "summonses", "two-disjoint-files"])
def test_fast_path_stores_what_the_numbered_path_stores(tmp_path, monkeypatch, make):
    paths = make(tmp_path)
    kept = _fast_taken(monkeypatch)
    fast = cli_json("ingest", *paths, "--db", tmp_path / "fast.duckdb")["files"]
    assert kept == [True] * len(paths)  # every file here qualifies for the fast path
    monkeypatch.setattr(ingest_module, "_load_fast", lambda *a: None)  # every file numbered
    numbered = cli_json("ingest", *paths, "--db", tmp_path / "numbered.duckdb")["files"]
    assert fast == numbered
    assert _stored(tmp_path / "fast.duckdb", lines=False) == _stored(tmp_path / "numbered.duckdb", lines=False)
    with duckdb.connect(str(tmp_path / "fast.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM arrests WHERE line IS NOT NULL").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM summonses WHERE line IS NOT NULL").fetchone()[0] == 0


def test_a_file_with_an_invalid_row_is_numbered(tmp_path, db, monkeypatch):
    """The fast pass finds the invalid row (line 3), rolls back and the numbered path loads the file: the
    records carry their lines, the invalid row is quarantined with its own, nothing of the fast pass stays."""
    kept = _fast_taken(monkeypatch)
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1"), arrest("2", ARREST_DATE="01/01/1999"),
                                                          arrest("3")])
    report = cli_json("ingest", path, "--db", db)["files"][0]
    assert kept == [False]
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (3, 2, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT arrest_key, line, source_id FROM arrests_raw ORDER BY line").fetchall() == [
            ("1", 2, 1), ("3", 4, 1)]
        assert con.execute("SELECT line, reason FROM quarantine").fetchall() == [
            (3, "impossible ARREST_DATE 1999-01-01 (outside 2006-01-01 to today)")]
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_fast_path_only_without_repeated_keys(tmp_path, db, monkeypatch):
    kept = _fast_taken(monkeypatch)
    first = write_csv(tmp_path / "1.csv", ARREST_HEADER, [arrest("1"), arrest("2")])
    repeats = write_csv(tmp_path / "2.csv", ARREST_HEADER, [arrest("3"), arrest("3", PERP_RACE="")])
    overlaps = write_csv(tmp_path / "3.csv", ARREST_HEADER, [arrest("4"), arrest("1", PERP_RACE="")])
    reports = cli_json("ingest", first, repeats, overlaps, first, "--db", db)["files"]
    assert kept == [True, False, False, False]  # only the first file; the rest repeat a key or were loaded before
    assert [(r["rows_loaded"], r["rows_duplicate"], r["conflicts"]) for r in reports] == [
        (2, 0, 0), (1, 1, 1), (1, 1, 1), (0, 2, 0)]
    with duckdb.connect(str(db), read_only=True) as con:
        # the first file's records are not numbered; the conflicts with them name the file, not a line
        assert con.execute("SELECT record_key, kept_line, other_line FROM conflicts ORDER BY ALL").fetchall() == [
            ("1", None, 3), ("3", 2, 3)]


def test_a_file_whose_rows_were_all_unreadable_is_not_recorded_twice(tmp_path, db):
    """No key at all, so the fast pass finds nothing repeated; the file's SHA-256 still tells it was loaded."""
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, [list(arrest("1").values())[:3]])
    first, again = (cli_json("ingest", path, "--db", db)["files"][0] for _ in range(2))
    assert (first["rows_rejected"], first["already_loaded"]) == (1, False)
    assert (again["rows_rejected"], again["already_loaded"]) == (1, True)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 1
