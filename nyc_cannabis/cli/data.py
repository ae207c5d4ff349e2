"""Records in: ingest, summarize, info, demo, fetch, update."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from nyc_cannabis.cli.base import Failure, cli, db_option, emit, failures_as_one_line, json_option
from nyc_cannabis.present import glossary

# ------------------------------------------------------------------------------------------------ ingest

@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
@json_option
@failures_as_one_line
def ingest(paths: tuple[str, ...], db: str, as_json: bool) -> None:
    """Load NYPD arrest / criminal-court summons CSV exports (any edition) into the database.

    Each file is one transaction: a refused file leaves the database as it was and the other files
    still load. Bad rows are quarantined with file, line and reason.
    """
    from nyc_cannabis.ingest.loader import ingest as run

    def progress(report) -> None:
        if not as_json:
            click.echo(_file_line(report.as_dict()), err=True)

    def refused(error: dict) -> None:
        click.echo(f"error: {error['error']}", err=True)

    reports, errors = run(db, paths, on_file=progress, on_error=refused)
    payload = {"db": db, "files": [_file_json(r.as_dict()) for r in reports], "errors": errors}
    emit(as_json, payload, lambda p: _ingest_text(p))
    if errors:
        sys.exit(1)


_FILE_KEYS = ("path", "dataset", "edition", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
              "conflicts", "synthetic", "already_loaded", "first_date", "last_date")


def _file_json(r: dict) -> dict:
    return {k: r[k] for k in _FILE_KEYS}


def _file_line(r: dict) -> str:
    return (f"{Path(r['path']).name}: {r['dataset']} ({r['edition']}), {r['rows_read']:,} read, "
            f"{r['rows_loaded']:,} loaded, {r['rows_rejected']:,} rejected, {r['rows_duplicate']:,} duplicate, "
            f"{r['conflicts']:,} conflicting keys")


def _ingest_text(p: dict) -> str:
    done = f"{len(p['files'])} file(s) ingested into {p['db']}"
    if p["errors"]:
        done += f"; {len(p['errors'])} refused"
    return done


@cli.command()
@db_option
@json_option
@failures_as_one_line
def summarize(db: str, as_json: bool) -> None:
    """Recount the cannabis cells (the summary every figure is read from) from the records.

    Ingest keeps them current; run this for a database built by an older version, which is otherwise
    answered from cells rebuilt on the fly at every question (exact, but slower)."""
    from nyc_cannabis.ingest.loader import summarize as run

    def text(p: dict) -> str:
        return "\n".join(f"{d}: {c['records']:,} cannabis records in {c['cells']:,} cells"
                          for d, c in p["datasets"].items())

    emit(as_json, run(db), text)


# ------------------------------------------------------------------------------------------------ info

@cli.command()
@db_option
@json_option
@failures_as_one_line
def info(db: str, as_json: bool) -> None:
    """What the database holds: unique records, quarantined rows, dates, files, conflicts."""
    from nyc_cannabis.ingest.loader import info as read_info

    emit(as_json, read_info(db), _info_text)


def _info_text(i: dict) -> str:
    lines = [
        f"arrests:     {i['arrests']:,} unique records",
        f"summonses:   {i['summonses']:,} unique records",
        f"quarantined: {i['quarantined']:,} rows",
        f"dates:       {i['first_date']} to {i['last_date']}",
    ]
    if i["synthetic"]:
        lines.append("SYNTHETIC DEMO DATA: not NYPD records")
    if not i["cells_current"]:
        lines.append("cannabis cells missing or from an older version: run `summarize` (figures stay exact, "
                     "but slow)")
    lines.append("files:")
    lines += [f"  [{s['source_id']}] {_file_line(s)}" for s in i["sources"]]
    if i["conflicts"]:
        lines.append("conflicting copies (kept the more complete):")
        lines += [f"  {c['dataset']} {c['record_key']}: kept {glossary.where(c['kept_file'], c['kept_line'])}, "
                  f"set aside {glossary.where(c['other_file'], c['other_line'])} "
                  f"(differs in {', '.join(c['fields'])})"
                  for c in i["conflicts"]]
    if i["quarantine_reasons"]:
        lines.append("quarantine:")
        lines += [f"  {q['file_name']}: {q['rows']:,} × {q['reason']} (first at line {q['first_line']})"
                  for q in i["quarantine_reasons"]]
    if i.get("schema_drift"):
        lines.append("schema drift (loaded; the columns differ from the known editions):")
        lines += [f"  {d['file']} ({d['dataset']}): new {', '.join(d['new_columns']) or '–'}; "
                  f"missing optional {', '.join(d['missing_optional_columns']) or '–'}" for d in i["schema_drift"]]
    if i["unmapped_labels"]:
        lines.append("labels not in the translators (kept verbatim):")
        lines += [f"  {u['dataset']} {u['column_name']} {u['label']!r}: {u['records']:,}"
                  for u in i["unmapped_labels"]]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ demo

@cli.command()
@click.option("--out", default="data/demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the synthetic CSV files.")
@click.option("--arrests", type=click.IntRange(min=0), default=None, help="Arrest records to write.")
@click.option("--summonses", type=click.IntRange(min=0), default=None, help="Summons records to write.")
@click.option("--seed", type=int, default=2019, show_default=True)
@click.option("--db", default=None, type=click.Path(dir_okay=False),
              help="Also ingest the files into this database (marked synthetic).")
@json_option
@failures_as_one_line
def demo(out: str, arrests: int | None, summonses: int | None, seed: int, db: str | None,
         as_json: bool) -> None:
    """Write deterministic synthetic NYPD-shaped CSV files (2012–2024), optionally ingest them."""
    from nyc_cannabis.ingest.loader import ingest as run
    from nyc_cannabis.sources import demo as generator

    sizes = {k: v for k, v in (("arrests", arrests), ("summonses", summonses)) if v is not None}
    manifest = generator.write_demo(Path(out), seed=seed, **sizes)
    payload: dict[str, Any] = {"out": out, "manifest": manifest}
    if db:
        paths = [Path(out) / f["name"] for f in manifest["files"]]
        reports, errors = run(db, paths)
        if errors:
            raise Failure(errors[0]["error"])
        payload["db"] = db
        payload["files"] = [_file_json(r.as_dict()) for r in reports]

    def text(p: dict) -> str:
        lines = [f"wrote {f['name']} ({f['rows']:,} {f['dataset']}, synthetic)" for f in p["manifest"]["files"]]
        lines += [_file_line(f) for f in p.get("files", [])]
        if p.get("db"):
            lines.append(f"ingested into {p['db']} (marked synthetic)")
        return "\n".join(lines)

    emit(as_json, payload, text)


# ------------------------------------------------------------------------------------------------ fetch

@cli.command()
@click.option("--dataset", type=click.Choice(["arrests", "summonses"]), required=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (inclusive).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (inclusive).")
@click.option("--all-offenses", is_flag=True, help="Every offense, not only Penal Law articles 221/222.")
@click.option("--source", "sources", type=click.Choice(["historic", "ytd", "both"]), default="both",
              show_default=True, help="Historic dataset, Year-to-Date dataset, or both.")
@click.option("--out", default="data/raw", show_default=True, type=click.Path(file_okay=False))
@click.option("--base-url", default="https://data.cityofnewyork.us", show_default=True,
              help="Socrata host (tests point it at a local server).")
@click.option("--page-size", type=click.IntRange(1, 50_000), default=50_000, show_default=True)
@json_option
@failures_as_one_line
def fetch(dataset: str, since: dt.datetime | None, until: dt.datetime | None, all_offenses: bool,
          sources: str, out: str, base_url: str, page_size: int, as_json: bool) -> None:
    """Download records from NYC Open Data (paged, resumable; app token from $SODA_APP_TOKEN)."""
    from nyc_cannabis.sources import socrata as downloader

    chosen = ("historic", "ytd") if sources == "both" else (sources,)
    try:
        result = downloader.fetch(
            dataset, Path(out), since=since.date() if since else None, until=until.date() if until else None,
            all_offenses=all_offenses, sources=chosen, base_url=base_url, page_size=page_size,
            token=os.environ.get("SODA_APP_TOKEN") or None, progress=not as_json)
    except downloader.FetchError as exc:
        raise Failure(str(exc)) from exc
    emit(as_json, result, lambda r: "\n".join(
        f"{f['path']}: {f['rows']:,} rows ({f['source']} {f['dataset_id']}, {f['pages']} pages, "
        f"{f['resumed_pages']} resumed)" for f in r["files"]))


# ------------------------------------------------------------------------------------------------ update

@cli.command()
@db_option
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Download from this day (inclusive) instead of the database's last record date.")
@click.option("--all-offenses", is_flag=True, help="Every offense, not only Penal Law articles 221/222.")
@click.option("--base-url", default="https://data.cityofnewyork.us", show_default=True,
              help="Socrata host (tests point it at a local server).")
@json_option
@failures_as_one_line
def update(db: str, since: dt.datetime | None, all_offenses: bool, base_url: str, as_json: bool) -> None:
    """Bring the database up to date from NYC Open Data: download both datasets (Historic and Year-to-Date)
    from the day of its last record and load them; a second run in a row changes nothing.

    Resumable: rerun the same command after a failure or a kill. App token from $SODA_APP_TOKEN.
    """
    from nyc_cannabis.ingest.update import FetchError
    from nyc_cannabis.ingest.update import update as run

    def say(line: str) -> None:
        if not as_json:
            click.echo(line, err=True)

    try:
        result = run(db, since=since.date() if since else None, all_offenses=all_offenses, base_url=base_url,
                     token=os.environ.get("SODA_APP_TOKEN") or None,
                     progress=not as_json and sys.stderr.isatty(), on_message=say)
    except FetchError as exc:
        raise Failure(str(exc)) from exc
    emit(as_json, result, _update_text)


def _update_text(r: dict) -> str:
    lines = []
    for name, d in r["datasets"].items():
        held = (f"{d['first_date']} to {d['last_date']}" if d["records"] else "no records")
        lines.append(f"{name}: {d['records']:,} records (+{d['rows_loaded']:,} new), {held}")
    lines.append(f"{r['rows_downloaded']:,} rows downloaded ({r['protocol']}), {r['rows_loaded']:,} new; "
                 + (f"{r['db']} updated" if r["changed"] else f"{r['db']} was already current: nothing changed"))
    return "\n".join(lines)
