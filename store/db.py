"""Connections to the DuckDB file and the named SQL files under ``queries/``.

Every query the project runs is a file ``queries/<area>/<name>.sql`` called by name, with DuckDB named
parameters (``$start``) passed as a dict — never text formatted from user input. A few generic
statements vary by *table*; those use ``{{identifier}}`` placeholders that :func:`sql_text` fills only
with names matching ``^[a-z_][a-z0-9_]*$`` taken from the schema module's allow-list, never from a user.
A fragment several queries share is its own file, included with ``{{> area/name}}``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

QUERIES = Path(__file__).resolve().parent.parent / "queries"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_INCLUDE = re.compile(r"\{\{>\s*([\w/]+)\s*\}\}")


def connect(path: str | Path, *, read_only: bool = False, memory_limit: str | None = None,
            threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database file (created if missing unless ``read_only``)."""
    config: dict[str, Any] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    return duckdb.connect(str(path), read_only=read_only, config=config)


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    path = (QUERIES / f"{name}.sql").resolve()
    if QUERIES not in path.parents:
        raise ValueError(f"query name escapes queries/: {name!r}")
    return path.read_text(encoding="utf-8")


def _expanded(name: str, depth: int = 0) -> str:
    """The file's text with each ``{{> other/name}}`` replaced by that file's text (a shared fragment)."""
    if depth > 4:
        raise ValueError(f"{name}.sql: fragments nested too deep")
    return _INCLUDE.sub(lambda m: _expanded(m.group(1), depth + 1).rstrip(), _read(name))


def sql_text(name: str, **identifiers: str) -> str:
    """Text of ``queries/<name>.sql`` with its ``{{> fragment}}`` files included and ``{{identifier}}``
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
