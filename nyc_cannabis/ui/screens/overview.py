"""Overview: key findings as sentences, each linked to the Projection view that proves it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from nyc_cannabis.law import regimes
from nyc_cannabis.present import charts
from nyc_cannabis.present.findings import key_findings
from nyc_cannabis.ui import common, data, exports, state
from nyc_cannabis.ui.nav import page_path

ctx = common.start("What New York's marijuana laws did to criminal charges",
                   "Every cannabis arrest and summons in the database is re-read under the 1977 law, the 2019 "
                   "decriminalisation (in force 2019-08-28) and the MRTA legalisation (2021-03-31). The records "
                   "do not say how much cannabis, where, or who bought it, so each number comes as a range: "
                   "the **low** and **high** bounds are the least and most serious outcomes the record allows.")
if ctx:
    db, info = ctx
    state.bind("overview", [])
    period, findings = key_findings(db.path, run=data.project_cached(db), spans=data.periods(db.path, db.mtime),
                                   compare=data.disparity_cached(db))
    if period is None:
        st.info("No cannabis records in this database yet: load NYC Open Data exports on the Data & methods page.")
    else:
        st.header(f"Key findings: {period.dataset} in {period.label}")
        for i, f in enumerate(findings):
            with st.container(border=True):
                st.markdown(f.sentence)
                st.page_link(page_path(f.page), label="See the numbers behind this", icon=":material/arrow_forward:",
                             query_params=f.params)
        results = {r: data.projection(db.path, db.mtime, period.dataset, r, period.start, period.end)
                   for r in ("reform-2019", "mrta-2021")}
        fig = charts.comparison_figure(results, source=f"Source: {exports.data_version(info)[:120]}")
        chart = exports.Chart(f"overview-{period.dataset}-{period.label.replace(' ', '-')}", fig,
                              charts.comparison_alt(results))
        exports.chart(chart, "overview")
        rows = [{"regime": regimes.short_name(r), "group": g["group"], "records": g["records"],
                 "criminal_as_charged": g["criminal_as_charged"], "criminal_low": g["criminal_low"],
                 "criminal_central": g["criminal_central"], "criminal_high": g["criminal_high"]}
                for r, res in results.items() for g in res["groups"]]
        frame = pd.DataFrame(rows)
        exports.table(frame, f"overview-{period.dataset}-{period.label}", "overview")
        view = exports.View("overview", f"Key findings, {period.dataset} {period.label}",
                            state.permalink("overview", {}), {"period": f"{period.start} to {period.end}",
                                                             "dataset": period.dataset},
                            figures=[f.sentence for f in findings], charts=[chart], tables={"criminal-by-law": frame})
        exports.cite_box(view, info)
        st.download_button("Download the full report (HTML)", icon=":material/description:",
                           data=lambda: data.report_html(db, state.permalink("overview", {})),
                           file_name=f"ny-marijuana-report-{dt.date.today().isoformat()}.html", mime="text/html",
                           key="report", on_click="ignore")
    state.publish("overview", [])
