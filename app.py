"""The dashboard: a router over the pages listed in ``ui/nav.py`` (add pages there, not here).

Run with ``make run`` (builds the synthetic demo database first) or
``ANALYTICS_DB=data/nypd.duckdb streamlit run app.py`` for a database you ingested yourself.
The database is opened read-only; see docs/dashboard.md.
"""

from __future__ import annotations

import streamlit as st

from ui import process
from ui.nav import PAGES

process.settle()  # once per server process (see ui/process.py)
st.set_page_config(page_title="NY marijuana enforcement", page_icon=":material/balance:", layout="wide")

page = st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
                      for p in PAGES])
page.run()
