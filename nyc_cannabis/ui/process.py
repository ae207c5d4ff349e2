"""Once per server process: the app's start-up, and the long-lived part of the heap set aside from the garbage
collector.

Streamlit re-runs the page scripts for every interaction, but the modules they import (pandas, plotly, the
engine, the regimes and their caches) live as long as the server. Python's full (generation 2) collections
walk every one of those objects: measured at 10 million records, 7 such passes of up to 150 ms during the
app benchmark, each a visible stall in whichever widget change it fell into. ``gc.freeze()`` after the
first imports moves them to a permanent generation the collector skips; garbage made later is collected as
before. Nothing in the app depends on this for correctness.

:func:`preload` imports the heavy modules (about 0.65 s) and touches no Streamlit cache, so ``ui.serve`` can
run it before the server starts; :func:`settle` (app.py, first run) also imports the dashboard's own modules,
whose ``st.cache_*`` functions must be created once the runtime exists, then freezes.
"""

from __future__ import annotations

import atexit
import gc
import threading

_lock = threading.Lock()
_done = False


def preload() -> None:
    """Import what every page needs: pandas, plotly, DuckDB and the engine (no Streamlit caches)."""
    import pandas  # noqa: F401

    import nyc_cannabis.present.charts  # noqa: F401 - imported for their module-level objects
    import nyc_cannabis.present.disparity_charts  # noqa: F401
    import nyc_cannabis.present.findings  # noqa: F401
    import nyc_cannabis.present.report  # noqa: F401
    import nyc_cannabis.stats.disparity  # noqa: F401


def settle() -> None:
    """Import what the pages use, then freeze what is alive now (first call only)."""
    global _done
    with _lock:
        if _done:
            return
        preload()
        import nyc_cannabis.ui.data  # noqa: F401
        import nyc_cannabis.ui.exports  # noqa: F401
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)  # at exit the frozen objects are finalised like any others
        _done = True
