"""A self-contained HTML report of the database: key findings, the main charts (plotly.js inlined once),
tables, the law, methods, assumptions, data version and a citation.

The report is a list of sections (:data:`SECTIONS`); each is a function of the :class:`Context` returning a
:class:`Section` (or None to skip). Disparity and trend sections are appended to the list later, nothing else
changes. ``python -m nyc_cannabis report`` and the Overview page's download both call :func:`build`.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from nyc_cannabis import __version__
from nyc_cannabis.core.db import Database
from nyc_cannabis.ingest.loader import info as read_info
from nyc_cannabis.law import regimes
from nyc_cannabis.law.crosswalk import ASSUMPTIONS
from nyc_cannabis.present import charts, glossary, lawbook
from nyc_cannabis.present.findings import Finding, Period, key_findings, periods
from nyc_cannabis.projection.project import project

PROJECT = "NY marijuana enforcement: charges and disparities under three laws"


@dataclass
class Context:
    db: Database | str
    regime: str
    info: dict[str, Any]
    period: Period | None
    findings: list[Finding]
    run: Callable[..., dict[str, Any]]
    permalink: str | None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # filled by sections, reused by later ones
    plotly_included: bool = False

    def figure(self, fig, alt: str) -> str:
        out = charts.figure_html(fig, alt, full=False, include_plotlyjs=not self.plotly_included)
        self.plotly_included = True
        return out


@dataclass
class Section:
    id: str
    title: str
    html: str
    data: dict[str, Any] = field(default_factory=dict)  # what --json prints for this section


def _e(text: Any) -> str:
    return html.escape(str(text))


def _table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, (int, float)) and not pd.isna(v):
            return charts.fmt(v)
        return _e("–" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
    head = "".join(f'<th title="{_e(glossary.describe(c) or c)}">{_e(glossary.label(c))}</th>' for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _data_version(info: dict[str, Any]) -> str:
    parts = [f"{s['file_name']}@{s['sha256'][:12]}" for s in info.get("sources", [])]
    kind = "SYNTHETIC demo data" if info.get("synthetic") else "NYPD open data"
    return f"{kind}; {len(parts)} file(s): " + ", ".join(parts)


# --------------------------------------------------------------------------------------------- sections

def findings_section(ctx: Context) -> Section | None:
    if ctx.period is None:
        return Section("findings", "Key findings", "<p>No cannabis records in this database.</p>")
    items = "".join(f"<li>{_e(f.sentence)}</li>" for f in ctx.findings)
    return Section("findings", f"Key findings: {ctx.period.dataset} in {ctx.period.label}", f"<ul>{items}</ul>",
                   {"period": {"dataset": ctx.period.dataset, "start": ctx.period.start.isoformat(),
                               "end": ctx.period.end.isoformat(), "label": ctx.period.label},
                    "findings": [{"key": f.key, "sentence": f.sentence, "numbers": f.numbers} for f in ctx.findings]})


def comparison_section(ctx: Context) -> Section | None:
    if ctx.period is None:
        return None
    p = ctx.period
    results = {r: ctx.run(ctx.db, p.dataset, r, start=p.start, end=p.end) for r in ("reform-2019", "mrta-2021")}
    ctx.results.update({f"comparison:{r}": v for r, v in results.items()})
    fig = charts.comparison_figure(results, source=f"Source: {_data_version(ctx.info)[:120]}")
    alt = charts.comparison_alt(results)
    frame = pd.DataFrame([{"regime": regimes.short_name(r), "group": g["group"], "records": g["records"],
                           "criminal as charged": g["criminal_as_charged"], "criminal low": g["criminal_low"],
                           "criminal central": g["criminal_central"], "criminal high": g["criminal_high"]}
                          for r, res in results.items() for g in res["groups"]])
    return Section("comparison", "Criminal charges as charged and under each law", ctx.figure(fig, alt) + _table(frame),
                   {"alt": alt, "rows": frame.to_dict("records")})


def projection_section(ctx: Context) -> Section | None:
    if ctx.period is None:
        return None
    p = ctx.period
    result = ctx.run(ctx.db, p.dataset, ctx.regime, start=p.start, end=p.end)
    ctx.results["projection"] = result
    fig = charts.projection_figure(result, source=f"Source: {_data_version(ctx.info)[:120]}")
    alt = charts.projection_alt(result)
    frame = pd.DataFrame(charts.projection_table(result))
    return Section("projection", f"{p.dataset.capitalize()} in {p.label} re-applied to {result['regime_name']}",
                   ctx.figure(fig, alt) + _table(frame), {"alt": alt, "result": result})


def law_section(ctx: Context) -> Section | None:
    rows = [lawbook.describe(regimes.load(r)) for r in regimes.REGIME_IDS]
    frame = pd.DataFrame([{"law": r["name"], "in force from": r["from"] or "—", "until": r["until"] or "—",
                           "rules": r["rules"], "unverified rules": r["unverified_rules"],
                           "expunged automatically": ", ".join(r["expunge_sections"]) or "none"} for r in rows])
    scen = pd.DataFrame(lawbook.scenario_table())
    target = regimes.load(ctx.regime)
    cited = pd.DataFrame([{k: r[k] for k in ("section", "name", "class", "verified", "unknown", "source kind",
                                              "quote", "citation")} for r in lawbook.rules_table(target)])
    return Section("law", "The three laws",
                   _table(frame) + "<h3>What typical situations amounted to</h3>" + _table(scen)
                   + f"<h3>The rules of {_e(target.name)}, with the sentence each rests on</h3>" + _table(cited),
                   {"regimes": rows, "scenarios": scen.to_dict("records"), "rules": cited.to_dict("records")})


def data_section(ctx: Context) -> Section | None:
    i = ctx.info
    frame = pd.DataFrame([{"file": s["file_name"], "dataset": s["dataset"], "edition": s["edition"],
                           "rows read": s["rows_read"], "loaded": s["rows_loaded"], "rejected": s["rows_rejected"],
                           "duplicate": s["rows_duplicate"], "conflicts": s["conflicts"],
                           "sha256": s["sha256"][:12]} for s in i["sources"]])
    text = (f"<p>{charts.fmt(i['arrests'])} arrests and {charts.fmt(i['summonses'])} criminal-court summonses "
            f"(unique records), {charts.fmt(i['quarantined'])} quarantined rows, from {_e(i['first_date'])} to "
            f"{_e(i['last_date'])}.</p>")
    return Section("data", "Data and load accounting", text + (_table(frame) if not frame.empty else ""),
                   {"data_version": _data_version(i)})


def methods_section(ctx: Context) -> Section | None:
    items = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in ASSUMPTIONS.items())
    text = ("<p>A record's code means what the law in force on its date said. The facts consistent with the code "
            "(amount band, conduct, ages) are listed from that law; the target law is applied to each: the "
            "<b>low</b> bound is the least serious outcome, the <b>high</b> bound the most serious, and the "
            "<b>central</b> case follows the assumptions below. Counts are records (arrests or summonses), not "
            "people. <i>Criminal</i> = misdemeanor or felony; <i>violation</i> = a non-criminal offence; "
            "<i>legal</i> = lawful or a civil fine.</p>")
    return Section("methods", "Methods and assumptions", text + f"<ul>{items}</ul>", {"assumptions": ASSUMPTIONS})


def citation_section(ctx: Context) -> Section | None:
    cite = (f"{PROJECT} (nyc-cannabis-enforcement {__version__}). Report generated {dt.date.today().isoformat()}. "
            f"Data: {_data_version(ctx.info)}; records {ctx.info['first_date']} to {ctx.info['last_date']}."
            + (f" {ctx.permalink}" if ctx.permalink else ""))
    return Section("citation", "How to cite", f"<p><code>{_e(cite)}</code></p>", {"citation": cite})


def disparity_section(ctx: Context) -> Section | None:
    if ctx.period is None:
        return None
    from nyc_cannabis.present import disparity_charts as dc
    from nyc_cannabis.stats.disparity import disparity

    p = ctx.period
    result = disparity(ctx.db, p.dataset, regime=ctx.regime, start=p.start, end=p.end)
    source = f"Source: {_data_version(ctx.info)[:100]}; Census 2020 P2"
    parts = [ctx.figure(dc.ratio_figure(result, source), dc.ratio_alt(result)),
             ctx.figure(dc.counterfactual_figure(result, source), dc.counterfactual_alt(result))]
    frame = pd.DataFrame([{k: g.get(k) for k in ("group", "count", "population", "rate_per_100k", "rate_ratio",
                                                 "ci_low", "ci_high", "ci_method", "suppressed", "note")}
                          for g in result["groups"]])
    note = (f"<p>{_e(result['rule'])} {_e(result['unknown']['treatment'])} Population: "
            f"{_e(result['population_source'])}.</p>")
    return Section("disparity", f"Disparity per resident: {p.dataset} in {p.label}, and under {regimes.label(result['regime'])}",
                   "".join(parts) + _table(frame) + note,
                   {"alt": dc.ratio_alt(result), "groups": result["groups"], "counterfactual": result["counterfactual"]})


def mode_section(ctx: Context) -> Section | None:
    from nyc_cannabis.present import disparity_charts as dc
    from nyc_cannabis.stats.disparity import enforcement_mode

    mode = enforcement_mode(ctx.db)
    if not mode["rows"]:
        return None
    frame = pd.DataFrame(mode["rows"])[["period_label", "group", "arrests", "summonses", "arrest_share",
                                        "ci_low", "ci_high"]]
    return Section("mode", "Arrest or summons: the enforcement mode by group",
                   ctx.figure(dc.mode_figure(mode), dc.mode_alt(mode)) + _table(frame)
                   + f"<p>{_e(mode['definition'])}.</p>", {"alt": dc.mode_alt(mode), "rows": mode["rows"]})


def trend_section(ctx: Context) -> Section | None:
    if ctx.period is None:
        return None
    from nyc_cannabis.present import disparity_charts as dc
    from nyc_cannabis.stats.trend import trend

    result = trend(ctx.db, ctx.period.dataset)
    if not result["monthly"]:
        return None
    rows = [{"group": g["group"], "date": e["break"], "law": e["label"], "effect": e["kind"], "ratio": e["ratio"],
             "ci_low": e["ci_low"], "ci_high": e["ci_high"],
             "reading": "too few records to read (95% CI spans more than ×100)" if e["imprecise"] else ""}
            for g in result["groups"] for e in g.get("effects", []) if e["kind"] == "level"]
    skipped = "".join(f"<li>{_e(b['label'])} ({_e(b['date'])}): {_e(b['reason'])}</li>"
                      for b in result["skipped_breaks"])
    return Section("trend", f"Monthly {ctx.period.dataset} and the change at each law date",
                   ctx.figure(dc.trend_figure(result), dc.trend_alt(result))
                   + (_table(pd.DataFrame(rows)) if rows else "")
                   + (f"<p>Not modelled:</p><ul>{skipped}</ul>" if skipped else "")
                   + "<p>Level change: the rate just after the date divided by the pre-date trend (segmented "
                     "quasi-Poisson regression, 95% CIs).</p>",
                   {"alt": dc.trend_alt(result), "level_changes": rows, "skipped_breaks": result["skipped_breaks"]})


#: the report, in order
SECTIONS: list[Callable[[Context], Section | None]] = [
    findings_section, comparison_section, projection_section, disparity_section, mode_section, trend_section,
    law_section, data_section, methods_section, citation_section,
]

CSS = """body{font-family:Arial,Helvetica,sans-serif;max-width:1100px;margin:auto;padding:1em;color:#222;line-height:1.45}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.scroll{overflow-x:auto}.synthetic{background:#fff3cd;
border:1px solid #e0b000;padding:.6em 1em}figcaption{font-size:13px;color:#444}code{white-space:pre-wrap}"""


def _by_id(run: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``run`` called with a regime id (enacted or reform); :func:`project` itself wants a reform's file."""
    if run is project:
        return lambda path, dataset, reg, **kw: project(path, dataset, reg, **kw)
    return run


def sections(db: Database | str | Path, regime: str = "mrta-2021", run: Callable[..., dict[str, Any]] = project,
             permalink: str | None = None) -> tuple[Context, list[Section]]:
    if regime not in regimes.catalogue():
        raise ValueError(f"unknown regime {regime!r}: one of {', '.join(regimes.catalogue())}")
    info = read_info(db)
    run = _by_id(run)
    period, findings = key_findings(db, run=run, spans=periods(db))
    ctx = Context(db, regime, info, period, findings, run, permalink)
    return ctx, [s for fn in SECTIONS if (s := fn(ctx)) is not None]


def render(ctx: Context, parts: list[Section]) -> str:
    banner = ('<p class="synthetic"><b>Synthetic demo data.</b> These records are generated; they are not NYPD '
              'records and no finding here describes New York.</p>' if ctx.info["synthetic"] else "")
    toc = "".join(f'<li><a href="#{s.id}">{_e(s.title)}</a></li>' for s in parts)
    body = "".join(f'<section id="{s.id}"><h2>{_e(s.title)}</h2>{s.html}</section>' for s in parts)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{_e(PROJECT)}</title><style>{CSS}</style>'
            f'</head><body><h1>{_e(PROJECT)}</h1>{banner}<p>Generated {dt.date.today().isoformat()} by nyc-cannabis-enforcement '
            f'{_e(__version__)} from <code>{_e(Database.of(ctx.db).name)}</code>.</p><ol>{toc}</ol>{body}</body></html>')


def build(db: Database | str | Path, regime: str = "mrta-2021", run: Callable[..., dict[str, Any]] = project,
          permalink: str | None = None) -> str:
    """The report as one HTML document (no external files or network)."""
    return render(*sections(db, regime, run, permalink))


def write(db: Database | str | Path, out: str | Path, regime: str = "mrta-2021") -> dict[str, Any]:
    """Write the report; returns what ``--json`` prints (the sections' data and the output path)."""
    ctx, parts = sections(db, regime)
    text = render(ctx, parts)
    Path(out).write_text(text, encoding="utf-8")
    return {"out": str(out), "bytes": len(text.encode("utf-8")), "regime": regime, "synthetic": ctx.info["synthetic"],
            "period": parts[0].data.get("period") if parts else None,
            "sections": [{"id": s.id, "title": s.title, **s.data} for s in parts]}
