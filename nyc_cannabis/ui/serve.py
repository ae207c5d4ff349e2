"""``python -m nyc_cannabis.ui.serve [streamlit run options]``: ``streamlit run`` of the package's ``ui/app.py``, with the app's one-time start-up done
before the server listens (``process.preload``: importing pandas, plotly, DuckDB and the engine, about
0.65 s), so the first visitor does not wait for it. ``make run`` uses this; plain
``streamlit run app.py`` still works and pays the same start-up on its first session instead.
"""

from __future__ import annotations

import sys

from nyc_cannabis.core.resources import resource_path
from nyc_cannabis.ui import process

APP = resource_path("ui", "app.py")


def main() -> None:
    process.preload()
    from streamlit.web import cli

    # readers get the app, not the developer toolbar (no "Deploy" button), and a civic tool sends nothing home
    sys.argv = ["streamlit", "run", str(APP), "--client.toolbarMode", "viewer", "--browser.gatherUsageStats",
                "false", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
