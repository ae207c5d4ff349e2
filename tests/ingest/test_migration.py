"""A version-1 database (records with their derived columns stored in tables named after the datasets) is
turned into version 2 (records as published in ``<dataset>_raw``, the derived model in views of the same
names) by the first write that opens it, in that transaction, and reads the same afterwards."""

from __future__ import annotations

import duckdb
from conftest import ARREST_HEADER, SUMMONS_HEADER, arrest, cli_json, summons, write_csv

RECORDS = ("arrests", "summonses")


def _as_version_1(db) -> None:
    """Rewrite a version-2 database by hand into the version-1 layout: a table per dataset holding every column
    the view shows, schema_version 1, no stamp of record views."""
    with duckdb.connect(str(db)) as con:
        for name in RECORDS:
            con.execute(f"CREATE TABLE {name}_v1 AS SELECT * FROM {name}")
            con.execute(f"DROP VIEW {name}")
            con.execute(f"DROP TABLE {name}_raw")
            con.execute(f"ALTER TABLE {name}_v1 RENAME TO {name}")
        con.execute("UPDATE meta SET value = '1' WHERE name = 'schema_version'")
        con.execute("DELETE FROM meta WHERE name = 'record_views'")


def _records(db) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(f"SELECT * EXCLUDE (line) FROM {name} ORDER BY ALL").fetchall()
                for name in RECORDS}


def test_a_version_1_database_is_migrated_by_the_next_write(tmp_path):
    first = [write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1"), arrest("2", PERP_RACE="")]),
             write_csv(tmp_path / "s.csv", SUMMONS_HEADER, [summons("1"), summons("2", BORO="KINGS")])]
    more = write_csv(tmp_path / "b.csv", ARREST_HEADER, [arrest("3"), arrest("1", PERP_RACE="")])
    old, fresh = tmp_path / "old.duckdb", tmp_path / "fresh.duckdb"
    cli_json("ingest", *first, "--db", old)
    _as_version_1(old)
    with duckdb.connect(str(old), read_only=True) as con:
        assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'arrests'"
                           ).fetchone() == ("BASE TABLE",)
    # the next write migrates, then loads; the result reads as a database that was version 2 all along
    assert cli_json("ingest", more, "--db", old)["files"][0]["rows_loaded"] == 1
    cli_json("ingest", *first, more, "--db", fresh)
    assert _records(old) == _records(fresh)
    with duckdb.connect(str(old), read_only=True) as con:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                 "WHERE table_name IN ('arrests', 'arrests_raw', 'summonses', 'summonses_raw')"
                                 ).fetchall())
        assert kinds == {"arrests": "VIEW", "summonses": "VIEW", "arrests_raw": "BASE TABLE",
                         "summonses_raw": "BASE TABLE"}
        assert con.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() == ("2",)
        # the conflict with the first file's record (not numbered) keeps a NULL line
        assert con.execute("SELECT record_key, kept_line, other_line FROM conflicts").fetchall() == [("1", None, 3)]


def test_record_views_are_made_again_only_when_their_sql_changed(tmp_path):
    """Opening a current database leaves its views alone; views made from other SQL (an older version's, told
    by the stamp in ``meta``) are made again by the next write."""
    from nyc_cannabis.ingest.loader import open_db

    db = tmp_path / "v.duckdb"
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1")]), "--db", db)
    with duckdb.connect(str(db)) as con:
        stamp = con.execute("SELECT value FROM meta WHERE name = 'record_views'").fetchone()[0]
        con.execute("CREATE OR REPLACE VIEW arrests AS SELECT 'stale' AS arrest_key")
    open_db(db).close()  # same stamp: the (deliberately wrong) view is left as it is
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT arrest_key FROM arrests").fetchall() == [("stale",)]
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = 'an older version' WHERE name = 'record_views'")
    open_db(db).close()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT arrest_key, race_group FROM arrests").fetchall() == [("1", "Black")]
        assert con.execute("SELECT value FROM meta WHERE name = 'record_views'").fetchone()[0] == stamp
