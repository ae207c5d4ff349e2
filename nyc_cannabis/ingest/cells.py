"""Cannabis cells: each dataset's cannabis records counted by calendar month × law period × Penal Law code ×
age band × group × sex × borough × precinct. Every count the dashboard and the statistics show (projection,
disparity, enforcement mode, trend, date ranges) is read from the cells instead of the records: at 10 million
records there are about 600,000 cells, so a question costs milliseconds instead of a scan.

The counts are the records' counts, exactly:

* a cell never mixes law periods (``charged_regime``, the law in force on the records' dates, is part of its
  key, and the law dates fall mid-month), so "a code means what the law said on the record's date" holds;
* a period that starts or ends inside a month takes its whole months from the cells and the days of the
  partly covered months from the records themselves (``nyc_cannabis/ingest/sql/cells/period.sql``, :func:`window`);
* ``ingest`` keeps the cells in step with the records in the file's own transaction: the cells of a new
  file's records are added (fast path), and a file that replaced or superseded records rebuilds its
  dataset's cells (:func:`add`, :func:`rebuild`). ``tests/test_cells.py`` compares them with the records.

``meta.cells`` stamps the version and the law dates the cells were cut at. A database whose cells are
missing or were cut otherwise (built by an older version) is still answered exactly, from cells built on the
fly in the reading connection (slower), and ``python -m nyc_cannabis summarize`` rebuilds the stored ones.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from nyc_cannabis.core import events, store
from nyc_cannabis.core.datasets import DATASETS

VERSION = 1
TABLES = {"arrests": "arrests_cells", "summonses": "summonses_cells"}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def law_dates() -> dict[str, dt.date]:
    """The effective dates that split the law periods (``core/events.yaml``)."""
    return {"reform_from": events.period("reform-2019").start, "mrta_from": events.period("mrta-2021").start}


def stamp() -> str:
    return json.dumps({"version": VERSION, **{k: v.isoformat() for k, v in law_dates().items()}}, sort_keys=True)


def _ids(dataset: str, cells: str) -> dict[str, str]:
    spec = DATASETS[dataset]
    return {"table": spec.table, "date": spec.date, "precinct": spec.precinct, "cells": cells}


# ------------------------------------------------------------------------------------------- writing

def add(con: duckdb.DuckDBPyConnection, dataset: str, source_id: int) -> None:
    """Add the cells of one file's records (a file whose records were all new)."""
    store.execute(con, "cells/insert", law_dates() | {"source_id": source_id}, **_ids(dataset, TABLES[dataset]))


def rebuild(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Recount one dataset's cells from its records."""
    store.execute(con, "cells/clear", cells=TABLES[dataset])
    store.execute(con, "cells/insert", law_dates() | {"source_id": None}, **_ids(dataset, TABLES[dataset]))


def current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored cells were cut by this version at today's law dates."""
    try:
        rows = store.execute(con, "meta/cells_stamp").fetchall()  # to the end: no result left open on con
    except duckdb.CatalogException:
        return False
    return bool(rows) and rows[0][0] == stamp()


def mark_current(con: duckdb.DuckDBPyConnection) -> None:
    store.execute(con, "meta/set_cells_stamp", {"stamp": stamp()})


def refresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the cells tables if missing and rebuild every dataset's cells unless they are current (inside
    the caller's transaction); True when rebuilt."""
    for table in TABLES.values():
        store.execute(con, "cells/table", cells=table)
    if current(con):
        return False
    for dataset in DATASETS:
        rebuild(con, dataset)
    mark_current(con)
    return True


# ------------------------------------------------------------------------------------------- reading

def relation(con: duckdb.DuckDBPyConnection, dataset: str) -> str:
    """The name to read ``dataset``'s cells from on ``con``: the stored table when current, else a temp
    table of this connection built from the records (same SQL)."""
    if current(con):
        return TABLES[dataset]
    name = f"{TABLES[dataset]}_now"
    store.execute(con, "cells/temp", law_dates() | {"source_id": None}, **_ids(dataset, name))
    return name


def window(start: dt.date | None, end: dt.date | None) -> dict[str, dt.date]:
    """Parameters of ``nyc_cannabis/ingest/sql/cells/period.sql`` for [start, end] (None: open): the whole calendar months
    inside it, [whole_from, whole_to] (first days of months; whole_end the last day of whole_to), read
    from the cells; the days of [start, end] outside them are read from the records. A period inside one
    month has no whole month (whole_from > whole_to)."""
    # no record lies outside [EARLIEST, LATEST] (ingest refuses dates before 2006 or after today), and
    # clamping keeps the month arithmetic below inside the date range (9999-12-31 + 1 day overflows)
    start, end = max(start or EARLIEST, EARLIEST), min(end or LATEST, LATEST)
    whole_from = start if start.day == 1 else _next_month(start)
    whole_end = end if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    return {"start": start, "end": end, "whole_from": whole_from, "whole_to": whole_end.replace(day=1),
            "whole_end": whole_end}


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_params(start: dt.date | None, end: dt.date | None, sections: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every parameter the ``cells/period`` fragment needs."""
    return window(start, end) | law_dates() | {"sections": list(sections)}


def identifiers(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, str]:
    """The identifiers the ``cells/period`` fragment needs, for ``dataset`` on ``con``."""
    return _ids(dataset, relation(con, dataset))


__all__ = ["TABLES", "add", "current", "identifiers", "law_dates", "mark_current", "period_params", "rebuild",
           "refresh", "relation", "stamp", "window"]
