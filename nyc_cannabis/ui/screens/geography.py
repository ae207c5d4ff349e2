"""Geography: a precinct map of one group's rate or rate ratio, borough figures, and a precinct compared with
the city."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.core.datasets import RACE_GROUPS
from nyc_cannabis.present import disparity_charts as dc
from nyc_cannabis.present import views
from nyc_cannabis.stats import population
from nyc_cannabis.ui import common, data, exports, state

ctx = common.start("Geography: precincts and boroughs",
                   "Rates per 100,000 residents by precinct use Census 2020 blocks summed to the 77 precincts. "
                   "Precincts where a group's count is under 10 or its population under 1,000 are grey "
                   "(suppressed). Significance across all precincts is controlled with Benjamini–Hochberg.")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    groups = tuple(population.GROUP_VARIABLES)
    precincts = tuple(sorted(int(p) for p in population.precincts()))
    start, end = data.default_period(db, state.peek("geography", views.DATASET))  # a complete year
    params = [
        views.DATASET,
        state.Param("level", "precinct", choices=("precinct", "borough")),
        state.Param("start", start, "date", (lo, hi)),
        state.Param("end", end, "date", (lo, hi)),
        state.Param("group", "Black", choices=groups),
        state.Param("measure", "rate_per_100k", choices=("rate_per_100k", "rate_ratio")),
        state.Param("reference", "White", choices=groups),
        state.Param("precinct", 75, "choice", precincts),
    ]
    state.bind("geography", params)
    with st.container(border=True):
        c = st.columns(4)
        c[0].selectbox("Dataset", ("arrests", "summonses"), key="dataset")
        c[1].selectbox("Areas", ("precinct", "borough"), key="level")
        c[2].date_input("From", key="start", min_value=lo, max_value=hi)
        c[3].date_input("To", key="end", min_value=lo, max_value=hi)
        c = st.columns(4)
        c[0].selectbox("Group", groups, key="group")
        c[1].selectbox("Map shows", ("rate_per_100k", "rate_ratio"), key="measure",
                       format_func=lambda m: {"rate_per_100k": "rate per 100,000", "rate_ratio": "rate ratio"}[m])
        c[2].selectbox("Reference group", groups, key="reference")
    v = state.current(params)
    if v["start"] > v["end"]:
        st.warning(f"The period starts after it ends; showing {v['end']} to {v['start']} instead.")
        v["start"], v["end"] = v["end"], v["start"]
    result = data.disparity(db.path, db.mtime, v["dataset"], None, "central", v["reference"], v["start"], v["end"],
                            "precinct", "all")
    shown = result if v["level"] == "precinct" else data.disparity(
        db.path, db.mtime, v["dataset"], None, "central", v["reference"], v["start"], v["end"], "borough", "all")
    if not sum(g["count"] for g in result["groups"]):
        state.publish("geography", params)
        st.info(f"No cannabis {v['dataset']} between {v['start']} and {v['end']}.")
    else:
        if result["coverage"]["warning"]:
            st.warning("**Incomplete period.** " + result["coverage"]["warning"])
        source = f"Source: {exports.data_version(info)[:80]}; Census 2020 P2 by {'county' if v['level'] == 'borough' else 'precinct'}"
        name = exports.slug(f"map-{v['level']}-{v['dataset']}-{v['group']}-{v['measure']}-{v['start']}-{v['end']}")
        chart = exports.Chart(name, dc.precinct_map(shown, v["group"], v["measure"], source),
                              dc.precinct_map_alt(shown, v["group"], v["measure"]))
        exports.chart(chart, "map")
        rows = pd.DataFrame(dc.precinct_rows(result, v["group"]))
        fdr = shown["fdr"]
        tested = (f"{fdr['significant']} of {fdr['comparisons']} {v['level']} × group ratios are significant after "
                  f"Benjamini–Hochberg (q = {fdr['q']})." if fdr["comparisons"] else
                  f"No {v['level']} × group ratio could be tested: in every {v['level']} each group or the "
                  f"reference group ({v['reference']}) has fewer than {shown['threshold']} records in this period "
                  f"or fewer than {shown['min_population']:,} residents.")
        st.caption(f"{tested} Borough populations: Census 2020 by county; precinct populations: census blocks "
                   f"summed to precincts.")
        if v["level"] == "borough":
            st.header("By borough")
            boro = pd.DataFrame([{"borough": a["label"], **{k: g.get(k) for k in (
                "group", "count", "population", "rate_per_100k", "rate_ratio", "ci_low", "ci_high", "q_value",
                "significant", "note")}} for a in shown["areas"] for g in a["groups"]])
            exports.table(boro, name + "-boroughs", "boroughs", column_config={
                "population": st.column_config.NumberColumn(format="localized"),
                **{c: st.column_config.NumberColumn(format="%.2f") for c in ("rate_per_100k", "rate_ratio",
                                                                            "ci_low", "ci_high")}})

        st.header("A precinct against the city")
        st.selectbox("Precinct", precincts, key="precinct")
        v = state.current(params) | {"start": v["start"], "end": v["end"]}
        query = state.publish("geography", params)
        area = next((a for a in result["areas"] if a["area"] == str(v["precinct"])), None)
        city = {g["group"]: g for g in result["groups"]}
        if area is None:
            st.info(f"No cannabis {v['dataset']} in precinct {v['precinct']} in this period.")
            peer = pd.DataFrame()
        else:
            peer = pd.DataFrame([{
                "group": g["group"], "precinct count": g["count"], "precinct rate": g.get("rate_per_100k"),
                "city rate": city[g["group"]].get("rate_per_100k"),
                "precinct ÷ city": (g["rate_per_100k"] / city[g["group"]]["rate_per_100k"])
                if g.get("rate_per_100k") and city[g["group"]].get("rate_per_100k") else None,
                f"ratio vs {v['reference']} (precinct)": g.get("rate_ratio"),
                f"ratio vs {v['reference']} (city)": city[g["group"]].get("rate_ratio"),
                "significant (BH)": g.get("significant"), "note": g.get("note")}
                for g in area["groups"] if g["group"] in RACE_GROUPS])
            exports.table(peer, name + f"-precinct-{v['precinct']}", "peer", column_config={
                c: st.column_config.NumberColumn(format="%.2f") for c in peer.columns if c not in
                ("group", "precinct count", "significant (BH)", "note")})
            st.caption(f"Precinct {v['precinct']}: {common.fmt(area['records'])} records. Population: "
                       f"{result['area_population_source']}.")
        st.header("All precincts")
        exports.table(rows, name + "-precincts", "precincts", column_config={
            c: st.column_config.NumberColumn(format="%.2f") for c in ("rate_per_100k", "rate_ratio", "ci_low",
                                                                      "ci_high")})
        exports.cite_box(exports.View("geography", f"Cannabis {v['dataset']} by precinct: {v['group']}",
                                      state.permalink("geography", query), {k: str(x) for k, x in v.items()},
                                      figures=[chart.alt], charts=[chart],
                                      tables={name + "-precincts": rows, **({name + "-peer": peer} if len(peer) else {})}),
                         info)
