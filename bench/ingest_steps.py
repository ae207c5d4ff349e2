"""Where ingest's time goes, next to bare DuckDB, on one generated arrests file: the floor each requirement sets.

``python -m bench.ingest_steps [--rows 1000000] [--repeat 3]`` times, in one process, each into a fresh
database file (median of ``--repeat``, wall and CPU seconds):

- ``bare``: ``bench.ingest_bench.BARE_SQL`` (read_csv into a typed table, the issue's yardstick);
- ``parse``: the CSV parsed with ingest's reader options and thrown away (``max`` of every column);
- ``insert``: the fast path's one statement: the reader, the validation view, the rows into ``arrests_raw``
  (``insert_direct.sql``), in a transaction, committed;
- ``checked``: ``insert`` + ``fast_check.sql`` (invalid rows, keys twice, keys stored already);
- ``cells``: ``checked`` + the file's cannabis cells (``cells.add``);
- ``ours``: ``nyc_cannabis.ingest.loader.ingest`` (adds inspection, the SHA-256 and UTF-8 check on a second
  thread, quarantine, the source record);
- ``numbered``: ``ingest`` made to take the numbered path (the temp ``stage`` table that numbers the
  records, the deduplicating SQL, the dataset's cells recounted): what a file with an invalid row or a
  repeated key costs, and what every file cost before the fast path read straight from the reader.

Results go to ``bench/results/ingest_steps.json``; row counts are asserted, timings never.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.ingest_bench import BARE_SQL, ROOT, generate, machine
from nyc_cannabis.core import store
from nyc_cannabis.ingest import cells
from nyc_cannabis.ingest import loader as ingest

RESULTS = ROOT / "bench" / "results" / "ingest_steps.json"


def _fast_statement(con, info: ingest.Inspected, through: str) -> int:
    """The fast path's statements up to ``through`` (insert, checked, cells), in a transaction, committed."""
    dataset = info.recognised.dataset
    ids = {"stored": dataset.stored, "key": dataset.key}
    ingest._open_file(con, info)
    store.execute(con, "ingest/stream_stage", file=ingest._file_view(con, info))
    store.execute(con, "ingest/stage_shift_empty")
    store.execute(con, f"staging/{dataset.name}", rows="stage_typed")
    con.begin()
    rows = store.execute(con, "ingest/insert_direct", {"source_id": 1}, date=dataset.date, **ids).fetchone()[0]
    if through in ("checked", "cells"):
        check = store.fetch_one(con, "ingest/fast_check", {"source_id": 1}, **ids)
        assert not (check["rows_invalid"] or check["repeated_keys"] or check["stored_keys"]), check
    if through == "cells":
        cells.add(con, dataset.name, 1)
    con.commit()
    return rows


def step(name: str, info: ingest.Inspected, db: Path) -> tuple[float, float, int]:
    """One timed run of ``name`` into the fresh database ``db``; returns (wall s, CPU s, rows)."""
    reader = ("read_csv($path, header = true, auto_detect = false, columns = $columns, dateformat = $fmt, "
              "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
              "ignore_errors = true, max_line_size = 1048576)")
    params = {"path": str(info.path), "columns": ingest.reader_columns(info), "fmt": info.date_format}
    cpu, start = _cpu(), time.perf_counter()
    if name in ("ours", "numbered"):
        real = ingest._load_fast
        if name == "numbered":
            ingest._load_fast = lambda *a: None
        try:
            reports, errors = ingest.ingest(db, [info.path])
        finally:
            ingest._load_fast = real
        assert not errors, errors
        return time.perf_counter() - start, _cpu() - cpu, reports[0].rows_loaded
    con = duckdb.connect(str(db)) if name in ("bare", "parse") else ingest.open_db(db)
    try:
        if name == "bare":
            con.execute(BARE_SQL, {"path": str(info.path)})
            rows = con.execute("SELECT count(*) FROM a").fetchone()[0]
        elif name == "parse":
            rows = con.execute(f"SELECT count(*), max(COLUMNS(*)) FROM {reader}", params).fetchone()[0]
        else:
            rows = _fast_statement(con, info, name)
    finally:
        con.close()
    return time.perf_counter() - start, _cpu() - cpu, rows


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


STEPS = ("bare", "parse", "insert", "checked", "cells", "ours", "numbered")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest_steps", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    runs: dict[str, list[float]] = {s: [] for s in STEPS}
    cpus: dict[str, list[float]] = {s: [] for s in STEPS}
    with tempfile.TemporaryDirectory(prefix="ingest-steps-") as tmp:
        path = generate(Path(tmp) / "csv", a.rows)
        info = ingest.inspect_file(path)
        for i in range(a.repeat):  # round-robin, so drift in the machine hits every step alike
            for name in STEPS:
                db = Path(tmp) / f"{name}-{i}.duckdb"
                seconds, cpu, rows = step(name, info, db)
                assert rows == a.rows, f"{name}: {rows:,} rows, the file has {a.rows:,}"
                runs[name].append(round(seconds, 3))
                cpus[name].append(round(cpu, 3))
                for leftover in Path(tmp).glob(f"{name}-{i}.duckdb*"):
                    leftover.unlink()
                print(f"  {name:16} {seconds:6.2f} s  {cpu:6.2f} CPU s", file=sys.stderr, flush=True)
    bare, bare_cpu = statistics.median(runs["bare"]), statistics.median(cpus["bare"])
    results = [{"step": s, "median_s": statistics.median(r), "min_s": min(r),
                "over_bare": round(statistics.median(r) / bare, 2), "runs": r,
                "median_cpu_s": statistics.median(cpus[s]),
                "cpu_over_bare": round(statistics.median(cpus[s]) / bare_cpu, 2), "cpu_runs": cpus[s]}
               for s, r in runs.items()]
    report = {"machine": machine() | {"loadavg": os.getloadavg()}, "params": {"rows": a.rows, "repeat": a.repeat},
              "results": results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp_file = RESULTS.with_suffix(".json.tmp")
    tmp_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_file, RESULTS)
    print("| step | median s | min s | median / bare | CPU s | CPU / bare |\n|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['step']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['over_bare']:.2f}× "
              f"| {r['median_cpu_s']:.2f} | {r['cpu_over_bare']:.2f}× |")
    print(f"\nresults: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
