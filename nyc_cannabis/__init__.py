"""Measure what New York's marijuana law changes did to criminal charges and racial disparities in policing.

The package is laid out as the pipeline, each layer importing only the layers before it (checked by
``tests/test_layers.py``):

``core`` (database, SQL files, datasets, law dates, reference tables) → ``sources`` (NYC Open Data, demo)
→ ``ingest`` (files into DuckDB, cells) → ``law`` (regimes as cited YAML, crosswalk) → ``projection`` (the
law applied to records) → ``stats`` (rates, disparity, trends) → ``present`` (figures, findings, report)
→ ``cli`` and ``ui`` (the command line, the Streamlit dashboard).

Only ``ui`` imports Streamlit; only ``present`` and ``ui`` import plotly.
"""

__version__ = "0.2.0"
