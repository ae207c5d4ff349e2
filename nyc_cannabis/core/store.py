"""Connections to the DuckDB file and the named SQL files of the package.

Every query the project runs is a file ``<layer>/sql/<area>/<name>.sql`` beside the Python that runs it
(``ingest/sql/cells/insert.sql``), called by its name ``area/name`` (``cells/insert``), with DuckDB named
parameters (``$start``) passed as a dict — never text formatted from user input. Names are unique across
the package (:func:`sql_files` refuses a name two layers define). A few generic statements vary by
*table*; those use ``{{identifier}}`` placeholders that :func:`sql_text` fills only with names matching
``^[a-z_][a-z0-9_]*$`` taken from the dataset module's allow-list, never from a user. A fragment several
queries share is its own file, included with ``{{> area/name}}``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import duckdb

from nyc_cannabis.core.resources import resource

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*/[a-z_][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_INCLUDE = re.compile(r"\{\{>\s*([\w/]+)\s*\}\}")


@lru_cache(maxsize=1)
def sql_files() -> dict[str, Traversable]:
    """Every SQL file of the package by name (``area/name``), from each layer's ``sql/<area>/`` folder."""
    found: dict[str, Traversable] = {}
    for layer in resource().iterdir():
        sql = layer.joinpath("sql")
        if not layer.is_dir() or not sql.is_dir():
            continue
        for area in sql.iterdir():
            if not area.is_dir():
                continue
            for file in area.iterdir():
                if file.name.endswith(".sql"):
                    name = f"{area.name}/{file.name[:-4]}"
                    if name in found:
                        raise RuntimeError(f"SQL file {name} is defined twice ({layer.name} and another layer)")
                    found[name] = file
    return found


class DatabaseFault(duckdb.IOException, OSError):
    """The database file cannot be used as it is: damaged (truncated, not a DuckDB file, a checksum that does
    not match), out of disk space, or not writable. The message is one line naming the file and what to do.
    Both a DuckDB error and an ``OSError``, so every caller that handled DuckDB's own error still does."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


#: DuckDB's (and the OS's) words for each fault, lower case
_FAULTS = {
    "damaged": ("not a valid duckdb database file", "could not read enough bytes", "corrupt database file",
                "does not match stored checksum", "failure while replaying wal", "wal file is corrupt"),
    "full": ("no space left on device", "file too large", "disk quota exceeded", "disk is full"),
    "read_only": ("read-only file system", "permission denied", "read only file system"),
}
#: what DuckDB said, in the reader's words (never DuckDB's text: "block" would read as a lock to a caller)
_DAMAGE = {"not a valid duckdb database file": "not a DuckDB database file",
           "could not read enough bytes": "truncated: shorter than its own index says",
           "corrupt database file": "corrupt: a checksum does not match",
           "does not match stored checksum": "corrupt: a checksum does not match",
           "failure while replaying wal": "its write-ahead log cannot be replayed",
           "wal file is corrupt": "its write-ahead log is corrupt"}


def fault_kind(exc: BaseException) -> tuple[str, BaseException] | None:
    """The fault behind ``exc`` (``damaged``, ``full`` or ``read_only``) and the error that says so, looked for
    along its chain: a failed COMMIT is often followed by another error (``cannot rollback - no transaction is
    active``) that hides the cause."""
    seen: set[int] = set()
    chain: list[BaseException] = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for err in chain:
        if isinstance(err, DatabaseFault):
            return err.kind, err
        text = str(err).lower()
        for kind, words in _FAULTS.items():
            if any(w in text for w in words):
                return kind, err
    return None


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


_FILE_ERROR = re.compile(r'(?:could not|cannot) (write|open|read|create)[^"]*"([^"]+)"[^:]*:\s*(.+)', re.I)


def _detail(err: BaseException) -> str:
    """The OS's words for a failed write or open, with the file's name ("could not write x.duckdb.wal: File too
    large"), else the error on one line."""
    text = _one_line(str(err), 1000)
    if isinstance(err, OSError) and err.strerror:
        return f"{err.strerror}: {Path(err.filename).name}" if err.filename else err.strerror
    m = _FILE_ERROR.search(text)
    if m:
        return f"could not {m.group(1).lower()} {Path(m.group(2)).name}: {m.group(3)[:120]}"
    return text[:200]


def explain(exc: BaseException, path: str | Path | None = None) -> str:
    """One line for a DuckDB or OS error met on the database ``path``: the fault and what to do when it is a
    known one (:func:`fault_kind`), else the error's own text on one line."""
    found = fault_kind(exc)
    if found is None:
        return _one_line(str(exc), 300)
    kind, err = found
    if isinstance(err, DatabaseFault):
        return str(err)
    return _fault_message(kind, err, path).args[0]


def _fault_message(kind: str, err: BaseException, path: str | Path | None,
                   read_only: bool = False) -> DatabaseFault:
    where = str(path) if path is not None else "the database"
    text = str(err).lower()
    if kind == "damaged":
        what = next((v for k, v in _DAMAGE.items() if k in text), "damaged")
        return DatabaseFault(
            f"{where} is damaged ({what}) and cannot be used: restore it from a backup, or move it aside and "
            f"rebuild it (`python -m nyc_cannabis demo --db {where}` for the demo database, `python -m "
            f"nyc_cannabis update --db {where}` for the real records)", kind)
    if kind == "full":
        return DatabaseFault(
            f"{where}: no space left to write ({_detail(err)}); free disk space beside the database "
            f"and run this again: nothing was half-written", kind)
    if read_only:
        return DatabaseFault(f"{where} cannot be read ({_detail(err)}): give this user read access "
                             f"to the file", kind)
    return DatabaseFault(
        f"{where} cannot be written ({_detail(err)}): loading, summarizing and updating need write "
        f"access to the file and its folder (DuckDB writes a .wal file beside it); reading still works", kind)


def connect(path: str | Path, *, read_only: bool = False, memory_limit: str | None = None,
            threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database file (created if missing unless ``read_only``).

    A damaged file, a full disk or a file that cannot be written raises :class:`DatabaseFault` (one line
    naming the file and what to do); any other error (another process holding the file, say) is DuckDB's."""
    config: dict[str, Any] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.Error as exc:
        found = fault_kind(exc)
        if found is None or "lock" in str(exc).lower():
            raise
        raise _fault_message(found[0], exc, path, read_only) from exc


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a query name (area/name): {name!r}")
    try:
        return sql_files()[name].read_text(encoding="utf-8")
    except KeyError:
        raise ValueError(f"no SQL file {name}.sql in the package") from None


def _expanded(name: str, depth: int = 0) -> str:
    """The file's text with each ``{{> other/name}}`` replaced by that file's text (a shared fragment)."""
    if depth > 4:
        raise ValueError(f"{name}.sql: fragments nested too deep")
    return _INCLUDE.sub(lambda m: _expanded(m.group(1), depth + 1).rstrip(), _read(name))


def sql_text(name: str, **identifiers: str) -> str:
    """Text of the SQL file ``name`` with its ``{{> fragment}}`` files included and ``{{identifier}}``
    placeholders filled (identifiers only)."""
    text = _expanded(name)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in identifiers:
            raise KeyError(f"{name}.sql needs identifier {{{{{key}}}}}")
        value = identifiers[key]
        if not _IDENT.match(value):
            raise ValueError(f"not a safe SQL identifier: {value!r}")
        return value

    return _PLACEHOLDER.sub(fill, text)


def execute(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
            **identifiers: str) -> duckdb.DuckDBPyConnection:
    """Run one named SQL file (one or more statements; parameters only allowed with one)."""
    text = sql_text(name, **identifiers)
    if params:
        return con.execute(text, params)
    return con.execute(text)


def fetch_dicts(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
                **identifiers: str) -> list[dict[str, Any]]:
    cur = execute(con, name, params, **identifiers)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def fetch_one(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
              **identifiers: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, name, params, **identifiers)
    return rows[0] if rows else None


def fetch_df(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
             **identifiers: str):
    return execute(con, name, params, **identifiers).df()
