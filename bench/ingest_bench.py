"""Ingest benchmark: our loader against bare DuckDB and the pandas route, on the same generated file.

Parent mode (``python -m bench``) generates a synthetic arrests CSV once, runs every contender in a fresh
subprocess with a fresh database file (round-robin, ``--repeat`` times), then runs ``ours`` once on the
big file for peak memory. Child mode (``--contender X --path P --db D``) does one load and prints one JSON
line ``{"seconds", "max_rss_mb", "rows"}``; seconds cover the load only, not interpreter start-up.
Row counts are asserted; timings are not. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ingest.json"
CONTENDERS = ("bare_duckdb", "ours", "pandas")
BARE_SQL = ("CREATE TABLE a AS SELECT * FROM read_csv($path, header = true, dateformat = '%m/%d/%Y', "
            "types = {'ARREST_KEY': 'VARCHAR'})")


# ------------------------------------------------------------------------------------------- child side

def peak_rss_mb() -> float:
    """Peak resident memory of this process image. VmHWM, not ru_maxrss: after fork/vfork + exec Linux
    carries the parent's peak into the child's ru_maxrss, so that figure would include the parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load(contender: str, path: str, db: str) -> dict:
    import duckdb
    if contender == "bare_duckdb":
        start = time.perf_counter()
        con = duckdb.connect(db)
        con.execute(BARE_SQL, {"path": path})
        con.close()
    elif contender == "ours":
        from nyc_cannabis.ingest.loader import ingest
        start = time.perf_counter()
        reports, errors = ingest(db, [path])
        assert not errors and len(reports) == 1, errors
        assert reports[0].rows_loaded == reports[0].rows_read, reports[0]
    elif contender == "pandas":
        import pandas as pd
        start = time.perf_counter()
        df = pd.read_csv(path, dtype={"ARREST_KEY": str}, parse_dates=["ARREST_DATE"], date_format="%m/%d/%Y")
        con = duckdb.connect(db)
        con.register("df", df)
        con.execute("CREATE TABLE a AS SELECT * FROM df")
        con.close()
    else:
        raise ValueError(f"unknown contender {contender!r}")
    seconds = time.perf_counter() - start
    table = "arrests" if contender == "ours" else "a"
    with duckdb.connect(db, read_only=True) as con:  # outside the timing: proves the rows are there
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return {"seconds": round(seconds, 3), "max_rss_mb": round(peak_rss_mb(), 1), "rows": rows}


# ------------------------------------------------------------------------------------------ parent side

def child(args: list[str]) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"bench: {' '.join(args[:4])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]


def generate(out_dir: Path, rows: int) -> Path:
    """Generated in a subprocess, so the parent stays small."""
    code = ("import sys; from pathlib import Path; from nyc_cannabis.sources.demo import write_demo; "
            "print(write_demo(Path(sys.argv[1]), arrests=int(sys.argv[2]), summonses=0)['files'][0]['path'])")
    print(f"generating {rows:,} arrests ...", file=sys.stderr, flush=True)
    return Path(child(["-c", code, str(out_dir), str(rows)]))


#: cannabis records among all arrests in a real export (docs/sources.md: about 6 %); the demo file has 90 %
REAL_SHARE = 6
#: the demo file with all but REAL_SHARE % of its records' law codes turned into petit larceny (PL 155.25),
#: every other byte as it was: the same 1 M rows with a real export's share of cannabis cells to build
REALISTIC_SQL = ("COPY (SELECT * REPLACE (CASE WHEN LAW_CODE LIKE 'PL 22%' AND hash(ARREST_KEY) % 90 >= $share "
                 "THEN 'PL 1552500' ELSE LAW_CODE END AS LAW_CODE) "
                 "FROM read_csv($src, header = true, all_varchar = true)) TO $dst (HEADER, DELIMITER ',')")


def realistic(path: Path) -> Path:
    """A copy of the generated file with a real export's share of cannabis records."""
    import duckdb
    out = path.with_name(f"real_share_{path.name}")
    with duckdb.connect() as con:
        con.execute(REALISTIC_SQL, {"share": REAL_SHARE, "src": str(path), "dst": str(out)})
    return out


def run(contender: str, path: Path, work: Path, expected: int) -> dict:
    db = work / f"{contender}.duckdb"
    result = json.loads(child(["-m", "bench.ingest_bench", "--contender", contender, "--path", str(path),
                               "--db", str(db)]))
    for leftover in work.glob(f"{contender}.duckdb*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    assert result["rows"] == expected, f"{contender}: {result['rows']:,} rows loaded, file has {expected:,}"
    print(f"  {contender:12} {path.stat().st_size / 1e6:7.0f} MB  {result['seconds']:7.2f} s  "
          f"{result['max_rss_mb']:7.0f} MB", file=sys.stderr, flush=True)
    return result


def summary(contender: str, rows: int, path: Path, runs: list[dict]) -> dict:
    secs = [r["seconds"] for r in runs]
    return {"contender": contender, "rows": rows, "file_mb": round(path.stat().st_size / 1e6, 1),
            "median_s": round(statistics.median(secs), 3), "min_s": min(secs),
            "max_rss_mb": max(r["max_rss_mb"] for r in runs), "runs": runs}


def machine() -> dict:
    import duckdb  # noqa: E401 - versions only
    import pandas
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pandas.__version__,
            "ingest_memory_limit": os.environ.get("ANALYTICS_INGEST_MEMORY", "512MB")}


def markdown(report: dict) -> str:
    bare = next(r for r in report["results"] if r["contender"] == "bare_duckdb")
    lines = ["| contender | rows | file MB | runs | median s | min s | median / bare | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["results"]:
        ratio = f"{r['median_s'] / bare['median_s']:.2f}×" if r["rows"] == bare["rows"] else "–"
        lines.append(f"| {r['contender']} | {r['rows']:,} | {r['file_mb']:.0f} | {len(r['runs'])} | "
                     f"{r['median_s']:.2f} | {r['min_s']:.2f} | {ratio} | {r['max_rss_mb']:.0f} |")
    share = report.get("real_share")
    if share:
        b, o = share["results"]
        lines.append(f"\nThe same file with {share['cannabis_percent']} % cannabis records (a real export's share): "
                     f"bare {b['median_s']:.2f} s, ours {o['median_s']:.2f} s "
                     f"({o['median_s'] / b['median_s']:.2f}×).")
    m = report.get("memory")
    if m:
        lines.append(f"\nPeak RSS of `ours`: {m['small_mb']:.0f} MB at {m['small_rows']:,} rows, "
                     f"{m['big_mb']:.0f} MB at {m['big_rows']:,} rows ({m['growth']:.2f}× memory for "
                     f"{m['big_rows'] / m['small_rows']:.0f}× rows).")
    return "\n".join(lines)


def bench(rows: int, big_rows: int, repeat: int, skip_big: bool) -> dict:
    report = {"machine": machine(), "params": {"rows": rows, "big_rows": None if skip_big else big_rows,
                                               "repeat": repeat}, "results": []}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        work = Path(tmp)
        path = generate(work / "small", rows)
        runs = {c: [] for c in CONTENDERS}
        for _ in range(repeat):  # round-robin, so drift in the machine hits every contender alike
            for c in CONTENDERS:
                runs[c].append(run(c, path, work, rows))
        report["results"] = [summary(c, rows, path, runs[c]) for c in CONTENDERS]
        bare, ours, pandas = (r["median_s"] for r in report["results"])
        report["ratios"] = {"ours/bare": round(ours / bare, 2), "pandas/bare": round(pandas / bare, 2)}
        # the same rows with a real export's share of cannabis records (the cells are built for those only)
        real = realistic(path)
        shares = {c: [] for c in ("bare_duckdb", "ours")}
        for _ in range(repeat):
            for c in shares:
                shares[c].append(run(c, real, work, rows))
        report["real_share"] = {"cannabis_percent": REAL_SHARE,
                                "results": [summary(c, rows, real, shares[c]) for c in shares]}
        r_bare, r_ours = (r["median_s"] for r in report["real_share"]["results"])
        report["ratios"]["ours/bare at a real cannabis share"] = round(r_ours / r_bare, 2)
        real.unlink()
        if not skip_big:
            path.unlink()
            big = generate(work / "big", big_rows)
            report["results"].append(summary("ours", big_rows, big, [run("ours", big, work, big_rows)]))
            small_mb, big_mb = report["results"][1]["max_rss_mb"], report["results"][-1]["max_rss_mb"]
            report["memory"] = {"small_rows": rows, "small_mb": small_mb, "big_rows": big_rows,
                                "big_mb": big_mb, "growth": round(big_mb / small_mb, 2)}
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--big-rows", type=int, default=6_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-big", action="store_true", help="skip the big-file memory run of ours")
    p.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)  # child mode
    p.add_argument("--path", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.contender:
        print(json.dumps(load(a.contender, a.path, a.db)))
        return 0
    report = bench(a.rows, a.big_rows, a.repeat, a.skip_big)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS)
    print(markdown(report))
    print(f"\nresults: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
