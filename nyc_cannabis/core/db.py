"""The database object the engine is handed: one DuckDB database, opened once per command or app session.

Every engine function that reads records takes a :class:`Database` (or, for convenience, a path, which it
then opens read-only for that one call and closes). The command line opens one per command, so a report
that runs twenty queries opens the file once; the dashboard hands each query its session's cursor on the
one read-only connection the server holds (``ui/data.py``), so all sessions share one DuckDB instance and
its buffer cache. That sharing is this object's contract, not an accident of DuckDB's instance cache.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb

from nyc_cannabis.core import store


class Database:
    """A DuckDB database: a file opened on first use (read-only unless asked), or a connection handed in
    (a cursor of the app's shared connection, or an in-memory database)."""

    def __init__(self, path: str | Path | None = None, *, con: duckdb.DuckDBPyConnection | None = None,
                 read_only: bool = True) -> None:
        if path is None and con is None:
            raise ValueError("a Database needs a path or a connection")
        self.path = None if path is None else Path(path)
        self.read_only = read_only
        self._con = con
        self._owned = con is None  # close only what this object opened

    @classmethod
    def memory(cls) -> "Database":
        """An in-memory database (tests, scratch work)."""
        return cls(con=duckdb.connect(":memory:"))

    @classmethod
    def of(cls, db: "Database | str | Path") -> "Database":
        return db if isinstance(db, Database) else cls(db)

    @property
    def name(self) -> str:
        """The file's name ("nypd.duckdb"), or "(connection)" for one handed in."""
        return self.path.name if self.path else "(connection)"

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            assert self.path is not None
            self._con = store.connect(self.path, read_only=self.read_only)
        return self._con

    def execute(self, name: str, params: dict[str, Any] | None = None, **identifiers: str):
        return store.execute(self.con, name, params, **identifiers)

    def fetch_dicts(self, name: str, params: dict[str, Any] | None = None, **identifiers: str) -> list[dict]:
        return store.fetch_dicts(self.con, name, params, **identifiers)

    def fetch_one(self, name: str, params: dict[str, Any] | None = None, **identifiers: str) -> dict | None:
        return store.fetch_one(self.con, name, params, **identifiers)

    def fetch_df(self, name: str, params: dict[str, Any] | None = None, **identifiers: str):
        return store.fetch_df(self.con, name, params, **identifiers)

    def close(self) -> None:
        if self._con is not None and self._owned:
            self._con.close()
            self._con = None

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({str(self.path) if self.path else 'connection'!r}, read_only={self.read_only})"


@contextmanager
def reading(db: "Database | str | Path") -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection for one engine call: a :class:`Database`'s own, left open for the caller's next
    call; or, for a path, a read-only connection opened here and closed after."""
    if isinstance(db, Database):
        yield db.con
        return
    con = store.connect(db, read_only=True)
    try:
        yield con
    finally:
        con.close()
