"""Benchmark: ``project`` over millions of demo records (arrests + summonses), warm.

``python -m bench.project_bench [--records 10000000] [--repeat 3]`` generates the demo files (half arrests,
half summonses), ingests them into a fresh database in a temp dir, then times ``nyc_cannabis.projection.project.project``
for both datasets and each enacted regime: one cold run (the crosswalk is computed) and ``--repeat`` warm
runs. Row counts are asserted so a broken engine cannot look fast. Results: bench/results/project.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "project.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from nyc_cannabis.ingest import loader as ingest
    from nyc_cannabis.law import regimes
    from nyc_cannabis.projection import project
    from nyc_cannabis.sources import demo

    with tempfile.TemporaryDirectory() as tmp:
        out, db = Path(tmp) / "demo", Path(tmp) / "bench.duckdb"
        half = args.records // 2
        demo.write_demo(out, arrests=half, summonses=args.records - half)
        t = time.perf_counter()
        reports, errors = ingest.ingest(db, [out / "demo_arrests.csv", out / "demo_summonses.csv"])
        load_s = time.perf_counter() - t
        assert not errors and sum(r.rows_loaded for r in reports) == args.records
        runs = []
        for regime in regimes.REGIME_IDS:
            project.crosswalk_frame.cache_clear()
            t = time.perf_counter()
            for dataset in ("arrests", "summonses"):
                project.project(db, dataset, regime)
            cold = time.perf_counter() - t
            warm = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                counted = sum(g["records"] for dataset in ("arrests", "summonses")
                              for g in project.project(db, dataset, regime)["groups"])
                warm.append(time.perf_counter() - t)
            runs.append({"regime": regime, "cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
                         "warm_runs_s": [round(w, 3) for w in warm], "cannabis_records": counted})
    result = {"records": args.records, "ingest_s": round(load_s, 1), "runs": runs}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.records:,} records (arrests + summonses), ingested in {load_s:.1f} s")
    print("| target regime | cannabis records | cold s | warm median s |\n|---|---:|---:|---:|")
    for r in runs:
        print(f"| {r['regime']} | {r['cannabis_records']:,} | {r['cold_s']} | {r['warm_median_s']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
