"""The law applied: crosswalk, project, explain, law-schema."""

from __future__ import annotations

import datetime as dt
import json

import click

from nyc_cannabis.cli.base import cli, day, db_option, emit, failures_as_one_line, json_option, require_db
from nyc_cannabis.cli.options import view_options
from nyc_cannabis.core.db import Database
from nyc_cannabis.present import glossary, views

# ------------------------------------------------------------------------------------------------ crosswalk

REGIME_CHOICE = click.Choice(["old-1977", "reform-2019", "mrta-2021"])


@cli.command()
@click.option("--from", "charged", type=REGIME_CHOICE, required=True, help="The law the records were charged under.")
@click.option("--to", "target", required=True,
              help="The law to re-apply: old-1977, reform-2019, mrta-2021, or a reform YAML file.")
@click.option("--age", "age_band", type=click.Choice(views.CROSSWALK_AGE.values),
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
@view_options(views.PROJECTION)
@click.option("--assume", multiple=True, metavar="NAME=VALUE",
              help="The same switches as one option: amount=low, buyer_age=18_20, … (overrides the options).")
@json_option
@failures_as_one_line
def project(db: str, dataset: str, regime: str, start: dt.datetime | None, end: dt.datetime | None, by: str,
            amount: str, age_18_24: str, buyer_age: str, conduct: str, assume: tuple[str, ...],
            as_json: bool) -> None:
    """Re-apply a law to the cannabis records: criminal charges as charged and low / central / high."""
    from nyc_cannabis.law.crosswalk import Assumptions
    from nyc_cannabis.projection.project import project as run

    require_db(db)
    chosen = [f"amount={amount}", f"age_18_24={age_18_24}", f"buyer_age={buyer_age}", f"conduct={conduct}"]
    with Database(db) as database:  # opened once for the command
        result = run(database, dataset, regime, start=day(start), end=day(end), by=by,
                     assume=Assumptions.parse([*chosen, *assume]))

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
@view_options(views.EXPLAIN, key=True)
@json_option
@failures_as_one_line
def explain(db: str, key: str, regime: str, as_json: bool) -> None:
    """Why one record comes out as it does under a law: code → section on its date → facts → outcome."""
    from nyc_cannabis.projection.explain import explain as run

    require_db(db)
    with Database(db) as database:
        result = run(database, key, regime)

    def text(p: dict) -> str:
        r = p["record"]
        lines = [f"{r['dataset']} {r['record_key']} on {r['event_date']}: {r['code']} ({r['description']}), "
                 f"{glossary.where(r['file_name'], r['line'])}"]
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



@cli.command("law-schema")
@json_option
def law_schema(as_json: bool) -> None:
    """The law-file format (regimes and reforms) as JSON Schema; docs/law-files.md explains each field."""
    from nyc_cannabis.law.regimes.lawfile import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
