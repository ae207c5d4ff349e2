"""The dashboard: a router over the pages listed in ``nav.py`` (add pages there, not here).

Streamlit runs this file as its script: ``python -m nyc_cannabis.ui.serve`` (what ``make run`` does) or
``streamlit run app.py`` from the repository (the top-level ``app.py`` calls :func:`main`). The database is
the file named by ``$ANALYTICS_DB``, opened read-only; see docs/dashboard.md.
"""

from __future__ import annotations

import streamlit as st

from nyc_cannabis.ui import process
from nyc_cannabis.ui.nav import PAGES


def main() -> None:
    process.settle()  # once per server process (see process.py)
    st.set_page_config(page_title="NY marijuana enforcement", page_icon="⚖️", layout="wide")
    if st.query_params.get("chart"):  # an embedded chart (embed.py): that chart alone, no navigation
        from nyc_cannabis.ui import embed

        embed.render()
        return
    page = st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
                          for p in PAGES])
    page.run()


if __name__ == "__main__":
    main()
