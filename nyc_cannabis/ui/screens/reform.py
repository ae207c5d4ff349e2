"""Reform builder: change an enacted law the way a bill would, and see it applied at once to the records.

The whole reform lives in the URL (one parameter per setting, the names of :mod:`nyc_cannabis.law.builder`'s
:func:`~nyc_cannabis.law.builder.to_params`), so a copied link reopens it exactly. The reform is written as a
law file to a cache folder keyed by its id (a hash of the settings) and projected like any regime file; its
YAML is offered for download and ``python -m nyc_cannabis project --regime FILE.yaml`` accepts it unchanged.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from nyc_cannabis.law import builder, regimes
from nyc_cannabis.present import charts, lawbook, views
from nyc_cannabis.present.views import Param
from nyc_cannabis.ui import common, data, exports, state

PAGE = "reform"
CACHE = Path(tempfile.gettempdir()) / "nyc-cannabis-reforms"
PERIOD = ("dataset", "start", "end")
MRTA = "mrta-2021"
OUTCOME_WORDS = {builder.SAME: "unchanged", "lawful": "legal", "civil": "civil fine", "violation": "violation",
                 **{k: regimes.class_name(k) for k in regimes.CRIMINAL}}


@dataclasses.dataclass(frozen=True)
class Custom(Param):
    """A URL parameter read and written by the builder's own functions (ounces, a list of sections)."""

    reader: Callable[[str], Any] | None = None
    writer: Callable[[Any], str] | None = None

    def parse(self, raw: str) -> Any:
        return self.reader(raw)

    def dump(self, value: Any) -> str:
        return self.writer(value)


def _ounces(raw: str) -> float:
    return builder.parse_number(builder.OUNCES, raw, builder.MAX_OZ)


BASE = Param(builder.BASE, builder.DEFAULT_BASE, choices=regimes.REGIME_IDS, label="Base law")


def reform_params(base: str) -> list[Param]:
    """The reform's settings for a base law: base, per section outcome and fine (and for smoking), threshold,
    expungement list; the URL names and values are :func:`nyc_cannabis.law.builder.to_params`'."""
    out = [BASE]
    for smoking in (False, True):
        for section in builder.sections_of(base, smoking):
            out.append(Param(builder.outcome_param(section, smoking), builder.SAME, choices=builder.OUTCOMES))
            out.append(Param(builder.fine_param(section, smoking), 0, "int", choices=(0, builder.MAX_FINE)))
    out.append(Custom(builder.OUNCES, 0.0, "ounces", reader=_ounces, writer=builder.dump_number))
    out.append(Custom(builder.EXPUNGE, sorted(regimes.load(base).expunge_sections), "sections",
                      reader=builder.parse_sections, writer=builder.dump_sections))
    return out


def _load(spec: builder.ReformSpec) -> None:
    """A preset (or a fresh start): every setting of its base set to the spec's value."""
    values = builder.to_params(spec)
    for p in reform_params(spec.base):
        st.session_state[p.key] = p.parse(values[p.key]) if p.key in values else p.default
    st.session_state[BASE.key] = spec.base


def _rebase() -> None:
    """Another base law: start from it unchanged (its own sections and expungement list)."""
    _load(builder.ReformSpec(st.session_state[BASE.key]))


def law_file(spec: builder.ReformSpec) -> Path:
    """The reform's YAML in the cache folder, named by its id (a hash of the settings); written atomically,
    and rewritten only when its text differs."""
    text = builder.to_yaml(spec)
    path = CACHE / f"{builder.reform_id(spec)}.yaml"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def _now(regime: regimes.Regime, section: str, smoking: bool) -> str:
    rules = [r for r in regime.rules if r.section == section and (not smoking or builder.SMOKING in r.conduct)]
    outcomes = dict.fromkeys(builder.Change(r.klass, r.fine_max).words() for r in rules)
    return f"**§{section}** {rules[0].name}; now {' or '.join(outcomes)}"


def _section_row(regime: regimes.Regime, section: str, smoking: bool) -> None:
    cols = st.columns([4, 2, 1], vertical_alignment="center")
    cols[0].markdown(_now(regime, section, smoking))
    what = "smoking under " if smoking else ""
    outcome = cols[1].selectbox(f"Proposed outcome of {what}§{section}", builder.OUTCOMES,
                                key=builder.outcome_param(section, smoking), format_func=OUTCOME_WORDS.get,
                                label_visibility="collapsed")
    cols[2].number_input(f"Maximum fine of {what}§{section} ($)", min_value=0, max_value=builder.MAX_FINE, step=5,
                         key=builder.fine_param(section, smoking), label_visibility="collapsed",
                         disabled=outcome in (builder.SAME, "lawful"), help="Maximum fine ($); 0: none stated")


def _controls(regime: regimes.Regime, lo, hi) -> None:
    with st.container(border=True):
        c = st.columns(3)
        c[0].selectbox("Dataset", ("arrests", "summonses"), key="dataset")
        c[1].date_input("From", key="start", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        c[2].date_input("To", key="end", min_value=lo, max_value=hi, format="YYYY-MM-DD")
    st.markdown("**Start from an advocates' ask**, or change the settings below yourself:")
    presets = builder.presets()
    cols = st.columns(len(presets) + 1)
    for col, (key, preset) in zip(cols, presets.items()):
        col.button(preset.title, key=f"preset-{key}", help=preset.why, on_click=_load, args=(preset.spec,),
                   width="stretch", icon=":material/campaign:")
    cols[-1].button("Start again from the base law", key="preset-none", on_click=_load,
                    args=(builder.ReformSpec(regime.id),), width="stretch", icon=":material/restart_alt:")
    with st.container(border=True):
        st.selectbox("Base law: the enacted law the reform amends", regimes.REGIME_IDS, key=BASE.key,
                     format_func=lambda r: regimes.load(r).name, on_change=_rebase)
        with st.expander("Penalties by section: the outcome the reform gives each section, and its maximum fine",
                         expanded=True, icon=":material/gavel:"):
            for section in builder.sections_of(regime.id):
                _section_row(regime, section, smoking=False)
        smoking = builder.sections_of(regime.id, smoking=True)
        if smoking:
            with st.expander("Smoking where tobacco smoking is banned: an outcome for the smoking alone",
                             icon=":material/smoke_free:"):
                for section in smoking:
                    _section_row(regime, section, smoking=True)
        c = st.columns(2)
        c[0].number_input("Possession legal for adults (21 or older) up to … oz (0: no such threshold)",
                          min_value=0.0, max_value=builder.MAX_OZ, step=0.5, format="%.1f", key=builder.OUNCES,
                          help="Every possession rule of the base law is split there: adults' possession up to "
                               "the threshold becomes legal; other ages and larger amounts keep their class.")
        c[1].multiselect("Sections expunged automatically", builder.expungeable(), key=builder.EXPUNGE,
                         help="Records charged under these sections are expunged automatically under the reform.")


def _changes(spec: builder.ReformSpec, regime: regimes.Regime) -> None:
    base = regimes.load(spec.base)
    rows = builder.changed_rules(spec)
    lines = [f"- **§{r['section']}** {r['name']}: {r['conduct']}, {r['amount']}, {r['ages']}: "
             f"{r['before']} → **{r['after']}**" for r in rows]
    if spec.expunge is not None:
        lines.append(f"- **Automatic expungement**: {', '.join(sorted(base.expunge_sections)) or 'none'} → "
                     f"**{', '.join(spec.expunge) or 'none'}**")
    st.header("What the reform changes")
    st.markdown(f"**{regime.name}** (`{regime.id}`)")
    match = next((p.title for p in builder.presets().values() if p.spec == spec), None)
    if match:
        st.caption(f"The advocates' ask “{match}”.")
    if lines:
        st.markdown("\n".join(lines))
        st.caption("A proposal has no enacted text: each changed rule keeps the base rule's sources and is marked "
                   "unverified (“a proposal, not enacted law”); every other rule is the base law's.")
    else:
        st.info(f"No change yet: this is {regimes.label(spec.base)} as enacted. Pick an ask above or change a setting.")


def _range(res: dict[str, Any]) -> tuple[int, int, int]:
    return tuple(sum(g[f"criminal_{b}"] for g in res["groups"]) for b in charts.BOUNDS)  # type: ignore[return-value]


def _results(db, info, v: dict[str, Any], spec: builder.ReformSpec, regime: regimes.Regime, query) -> None:
    path = law_file(spec)
    laws = list(dict.fromkeys([spec.base, MRTA]))
    results = {rid: data.projection(db.path, db.mtime, v["dataset"], rid, v["start"], v["end"]) for rid in laws}
    results[regime.id] = data.projection(db.path, db.mtime, v["dataset"], str(path), v["start"], v["end"])
    mine = results[regime.id]
    total = sum(g["records"] for g in mine["groups"])
    if not total:
        st.info(f"No cannabis {v['dataset']} between {v['start']} and {v['end']}.")
        return
    st.header(f"Criminal charges: the reform beside the enacted laws ({v['dataset']}, {v['start']} to {v['end']})")
    charged = sum(g["criminal_as_charged"] for g in mine["groups"])
    m = st.columns(len(results) + 1)
    m[0].metric("Criminal as charged", common.fmt(charged))
    for col, (rid, res) in zip(m[1:], results.items()):
        low, central, high = _range(res)
        name = "this reform" if rid == regime.id else regimes.label(rid)
        delta = None
        if rid == regime.id:
            delta = f"{common.fmt(central - _range(results[spec.base])[1])} vs {regimes.label(spec.base)} (central)"
        col.metric(f"Under {name} (low–high)", common.fmt(low) if low == high else
                   f"{common.fmt(low)}–{common.fmt(high)}", delta=delta, delta_color="inverse")
    def total_of(rid: str, column: str) -> str:
        return common.fmt(sum(g[column] for g in results[rid]["groups"]))

    under = f"under {regimes.label(spec.base)}"
    st.markdown(f"Under the reform (central case): **{total_of(regime.id, 'violation_central')}** violations and "
                f"**{total_of(regime.id, 'legal_central')}** legal or a civil fine ({under}: "
                f"{total_of(spec.base, 'violation_central')} and {total_of(spec.base, 'legal_central')}); fines "
                f"(statutory maxima of the non-criminal outcomes, summed) **\\${total_of(regime.id, 'fines_low')} to "
                f"\\${total_of(regime.id, 'fines_high')}** ({under}: \\${total_of(spec.base, 'fines_low')} to "
                f"\\${total_of(spec.base, 'fines_high')}). Expunged automatically: "
                f"**{total_of(regime.id, 'expungeable_target')}** of {common.fmt(total)} records ({under}: "
                f"{total_of(spec.base, 'expungeable_target')}).")
    fig = charts.comparison_figure(results, source=f"Source: {exports.data_version(info)[:110]}",
                                   labels={regime.id: "this reform"})
    name = exports.slug(f"reform-{regime.id}-{v['dataset']}-{v['start']}-{v['end']}")
    alt = charts.comparison_alt(results, labels={regime.id: "this reform"})
    chart = exports.Chart(name, fig, alt)
    exports.chart(chart, PAGE)
    frame = pd.DataFrame([{"regime": "This reform" if rid == regime.id else regimes.short_name(rid),
                           "group": g["group"], "records": g["records"],
                           "criminal_as_charged": g["criminal_as_charged"], "criminal_low": g["criminal_low"],
                           "criminal_central": g["criminal_central"], "criminal_high": g["criminal_high"],
                           "expungeable_target": g["expungeable_target"]}
                          for rid, res in results.items() for g in res["groups"]])
    exports.table(frame, name, PAGE)
    unverified = sum(g["on_unverified_rules"] for g in mine["groups"])
    st.caption(f"Low and high are the least and most serious outcomes a record's code allows. "
               f"{common.fmt(unverified)} records' bounds under the reform rest on a rule marked unverified "
               f"(the proposal's changed rules, and the base law's rules primary text could not confirm).")
    _law_file_box(spec, regime, path, v)
    exports.cite_box(exports.View(PAGE, f"Cannabis {v['dataset']} under {regime.name}", state.permalink(PAGE, query),
                                  {k: str(x) for k, x in query.items()}, figures=[alt], charts=[chart],
                                  tables={name: frame}, law=lawbook.source_lines(regime)), info)


def _law_file_box(spec: builder.ReformSpec, regime: regimes.Regime, path: Path, v: dict[str, Any]) -> None:
    text = path.read_text(encoding="utf-8")
    st.download_button("Download YAML (the reform as a law file)", data=text, file_name=f"{regime.id}.yaml",
                       mime="application/x-yaml", key="yaml", on_click="ignore", icon=":material/download:")
    st.caption(f"The same numbers from the command line: `python -m nyc_cannabis project --db DB --dataset "
               f"{v['dataset']} --start {v['start']} --end {v['end']} --regime {regime.id}.yaml` "
               f"(the format: docs/law-files.md).")
    with st.expander("The law file", icon=":material/description:"):
        st.code(text, language="yaml")


ctx = common.start("Reform builder: change a law and see what it does",
                   "Start from an enacted law and change it the way a bill would: a new outcome for a section "
                   "(legal, a civil fine, a violation, another class), possession legal for adults up to a "
                   "threshold, or a wider automatic expungement. The reform is applied at once to the same "
                   "records, beside the enacted laws; the link holds every setting, and the reform can be "
                   "downloaded as a law file.")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    period = [p for p in state.view_params(views.PROJECTION, lo, hi) if p.key in PERIOD]
    spec_params = reform_params(state.peek(PAGE, BASE))
    params = [*period, *spec_params]
    state.bind(PAGE, params)
    base_regime = regimes.load(st.session_state[BASE.key])
    _controls(base_regime, lo, hi)
    v = state.current(params)
    query = state.publish(PAGE, params)
    if v["start"] > v["end"]:
        st.warning(f"The period starts after it ends ({v['start']} > {v['end']}); showing {v['end']} to "
                   f"{v['start']} instead.")
        v["start"], v["end"] = v["end"], v["start"]
    try:
        spec = builder.from_params({k: x for k, x in query.items() if k not in PERIOD})
        regime = builder.build(spec)
    except (builder.SpecError, regimes.RegimeError) as exc:
        st.warning(f"**This reform cannot be built:** {exc}", icon=":material/warning:")
    else:
        _changes(spec, regime)
        _results(db, info, v, spec, regime, query)
