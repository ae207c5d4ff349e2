"""Keep a database current: download what NYC Open Data added since the database's last record and load it.

:func:`update` runs, for each dataset ("arrests", "summonses") and each of its sources ("historic", "ytd"):

1. **Start date.** ``since`` when given; else the database's last record date for that dataset, inclusive
   (a last day that was only partly published when it was loaded completes; the loader's deduplication
   makes the repeated records harmless); else everything (the datasets begin on 2006-01-01). The start dates
   are decided once, before anything is loaded, and kept in the work folder's plan, so a rerun after a
   failure asks for exactly the same rows and the downloader resumes its pages.
2. **Download** with :func:`nyc_cannabis.sources.socrata.fetch` (SODA3, else SODA 2.1; retries; pages kept
   on disk; count-checked) into the work folder (default ``<db>.update/`` beside the database). A source
   that fell back to SODA 2.1 makes the later sources use SODA 2.1 straight away.
3. **Ingest** the file as soon as it is complete (:func:`nyc_cannabis.ingest.loader.ingest`: one
   transaction, DuckDB's memory limit, so memory stays flat however big the file). When the start date came
   from the database and no key in the file is new (every row is a stored record or a quarantined row), the
   file is not ingested: it would only repeat what the database holds, so a second update in a row changes
   nothing at all. With an explicit ``since`` every file is ingested (a revised record then shows up as a
   conflict, resolved as the loader always does).
4. **Record** the source as done in the plan, then delete its file. After the last source the plan and the
   work folder are removed.

A failure (no network, a refused token: the downloader's one-line :class:`FetchError`; a refused file: a
one-line :class:`IngestError`) propagates and keeps the work folder. Killed at any point, the database is as
before or as after each completed file, and running the same update again completes it: finished sources are
not downloaded again, and the one in progress resumes from its completed pages.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.ingest.inspection import IngestError
from nyc_cannabis.ingest.loader import INGEST_MEMORY_LIMIT, ingest, open_db
from nyc_cannabis.sources import socrata
from nyc_cannabis.sources.socrata import FetchError

__all__ = ["FIRST_DAY", "PLAN_NAME", "FetchError", "IngestError", "update", "work_dir_for"]

ORDER: tuple[tuple[str, str], ...] = tuple((d, s) for d in ("arrests", "summonses") for s in ("historic", "ytd"))
#: the first day of the NYC Open Data datasets: "everything" for an empty database
FIRST_DAY = dt.date(2006, 1, 1)
PLAN_NAME = "update-plan.json"
PLAN_VERSION = 1


def work_dir_for(db_path: str | Path) -> Path:
    """The default work folder of a database: ``<db>.update`` beside it."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".update")


def update(
    db_path: str | Path,
    *,
    since: dt.date | str | None = None,
    all_offenses: bool = False,
    base_url: str = "https://data.cityofnewyork.us",
    token: str | None = None,
    work_dir: str | Path | None = None,
    page_size: int = 50_000,
    progress: bool | None = None,
    on_message: Callable[[str], None] | None = None,
    protocol: str = "auto",
    max_retries: int = 6,
    timeout: float = 120,
) -> dict[str, Any]:
    """Bring ``db_path`` up to date from NYC Open Data (see the module docstring); returns what changed.

    ``token``: the app token (None reads ``$SODA_APP_TOKEN``). ``progress``: the downloader's bar on stderr
    (None: when stderr is a terminal). ``on_message(line)``: one line per source as it is loaded and done.
    ``protocol``, ``max_retries``, ``timeout``: passed to the downloader.

    Returns ``{"db", "since", "all_offenses", "protocol", "rows_downloaded", "rows_loaded", "changed",
    "resumed", "sources": [{"dataset", "source", "dataset_id", "start", "protocol", "export",
    "rows_downloaded", "resumed_pages", "ingested", "skipped", "rows_loaded", "rows_duplicate",
    "rows_quarantined", "conflicts", "earlier_run"}, ...], "datasets": {"arrests": {"start",
    "records_before", "records", "rows_loaded", "first_date", "last_date"}, "summonses": {...}}}``.
    """
    db_path = Path(db_path)
    since = _as_date(since)
    work = Path(work_dir) if work_dir is not None else work_dir_for(db_path)
    if progress is None:
        progress = sys.stderr.isatty()
    say = on_message or (lambda line: None)

    before = _state(db_path)
    if any(s["synthetic"] for s in before.values()):
        raise IngestError(f"{db_path} holds synthetic demo data; update real records into another --db "
                          f"(real and synthetic data never share a database)")
    identity = {"db": str(db_path.resolve()), "since": _iso(since), "all_offenses": bool(all_offenses),
                "base_url": base_url.rstrip("/")}
    plan = _load_plan(work, identity)
    if plan is None:
        starts = {d: _iso(since) if since else _iso(before[d]["last_date"]) for d in DATASETS}
        plan = {"version": PLAN_VERSION, **identity, "starts": starts, "downloaded": {}, "done": {}}
        _save_plan(work, plan)
    else:
        say(f"resuming the update begun earlier ({len(plan['done'])} of {len(ORDER)} sources done)")

    options = {"all_offenses": all_offenses, "base_url": base_url, "page_size": page_size, "token": token,
               "progress": progress, "protocol": protocol, "max_retries": max_retries, "timeout": timeout}
    try:
        steps = _run(db_path, work, plan, options, check_new=since is None, say=say)
    except BaseException:
        if not plan["done"] and not plan["downloaded"] and not _partial_pages(work):
            _clear_work(work)  # nothing downloaded or loaded: nothing to resume
        raise
    after = _state(db_path)
    _clear_work(work)  # done: nothing left to resume
    return _summary(db_path, since, all_offenses, plan, steps, before, after)


def _run(db_path: Path, work: Path, plan: dict[str, Any], options: dict[str, Any], *, check_new: bool,
         say: Callable[[str], None]) -> list[dict[str, Any]]:
    """Each source in turn: download (or take the file an interrupted run finished), load, record it done
    in the plan, delete its file."""
    steps: list[dict[str, Any]] = []
    for dataset, source in ORDER:
        name = f"{dataset}-{source}"
        if name in plan["done"]:
            steps.append({**plan["done"][name], "earlier_run": True})
            say(f"{dataset} {source}: loaded by the interrupted run")
            continue
        start = _as_date(plan["starts"][dataset])
        file = plan["downloaded"].get(name)
        if file is not None and Path(file["path"]).is_file():  # written whole (atomically) before the stop
            file = {**file, "resumed_pages": file["pages"]}
            say(f"{dataset} {source}: downloaded by the interrupted run")
        else:
            result = socrata.fetch(dataset, work, since=start, sources=(source,), **options)
            if result["protocol"] == socrata.SODA21 and options["protocol"] == "auto":
                options["protocol"] = socrata.SODA21  # no SODA3 for us here: do not probe (and warn) again
            (file,) = result["files"]
            plan["downloaded"][name] = file
            _save_plan(work, plan)
        # the start date came from the database: a file with no new key would only repeat what it holds
        step = _load(db_path, dataset, source, start, file, check_new and start is not None, say)
        plan["done"][name] = step
        _save_plan(work, plan)
        Path(file["path"]).unlink(missing_ok=True)
        steps.append({**step, "earlier_run": False})
        say(_step_line(step))
    return steps


# --------------------------------------------------------------------------------------------- one source

def _load(db_path: Path, dataset: str, source: str, start: dt.date | None, file: dict[str, Any],
          check_new: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """Ingest one downloaded file (unless it is empty or brings nothing new); the step's accounting."""
    step: dict[str, Any] = {
        "dataset": dataset, "source": source, "dataset_id": file["dataset_id"], "start": _iso(start),
        "protocol": file["protocol"], "export": file["export"], "rows_downloaded": file["rows"],
        "resumed_pages": file["resumed_pages"], "ingested": False, "skipped": None, "rows_loaded": 0,
        "rows_duplicate": 0, "rows_quarantined": 0, "conflicts": 0,
    }
    path = Path(file["path"])
    if file["rows"] == 0:
        step["skipped"] = "no rows"
        return step
    if check_new and _new_keys(db_path, dataset, path) == 0:
        step.update(skipped="nothing new", rows_duplicate=file["rows"])
        return step
    say(f"{dataset} {source}: loading {file['rows']:,} rows into {db_path}")
    reports, errors = ingest(db_path, [path])
    if errors:
        raise IngestError(errors[0]["error"])
    (report,) = reports
    step.update(ingested=True, rows_loaded=report.rows_loaded, rows_duplicate=report.rows_duplicate,
                rows_quarantined=report.rows_rejected, conflicts=report.conflicts)
    return step


def _new_keys(db_path: Path, dataset: str, path: Path) -> int | None:
    """How many keys of the file the database holds neither as records nor quarantined; None: unknown."""
    spec = DATASETS[dataset]
    try:
        con = store.connect(db_path, read_only=True, memory_limit=INGEST_MEMORY_LIMIT)
    except duckdb.Error:
        return None
    try:
        row = store.fetch_one(con, "update/new_keys",
                              {"path": str(path), "json_key": f"$.{spec.key}", "dataset": dataset},
                              key=spec.key, stored=spec.stored)
        return int(row["new_keys"])
    except duckdb.Error:  # a file DuckDB cannot read this way: let the loader judge it
        return None
    finally:
        con.close()


# --------------------------------------------------------------------------------------------- database

def _state(db_path: Path) -> dict[str, dict[str, Any]]:
    """Per dataset: records, first and last date, synthetic (an absent database holds nothing)."""
    empty = {d: {"records": 0, "first_date": None, "last_date": None, "synthetic": False} for d in DATASETS}
    if not db_path.exists():
        return empty
    con = open_db(db_path)  # also says so in one line when a dashboard holds the file
    try:
        rows = store.fetch_dicts(con, "update/state")
    finally:
        con.close()
    return {**empty, **{r.pop("dataset"): r for r in rows}}


# --------------------------------------------------------------------------------------------- work folder

def _load_plan(work: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """The plan of an interrupted update of the same database with the same options, else None (and an
    interrupted update with other options is discarded: its start dates no longer apply)."""
    path = work / PLAN_NAME
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        plan = None
    if (isinstance(plan, dict) and plan.get("version") == PLAN_VERSION
            and all(plan.get(k) == v for k, v in identity.items())
            and all(isinstance(plan.get(k), dict) for k in ("starts", "downloaded", "done"))):
        return plan
    if work.exists():
        _clear_work(work)
    return None


def _save_plan(work: Path, plan: dict[str, Any]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    path = work / PLAN_NAME
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(plan, indent=2, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _ours(work: Path) -> list[Path]:
    """What an update leaves in its work folder: the plan, downloaded files, the downloader's partial pages.
    Only these are ever deleted (the folder may be one the caller chose)."""
    found = [work / PLAN_NAME, work / f".{PLAN_NAME}.tmp"]
    for dataset, source in ORDER:
        found += work.glob(f"{dataset}-{source}-*.csv")
        found += work.glob(f".{dataset}-{source}-*.csv.tmp")
        found += (work / socrata.PARTIAL_DIRNAME).glob(f"{dataset}-{source}-*")
    return found


def _partial_pages(work: Path) -> bool:
    return any((work / socrata.PARTIAL_DIRNAME).glob("*/page-*.csv"))


def _clear_work(work: Path) -> None:
    for path in _ours(work):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for folder in (work / socrata.PARTIAL_DIRNAME, work):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


# --------------------------------------------------------------------------------------------- report

def _summary(db_path: Path, since: dt.date | None, all_offenses: bool, plan: dict[str, Any],
             steps: list[dict[str, Any]], before: dict, after: dict) -> dict[str, Any]:
    protocols = sorted({s["protocol"] for s in steps})
    datasets = {}
    for d in DATASETS:
        mine = [s for s in steps if s["dataset"] == d]
        datasets[d] = {
            "start": plan["starts"][d], "records_before": before[d]["records"], "records": after[d]["records"],
            "rows_loaded": sum(s["rows_loaded"] for s in mine),
            "first_date": _iso(after[d]["first_date"]), "last_date": _iso(after[d]["last_date"]),
        }
    loaded = sum(s["rows_loaded"] for s in steps)
    return {
        "db": str(db_path), "since": _iso(since), "all_offenses": bool(all_offenses),
        "protocol": "+".join(protocols),
        "rows_downloaded": sum(s["rows_downloaded"] for s in steps), "rows_loaded": loaded,
        "changed": any(s["rows_loaded"] or s["rows_quarantined"] or s["conflicts"] for s in steps),
        "resumed": any(s["earlier_run"] or s["resumed_pages"] for s in steps),
        "sources": steps, "datasets": datasets,
    }


def _step_line(s: dict[str, Any]) -> str:
    where = f"from {s['start']}" if s["start"] else f"everything, from {FIRST_DAY}"
    line = (f"{s['dataset']} {s['source']} ({s['dataset_id']}, {s['protocol']}, {where}): "
            f"{s['rows_downloaded']:,} rows downloaded")
    if s["skipped"] == "nothing new":
        return line + ", nothing new (not loaded)"
    if s["skipped"]:
        return line
    return (line + f", {s['rows_loaded']:,} new, {s['rows_duplicate']:,} duplicate, "
            f"{s['rows_quarantined']:,} quarantined, {s['conflicts']:,} conflicting keys")


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"since must be a date YYYY-MM-DD, not {value!r}") from None
    raise TypeError(f"since must be a date, not {type(value).__name__}")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
