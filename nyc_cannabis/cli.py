"""``python -m nyc_cannabis <command>``: the one command line for the project.

Every command takes ``--json`` (machine-readable output on stdout) and otherwise prints a readable
summary. Exit code 0 on success; on failure, one line ``error: …`` on stderr and a non-zero code
(1 for a refused input or failed operation, 2 for bad usage).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from nyc_cannabis import __version__
from nyc_cannabis.core.datasets import AGE_BANDS

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
    """Turn the engine's own errors into one-line failures (never a traceback for bad input)."""
    from nyc_cannabis.ingest.loader import IngestError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (IngestError, ValueError, OSError) as exc:
            raise Failure(str(exc)) from exc
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nyc-cannabis-enforcement")
def cli() -> None:
    """Measure what New York's marijuana law changes did to criminal charges and racial disparities."""


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
        lines += [f"  {c['dataset']} {c['record_key']}: kept {c['kept_file']}:{c['kept_line']}, "
                  f"set aside {c['other_file']}:{c['other_line']} (differs in {', '.join(c['fields'])})"
                  for c in i["conflicts"]]
    if i["quarantine_reasons"]:
        lines.append("quarantine:")
        lines += [f"  {q['file_name']}: {q['rows']:,} × {q['reason']} (first at line {q['first_line']})"
                  for q in i["quarantine_reasons"]]
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


# ------------------------------------------------------------------------------------------------ crosswalk

REGIME_CHOICE = click.Choice(["old-1977", "reform-2019", "mrta-2021"])


@cli.command()
@click.option("--from", "charged", type=REGIME_CHOICE, required=True, help="The law the records were charged under.")
@click.option("--to", "target", required=True,
              help="The law to re-apply: old-1977, reform-2019, mrta-2021, or a reform YAML file.")
@click.option("--age", "age_band", type=click.Choice(AGE_BANDS),
              default="UNKNOWN", show_default=True, help="The record's NYPD age band.")
@json_option
@failures_as_one_line
def crosswalk(charged: str, target: str, age_band: str, as_json: bool) -> None:
    """What each charged section would be under another law: low / central / high, with the sources quoted."""
    from nyc_cannabis.law import crosswalk as cw
    from nyc_cannabis.law import regimes
    from nyc_cannabis.projection.explain import _outcome

    source, dest = regimes.load(charged), regimes.load(target)
    rows = []
    for rule in source.rules:
        b = cw.bounds(source, rule.section, rule.subdivision, age_band, dest)
        if b is None or any(r["charged"] == rule.label for r in rows):
            continue
        outcomes = {k: _outcome(getattr(b, k)) for k in ("low", "central", "high")}
        rows.append({"charged": rule.label, "charged_class": rule.klass, "consistent_facts": len(b.facts),
                     **{f"{k}_class": o["class"] for k, o in outcomes.items()},
                     **{f"{k}_sections": [r["section"] for r in o["rules"]] for k, o in outcomes.items()},
                     **{f"{k}_jail_max_days": o["jail_max_days"] for k, o in outcomes.items()},
                     **{f"{k}_because": o["because"] for k, o in outcomes.items()},
                     "unverified": sorted({f"{r['section']}: {r['unknown']}" for o in outcomes.values()
                                           for r in o["rules"] if not r["verified"]}),
                     "citations": sorted({r.citation for k in ("low", "central", "high")
                                          for r in getattr(b, k).rules})})
    payload = {"from": source.id, "to": dest.id, "age_band": age_band, "assumptions": cw.ASSUMPTIONS,
               "sections": rows}

    def text(p: dict) -> str:
        def cell(r: dict, k: str) -> str:
            return f"{r[k + '_class']} {'/'.join(r[k + '_sections']) or '-'}"
        lines = [f"{p['from']} → {p['to']} (age band {p['age_band']}): low | central | high"]
        lines += [f"  {r['charged']:<10} {r['charged_class']:<14} → {cell(r, 'low')} | {cell(r, 'central')} | "
                  f"{cell(r, 'high')}" for r in p["sections"]]
        lines += ["assumptions:"] + [f"  {k}: {v}" for k, v in p["assumptions"].items()]
        return "\n".join(lines)

    emit(as_json, payload, text)


# ------------------------------------------------------------------------------------------------ project

@cli.command()
@db_option
@click.option("--dataset", type=click.Choice(["arrests", "summonses"]), required=True)
@click.option("--regime", required=True,
              help="The law to re-apply: old-1977, reform-2019, mrta-2021, or a reform YAML file (an overlay).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First record date (inclusive).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last record date (inclusive).")
@click.option("--by", type=click.Choice(["group", "borough", "precinct", "age", "sex", "period", "year"]),
              default="group", show_default=True,
              help="period = the law in force on the record's date (old-1977, reform-2019, mrta-2021).")
@click.option("--assume", multiple=True, metavar="NAME=VALUE",
              help="Switch a central-case assumption: amount=wider|low|high, age_18_24=21_plus|18_20, "
                   "buyer_age=21_plus|18_20|under_18, conduct=possess_private|possess_public|smoke_restricted|sell|gift.")
@json_option
@failures_as_one_line
def project(db: str, dataset: str, regime: str, start: dt.datetime | None, end: dt.datetime | None, by: str,
            assume: tuple[str, ...], as_json: bool) -> None:
    """Re-apply a law to the cannabis records: criminal charges as charged and low / central / high."""
    from nyc_cannabis.law.crosswalk import Assumptions
    from nyc_cannabis.projection.project import project as run

    require_db(db)
    result = run(db, dataset, regime, start=start.date() if start else None, end=end.date() if end else None,
                 by=by, assume=Assumptions.parse(list(assume)))

    def text(p: dict) -> str:
        lines = [f"{p['dataset']} re-applied to {p['regime']} (by {p['by']}): records, criminal as charged → "
                 f"criminal low / central / high; fines low–high; expungeable (2019)"]
        lines += [f"  {str(g['group']):<32} {g['records']:>9,} {g['criminal_as_charged']:>9,} → "
                  f"{g['criminal_low']:,} / {g['criminal_central']:,} / {g['criminal_high']:,}; "
                  f"${g['fines_low']:,.0f}–${g['fines_high']:,.0f}; {g['expungeable']:,}" for g in p["groups"]]
        return "\n".join(lines)

    emit(as_json, result, text)


# ------------------------------------------------------------------------------------------------ explain

def _cited(rule: dict) -> str:
    """A rule's main source in one line: kind, the sentence quoted, the URL; what is unknown if unverified."""
    s = rule["sources"][0]
    unknown = "" if rule["verified"] else f" [unverified: {rule['unknown']}]"
    return f"({s['kind'].replace('_', ' ')}: \u201c{s['quote']}\u201d <{s['url']}>){unknown}"


@cli.command()
@db_option
@click.option("--key", required=True, help="ARREST_KEY or SUMMONS_KEY.")
@click.option("--regime", required=True, help="old-1977, reform-2019, mrta-2021, or a reform YAML file.")
@json_option
@failures_as_one_line
def explain(db: str, key: str, regime: str, as_json: bool) -> None:
    """Why one record comes out as it does under a law: code → section on its date → facts → outcome."""
    from nyc_cannabis.projection.explain import explain as run

    require_db(db)
    result = run(db, key, regime)

    def text(p: dict) -> str:
        r = p["record"]
        lines = [f"{r['dataset']} {r['record_key']} on {r['event_date']}: {r['code']} ({r['description']}), "
                 f"{r['file_name']} line {r['line']}"]
        if "consistent_facts" not in p:
            return "\n".join(lines + [p["conclusion"]])
        lines.append(f"1. on that date the law was {p['charged_regime']['id']}: " + "; ".join(
            f"{m['section']} {m['name']} ({m['class']}) {_cited(m)}" for m in p["meaning_on_date"]))
        f = p["consistent_facts"]
        upto = "no limit" if f["amount_g"]["up_to"] is None else f"{f['amount_g']['up_to']:g} g"
        lines.append(f"2. facts consistent with it (A1, age band {r['age_band']}): {', '.join(f['conduct'])}; "
                     f"more than {f['amount_g']['above']:g} g up to {upto}; actor {', '.join(f['actor_age'])}")
        lines.append(f"3. under {p['target_regime']['id']}:")
        for bound, o in p["outcome"].items():
            cited = "; ".join(f"{x['section']} {_cited(x)}" for x in o["rules"]) or "no offence"
            reading = "".join(f" [reading: {why}]" for why in o["because"])
            lines.append(f"   {bound:<8} {o['class']:<14} {cited}{reading}")
        e = p["expungeable"]
        lines.append(f"4. expunged automatically: under the 2019 rules {'yes' if e['2019_rules'] else 'no'}; "
                     f"under {p['target_regime']['id']} {'yes' if e['target_rules'] else 'no'}")
        return "\n".join(lines)

    emit(as_json, result, text)


# ------------------------------------------------------------------------------------------------ disparity

def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _num(x: float | None, fmt: str = ",.1f") -> str:
    return "–" if x is None else format(x, fmt)


def period_options(fn):
    fn = click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None,
                      help="Last record date (inclusive).")(fn)
    fn = click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
                      help="First record date (inclusive).")(fn)
    return fn


def scope_option(fn):
    return click.option("--scope", type=click.Choice(["all", "low-level"]), default="all", show_default=True,
                        help="low-level = possession and public-use sections only (221.05, 221.10, 222.05, "
                             "222.10), the offences a summons can replace.")(fn)


@cli.command()
@db_option
@click.option("--dataset", type=click.Choice(["arrests", "summonses"]), required=True)
@click.option("--regime", default=None,
              help="Count the criminal charges the records would be under this law (id or reform YAML) "
                   "instead of the records as charged.")
@click.option("--bound", type=click.Choice(["low", "central", "high"]), default="central", show_default=True)
@click.option("--reference", default="White", show_default=True, help="Reference group of the rate ratios.")
@period_options
@click.option("--by", type=click.Choice(["borough", "precinct", "period"]), default=None,
              help="Also per borough, precinct (Benjamini–Hochberg flags) or law period.")
@scope_option
@click.option("--threshold", type=int, default=10, show_default=True, help="Suppress rates below this count.")
@json_option
@failures_as_one_line
def disparity(db: str, dataset: str, regime: str | None, bound: str, reference: str, start: dt.datetime | None,
              end: dt.datetime | None, by: str | None, scope: str, threshold: int, as_json: bool) -> None:
    """Rates per 100,000 residents by group and rate ratios against a reference group, with 95% CIs."""
    from nyc_cannabis.stats.disparity import disparity as run

    require_db(db)
    result = run(db, dataset, regime=regime, bound=bound, reference=reference, start=_date(start),
                 end=_date(end), by=by, scope=scope, threshold=threshold)

    def table(groups: list[dict]) -> list[str]:
        return [f"  {g['group']:<32} {g['count']:>9,} {_num(g.get('rate_per_100k')):>9} "
                + (f"{'1':>6} (reference)" if g.get("ci_method") == "reference group" else
                   f"{_num(g.get('rate_ratio'), '.2f'):>6} ({_num(g.get('ci_low'), '.2f')}–{_num(g.get('ci_high'), '.2f')})")
                +
                f"{'  ' + g['note'] if g.get('note') else ''}" for g in groups]

    def text(p: dict) -> str:
        lines = [f"{p['dataset']}: {p['measure']}, {p['start']} to {p['end']} ({p['years']:.2f} years); "
                 f"rate per 100,000 residents per year; rate ratio vs {p['reference']} (95% CI)"]
        if p["coverage"]["warning"]:
            lines.append(f"  warning: {p['coverage']['warning']}")
        lines += table(p["groups"])
        t = p["test"]
        if t["p_value"] is not None:
            lines.append(f"  {t['name']}: chi2 = {t['statistic']:,.1f}, df = {t['df']}, p = {t['p_value']:.3g}")
        lines.append(f"  {p['rule']}")
        for a in p.get("areas", []):
            lines.append(f"{a['label']} ({a['records']:,} records)")
            lines += table(a["groups"])
        if "fdr" in p:
            lines.append(f"{p['fdr']['significant']} of {p['fdr']['comparisons']} area × group ratios significant "
                         f"after Benjamini–Hochberg (q = {p['fdr']['q']})")
        lines.append(f"Population: {p['population_source']}")
        return "\n".join(lines)

    emit(as_json, result, text)


@cli.command()
@db_option
@period_options
@click.option("--scope", type=click.Choice(["all", "low-level"]), default="low-level", show_default=True,
              help="low-level compares like with like: the sections a summons can replace.")
@json_option
@failures_as_one_line
def mode(db: str, start: dt.datetime | None, end: dt.datetime | None, scope: str, as_json: bool) -> None:
    """Enforcement mode: the share of cannabis enforcement that was an arrest rather than a summons."""
    from nyc_cannabis.stats.disparity import enforcement_mode

    require_db(db)
    result = enforcement_mode(db, start=_date(start), end=_date(end), scope=scope)

    def text(p: dict) -> str:
        lines = [p["definition"]]
        lines += [f"  {r['period_label']:<38} {r['group']:<32} {r['arrests']:>8,} / {r['summonses']:>8,}  "
                  f"{_num(r['arrest_share'] and 100 * r['arrest_share'])}% "
                  f"({_num(r['ci_low'] is not None and 100 * r['ci_low'])}–"
                  f"{_num(r['ci_high'] is not None and 100 * r['ci_high'])})" for r in p["rows"]]
        return "\n".join(lines)

    emit(as_json, result, text)


@cli.command()
@db_option
@click.option("--dataset", type=click.Choice(["arrests", "summonses"]), required=True)
@click.option("--reference", default="White", show_default=True, help="Reference group of the ratio models.")
@period_options
@scope_option
@click.option("--seasonal", is_flag=True, help="Add a yearly sine/cosine pair to every model.")
@json_option
@failures_as_one_line
def trend(db: str, dataset: str, reference: str, start: dt.datetime | None, end: dt.datetime | None, scope: str,
          seasonal: bool, as_json: bool) -> None:
    """Monthly series by group and interrupted time series around the law dates."""
    from nyc_cannabis.stats.trend import trend as run

    require_db(db)
    result = run(db, dataset, reference=reference, start=_date(start), end=_date(end), scope=scope,
                 seasonal=seasonal)

    def effects(entry: dict) -> list[str]:
        return [f"    {e['break']} {e['kind']:<5} "
                + (f"× {e['ratio']:.3f} ({e['ci_low']:.3f}–{e['ci_high']:.3f}), p = {e['p_value']:.3g}"
                   + (" (imprecise: too few records)" if e["imprecise"] else "")
                   if e["estimable"] else "not estimable") for e in entry.get("effects", [])]

    def text(p: dict) -> str:
        lines = [f"{p['dataset']}: {len(p['monthly'])} group-months, {p.get('first_month')} to {p.get('last_month')}"]
        lines += [f"  skipped {b['date']} ({b['label']}): {b['reason']}" for b in p.get("skipped_breaks", [])]
        for g in p["groups"]:
            lines.append(f"  {g['group']} ({g['records']:,} records)" + (f": {g['note']}" if g.get("note") else ""))
            lines += effects(g)
        for r in p["ratios"]:
            lines.append(f"  rate ratio {r['group']} / {r['reference']}" + (f": {r['note']}" if r.get("note") else ""))
            lines += effects(r)
        return "\n".join(lines)

    emit(as_json, result, text)


# ------------------------------------------------------------------------------------------------ report

@cli.command()
@db_option
@click.option("--regime", default="mrta-2021", show_default=True,
              help="The law the report's projection section re-applies: old-1977, reform-2019, mrta-2021 or a "
                   "shipped reform id (expunge-more-2019, public-smoking-civil-2019).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@json_option
@failures_as_one_line
def report(db: str, regime: str, out: str, as_json: bool) -> None:
    """Write a self-contained HTML report: key findings, charts, tables, methods, data version, citation."""
    from nyc_cannabis.present.report import write

    require_db(db)
    result = write(db, out, regime)

    def text(p: dict) -> str:
        lines = [f"wrote {p['out']} ({p['bytes']:,} bytes, {len(p['sections'])} sections)"]
        for s in p["sections"]:
            if s["id"] == "findings":
                lines += [f"  - {f['sentence']}" for f in s.get("findings", [])]
        return "\n".join(lines)

    emit(as_json, result, text)


@cli.command("law-schema")
@json_option
def law_schema(as_json: bool) -> None:
    """The law-file format (regimes and reforms) as JSON Schema; docs/law-files.md explains each field."""
    from nyc_cannabis.law.regimes.lawfile import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def main() -> None:
    cli(prog_name="python -m nyc_cannabis")
