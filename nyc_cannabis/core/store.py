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
