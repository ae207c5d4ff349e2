"""Dashboard at city scale: each page's first render and widget changes, timed at the server (AppTest runs
the same script the server runs), p95 over repeats, and the process's peak memory.

    python -m bench.app_bench [--records 10000000] [--repeat 5] [--rounds 3] [--db PATH]

Builds a demo database of ``--records`` (half arrests, half summonses) unless ``--db`` is given, then writes
bench/results/app.json.

* "first render": a new session (AppTest) with the server's caches cold (first) and warm (the p95 of the
  later sessions);
* start-up paid once per server process by its first visitor is timed apart: Streamlit's own (an empty
  script, ``streamlit_start_s``) and the app's (importing pandas, plotly, DuckDB and the engine:
  ``ui.process.preload``, ``app_start_s``, done before the server listens by ``make run``);
* "widget change": one widget change in a session, on cold query caches (a new query); the scripted changes
  run ``--rounds`` times, the query caches (projection, disparity, mode, trend, records, explanation; not the
  database summary, periods and choices, which a server keeps per database version) cleared before each
  round, and the p95 is over all of them;
* ``machine.python_loop_10m_s``: a fixed pure-Python loop, to read a run against the machine's speed.

Targets: first render < 1.5 s, widget change < 300 ms, memory < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nyc_cannabis.ui.nav import PAGES as NAV

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "app.json"
PAGES = {p.url_path: p.file for p in NAV}
#: per page, widget changes (key, values) timed one after another
CHANGES = {"projection": [("by", ["borough", "age", "year", "precinct"]),
                          ("regime", ["reform-2019", "old-1977", "expunge-more-2019", "public-smoking-civil-2019"]),
                          ("dataset", ["summonses", "arrests"])],
           "records": [("group", ["Black", "Hispanic", "White", "Other"]), ("section", ["221.10", "221.05"])],
           "law": [("regime", ["old-1977", "reform-2019", "expunge-more-2019"])],
           "disparities": [("reference", ["Hispanic", "Black"]), ("by", ["borough", "period"]),
                           ("regime", ["reform-2019", "mrta-2021"]), ("bound", ["low", "high"]),
                           ("scope", ["low-level", "all"]), ("dataset", ["summonses"])],
           "trends": [("reference", ["Hispanic", "Black"]), ("scope", ["low-level", "all"]),
                      ("dataset", ["summonses", "arrests"])],
           "geography": [("group", ["Hispanic", "White", "Asian / Pacific Islander"]),
                         ("measure", ["rate_ratio", "rate_per_100k"]), ("reference", ["Hispanic"]),
                         ("level", ["borough", "precinct"]), ("dataset", ["summonses", "arrests"])]}


def pct(xs: list[float], q: float) -> float | None:
    """The ``q`` quantile by nearest rank (None for no values); load_bench uses the same."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def p95(xs: list[float]) -> float | None:
    return pct(xs, 0.95)


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop (10 M additions): this shared machine's speed varies by a third
    from hour to hour, so a run's figures are read against it."""
    t = time.perf_counter()
    x = 0
    for i in range(10_000_000):
        x += i
    return round(time.perf_counter() - t, 3)


def build_demo_db(db: Path, records: int, csv_dir: Path) -> float:
    """Write ``records`` demo records (half arrests, half summonses) as CSV into ``csv_dir`` and ingest them into
    ``db`` (``python -m nyc_cannabis demo``); returns the seconds it took. The database appears under its name
    only once complete (built as ``<db>.building``, then renamed), so an interrupted build is never reused."""
    t = time.perf_counter()
    half = records // 2
    part = db.with_name(db.name + ".building")
    for stale in (part, part.with_name(part.name + ".wal")):
        stale.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "nyc_cannabis", "demo", "--out", str(csv_dir), "--arrests", str(half),
                    "--summonses", str(records - half), "--db", str(part), "--json"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    part.replace(db)
    return time.perf_counter() - t


def count_records(db: Path) -> int:
    """Arrests plus summonses in ``db`` (read-only)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT (SELECT count(*) FROM arrests) + (SELECT count(*) FROM summonses)").fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of the scripted widget changes (query caches cleared before each)")
    ap.add_argument("--db")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="app-bench-")
    db = Path(args.db) if args.db else Path(tmp.name) / "bench.duckdb"
    build_s = None
    if not db.exists():
        build_s = build_demo_db(db, args.records, Path(tmp.name) / "csv")
    os.environ["ANALYTICS_DB"] = str(db)
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    def session(page: str) -> tuple[AppTest, float]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if page != "overview":
            at.run()  # the router needs one run before switch_page; its cost is the overview's (cached)
            at.switch_page(PAGES[page])
        t = time.perf_counter()
        at.run()
        took = time.perf_counter() - t
        assert not at.exception, at.exception
        return at, took

    speed = machine_speed()
    # Streamlit's own one-time start-up (runtime, component registry), paid once per server process before
    # any page: timed on an empty script, and kept out of the first page's figure
    t = time.perf_counter()
    AppTest.from_string("import streamlit as st\nst.write('warm-up')").run()
    streamlit_start = time.perf_counter() - t
    # the app's own one-time start-up (importing pandas, plotly, DuckDB and the engine: ui.process.preload),
    # which `make run` (nyc_cannabis/ui/serve.py) does before the server listens; plain `streamlit run` pays it on the
    # first session instead
    t = time.perf_counter()
    from nyc_cannabis.ui import process
    process.preload()
    app_start = time.perf_counter() - t
    from nyc_cannabis.ui import data as ui_data
    query_caches = (ui_data.projection, ui_data.disparity, ui_data.mode, ui_data.trend, ui_data.records,
                    ui_data.explanation)
    results: dict[str, dict] = {}
    for page in PAGES:
        cold_at, cold = session(page)
        warm = [session(page)[1] for _ in range(args.repeat)]
        changes: list[float] = []
        each: dict[str, list[float]] = {}
        for _ in range(args.rounds):  # each round on cold query caches: every change is a new query
            for cached in query_caches:  # not the database's summary, periods and choices: a server has
                cached.clear()           # those from its first visitor on, until the database changes
            for key, values in CHANGES.get(page, []):
                for v in values:
                    t = time.perf_counter()
                    cold_at.selectbox(key=key).select(v).run()
                    changes.append(time.perf_counter() - t)
                    each.setdefault(f"{key}={v}", []).append(round(changes[-1], 3))
                    assert not cold_at.exception, cold_at.exception
        results[page] = {"first_render_cold_s": round(cold, 3), "first_render_warm_p95_s": round(p95(warm), 3),
                         "first_render_warm_median_s": round(statistics.median(warm), 3),
                         "widget_changes": len(changes),
                         "widget_change_p95_s": round(p95(changes), 3) if changes else None,
                         "widget_change_median_s": round(statistics.median(changes), 3) if changes else None,
                         "widget_change_each_s": each}
        print(page, results[page], flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    records = count_records(db)
    payload = {"records": records, "db": str(db) if args.db else "tmp",
               "db_bytes": db.stat().st_size, "build_s": round(build_s, 1) if build_s else None,
               "repeat": args.repeat, "rounds": args.rounds, "streamlit_start_s": round(streamlit_start, 3),
               "app_start_s": round(app_start, 3), "pages": results,
               "peak_memory_mb": round(peak_mb),
               "targets": {"first_render_s": 1.5, "widget_change_s": 0.3, "memory_mb": 1536},
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "python_loop_10m_s": speed},
               "measured_at": time.strftime("%Y-%m-%d")}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps({k: payload[k] for k in ("records", "build_s", "peak_memory_mb")}))


if __name__ == "__main__":
    main()
