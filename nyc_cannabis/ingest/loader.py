"""Load NYPD arrest and criminal-court summons CSV exports into DuckDB, losing nothing.

One file is one transaction:

1. **Inspect** (Python, before touching the database; :mod:`nyc_cannabis.ingest.inspection`): the file exists,
   is not empty, is UTF-8 text, its header is a known edition of one of the two datasets
   (:func:`nyc_cannabis.core.datasets.recognise`), and its last record is complete (a download cut off mid-row
   is refused). Any failure raises :class:`IngestError` with a one-line reason and the database is not opened
   for writing. (``IngestError``, ``Inspected`` and ``inspect_file`` are defined there and imported here, so
   callers may import them from either module.)
2. **Fast path** (:func:`_load_fast`), in one transaction: one statement reads the file with DuckDB's CSV
   reader (typed by the reader: the date with the file's explicit format, numbers as DOUBLE, labels as text),
   validates each row in SQL (``nyc_cannabis/ingest/sql/staging/<dataset>.sql``, a view: missing key,
   impossible dates, precincts and coordinates, whole numbers) and inserts it straight into the table
   ``<dataset>_raw`` (``insert_direct.sql``), not numbered (``line`` NULL). Records the reader cannot split
   or type are collected with the record number the reader gives them (``store_rejects``). Meanwhile a second
   thread reads the file once for its SHA-256 and to check every byte is UTF-8 (a file that is not is refused
   whole). The file stays as loaded when ``fast_check.sql`` finds no invalid row, no key twice and no key
   stored already, and the file was not loaded before: then the key identifies each row in its file and
   nothing needs ranking. Its rejects are quarantined, its cannabis cells added
   (:mod:`nyc_cannabis.ingest.cells`), the source recorded; COMMIT. Otherwise the transaction is rolled back:
3. **Numbered path** (:func:`_load_numbered`): the file read into the connection-local temp table ``stage``,
   whose rowid is the record's position (DuckDB's CSV reader has no row-number column), outside the
   transaction (its rowids are the file order only then); then in one transaction the same validation,
   and **deduplication** (``nyc_cannabis/ingest/sql/ingest/*.sql``): one record per key. Identical copies
   are duplicates; disagreeing copies are *conflicts* — the most complete copy is kept (ties keep the copy
   stored first) and the pair is written to ``conflicts`` with the fields that differ. New and better
   records are written with their line, stored copies a better one supersedes replaced, failed rows
   quarantined with file, line and reason, the dataset's cells recounted, the file recorded in
   ``sources``; COMMIT. Both paths store the same rows but for the line (``tests/ingest/test_ingest_paths.py``).

Any error rolls back: the database is as it was before the file. The records are stored as published; the
views ``arrests`` and ``summonses`` add the derived model (``nyc_cannabis/ingest/sql/records/<dataset>.sql``).

The accounting always balances: ``rows_loaded + rows_rejected + rows_duplicate == rows_read``.
Ingesting the same file again loads nothing: its valid rows are all duplicates and its rejected rows
are already in quarantine (counted as rejected again, not stored twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

import duckdb

from nyc_cannabis import __version__
from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import AGE_BANDS, BOROUGHS, DATASETS, RACE_LABELS, Dataset, schema_drift
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.core.files import FileCheck, check_file
from nyc_cannabis.ingest import cells
from nyc_cannabis.ingest.inspection import IngestError, Inspected, inspect_file, is_synthetic

#: Memory DuckDB may use while loading; above it, temporary data spills to disk (flat memory).
INGEST_MEMORY_LIMIT = os.environ.get("ANALYTICS_INGEST_MEMORY", "512MB")
#: Test hook: when set, ingest stops just before COMMIT, says so on stderr and waits for stdin.
PAUSE_ENV = "ANALYTICS_PAUSE_BEFORE_COMMIT"
_PROVENANCE = ("source_id", "line", "completeness")


@dataclass
class FileReport:
    path: str
    dataset: str
    edition: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int
    conflicts: int
    source_id: int
    synthetic: bool
    already_loaded: bool
    first_date: str | None
    last_date: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------- database

def open_db(db_path: Database | str | Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database for writing, with the schema and reference tables."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = store.connect(db_path, memory_limit=INGEST_MEMORY_LIMIT)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise IngestError(f"{db_path} is open in another process (a running dashboard holds it read-only): stop "
                          f"that process and run this again, or load files on the dashboard's Data & methods "
                          f"page, which writes a copy and swaps it in") from exc
    con.begin()
    try:
        store.execute(con, "schema/tables")
        version_1 = store.execute(con, "schema/version_1_tables").fetchall()
        for (name,) in version_1:  # once, on a version-1 database
            store.execute(con, "schema/migrate_records", table=DATASETS[name].table, stored=DATASETS[name].stored)
        _create_views(con, again=bool(version_1))
        # one statement per table (executemany runs one statement per row)
        store.execute(con, "schema/ref_race_labels",
                      {"labels": list(RACE_LABELS), "groups": list(RACE_LABELS.values())})
        spellings = [(s, code, name) for code, (name, spellings) in BOROUGHS.items() for s in spellings]
        store.execute(con, "schema/ref_boroughs",
                      {"spellings": [s for s, _, _ in spellings], "codes": [c for _, c, _ in spellings],
                       "names": [n for _, _, n in spellings]})
        store.execute(con, "schema/ref_age_bands", {"bands": [b for b in AGE_BANDS if b != "UNKNOWN"]})
        store.execute(con, "meta/schema_version")
        cells.refresh(con)  # a database from an older version gets its cells here, once
        con.commit()
    except BaseException:
        _rollback(con)
        con.close()
        raise
    store.execute(con, "schema/macros")
    return con


def _create_views(con: duckdb.DuckDBPyConnection, again: bool = False) -> None:
    """The record views (``arrests``, ``summonses``), created when missing or made from other SQL than this
    version's (a stamp in ``meta``), or ``again``. Opening a current database writes no catalog change: one at
    every open had left, with the disk full, a half-written checkpoint (docs/faults.md)."""
    texts = {d.name: store.sql_text(f"schema/{d.name}_view", rows=d.stored) for d in DATASETS.values()}
    stamp = hashlib.sha256("\n".join(texts[name] for name in sorted(texts)).encode()).hexdigest()
    row = store.execute(con, "meta/views_stamp").fetchone()
    if again or row is None or row[0] != stamp:
        for dataset in DATASETS.values():
            store.execute(con, f"schema/{dataset.name}_view", rows=dataset.stored)
        store.execute(con, "meta/set_views_stamp", {"stamp": stamp})


def ingest(db_path: Database | str | Path, paths: Iterable[str | Path], on_file=None,
           on_error=None) -> tuple[list[FileReport], list[dict[str, str]]]:
    """Ingest files in order; a refused file is reported and skipped, the others still load.

    Every file is inspected before the database is opened, so a batch of refused files leaves no new
    database behind. ``on_file(report)`` / ``on_error(error)`` are called as each file finishes.
    Returns ``(reports, errors)`` where an error is ``{"path", "error"}``.
    """
    reports: list[FileReport] = []
    errors: list[dict[str, str]] = []

    def refuse(path: Path, exc: Exception) -> None:
        errors.append({"path": str(path), "error": str(exc)})
        if on_error:
            on_error(errors[-1])

    accepted = []
    for path in map(Path, paths):
        try:
            accepted.append(inspect_file(path))
        except IngestError as exc:
            refuse(path, exc)
    if not accepted:
        return reports, errors
    # The files are hashed one after another on a second thread, from now on: the first one while the
    # database opens and DuckDB reads it (hashlib and DuckDB both release the GIL).
    pool = ThreadPoolExecutor(max_workers=1)
    created = not isinstance(db_path, Database) and not Path(db_path).exists()
    try:
        digests = [pool.submit(check_file, info.path) for info in accepted]
        con = open_db(db_path)
        try:
            for info, digest in zip(accepted, digests):
                try:
                    reports.append(ingest_file(con, info, digest))
                except IngestError as exc:
                    refuse(info.path, exc)
                    continue
                if on_file:
                    on_file(reports[-1])
        finally:
            con.close()
            if created and not reports:  # every file refused: leave no new database behind
                for leftover in (Path(db_path), Path(f"{db_path}.wal")):
                    leftover.unlink(missing_ok=True)
    finally:
        pool.shutdown(cancel_futures=True)
    return reports, errors


def ingest_file(con: duckdb.DuckDBPyConnection, info: Inspected, digest: Future[FileCheck] | None = None) -> FileReport:
    """Load one inspected file in one transaction (see the module docstring). ``digest``: its SHA-256
    being computed elsewhere; without it, the file is hashed here while DuckDB reads it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        if digest is None:  # hash while DuckDB reads
            digest = pool.submit(check_file, info.path)
        try:
            report = _load_fast(con, info, digest)
            if report is None:  # the file needs its records numbered: read it again, whole
                report = _load_numbered(con, info, digest)
        except BaseException as exc:
            if isinstance(exc, duckdb.Error):
                raise IngestError(f"{info.path}: {_reader_error(exc)}") from exc
            raise
        finally:
            _drop_stage(con, info.recognised.dataset)
    return report


def _load_fast(con: duckdb.DuckDBPyConnection, info: Inspected, digest: Future[FileCheck]) -> FileReport | None:
    """Fast path: one pass from the CSV reader into the table, the records not numbered. Kept (committed)
    when the file turns out to be new, every row valid and every key once and new to the database; else
    rolled back, and None says the numbered path must load the file."""
    dataset = info.recognised.dataset
    ids = {"stored": dataset.stored, "key": dataset.key}
    _drop_stage(con, dataset)
    _open_file(con, info)
    store.execute(con, "ingest/stream_stage", file=_file_view(con, info))
    store.execute(con, "ingest/stage_shift_empty")
    store.execute(con, f"staging/{dataset.name}", rows="stage_typed")
    con.begin()
    try:
        source_id = store.execute(con, "ingest/next_source_id").fetchone()[0]
        sid = {"source_id": source_id}
        loaded = store.execute(con, "ingest/insert_direct", sid, date=dataset.date, **ids).fetchone()[0]
        _collect_rejects(con, info)
        check = store.fetch_one(con, "ingest/fast_check", sid, **ids)
        sha256 = _sha256(info, digest)
        if check["rows_invalid"] or check["repeated_keys"] or check["stored_keys"] or \
                store.execute(con, "ingest/source_by_sha256", {"sha256": sha256}).fetchone():
            _rollback(con)
            return None
        synthetic = is_synthetic(info.path, sha256)
        _refuse_mixing(con, info.path, synthetic)
        counts = store.fetch_one(con, "ingest/valid_counts", sid | {"rows_valid": loaded}, date=dataset.date,
                                 stored=dataset.stored)
        cells.add(con, dataset.name, source_id)  # every record of this file is new
        report = _finish(con, info, sha256, synthetic, source_id, counts, loaded, [], existing=False)
        con.commit()
        return report
    except BaseException:
        _rollback(con)
        raise


def _load_numbered(con: duckdb.DuckDBPyConnection, info: Inspected, digest: Future[FileCheck]) -> FileReport:
    """Numbered path: the file read into the temp table ``stage`` (its rowid numbers the records), each
    key's copies ranked within the file and against the table, the most complete kept, the disagreeing
    pairs listed, stored copies that a better one supersedes replaced."""
    dataset = info.recognised.dataset
    _drop_stage(con, dataset)
    # Read outside the transaction: the staging table is connection-local, and its rowids are the file
    # order only when it is not transaction-local.
    _read_staged(con, info)
    sha256 = _sha256(info, digest)
    con.begin()
    try:
        existing = store.execute(con, "ingest/source_by_sha256", {"sha256": sha256}).fetchone()
        synthetic = is_synthetic(info.path, sha256)
        _refuse_mixing(con, info.path, synthetic)
        source_id = existing[0] if existing else store.execute(con, "ingest/next_source_id").fetchone()[0]
        store.execute(con, f"staging/{dataset.name}", rows="stage_typed")
        counts, loaded, pairs = _load_deduplicated(con, {"source_id": source_id}, dataset)
        if loaded:  # new records, possibly replacing stored copies: recount the dataset
            cells.rebuild(con, dataset.name)
        report = _finish(con, info, sha256, synthetic, source_id, counts, loaded, pairs,
                         existing=existing is not None)
        con.commit()
        return report
    except BaseException:
        _rollback(con)
        raise


def _finish(con: duckdb.DuckDBPyConnection, info: Inspected, sha256: str, synthetic: bool, source_id: int,
            counts: dict, loaded: int, pairs: list[dict], *, existing: bool) -> FileReport:
    """Either path's end, in its transaction: quarantine, conflicts, the source record, the report."""
    dataset = info.recognised.dataset
    sid = {"source_id": source_id}
    if counts["rows_invalid"]:
        store.execute(con, "ingest/quarantine_rows", sid | {"dataset": dataset.name})
    store.execute(con, "ingest/quarantine_rejects", sid | {"dataset": dataset.name, "date_format": info.date_format})
    _record_conflicts(con, dataset, pairs)
    first, last = counts["first_date"], counts["last_date"]
    report = FileReport(
        path=str(info.path), dataset=dataset.name, edition=info.recognised.edition,
        rows_read=counts["rows_read"], rows_loaded=loaded,
        rows_rejected=counts["rows_invalid"] + counts["rows_unreadable"],
        rows_duplicate=counts["rows_valid"] - loaded,
        conflicts=len({p["record_key"] for p in pairs}), source_id=source_id,
        synthetic=synthetic, already_loaded=existing,
        first_date=first.isoformat() if first else None, last_date=last.isoformat() if last else None)
    if not existing:
        _record_source(con, info, sha256, report)
    _pause_if_asked()
    return report


def _load_deduplicated(con: duckdb.DuckDBPyConnection, sid: dict, dataset: Dataset) -> tuple[dict, int, list]:
    """Full path: rank the copies of each key within the file and against the table, keep the most
    complete, list the disagreeing pairs, replace stored copies that a better one supersedes."""
    ids = {"table": dataset.table, "stored": dataset.stored, "key": dataset.key}
    store.execute(con, "ingest/check", date=dataset.date, **ids)
    store.execute(con, "ingest/losers")
    store.execute(con, "ingest/collisions", **ids)
    if store.execute(con, "ingest/pair_candidates").fetchone()[0]:
        store.execute(con, "ingest/conflict_pairs", sid, **ids)
    else:
        store.execute(con, "ingest/no_pairs")
    pairs = store.fetch_dicts(con, "ingest/pair_list", **ids)
    counts = store.fetch_one(con, "ingest/counts")
    before = _count(con, dataset)
    store.execute(con, "ingest/delete_replaced", **ids)
    n_replaced = before - _count(con, dataset)
    store.execute(con, "ingest/insert_best", sid, **ids)
    loaded = _count(con, dataset) - before + n_replaced
    return counts, loaded, pairs


def _sha256(info: Inspected, digest: Future[FileCheck]) -> str:
    """The file's SHA-256, once its one read is done; a file that is not UTF-8 anywhere is refused whole (the
    reader flags such a byte in a record it can split, not in one it rejects for another reason)."""
    check = digest.result()
    if check.bad_offset is not None:
        raise IngestError(f"{info.path}: not UTF-8 text (byte 0x{check.bad_byte:02x} at offset {check.bad_offset}); "
                          f"re-export the file as UTF-8 CSV")
    return check.sha256


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll the file's transaction back. After a fatal error (a full disk, say) DuckDB has already ended
    it, and a rollback would only raise "no transaction is active" over the error that matters."""
    try:
        con.rollback()
    except duckdb.TransactionException:
        pass


def _refuse_mixing(con: duckdb.DuckDBPyConnection, path: Path, synthetic: bool) -> None:
    """Synthetic demo records and real records never share a database: every figure would be suspect."""
    other = store.execute(con, "ingest/other_kind_sources", {"synthetic": synthetic}).fetchone()[0]
    if other:
        held, this = ("real", "synthetic demo") if synthetic else ("synthetic demo", "real")
        raise IngestError(f"{path}: this database holds {held} data and the file is {this} data; "
                          f"use another --db so the two never mix")


def _count(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> int:
    return store.execute(con, "ingest/count_table", stored=dataset.stored).fetchone()[0]


def _open_file(con: duckdb.DuckDBPyConnection, info: Inspected) -> None:
    """Point this connection's reader view ``stage_csv`` at the file (``ingest/csv_file``, ``csv_view``)."""
    store.execute(con, "ingest/csv_file",
                  {"path": str(info.path), "columns": reader_columns(info), "date_format": info.date_format})
    store.execute(con, "ingest/csv_view")


def _file_view(con: duckdb.DuckDBPyConnection, info: Inspected) -> str:
    """The view that reads the file with every column of its dataset: ``stage_csv``, plus, for each optional
    column the file lacks, a view adding it as NULL (recorded in ``sources.missing_columns``)."""
    dataset, view = info.recognised.dataset, "stage_csv"
    for column in info.recognised.missing:
        # the name and type come from the schema allow-list, never from the file (type in lower case: an
        # identifier to sql_text, the same type to DuckDB)
        store.execute(con, "ingest/csv_add_column", view=f"stage_with_{column}", prev=view, column=column,
                      type=dataset.reader_type(column).lower())
        view = f"stage_with_{column}"
    return view


def _collect_rejects(con: duckdb.DuckDBPyConnection, info: Inspected) -> None:
    """After the file was read: ``stage_rejects`` (the records the reader could not split or type, with
    their record numbers); a file with invalid UTF-8 anywhere is refused whole."""
    store.execute(con, "ingest/stage_rejects")
    bad = store.execute(con, "ingest/invalid_encoding").fetchone()[0]
    if bad is not None:
        raise IngestError(f"{info.path}: not UTF-8 text (invalid byte sequence in record {bad}); "
                          f"re-export the file as UTF-8 CSV")


def _read_staged(con: duckdb.DuckDBPyConnection, info: Inspected) -> None:
    """Numbered path: CSV → temp table ``stage`` typed by DuckDB's reader (file order), read as
    ``stage_rows``, plus ``stage_rejects`` (records it could not split or type) and ``stage_shift`` (to turn
    a stage row back into its record number)."""
    _open_file(con, info)
    store.execute(con, "ingest/read_stage", file=_file_view(con, info))
    _collect_rejects(con, info)
    # A stage row's record number is its position plus the rejected records before it. Rejected records
    # are rare, so the shift is computed once, for the rows that follow one, and hash-joined by the view
    # (none at all when nothing was rejected: then the ASOF join over every row is skipped).
    if not store.execute(con, "ingest/count_rejects").fetchone()[0]:
        store.execute(con, "ingest/stage_shift_empty")
        return
    store.execute(con, "ingest/stage_shift")


def reader_columns(info: Inspected) -> dict[str, str]:
    """The CSV reader's columns for a file, in header order: canonical name → type (ignored columns as text)."""
    dataset = info.recognised.dataset
    return {(m or f"ignored_{i}"): (dataset.reader_type(m) if m else "VARCHAR")
            for i, m in enumerate(info.recognised.mapping)}


def _drop_stage(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> None:
    """Drop every staging view and table of this connection."""
    for column in dataset.optional:
        store.execute(con, "ingest/drop_view", view=f"stage_with_{column}")
    store.execute(con, "ingest/drop_stage")


def _record_conflicts(con: duckdb.DuckDBPyConnection, dataset: Dataset, pairs: list[dict]) -> None:
    for p in pairs:
        kept, other = json.loads(p["kept_json"]), json.loads(p["other_json"])
        fields = sorted(k for k in kept if kept.get(k) != other.get(k))
        store.execute(
            con, "ingest/insert_conflict",
            {"dataset": dataset.name, "key": p["record_key"], "ks": p["kept_source_id"],
             "kl": p["kept_line"], "os": p["other_source_id"], "ol": p["other_line"],
             "fields": fields, "resolution": p["resolution"]})


def _record_source(con: duckdb.DuckDBPyConnection, info: Inspected, sha256: str, r: FileReport) -> None:
    store.execute(
        con, "ingest/insert_source",
        {"id": r.source_id, "name": info.path.name, "path": str(info.path.resolve()), "sha": sha256,
         "bytes": info.size, "dataset": r.dataset, "edition": r.edition, "header": info.header,
         "ignored": list(info.recognised.ignored), "missing": [c.upper() for c in info.recognised.missing],
         "synthetic": r.synthetic, "read": r.rows_read, "loaded": r.rows_loaded, "rejected": r.rows_rejected,
         "dup": r.rows_duplicate, "conflicts": r.conflicts, "first": r.first_date, "last": r.last_date,
         "at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "version": __version__})


def _pause_if_asked() -> None:
    if os.environ.get(PAUSE_ENV):
        print("ingest: paused before commit", file=sys.stderr, flush=True)
        sys.stdin.readline()


def _reader_error(exc: duckdb.Error) -> str:
    """DuckDB's error in the file's words where it has a known cause, else DuckDB's own, on one line."""
    if "state machine reached an invalid state" in str(exc):  # strict mode met a CR where LF ends lines
        return ("lines end in two ways (LF and CR LF in one file, or a carriage return outside quotes), which "
                "the CSV reader cannot split safely; convert the file to one kind of line ending (or re-export "
                "it) and load it again")
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def summarize(db_path: Database | str | Path) -> dict[str, Any]:
    """Recount every dataset's cannabis cells from the records (one transaction) and report them."""
    if not Path(db_path).exists():
        raise IngestError(f"{db_path}: no such database (run `python -m nyc_cannabis ingest` or `demo` first)")
    con = open_db(db_path)
    try:
        con.begin()
        try:
            for dataset in cells.TABLES:
                cells.rebuild(con, dataset)
            cells.mark_current(con)
            con.commit()
        except BaseException:
            _rollback(con)
            raise
        counts = {d: dict(zip(("cells", "records"), store.execute(con, "cells/totals", cells=t).fetchone()))
                  for d, t in cells.TABLES.items()}
    finally:
        con.close()
    return {"db": str(db_path), "stamp": json.loads(cells.stamp()), "datasets": counts}


# --------------------------------------------------------------------------------------------- info

def info(db_path: Database | str | Path) -> dict[str, Any]:
    """What the database holds: unique records, quarantined rows, date range, loaded files, conflicts, and
    ``schema_drift``: the loaded files whose columns differ from their known edition."""
    if not isinstance(db_path, Database) and not Path(db_path).exists():
        raise IngestError(f"{db_path}: no such database (run `python -m nyc_cannabis ingest` or `demo` first)")
    with reading(db_path) as con:
        summary = store.fetch_one(con, "info/summary")
        sources = store.fetch_dicts(con, "info/sources")
        conflicts = store.fetch_dicts(con, "info/conflicts")
        unmapped = store.fetch_dicts(con, "info/unmapped_labels")
        reasons = store.fetch_dicts(con, "info/quarantine_reasons")
        cells_current = cells.current(con)
    return {
        "arrests": summary["arrests"], "summonses": summary["summonses"],
        "quarantined": summary["quarantined"],
        "first_date": _iso(summary["first_date"]), "last_date": _iso(summary["last_date"]),
        "synthetic": bool(summary["synthetic"]),
        "sources": [{k: _iso(v) for k, v in s.items()} for s in sources],
        "conflicts": conflicts, "quarantine_reasons": reasons, "unmapped_labels": unmapped,
        "cells_current": cells_current, "schema_drift": _drift(sources),
    }


def _drift(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each loaded file whose columns differ harmlessly from its known edition (the edition says
    ``+drift``), with what changed: read from the columns ``sources`` records (``datasets.schema_drift``)."""
    drift = []
    for s in sources:
        new, gone = schema_drift(s["ignored_columns"] or [], s["missing_columns"] or [])
        if new or gone:
            drift.append({"source_id": s["source_id"], "file": s["file_name"], "dataset": s["dataset"],
                          "edition": s["edition"], "new_columns": list(new), "missing_optional_columns": list(gone)})
    return drift


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value

