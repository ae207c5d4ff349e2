"""The database object: opened once and handed to the engine, which reads through it and leaves it open;
a path still works and is opened and closed for that one call; a connection handed in is never closed by it."""

from __future__ import annotations

import duckdb
import pytest
from conftest import cli_json

from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.projection.project import project
from nyc_cannabis.stats.disparity import disparity


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbobj")
    path = tmp / "d.duckdb"
    cli_json("demo", "--out", tmp / "csv", "--arrests", "300", "--summonses", "300", "--db", path)
    return path


def test_the_engine_reads_through_one_open_connection(small_db):
    with Database(small_db) as db:
        first = project(db, "arrests", "mrta-2021")
        con = db.con
        second = disparity(db, "arrests")
        assert db.con is con  # not reopened between the calls
        assert con.execute("SELECT 1").fetchone() == (1,)  # and left open for the next
        assert project(small_db, "arrests", "mrta-2021") == first  # a path gives the same answer
    assert second["groups"]
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")  # closed when the command is done


def test_a_path_is_opened_and_closed_for_one_call(small_db):
    with reading(small_db) as con:
        assert con.execute("SELECT count(*) > 0 FROM arrests").fetchone() == (True,)
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_a_connection_handed_in_stays_open_and_memory_databases_work(small_db):
    shared = duckdb.connect(str(small_db), read_only=True)
    try:
        with Database(small_db, con=shared.cursor()) as db:
            assert db.fetch_one("info/summary")["arrests"] > 0 and db.name == "d.duckdb"
        assert shared.execute("SELECT 1").fetchone() == (1,)  # the app's connection is not the engine's to close
    finally:
        shared.close()
    mem = Database.memory()
    assert mem.con.execute("SELECT 42").fetchone() == (42,) and mem.name == "(connection)"
    with pytest.raises(ValueError, match="needs a path or a connection"):
        Database()
