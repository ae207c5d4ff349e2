"""Update benchmark: ``update`` of an empty database from a local Socrata server serving millions of arrests,
next to the network limit (one plain streamed request of the same CSV export) and the download alone.

Parent mode (``python -m bench.update_bench --rows 6000000``) generates the arrests once
(``nyc_cannabis.sources.demo.write_demo``, 2012-2024), turns them into the API form the portal's export
serves and splits them by year into the Historic dataset (2012-2023) and the Year-to-Date one (2024). The
server (``tests/socrata_server.py``) serves each as a :class:`FileRows` (a file on disk, streamed by
export.csv, never held in memory); the summons datasets are empty. Then, each in a fresh subprocess:

* ``plain``: ``requests.get(export.csv, stream=True)`` of both datasets, bytes counted and thrown away: what
  loopback and the server can deliver, the floor for any download;
* ``fetch``: ``nyc_cannabis.sources.socrata.fetch("arrests", all_offenses=True)``: the download ``update``
  does (export.csv streamed, each row converted to the API columns, written, count-checked, assembled);
* ``update``: ``nyc_cannabis.ingest.update.update(db, all_offenses=True)`` into a fresh database: the
  download plus the load, one transaction per file;
* ``update again`` (``--again``): the same update a second time, which must load nothing.

Child mode (``--child X ...``) prints one JSON line ``{"seconds", "max_rss_mb", ...}``: seconds around the
work only (not interpreter start-up or imports), peak RSS as the child's ``VmHWM``. Row counts are
asserted; timings are not. Results go to ``bench/results/update.json``; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "update.json"
HISTORIC, YTD = "8h9b-rp9u", "uip8-fykc"  # the arrests datasets (core/datasets.py)
SUMMONSES = ("sv2w-rv3k", "mv4k-y93f")
YTD_YEAR = 2024


def peak_rss_mb() -> float:
    """VmHWM of this process (see bench/ingest_bench.py for why not ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# ------------------------------------------------------------------------------------------- child side

def child_plain(base_url: str) -> dict:
    import requests

    start = time.perf_counter()
    size = lines = 0
    for dataset_id in (HISTORIC, YTD):
        with requests.get(f"{base_url}/api/v3/views/{dataset_id}/export.csv", stream=True, timeout=600,
                          headers={"Accept": "text/csv"}) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "max_rss_mb": round(peak_rss_mb(), 1), "bytes": size,
            "rows": lines - 2}  # less the two headers


def child_fetch(base_url: str, out: str) -> dict:
    from nyc_cannabis.sources.socrata import fetch

    start = time.perf_counter()
    result = fetch("arrests", Path(out), all_offenses=True, base_url=base_url, token="", progress=False)
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "max_rss_mb": round(peak_rss_mb(), 1),
            "rows": sum(f["rows"] for f in result["files"]), "protocol": result["protocol"],
            "export": all(f["export"] for f in result["files"])}


def child_update(base_url: str, db: str) -> dict:
    from nyc_cannabis.ingest.update import update

    start = time.perf_counter()
    result = update(db, all_offenses=True, base_url=base_url, token="", progress=False)
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "max_rss_mb": round(peak_rss_mb(), 1),
            "rows": result["rows_downloaded"], "rows_loaded": result["rows_loaded"],
            "records": result["datasets"]["arrests"]["records"], "protocol": result["protocol"],
            "sources": [{k: s[k] for k in ("dataset", "source", "start", "export", "rows_downloaded",
                                           "rows_loaded", "skipped")} for s in result["sources"]]}


# ------------------------------------------------------------------------------------------ parent side

def child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.update_bench", "--child", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"bench: {' '.join(args[:2])} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def generate(tmp: Path, rows: int) -> dict:
    """The demo arrests in the API form (field names, ISO dates) split by year; generated in a subprocess."""
    import duckdb

    from nyc_cannabis.sources.soda_rows import field_name

    print(f"generating {rows:,} arrests ...", file=sys.stderr, flush=True)
    code = ("import sys; from pathlib import Path; from nyc_cannabis.sources.demo import write_demo; "
            "print(write_demo(Path(sys.argv[1]), arrests=int(sys.argv[2]), summonses=0)['files'][0]['path'])")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp / "demo"), str(rows)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    demo = Path(proc.stdout.strip().splitlines()[-1])
    header = demo.open(encoding="utf-8").readline().rstrip("\n").split(",")
    select = ", ".join(
        f"strftime(strptime(\"{h}\", '%m/%d/%Y'), '%Y-%m-%dT00:00:00.000') AS {field_name(h)}"
        if h == "ARREST_DATE" else f"\"{h}\" AS {field_name(h)}" for h in header)
    con = duckdb.connect(config={"memory_limit": "1GB"})
    try:
        source = f"read_csv('{demo}', header = true, all_varchar = true)"
        out = {}
        for name, where in (("historic", f"< {YTD_YEAR}"), ("ytd", f"= {YTD_YEAR}")):
            path = tmp / f"{name}.csv"
            con.execute(f"COPY (SELECT {select} FROM {source} "
                        f"WHERE year(strptime(\"ARREST_DATE\", '%m/%d/%Y')) {where}) TO '{path}' (HEADER)")
            n = con.execute(f"SELECT count(*) FROM read_csv('{path}', header = true, all_varchar = true)").fetchone()[0]
            out[name] = {"path": path, "rows": n, "mb": round(path.stat().st_size / 1e6, 1)}
    finally:
        con.close()
    demo.unlink()
    assert out["historic"]["rows"] + out["ytd"]["rows"] == rows
    return out


def machine() -> dict:
    import duckdb
    return {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "ingest_memory_limit": os.environ.get("ANALYTICS_INGEST_MEMORY", "512MB")}


def report_line(name: str, r: dict, rows: int) -> str:
    return (f"  {name:13} {r['seconds']:8.1f} s  {rows / r['seconds']:10,.0f} rows/s  "
            f"{r['max_rss_mb']:7.0f} MB peak RSS")


def bench(rows: int, again: bool) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from socrata_server import FileRows, SocrataServer

    tmp = Path(tempfile.mkdtemp(prefix="update-bench-"))
    try:
        files = generate(tmp, rows)
        datasets = {HISTORIC: FileRows(files["historic"]["path"], rows=files["historic"]["rows"]),
                    YTD: FileRows(files["ytd"]["path"], rows=files["ytd"]["rows"]),
                    **{d: [] for d in SUMMONSES}}
        results: dict[str, dict] = {}
        with SocrataServer(datasets) as server:
            url = server.base_url
            print(f"serving {rows:,} arrests ({files['historic']['mb'] + files['ytd']['mb']:,.0f} MB) on {url}",
                  file=sys.stderr, flush=True)
            results["plain"] = child("plain", url)
            results["fetch"] = child("fetch", url, str(tmp / "raw"))
            shutil.rmtree(tmp / "raw", ignore_errors=True)
            db = tmp / "nypd.duckdb"
            results["update"] = child("update", url, str(db))
            if again:
                results["update_again"] = child("update", url, str(db))
        for name, r in results.items():
            print(report_line(name, r, rows), file=sys.stderr, flush=True)
        assert results["plain"]["rows"] == results["fetch"]["rows"] == rows, results
        assert results["update"]["rows_loaded"] == results["update"]["records"] == rows, results["update"]
        if again:
            assert results["update_again"]["rows_loaded"] == 0, results["update_again"]
        plain, update = results["plain"], results["update"]
        return {
            "machine": machine(),
            "params": {"rows": rows, "historic_rows": files["historic"]["rows"], "ytd_rows": files["ytd"]["rows"],
                       "export_mb": round(files["historic"]["mb"] + files["ytd"]["mb"], 1), "all_offenses": True},
            "results": results,
            "summary": {
                "update_s": update["seconds"], "update_rows_per_s": round(rows / update["seconds"]),
                "update_peak_rss_mb": update["max_rss_mb"], "under_1gb": update["max_rss_mb"] < 1024,
                "plain_s": plain["seconds"], "plain_mb_per_s": round(plain["bytes"] / 1e6 / plain["seconds"], 1),
                "fetch_s": results["fetch"]["seconds"],
                "load_s": round(update["seconds"] - results["fetch"]["seconds"], 2),
                "update_over_plain": round(update["seconds"] / plain["seconds"], 1),
            },
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_000_000, help="arrests to serve (default 6,000,000)")
    parser.add_argument("--again", action="store_true", help="also time a second update (it loads nothing)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        print(json.dumps({"plain": child_plain, "fetch": child_fetch, "update": child_update}[kind](*rest)))
        return 0
    report = bench(args.rows, args.again)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["summary"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
