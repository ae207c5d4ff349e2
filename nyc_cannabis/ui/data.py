"""The dashboard's access to the database: one read-only connection per database version, a cursor per
session, query results cached by (database path, mtime), and the safe upload-ingest.

The database is the file named by ``$ANALYTICS_DB`` (default ``data/demo.duckdb``). The app never opens it
for writing. An upload is ingested into a *copy* (``.<name>.ingest-*``) and the copy replaces the file with
one atomic ``os.replace`` only when the ingest succeeded; a refused or failed ingest deletes the copy and the
database is exactly as before. After a replace every connection to the old file is closed and the caches are
cleared (their keys hold the mtime, so no stale result can be served).
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import pandas as pd
import streamlit as st

from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.core.db import Database
from nyc_cannabis.ingest.loader import IngestError
from nyc_cannabis.ingest.loader import info as read_info
from nyc_cannabis.law import crosswalk
from nyc_cannabis.projection.project import project

DEFAULT_DB = "data/demo.duckdb"
RECORD_LIMIT = 200

#: per dataset, the columns the record explorer's SQL uses (an allow-list of identifiers)
COLUMNS = {name: {"table": d.table, "key": d.key, "date": d.date, "precinct": d.precinct, "code": d.code,
                  "description": d.description} for name, d in DATASETS.items()}

_lock = threading.Lock()
_open: list[duckdb.DuckDBPyConnection] = []  # every connection / cursor handed out, closed on refresh


@dataclass(frozen=True)
class Db:
    path: str
    mtime: float

    @property
    def exists(self) -> bool:
        return self.mtime > 0


def current() -> Db:
    path = os.environ.get("ANALYTICS_DB", DEFAULT_DB)
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        mtime = 0.0
    return Db(path, mtime)


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    """The app's read-only connection, open for the server's life; each session reads through its own
    cursor (:func:`database`): no file open per query (~25 ms) and a warm buffer cache instead of re-reading
    the columns every time."""
    con = store.connect(path, read_only=True)
    with _lock:
        _open.append(con)
    return con


def database(path: str, mtime: float) -> Database:
    """The engine's :class:`~nyc_cannabis.core.db.Database` for this session: its cursor on the server's one
    read-only connection (every session shares one DuckDB instance and buffer cache; the cursor is never
    closed by the engine, only when the database file is swapped), with no result left open on it."""
    return Database(path, con=idle(cursor(Db(path, mtime))))


def idle(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``cur`` with any result an earlier read left unfinished completed.

    DuckDB 2.0 refuses ``register`` (the projection registers its crosswalk frame) on a connection whose last
    ``execute`` was not fetched to the end, and the engine has reads that take one row and leave the rest
    (``ingest.cells.current``, run by the database summary). One session's reads never met that: another
    query always ran between the summary and a projection. With many readers they do: a session that
    computes the summary for everyone and then finds every other read cached goes straight to its
    projection, and the page failed with ``ResourceInUseException`` (found by bench/load_bench.py, 4
    concurrent readers; tests/ui/test_load.py). A new statement replaces the unfinished result."""
    store.execute(cur, "dashboard/idle").fetchall()
    return cur


def cursor(db: Db) -> duckdb.DuckDBPyConnection:
    """This session's cursor on the cached read-only connection (a new one when the database changed)."""
    held = st.session_state.get("_cursor")
    if held and held[0] == db:
        return held[1]
    cur = _connection(db.path, db.mtime).cursor()
    with _lock:
        _open.append(cur)
    st.session_state["_cursor"] = (db, cur)
    return cur


def _close_open() -> None:
    with _lock:
        for con in _open:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - already closed
                pass
        _open.clear()


@atexit.register
def _release() -> None:
    """Close and drop the held connections before the interpreter tears DuckDB's bindings down."""
    _close_open()
    _connection.clear()


def close_all() -> None:
    """Close every connection and cursor the app opened, and forget the cached ones."""
    _release()
    st.cache_data.clear()


# --------------------------------------------------------------------------------------------- the gate

class Gate:
    """Many readers (the engine's queries, run by the cached reads below) or one writer (the swap of the
    database file by an upload or a rebuild). The swap waits until no query is running: DuckDB shares one
    open database per path, so a query still open on the old file during the swap would tie every later
    connection to the old file's contents, served under the new file's cache keys."""

    def __init__(self, on_writer_waiting: Callable[[], None] | None = None) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self.on_writer_waiting = on_writer_waiting  # test hook: called while the writer waits for readers

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._writing = True  # from here new readers wait
            if self._readers and self.on_writer_waiting:
                self.on_writer_waiting()
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


_gate = Gate()


def _reads(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` (a read of the database) as a reader of the gate."""
    @functools.wraps(fn)
    def gated(*args: Any, **kwargs: Any) -> Any:
        with _gate.reading():
            return fn(*args, **kwargs)
    return gated


# --------------------------------------------------------------------------------------------- cached reads

@st.cache_data(show_spinner=False, max_entries=4)
@_reads
def info(path: str, mtime: float) -> dict[str, Any]:
    return read_info(database(path, mtime))


@st.cache_data(show_spinner="Re-applying the law to the records…", max_entries=256)
@_reads
def projection(path: str, mtime: float, dataset: str, regime: str, start: dt.date | None, end: dt.date | None,
               by: str = "group", assume: crosswalk.Assumptions = crosswalk.DEFAULT) -> dict[str, Any]:
    return project(database(path, mtime), dataset, regime, start=start, end=end, by=by, assume=assume)


def project_cached(db: Db):
    """A :func:`nyc_cannabis.projection.project.project`-shaped function served from the cache (for nyc_cannabis.present.findings)."""
    def run(path, dataset, regime, *, start=None, end=None, by="group", assume=crosswalk.DEFAULT):
        return projection(db.path, db.mtime, dataset, regime, start, end, by, assume)
    return run


@st.cache_data(show_spinner="Counting and comparing with the Census…", max_entries=128)
@_reads
def disparity(path: str, mtime: float, dataset: str, regime: str | None, bound: str, reference: str,
              start: dt.date | None, end: dt.date | None, by: str | None, scope: str,
              threshold: int = 10) -> dict[str, Any]:
    from nyc_cannabis.stats.disparity import disparity as run

    return run(database(path, mtime), dataset, regime=regime if regime else None, bound=bound,
               reference=reference, start=start, end=end, by=by, scope=scope, threshold=threshold)


def disparity_cached(db: Db):
    """An :func:`nyc_cannabis.stats.disparity.disparity`-shaped function served from the cache (for nyc_cannabis.present.findings)."""
    def compare(path, dataset, *, regime=None, bound="central", reference="White", start=None, end=None, by=None,
                scope="all"):
        return disparity(db.path, db.mtime, dataset, regime, bound, reference, start, end, by, scope)
    return compare


@st.cache_data(show_spinner=False, max_entries=32)
@_reads
def mode(path: str, mtime: float, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    from nyc_cannabis.stats.disparity import enforcement_mode

    return enforcement_mode(database(path, mtime), start=start, end=end)


@st.cache_data(show_spinner="Fitting the time series…", max_entries=32)
@_reads
def trend(path: str, mtime: float, dataset: str, reference: str, scope: str, seasonal: bool,
          start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Any]:
    from nyc_cannabis.stats.trend import trend as run

    return run(database(path, mtime), dataset, reference=reference, scope=scope, seasonal=seasonal, start=start,
               end=end)


@st.cache_data(show_spinner=False, max_entries=8)
@_reads
def periods(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    from nyc_cannabis.present.findings import periods as read

    return read(database(path, mtime))


def date_span(db: Db) -> tuple[dt.date, dt.date]:
    """First and last record date over both datasets: the bounds of every page's date inputs."""
    spans = periods(db.path, db.mtime)
    lo = min((s["first_date"] for s in spans.values() if s["first_date"]), default=dt.date(2012, 1, 1))
    hi = max((s["last_date"] for s in spans.values() if s["last_date"]), default=dt.date.today())
    return lo, hi


#: a year is complete when its records cover at least this share of its days (as the rates' coverage warning)
COMPLETE_SHARE = 0.9


@st.cache_data(show_spinner=False, max_entries=8)
@_reads
def complete_year(path: str, mtime: float, dataset: str) -> tuple[dt.date, dt.date] | None:
    """The most recent calendar year whose records cover nearly every day (else the best-covered year; None
    when the dataset is empty): the default period of the rate pages, so they open on a period whose rates
    are not understated instead of on an "incomplete period" warning."""
    cols = COLUMNS[dataset]
    rows = store.fetch_dicts(cursor(Db(path, mtime)), "dashboard/year_coverage", table=cols["table"],
                             date=cols["date"])
    if not rows:
        return None

    def share(r: dict) -> float:
        year = r["year"]
        return r["days"] / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
    complete = [r for r in rows if share(r) >= COMPLETE_SHARE]
    best = complete[-1] if complete else max(rows, key=share)
    return dt.date(best["year"], 1, 1), dt.date(best["year"], 12, 31)


def default_period(db: Db, dataset: str) -> tuple[dt.date, dt.date]:
    """:func:`complete_year` within the database's span (the whole span when there is none)."""
    lo, hi = date_span(db)
    year = complete_year(db.path, db.mtime, dataset)
    if year is None:
        return lo, hi
    start, end = max(year[0], lo), min(year[1], hi)  # the year of the dataset's records of any offence may
    return (start, end) if start <= end else (lo, hi)  # lie outside the cannabis records' span


@st.cache_data(show_spinner=False, max_entries=8)
@_reads
def choices(path: str, mtime: float, dataset: str) -> dict[str, list[str]]:
    cols = COLUMNS[dataset]
    rows = store.fetch_dicts(cursor(Db(path, mtime)), "dashboard/sections", table=cols["table"],
                             precinct=cols["precinct"])
    sections = [r["value"] for r in rows if r["kind"] == "section"]
    precincts = sorted((r["value"] for r in rows if r["kind"] == "precinct"), key=int)
    return {"section": sections, "precinct": precincts}


@st.cache_data(show_spinner=False, max_entries=64)
@_reads
def records(path: str, mtime: float, dataset: str, start: dt.date, end: dt.date, group: str | None,
            section: str | None, precinct: int | None, limit: int = RECORD_LIMIT) -> tuple[pd.DataFrame, int]:
    """At most ``limit`` matching records (the database does the LIMIT) and how many match in all."""
    cols = COLUMNS[dataset]
    params = {"start": start, "end": end, "group": group, "section": section, "precinct": precinct}
    cur = cursor(Db(path, mtime))
    frame = store.fetch_df(cur, "dashboard/records", {**params, "limit": limit}, **cols)
    total = store.fetch_one(cur, "dashboard/count_records", params, table=cols["table"], date=cols["date"],
                            precinct=cols["precinct"])["records"]
    return frame, int(total)


@st.cache_data(show_spinner=False, max_entries=64)
@_reads
def explanation(path: str, mtime: float, key: str, regime: str) -> dict[str, Any]:
    from nyc_cannabis.projection.explain import explain

    return explain(database(path, mtime), key, regime)


def report_html(db: Db, permalink: str) -> str:
    """The full HTML report (``nyc_cannabis.present.report``), built as a reader of the gate (it queries the engine
    directly, not only through the cached reads)."""
    from nyc_cannabis.present import report

    with _gate.reading():
        return report.build(database(db.path, db.mtime), run=project_cached(db), permalink=permalink)


def load_info(db: Db) -> dict[str, Any] | None:
    """The database summary, or None after showing a clear error (missing or unreadable database)."""
    if not db.exists:
        st.error(f"**No database at `{db.path}`.** Build the demo with `make demo` (or "
                 f"`python -m nyc_cannabis demo --db {db.path}`), or point `ANALYTICS_DB` at a database you "
                 f"ingested with `python -m nyc_cannabis ingest`.")
        return None
    try:
        _connection(db.path, db.mtime)  # held open: every query of the engine shares its instance and buffers
        return info(db.path, db.mtime)
    except (IngestError, duckdb.Error, OSError) as exc:
        st.error(f"**The database `{db.path}` cannot be read:** {' '.join(str(exc).split())[:300]}")
        return None
