"""Projection: re-apply a law to the cannabis records of a period, by group, low / central / high."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.law import crosswalk, regimes
from nyc_cannabis.present import charts, lawbook, views
from nyc_cannabis.projection.project import GROUPINGS
from nyc_cannabis.ui import common, data, exports, state

ctx = common.start("Projection: the same records under another law",
                   "Choose records (dataset and period) and a law to re-apply. Each record is classified under "
                   "that law at the **low** bound (least serious outcome its code allows), the **central** case "
                   "(the assumptions below) and the **high** bound (most serious).")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    targets = tuple(regimes.catalogue())
    A = crosswalk.Assumptions
    params = [
        *state.view_params(views.PROJECTION, lo, hi),
    ]
    state.bind("projection", params)
    with st.container(border=True):
        c = st.columns(3)
        c[0].selectbox("Dataset", ("arrests", "summonses"), key="dataset")
        c[1].date_input("From", key="start", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        c[2].date_input("To", key="end", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        c = st.columns([2, 1])
        c[0].selectbox("Law to re-apply", targets, key="regime",
                       format_func=lambda t: regimes.load(t).name)
        c[1].selectbox("Group by", tuple(GROUPINGS), key="by")
        with st.expander("Assumptions behind the central case (the low and high bounds never depend on them)"):
            a = st.columns(4)
            labels = {"amount": "Amount (A2)", "age_18_24": "Age for the 18–24 band (A4)",
                      "buyer_age": "Buyer / recipient age (A5)", "conduct": "Conduct preferred (C1)"}
            for col, name in zip(a, A.CHOICES):
                col.selectbox(labels[name], A.CHOICES[name], key=name)
    v = state.current(params)
    if v["start"] > v["end"]:
        st.warning(f"The period starts after it ends ({v['start']} > {v['end']}); showing {v['end']} to "
                   f"{v['start']} instead.")
        v["start"], v["end"] = v["end"], v["start"]
    assume = A(**{n: v[n] for n in A.CHOICES})
    result = data.projection(db.path, db.mtime, v["dataset"], v["regime"], v["start"], v["end"], v["by"], assume)
    query = state.publish("projection", params)
    groups = result["groups"]
    total = sum(g["records"] for g in groups)
    if not total:
        st.info(f"No cannabis {v['dataset']} between {v['start']} and {v['end']}.")
    else:
        charged = sum(g["criminal_as_charged"] for g in groups)
        low, central, high = (sum(g[f"criminal_{b}"] for g in groups) for b in charts.BOUNDS)
        m = st.columns(3)
        m[0].metric("Cannabis records", common.fmt(total))
        m[1].metric("Criminal as charged", common.fmt(charged))
        m[2].metric(f"Criminal under {regimes.label(result['regime'])} (low–high)",
                    common.fmt(low) if low == high else f"{common.fmt(low)}–{common.fmt(high)}",
                    delta=f"{common.fmt(central - charged)} in the central case", delta_color="inverse")
        expunge = sum(g["expungeable_target"] for g in groups)
        st.markdown(f"Fines (statutory maxima of the non-criminal outcomes, summed): "
                    f"**\\${common.fmt(sum(g['fines_low'] for g in groups))} to "
                    f"\\${common.fmt(sum(g['fines_high'] for g in groups))}**. Expunged automatically under "
                    f"the rules of {regimes.label(result['regime'])}: **{common.fmt(expunge)}** of {common.fmt(total)} records.")
        unverified = sum(g["on_unverified_rules"] for g in groups)
        unmatched = sum(g["unmatched"] for g in groups)
        if unverified:
            st.caption(f"{common.fmt(unverified)} records' bounds rest on a rule whose text, class or fine primary "
                       f"text could not confirm; the Law page says what is unknown for each, and where it is "
                       f"open the range takes both readings.")
        if unmatched:
            st.caption(f"{common.fmt(unmatched)} records have a code the law of their date did not have: not re-applied.")
        source = f"Source: {exports.data_version(info)[:110]}"
        fig = charts.projection_figure(result, source=source)
        name = exports.slug(f"projection-{v['dataset']}-{v['regime']}-{v['start']}-{v['end']}-by-{v['by']}")
        chart = exports.Chart(name, fig, charts.projection_alt(result))
        if len(groups) > charts.MAX_BARS:
            st.caption(f"The chart shows the {charts.MAX_BARS} {v['by']} values with most records; the table has all "
                       f"{len(groups)}.")
        exports.chart(chart, "projection")
        st.header("By " + v["by"])
        frame = pd.DataFrame(charts.projection_table(result))
        exports.table(frame, name, "projection")
        st.caption("Hover a header for what the column counts. *Expunged*: records of sections the 2019 law, or the "
                   "chosen law, expunges automatically. Fines are the statutory maxima of non-criminal outcomes, summed.")
        figures = [charts.projection_alt(result)]
        exports.cite_box(exports.View("projection", f"Cannabis {v['dataset']} re-applied to {regimes.label(result['regime'])}",
                                      state.permalink("projection", query),
                                      {k: str(x) for k, x in v.items()}, figures=figures, charts=[chart],
                                      tables={name: frame},
                                      law=lawbook.source_lines(regimes.load(v["regime"]))), info)
