"""The engine: load NYPD marijuana enforcement records, re-apply New York's penalty regimes, measure disparity.

Never imports Streamlit; the dashboard (``app.py``, ``ui/``) and the CLI (``python -m analytics``) call it.
"""

__version__ = "0.1.0"
