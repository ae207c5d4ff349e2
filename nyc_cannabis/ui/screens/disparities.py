"""Disparities: rates per 100,000 residents and rate ratios by group, with intervals, small-number rules,
the counterfactual disparity under another law, and the enforcement mode (arrest vs summons)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.law import regimes
from nyc_cannabis.present import disparity_charts as dc
from nyc_cannabis.present import views
from nyc_cannabis.stats import population
from nyc_cannabis.ui import common, data, exports, state

ctx = common.start("Disparities: who is policed, per resident",
                   "Rates per 100,000 residents a year use Census 2020 populations (table P2). A **rate ratio** "
                   "says how many times the reference group's rate a group's rate is; bars show 95% confidence "
                   "intervals. Small numbers are suppressed, never over-read.")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    targets = views.DISPARITY["regime"].values
    # opens on a complete year of the dataset shown (rates over days the data do not cover are understated)
    period = data.default_period(db, state.peek("disparities", views.DATASET))
    params = state.view_params(views.DISPARITY, lo, hi, period)
    state.bind("disparities", params)
    with st.container(border=True):
        c = st.columns(4)  # four to a row: the date inputs stay readable on a laptop
        c[0].selectbox("Dataset", ("arrests", "summonses"), key="dataset")
        c[1].date_input("From", key="start", min_value=lo, max_value=hi)
        c[2].date_input("To", key="end", min_value=lo, max_value=hi)
        c[3].selectbox("Split", views.DISPARITY["by"].values, key="by", format_func=lambda s: {
            "city": "citywide", "borough": "by borough", "precinct": "by precinct", "period": "by law period"}[s])
        d = st.columns([1, 1.2, 2.1, 1, 1])
        d[0].selectbox("Reference group", tuple(population.GROUP_VARIABLES), key="reference")
        d[1].selectbox("Offences", ("all", "low-level"), key="scope",
                       format_func=lambda s: {"all": "all cannabis", "low-level": "possession / public use"}[s])
        d[2].selectbox("Count the charges that would be criminal under…", targets, key="regime",
                       format_func=lambda t: "no law: the records as charged" if t == "as charged"
                       else regimes.load(t).name)
        # never disabled: Streamlit greys a disabled widget's label to 2.6:1 on white, below WCAG AA, and a
        # screen reader cannot tell the grey label belongs to an inactive control; the help says when it counts
        d[3].selectbox("Bound", views.BOUND.values, key="bound",
                       help=views.BOUND.help + " Used only when a law is chosen: the records as charged have "
                       "no bounds.")
        d[4].number_input("Suppress below", *views.DISPARITY["threshold"].values, key="threshold", step=1,
                          help=views.DISPARITY["threshold"].help)
    v = state.current(params)
    if v["start"] > v["end"]:
        st.warning(f"The period starts after it ends; showing {v['end']} to {v['start']} instead.")
        v["start"], v["end"] = v["end"], v["start"]
    regime = None if v["regime"] == views.AS_CHARGED else v["regime"]
    by = None if v["by"] == "city" else v["by"]
    result = data.disparity(db.path, db.mtime, v["dataset"], regime, v["bound"], v["reference"], v["start"],
                            v["end"], by, v["scope"], v["threshold"])
    query = state.publish("disparities", params)
    total = sum(g["count"] for g in result["groups"])
    if not total:
        st.info(f"No cannabis {v['dataset']} between {v['start']} and {v['end']}.")
    else:
        if result["coverage"]["warning"]:
            st.warning("**Incomplete period.** " + result["coverage"]["warning"][0].upper()
                       + result["coverage"]["warning"][1:] + ".")
        groups = {g["group"]: g for g in result["groups"]}
        shown = [g for g in result["groups"] if g["group"] != v["reference"] and g.get("rate_ratio") is not None]
        m = st.columns(4)
        m[0].metric(f"Cannabis {result['measure']}", common.fmt(total),
                    help=f"{result['start']} to {result['end']} ({result['years']:.2f} years)")
        headline = [g for g in shown if g["group"] in ("Black", "Hispanic")] or shown
        for col, g in zip(m[1:], headline[:2]):
            col.metric(f"{g['group']} rate ÷ {v['reference']} rate", f"{g['rate_ratio']:.1f}×",
                       help=f"95% CI {g['ci_low']:.2f}–{g['ci_high']:.2f} ({g['ci_method']})"
                       if g.get("ci_low") is not None else None)
        ref = groups[v["reference"]]
        m[3].metric(f"{v['reference']} rate per 100,000 a year", common.fmt(ref["rate_per_100k"])
                    if ref.get("rate_per_100k") is not None else "suppressed")
        source = f"Source: {exports.data_version(info)[:90]}; Census 2020 P2"
        name = exports.slug(f"disparity-{v['dataset']}-{v['regime']}-{v['start']}-{v['end']}")
        rates_chart = exports.Chart(name + "-rates", dc.rates_figure(result, source), dc.rates_alt(result))
        ratio_chart = exports.Chart(name + "-ratios", dc.ratio_figure(result, source), dc.ratio_alt(result))
        exports.chart(ratio_chart, "ratios")
        exports.chart(rates_chart, "rates")
        st.header("By group")
        cols = ["group", "count", "population", "rate_per_100k", "rate_ci_low", "rate_ci_high", "rate_ratio",
                "ci_low", "ci_high", "ci_method", "p_value", "share_of_count", "share_of_population", "suppressed",
                "note", "rate_ratio_if_unknown_in_reference", "rate_ratio_if_unknown_in_group"]
        frame = pd.DataFrame([{c: g.get(c) for c in cols} for g in result["groups"]])
        exports.table(frame, name, "groups", column_config={
            "population": st.column_config.NumberColumn(format="localized"),
            **{c: st.column_config.NumberColumn(format="%.2f") for c in cols
               if c.startswith(("rate", "ci_", "share")) and c != "ci_method"}})
        t = result["test"]
        notes = [result["rule"], f"Other and Unknown have no Census denominator: counts only. "
                 f"{result['unknown']['treatment']} Unknown here: {common.fmt(result['unknown']['count'])} records "
                 f"({100 * (result['unknown']['share'] or 0):.1f}%)."]
        if t["p_value"] is not None:
            notes.append(f"{t['name'].capitalize()}: χ² = {t['statistic']:,.1f}, df = {t['df']}, "
                         f"p {'< 0.001' if t['p_value'] < 0.001 else '= ' + format(t['p_value'], '.3f')}.")
        notes.append(f"Population: {result['population_source']}.")
        st.caption("  \n".join(notes))
        view_charts, tables = [rates_chart, ratio_chart], {name: frame}
        if regime:
            st.header(f"Counterfactual: the disparity in criminal charges under {regimes.label(result['regime'])}")
            cf_chart = exports.Chart(name + "-counterfactual", dc.counterfactual_figure(result, source),
                                     dc.counterfactual_alt(result))
            exports.chart(cf_chart, "counterfactual")
            st.caption("A reform can cut the number of criminal charges (harm) without narrowing the ratio between "
                       "groups (disparity), or the reverse: compare the heights with the counts in the table.")
            view_charts.append(cf_chart)
        if by:
            st.header({"borough": "By borough", "precinct": "By precinct", "period": "By law period"}[by])
            rows = [{"area": a["label"], "years": a["years"], **{k: g.get(k) for k in
                     ("group", "count", "population", "rate_per_100k", "rate_ratio", "ci_low", "ci_high",
                      "q_value", "significant", "suppressed", "note")}} for a in result["areas"] for g in a["groups"]]
            area_frame = pd.DataFrame(rows)
            exports.table(area_frame, name + f"-by-{by}", "areas", column_config={
                "population": st.column_config.NumberColumn(format="localized"),
                **{c: st.column_config.NumberColumn(format="%.2f") for c in ("rate_per_100k", "rate_ratio", "ci_low",
                                                                          "ci_high", "years")}})
            st.caption(f"Significance after Benjamini–Hochberg at q = {result['fdr']['q']}: "
                       f"{result['fdr']['significant']} of {result['fdr']['comparisons']} ratios. "
                       f"Population: {result['area_population_source']}.")
            tables[name + f"-by-{by}"] = area_frame
        st.header("Arrest or summons? The enforcement mode")
        mode = data.mode(db.path, db.mtime, v["start"], v["end"])
        if mode["rows"]:
            mode_chart = exports.Chart(name + "-mode", dc.mode_figure(mode, source), dc.mode_alt(mode))
            exports.chart(mode_chart, "mode")
            st.caption("For the same low-level offences (possession and public use), the share of enforcement that "
                       "was a custodial arrest rather than a criminal-court summons — the discretion advocates "
                       "warned about. Groups with fewer than 10 records in a period are not drawn.")
            view_charts.append(mode_chart)
            tables[name + "-mode"] = pd.DataFrame(mode["rows"])
        figures = [dc.ratio_alt(result)]
        exports.cite_box(exports.View("disparities", f"Disparity in cannabis {v['dataset']}",
                                      state.permalink("disparities", query), {k: str(x) for k, x in v.items()},
                                      figures=figures, charts=view_charts, tables=tables), info)
