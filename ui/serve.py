"""``python -m ui.serve [streamlit run options]``: ``streamlit run app.py``, with the app's one-time start-up done
before the server listens (``ui.process.preload``: importing pandas, plotly, DuckDB and the engine, about
0.65 s), so the first visitor does not wait for it. ``make run`` uses this; plain
``streamlit run app.py`` still works and pays the same start-up on its first session instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ui import process

APP = Path(__file__).resolve().parent.parent / "app.py"


def main() -> None:
    process.preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
