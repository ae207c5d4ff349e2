"""The command group and what every command shares: ``--db``, ``--json``, one-line failures, output."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any, Callable

import click

from nyc_cannabis import __version__

DEFAULT_DB = "data/nypd.duckdb"


def default_db() -> str:
    return os.environ.get("ANALYTICS_DB", DEFAULT_DB)


class Failure(click.ClickException):
    """A one-line error, exit code 1."""

    def show(self, file=None) -> None:  # one line, no click decoration
        click.echo(f"error: {' '.join(self.format_message().split())}", err=True)


def require_db(db: str) -> None:
    """A command that reads the database fails in one line when it is missing."""
    if not Path(db).exists():
        raise Failure(f"{db}: no such database")


def emit(as_json: bool, payload: Any, readable: Callable[[Any], str]) -> None:
    """Print the payload as JSON (``--json``) or as the readable text."""
    if as_json:
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(readable(payload))


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(fn)


def db_option(fn):
    return click.option("--db", default=default_db, show_default="$ANALYTICS_DB or " + DEFAULT_DB,
                        type=click.Path(dir_okay=False), help="DuckDB database file.")(fn)


def failures_as_one_line(fn):
    """Turn the engine's own errors into one-line failures (never a traceback for bad input), and so the
    database's faults (damaged file, disk full, not writable: :func:`nyc_cannabis.core.store.explain`, which
    finds the cause behind a failed COMMIT's follow-up error) and any other DuckDB error."""
    import duckdb

    from nyc_cannabis.core import store
    from nyc_cannabis.ingest.loader import IngestError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (IngestError, ValueError, OSError, duckdb.Error) as exc:
            if isinstance(exc, duckdb.Error) or store.fault_kind(exc):
                raise Failure(store.explain(exc, kwargs.get("db"))) from exc
            raise Failure(str(exc)) from exc
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nyc-cannabis-enforcement")
def cli() -> None:
    """Measure what New York's marijuana law changes did to criminal charges and racial disparities."""


def day(value: dt.datetime | None) -> dt.date | None:
    """A click DateTime option's value as a date."""
    return value.date() if value else None


def num(x: float | None, fmt: str = ",.1f") -> str:
    return "–" if x is None else format(x, fmt)
