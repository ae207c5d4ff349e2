"""Data & methods: sources and load accounting, assumptions, definitions, how to cite; and the upload box."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.law.crosswalk import ASSUMPTIONS
from nyc_cannabis.present import lawbook
from nyc_cannabis.ui import common, exports, state, writes

ctx = common.start("Data & methods")
if ctx:
    db, info = ctx
    state.bind("methods", [])
    st.header("What the database holds")
    m = st.columns(3)  # three to a row: a date or a long label in a fifth of the width was cut to "2012-0…"
    m[0].metric("Arrests (unique records)", common.fmt(info["arrests"]))
    m[1].metric("Summonses (unique records)", common.fmt(info["summonses"]),
                help="NYPD criminal-court summonses")
    m[2].metric("Quarantined rows", common.fmt(info["quarantined"]))
    st.markdown(f"**Records dated** {info['first_date'] or '–'} to {info['last_date'] or '–'}.  \n"
                f"**Data version:** {exports.data_version(info)}")
    tables: dict[str, pd.DataFrame] = {}
    if info["sources"]:
        st.header("Files loaded: every row accounted for")
        src = pd.DataFrame(info["sources"])[["file_name", "dataset", "edition", "rows_read", "rows_loaded",
                                              "rows_rejected", "rows_duplicate", "conflicts", "first_date",
                                              "last_date", "sha256"]]
        src["sha256"] = src["sha256"].str[:12]
        exports.table(src, "sources", "sources")
        st.caption("rows read = loaded + rejected (quarantined) + duplicate, for every file.")
        tables["sources"] = src
    if info["quarantine_reasons"]:
        st.header("Quarantined rows, by reason")
        q = pd.DataFrame(info["quarantine_reasons"])
        exports.table(q, "quarantine-reasons", "quarantine")
        tables["quarantine"] = q
    if info["conflicts"]:
        st.header("Conflicting copies of a key (the more complete copy was kept)")
        conf = pd.DataFrame(info["conflicts"])
        conf["fields"] = conf["fields"].map(lambda f: ", ".join(f) if isinstance(f, (list, tuple)) else f)
        exports.table(conf, "conflicts", "conflicts")
        tables["conflicts"] = conf
    if info["unmapped_labels"]:
        st.header("Labels not in the translators (kept verbatim, counted as Unknown)")
        exports.table(pd.DataFrame(info["unmapped_labels"]), "unmapped-labels", "unmapped")

    st.header("Method")
    st.markdown(
        "1. **The law of the record's date.** A record's code (`PL 2211001`, `221.05`) means what the law in "
        "force on its date said: the 1977 law until 2019-08-27, the 2019 law until 2021-03-30, the MRTA after.\n"
        "2. **Consistent facts.** The records do not give the amount, the place, the buyer's age or the "
        "conduct; the engine lists every combination that law would have charged as that section.\n"
        "3. **Bounds.** The target law is applied to each: the **low** bound is the least serious outcome, "
        "the **high** bound the most serious, the **central** case follows the assumptions below.\n"
        "4. **Counts.** One DuckDB query joins the few-hundred-row crosswalk to the records and counts by group.")
    st.markdown("**Assumptions** (switchable ones on the Projection page):")
    st.markdown("\n".join(f"- **{k}**: {v}" for k, v in ASSUMPTIONS.items()))
    st.markdown("**Definitions.** *Criminal*: a misdemeanor or felony. *Violation*: a non-criminal offence "
                "(e.g. §221.05). *Legal*: lawful, or a civil fine (Cannabis Law §132(4), §222.10). *Records* are "
                "arrests or summonses, not people; an arrest's code is its top charge. *Expungeable*: of a "
                "section the law expunges automatically (CPL 160.50(3)(k)). Groups are the NYPD's race labels "
                "mapped to seven groups; `BLACK` and `WHITE` are read as non-Hispanic.")
    st.markdown("**Known limits.** Only what NYPD published: no weights, no disposition, no prior record; "
                "summonses are criminal-court summonses only; the Year-to-Date exports are revised later.")
    st.header("Data terms and attribution")
    st.markdown(lawbook.data_terms().split("\n", 2)[2])
    st.header("How to cite")
    view = exports.View("methods", "Data & methods", state.permalink("methods", {}), {}, tables=tables)
    st.code(exports.citation(view, info), language=None, wrap_lines=True)
    st.download_button("Methods note (Markdown)", exports.methods_note(info), file_name="METHODS.md",
                       mime="text/markdown", key="methods-md", on_click="ignore")

    if not info.get("cells_current", True):
        st.header("Rebuild the summary")
        st.markdown("This database was built by an older version and has no current *cannabis cells*, the "
                    "summary every figure is counted from (see the data model). Figures are exact without them, "
                    "but slow at city scale. Rebuilding writes a copy and swaps it in, like an upload.")
        if st.button("Rebuild the summary", key="summarize", type="primary"):
            try:
                with st.spinner("Counting the records into cells…"):
                    out = writes.summarize_copy(db)
            except writes.UploadRefused as exc:
                st.error(f"Not rebuilt: {exc}. The database is unchanged.")
            else:
                st.success("Rebuilt: " + "; ".join(f"{d}: {common.fmt(c['records'])} cannabis records in "
                                                   f"{common.fmt(c['cells'])} cells" for d, c in out["datasets"].items())
                           + ". Every page now reads them.")

    st.header("Update from NYC Open Data")
    if info.get("synthetic"):
        st.markdown("This is the **synthetic demo database**; real and synthetic records never share a database. "
                    "To work on the real records, build a real database once with `make real` (or "
                    "`nyc-cannabis-enforcement update --db data/nypd.duckdb`) and point `ANALYTICS_DB` at it.")
    else:
        st.markdown("Downloads what NYC Open Data published since the last record of each dataset (arrests and "
                    "summonses, Historic and Year-to-Date) and adds it, on a **copy** that replaces the database "
                    "only when the update finished. An interrupted update resumes where it stopped. Set "
                    "`SODA_APP_TOKEN` on the server for the faster SODA3 API (a free app token from your NYC Open "
                    "Data profile's developer settings).")
        if st.button("Update from NYC Open Data", key="update", type="primary", icon=":material/cloud_download:"):
            try:
                with st.status("Updating from NYC Open Data…", expanded=True) as status:
                    out = writes.update_copy(db, on_message=status.write)
                    status.update(label="Update finished", state="complete")
            except (writes.UpdateFailed, writes.UploadRefused) as exc:
                st.error(f"Not updated: {exc}. The database is unchanged.")
            else:
                ranges = "; ".join(f"{d}: {common.fmt(v['records'])} records, {v['first_date']} to {v['last_date']}"
                                   for d, v in out["datasets"].items())
                if out["rows_loaded"]:
                    st.success(f"Added {common.fmt(out['rows_loaded'])} records ({ranges}). Every page now reads them.")
                else:
                    st.info(f"Nothing new: the database is current ({ranges}).")

    st.header("Add NYC Open Data exports")
    st.markdown(
        f"Upload a CSV export of *NYPD Arrests Data* (Historic or Year-to-Date) or *NYPD Criminal Court Summons* "
        f"(at most {writes.UPLOAD_LIMIT_MB} MB; bigger files: `python -m nyc_cannabis ingest`). The dashboard reads "
        "the database read-only: the file is ingested into a **copy**, and the copy replaces the database "
        "in one atomic step only if the ingest succeeded — a refused file leaves the database exactly as it was. "
        "Real and synthetic records never share a database.")
    upload = st.file_uploader("CSV export", type=["csv"], key="upload", max_upload_size=writes.UPLOAD_LIMIT_MB)
    if upload is not None and st.button("Ingest this file", key="ingest", type="primary"):
        try:
            shown = writes.upload_name(upload.name)  # never the browser's raw name in markdown
            with st.spinner(f"Ingesting {shown}…"):
                result = writes.ingest_upload(db, upload.name, upload.getvalue())
        except writes.UploadRefused as exc:
            st.error(f"Not ingested: {exc}. The database is unchanged.")
        else:
            for err in result["errors"]:
                st.error(f"Not ingested: {err['error']}. The database is unchanged.")
            for r in result["files"]:
                st.success(f"{shown}: {r['dataset']} ({r['edition']}): {common.fmt(r['rows_read'])} rows read, "
                           f"{common.fmt(r['rows_loaded'])} loaded, {common.fmt(r['rows_rejected'])} quarantined, "
                           f"{common.fmt(r['rows_duplicate'])} duplicate, {common.fmt(r['conflicts'])} conflicting keys.")
            if result["replaced"]:
                st.info("The database was updated; every page now reads the new records.")
            elif result["files"] and not result["errors"]:
                st.info("Nothing new: every row was already in the database.")
    state.publish("methods", [])
