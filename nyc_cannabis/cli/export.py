"""Data that travels: ``export``, the database as Parquet or CSV files with their dictionary and version."""

from __future__ import annotations

import click

from nyc_cannabis.cli.base import cli, db_option, emit, failures_as_one_line, json_option, require_db
from nyc_cannabis.core.db import Database


@cli.command()
@db_option
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="The folder to write: new, empty, or holding an earlier export (which is replaced).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="File format of the tables.")
@json_option
@failures_as_one_line
def export(db: str, out: str, fmt: str, as_json: bool) -> None:
    """Export the records (by dataset and year), quarantine, cannabis cells and Census populations as Parquet
    or CSV, with DICTIONARY.csv, DATA-VERSION.json (source files, SHA-256) and DATA-TERMS.md."""
    from nyc_cannabis.present.handoff import export as run

    require_db(db)
    with Database(db) as database:  # read-only
        result = run(database, out, fmt)

    def text(p: dict) -> str:
        lines = [f"{'replaced the export in' if p['replaced'] else 'wrote'} {p['out']} ({p['format']}"
                 f"{', SYNTHETIC demo data' if p['synthetic'] else ''}), {p['sources']} source file(s)"]
        lines += [f"  {t['path']:<38} {t['rows']:>12,} rows" for t in p["tables"].values()]
        lines.append(f"  {', '.join(p['files'])} ({p['columns']} columns described)")
        return "\n".join(lines)

    emit(as_json, result, text)
