"""The dashboard (minimal until the dashboard issue): what the database named by $ANALYTICS_DB holds.

Run with ``make run`` (builds the synthetic demo database first) or
``ANALYTICS_DB=data/nypd.duckdb streamlit run app.py`` for a database you ingested yourself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.ingest import IngestError, info

DB = os.environ.get("ANALYTICS_DB", "data/demo.duckdb")

st.set_page_config(page_title="NY marijuana enforcement", layout="wide")


@st.cache_data(show_spinner=False)
def load_info(path: str, mtime: float) -> dict:
    return info(path)


st.title("New York marijuana enforcement: records loaded")
try:
    data = load_info(DB, Path(DB).stat().st_mtime if Path(DB).exists() else 0.0)
except IngestError as exc:
    st.error(f"{exc}")
    st.stop()

if data["synthetic"]:
    st.warning("**Synthetic demo data.** These records are generated to look like NYPD data; they are not "
               "real enforcement records. Load real NYC Open Data exports with `python -m analytics ingest`.")

cols = st.columns(5)
cols[0].metric("Arrests (unique records)", f"{data['arrests']:,}")
cols[1].metric("Criminal-court summonses", f"{data['summonses']:,}")
cols[2].metric("Quarantined rows", f"{data['quarantined']:,}")
cols[3].metric("First date", data["first_date"] or "–")
cols[4].metric("Last date", data["last_date"] or "–")

st.subheader("Files loaded")
sources = pd.DataFrame(data["sources"])
if not sources.empty:
    counts = {c: st.column_config.NumberColumn(c.replace("rows_", "rows ").capitalize(), format="localized")
              for c in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "conflicts")}
    st.dataframe(sources[["file_name", "dataset", "edition", *counts, "first_date", "last_date"]],
                 hide_index=True, width="stretch",
                 column_config={"file_name": "File", "dataset": "Dataset", "edition": "Export edition",
                                "first_date": "First date", "last_date": "Last date", **counts})
if data["conflicts"]:
    st.subheader("Conflicting copies of a key (the more complete copy was kept)")
    st.dataframe(pd.DataFrame(data["conflicts"]), hide_index=True, width="stretch")
st.caption(f"Database: {DB}")
