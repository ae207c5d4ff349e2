"""Trends: monthly series by group with the law dates, and the interrupted time series around them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.present import disparity_charts as dc
from nyc_cannabis.present import views
from nyc_cannabis.ui import common, data, exports, state

ctx = common.start("Trends: before and after each law date",
                   "Monthly cannabis records by group. The interrupted time series estimates, at each date, the "
                   "**level change** (the rate just after vs the trend before) and the **slope change** (the "
                   "change in the monthly trend), per group and for each group's ratio to the reference group.")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    params = state.view_params(views.TREND, lo, hi)
    state.bind("trends", params)
    with st.container(border=True):
        c = st.columns(3)  # three to a row: the date inputs stay readable on a laptop
        c[0].selectbox("Dataset", views.DATASET.values, key="dataset")
        c[1].date_input("From", key="start", min_value=lo, max_value=hi)
        c[2].date_input("To", key="end", min_value=lo, max_value=hi)
        d = st.columns(3)
        d[0].selectbox("Offences", views.SCOPE.values, key="scope",
                       format_func=lambda s: {"all": "all cannabis", "low-level": "possession / public use"}[s])
        d[1].selectbox("Reference group (ratio models)", views.TREND["reference"].values, key="reference")
        d[2].toggle("Seasonality", key="seasonal", help=views.TREND["seasonal"].help)
    v = state.current(params)
    if v["start"] > v["end"]:
        v["start"], v["end"] = v["end"], v["start"]
    result = data.trend(db.path, db.mtime, v["dataset"], v["reference"], v["scope"], v["seasonal"],
                        None if v["start"] == lo else v["start"], None if v["end"] == hi else v["end"])
    query = state.publish("trends", params)
    if not result["monthly"]:
        st.info(f"No cannabis {v['dataset']} in the database.")
    else:
        source = f"Source: {exports.data_version(info)[:110]}"
        name = exports.slug(f"trend-{v['dataset']}-{v['scope']}")
        chart = exports.Chart(name, dc.trend_figure(result, source), dc.trend_alt(result))
        exports.chart(chart, "trend")
        for b in result["skipped_breaks"]:
            st.caption(f"Not modelled: {b['label']} ({b['date']}) — {b['reason']}.")

        IMPRECISE = "too few records to read: the 95% CI spans more than ×100"

        def effects(entries: list[dict], kind: str) -> pd.DataFrame:
            rows = []
            for e in entries:
                for x in e.get("effects", []):
                    rows.append({kind: e["group"], "date": x["break"], "law": x["label"], "effect": x["kind"],
                                 "ratio": x["ratio"], "ci_low": x["ci_low"], "ci_high": x["ci_high"],
                                 "p_value": x["p_value"],
                                 "reading": IMPRECISE if x["imprecise"] else ("not estimable" if not x["estimable"]
                                                                              else "")})
                if e.get("note"):
                    rows.append({kind: e["group"], "law": e["note"]})
            return pd.DataFrame(rows)

        fmt2 = {c: st.column_config.NumberColumn(format="%.3f") for c in ("ratio", "ci_low", "ci_high")}
        st.header("Change at each law date, per group")
        per_group = effects(result["groups"], "group")
        exports.table(per_group, name + "-its", "its", column_config=fmt2)
        st.caption("ratio: level = the rate just after the date ÷ the pre-date trend projected; slope = the extra "
                   "change per month. 1 means no change. Segmented quasi-Poisson regression, 95% CIs; see "
                   "docs/disparity.md.")
        st.header(f"Change in each group's rate ratio to {v['reference']}")
        ratios = effects(result["ratios"], "group vs reference")
        exports.table(ratios, name + "-its-ratio", "its-ratio", column_config=fmt2)
        biggest = [x for e in result["groups"] if e["group"] in ("Black", "Hispanic", "White")
                   for x in e.get("effects", []) if x["kind"] == "level" and x["estimable"] and not x["imprecise"]]
        figures = [f"{x['label']}: level × {x['ratio']:.2f} ({x['ci_low']:.2f}–{x['ci_high']:.2f})" for x in biggest[:3]]
        exports.cite_box(exports.View("trends", f"Monthly cannabis {v['dataset']} around the law dates",
                                      state.permalink("trends", query), {k: str(x) for k, x in v.items()},
                                      figures=[dc.trend_alt(result), *figures], charts=[chart],
                                      tables={name + "-its": per_group, name + "-its-ratio": ratios}), info)
