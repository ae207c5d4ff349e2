"""The dashboard: a router over the pages listed in ``nav.py`` (add pages there, not here).

Streamlit runs this file as its script: ``python -m nyc_cannabis.ui.serve`` (what ``make run`` does) or
``streamlit run app.py`` from the repository (the top-level ``app.py`` calls :func:`main`). The database is
the file named by ``$ANALYTICS_DB``, opened read-only; see docs/dashboard.md.

A database that turns out damaged while a page reads it (a checksum that fails on a block no earlier query
touched) ends that page with one clear notice, not a traceback; the other pages and the server go on
(docs/faults.md).
"""

from __future__ import annotations

import threading

import duckdb
import streamlit as st

from nyc_cannabis.ui import process
from nyc_cannabis.ui.nav import PAGES

_cleaned: set[str] = set()
_cleaned_lock = threading.Lock()


def _clean_once() -> None:
    """Delete the copies a killed upload, rebuild or update left beside the database (once per path and
    server process; see writes.clean_leftovers)."""
    from nyc_cannabis.ui import data, writes

    path = data.current().path
    with _cleaned_lock:
        if path in _cleaned:
            return
        _cleaned.add(path)
    writes.clean_leftovers(path)


def main() -> None:
    process.settle()  # once per server process (see process.py)
    _clean_once()
    st.set_page_config(page_title="NY marijuana enforcement", page_icon="⚖️", layout="wide")
    if st.query_params.get("chart"):  # an embedded chart (embed.py): that chart alone, no navigation
        from nyc_cannabis.ui import embed

        embed.render()
        return
    page = st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
                          for p in PAGES])
    try:
        page.run()
    except (duckdb.Error, OSError) as exc:  # the database failed under a page: say so, keep serving
        from nyc_cannabis.core import store
        from nyc_cannabis.ui import data

        path = data.current().path
        st.error(f"**The database `{path}` cannot be read:** {store.explain(exc, path)}", icon=":material/error:")


if __name__ == "__main__":
    main()
