"""Where ingest's time goes, next to bare DuckDB, on one generated arrests file: the floor each requirement sets.

``python -m bench.ingest_steps [--rows 1000000] [--repeat 3]`` times, in one process, each into a fresh
database file (median of ``--repeat``, in seconds):

- ``bare``: ``bench.ingest_bench.BARE_SQL`` (read_csv into a typed table, the issue's yardstick);
- ``parse``: the CSV parsed with ingest's reader options and thrown away (``max`` of every column);
- ``numbered``: the parse kept in the temp table ``stage`` (``ingest._read_staged``), whose rowid numbers
  the records in file order: DuckDB 2.0's CSV reader has no row-number column (``file_row_number`` "is not
  supported by this reader");
- ``write_raw``: ``numbered`` + the 19 typed source columns and the line written to a table (no checks);
- ``write_raw_serial``: the same table numbered the other way, ``row_number() OVER ()`` over the reader in
  one statement: a streaming window, so the whole load runs on one thread;
- ``write_all``: ``numbered`` + the staging view (checks, derived columns) written as ``arrests`` is;
- ``cells``: ``write_all`` + the file's cannabis cells (``cells.add``);
- ``ours``: ``nyc_cannabis.ingest.loader.ingest`` (adds the key check, the cannabis cells, hashing, provenance).

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
RAW = ("arrest_key, arrest_date, pd_cd, pd_desc, ky_cd, ofns_desc, law_code, law_cat_cd, arrest_boro, "
       "arrest_precinct, jurisdiction_code, age_group, perp_sex, perp_race, x_coord_cd, y_coord_cd, latitude, "
       "longitude, geo_point")


def _reader(info: ingest.Inspected) -> tuple[str, dict]:
    columns = ingest.reader_columns(info)
    return ("read_csv($path, header = true, auto_detect = false, columns = $columns, dateformat = $fmt, "
            "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
            "ignore_errors = true, max_line_size = 1048576)",
            {"path": str(info.path), "columns": columns, "fmt": info.date_format})


def step(name: str, info: ingest.Inspected, db: Path) -> tuple[float, int]:
    """One timed run of ``name`` into the fresh database ``db``; returns (seconds, rows)."""
    reader, params = _reader(info)
    start = time.perf_counter()
    if name == "ours":
        reports, errors = ingest.ingest(db, [info.path])
        assert not errors, errors
        return time.perf_counter() - start, reports[0].rows_loaded
    con = duckdb.connect(str(db)) if name in ("bare", "parse", "write_raw_serial") else ingest.open_db(db)
    try:
        if name == "bare":
            con.execute(BARE_SQL, {"path": str(info.path)})
            rows = con.execute("SELECT count(*) FROM a").fetchone()[0]
        elif name == "parse":
            rows = con.execute(f"SELECT count(*), max(COLUMNS(*)) FROM {reader}", params).fetchone()[0]
        elif name == "write_raw_serial":
            con.execute(f"CREATE TABLE t AS SELECT *, row_number() OVER () + 1 AS line FROM {reader}", params)
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        else:
            ingest._read_staged(con, info)
            if name == "write_raw":
                con.execute(f"CREATE TABLE t AS SELECT {RAW}, rowid + 2 AS line FROM stage")
            elif name in ("write_all", "cells"):
                store.execute(con, "staging/arrests")
                con.execute("INSERT INTO arrests BY NAME SELECT * EXCLUDE (ordinal, reason), 1 AS source_id "
                            "FROM stage_typed WHERE reason = ''")
                if name == "cells":
                    cells.add(con, "arrests", 1)
            rows = con.execute("SELECT count(*) FROM stage").fetchone()[0]
    finally:
        con.close()
    return time.perf_counter() - start, rows


STEPS = ("bare", "parse", "numbered", "write_raw", "write_raw_serial", "write_all", "cells", "ours")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest_steps", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    runs: dict[str, list[float]] = {s: [] for s in STEPS}
    with tempfile.TemporaryDirectory(prefix="ingest-steps-") as tmp:
        path = generate(Path(tmp) / "csv", a.rows)
        info = ingest.inspect_file(path)
        for i in range(a.repeat):  # round-robin, so drift in the machine hits every step alike
            for name in STEPS:
                db = Path(tmp) / f"{name}-{i}.duckdb"
                seconds, rows = step(name, info, db)
                assert rows == a.rows, f"{name}: {rows:,} rows, the file has {a.rows:,}"
                runs[name].append(round(seconds, 3))
                for leftover in Path(tmp).glob(f"{name}-{i}.duckdb*"):
                    leftover.unlink()
                print(f"  {name:16} {seconds:6.2f} s", file=sys.stderr, flush=True)
    bare = statistics.median(runs["bare"])
    results = [{"step": s, "median_s": statistics.median(r), "min_s": min(r),
                "over_bare": round(statistics.median(r) / bare, 2), "runs": r} for s, r in runs.items()]
    report = {"machine": machine(), "params": {"rows": a.rows, "repeat": a.repeat}, "results": results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp_file = RESULTS.with_suffix(".json.tmp")
    tmp_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_file, RESULTS)
    print("| step | median s | min s | median / bare |\n|---|---:|---:|---:|")
    for r in results:
        print(f"| {r['step']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['over_bare']:.2f}× |")
    print(f"\nresults: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
