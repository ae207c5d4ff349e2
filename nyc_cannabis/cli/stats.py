"""Numbers with intervals: disparity, mode, trend, report."""

from __future__ import annotations

import datetime as dt

import click

from nyc_cannabis.cli.base import cli, day, db_option, emit, failures_as_one_line, json_option, num, require_db
from nyc_cannabis.cli.options import view_options
from nyc_cannabis.core.db import Database
from nyc_cannabis.present import views

# ------------------------------------------------------------------------------------------------ disparity

@cli.command()
@db_option
@view_options(views.DISPARITY)
@json_option
@failures_as_one_line
def disparity(db: str, dataset: str, start: dt.datetime | None, end: dt.datetime | None, reference: str,
              scope: str, by: str, regime: str, bound: str, threshold: int, as_json: bool) -> None:
    """Rates per 100,000 residents by group and rate ratios against a reference group, with 95% CIs."""
    from nyc_cannabis.stats.disparity import disparity as run

    require_db(db)
    with Database(db) as database:  # opened once for the command
        result = run(database, dataset, regime=None if regime == views.AS_CHARGED else regime, bound=bound,
                     reference=reference, start=day(start), end=day(end), by=None if by == "city" else by,
                     scope=scope, threshold=threshold)

    def table(groups: list[dict]) -> list[str]:
        return [f"  {g['group']:<32} {g['count']:>9,} {num(g.get('rate_per_100k')):>9} "
                + (f"{'1':>6} (reference)" if g.get("ci_method") == "reference group" else
                   f"{num(g.get('rate_ratio'), '.2f'):>6} ({num(g.get('ci_low'), '.2f')}–{num(g.get('ci_high'), '.2f')})")
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
@click.option(views.START.option, "start", type=click.DateTime(["%Y-%m-%d"]), help=views.START.help)
@click.option(views.END.option, "end", type=click.DateTime(["%Y-%m-%d"]), help=views.END.help)
@click.option("--scope", type=click.Choice(views.SCOPE.values), default="low-level", show_default=True,
              help="low-level compares like with like: the sections a summons can replace.")
@json_option
@failures_as_one_line
def mode(db: str, start: dt.datetime | None, end: dt.datetime | None, scope: str, as_json: bool) -> None:
    """Enforcement mode: the share of cannabis enforcement that was an arrest rather than a summons."""
    from nyc_cannabis.stats.disparity import enforcement_mode

    require_db(db)
    with Database(db) as database:
        result = enforcement_mode(database, start=day(start), end=day(end), scope=scope)

    def text(p: dict) -> str:
        lines = [p["definition"]]
        lines += [f"  {r['period_label']:<38} {r['group']:<32} {r['arrests']:>8,} / {r['summonses']:>8,}  "
                  f"{num(r['arrest_share'] and 100 * r['arrest_share'])}% "
                  f"({num(r['ci_low'] is not None and 100 * r['ci_low'])}–"
                  f"{num(r['ci_high'] is not None and 100 * r['ci_high'])})" for r in p["rows"]]
        return "\n".join(lines)

    emit(as_json, result, text)


@cli.command()
@db_option
@view_options(views.TREND)
@json_option
@failures_as_one_line
def trend(db: str, dataset: str, start: dt.datetime | None, end: dt.datetime | None, scope: str, reference: str,
          seasonal: bool, as_json: bool) -> None:
    """Monthly series by group and interrupted time series around the law dates."""
    from nyc_cannabis.stats.trend import trend as run

    require_db(db)
    with Database(db) as database:
        result = run(database, dataset, reference=reference, start=day(start), end=day(end), scope=scope,
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
    with Database(db) as database:  # every section's queries share one connection
        result = write(database, out, regime)

    def text(p: dict) -> str:
        lines = [f"wrote {p['out']} ({p['bytes']:,} bytes, {len(p['sections'])} sections)"]
        for s in p["sections"]:
            if s["id"] == "findings":
                lines += [f"  - {f['sentence']}" for f in s.get("findings", [])]
        return "\n".join(lines)

    emit(as_json, result, text)
