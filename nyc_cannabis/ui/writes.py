"""The dashboard's writes: an upload ingested, the summary rebuilt, the database updated from NYC Open Data,
each done on a copy of the database that replaces the file in one atomic ``os.replace`` only when the work
succeeded (a refused or failed one deletes the copy, and the database is exactly as before). The swap waits for
queries in flight and holds new ones (``data.Gate``), then closes every connection to the old file.

Faults (docs/faults.md): any error of the disk or of DuckDB (no space for the copy or for the work, a database
that cannot be written or is damaged, another process holding it) is raised as :class:`UploadRefused`, one line,
the database unchanged. One change at a time per database: a second one, from this server or another, is refused
while the first runs. A process killed at any moment leaves the database as before or as after; the copy it left
(``.<name>.ingest-<pid>-*``) is deleted by the next change or the next start (:func:`clean_leftovers`).

Test hooks: ``ANALYTICS_PAUSE_BEFORE_SWAP`` / ``ANALYTICS_PAUSE_AFTER_SWAP`` (set to anything): the change stops
just before (after) the ``os.replace``, says ``writes: paused before swap`` (``after``) on stderr and waits for a
line on stdin.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from nyc_cannabis.core import store
from nyc_cannabis.ingest.loader import IngestError
from nyc_cannabis.ui.data import Db, _gate, close_all

UPLOAD_LIMIT_MB = int(os.environ.get("ANALYTICS_UPLOAD_MB", "200"))
PAUSE_BEFORE_SWAP_ENV = "ANALYTICS_PAUSE_BEFORE_SWAP"
PAUSE_AFTER_SWAP_ENV = "ANALYTICS_PAUSE_AFTER_SWAP"

_one_at_a_time = threading.Lock()  # one change at a time in this server (another server: the file lock)


class UploadRefused(ValueError):
    """The upload cannot be ingested; the message says why in one line. The database is unchanged."""


def _writable(target: Path) -> None:
    if os.environ.get("ANALYTICS_READONLY"):
        raise UploadRefused("changes are switched off on this server (ANALYTICS_READONLY is set)")


def _pause(env: str, where: str) -> None:
    if os.environ.get(env):
        print(f"writes: paused {where}", file=sys.stderr, flush=True)
        sys.stdin.readline()


def _copy_prefix(target: Path) -> str:
    return f".{target.name}.ingest-"


def clean_leftovers(target: str | Path) -> list[Path]:
    """Delete the copies (and their ``.wal``) that a killed change left beside ``target``: those whose process
    (the pid in the name) is gone. Returns what was deleted. A copy is never read: left alone, it only takes
    disk space."""
    target = Path(target)
    removed = []
    try:
        candidates = list(target.parent.glob(_copy_prefix(target) + "*"))
    except OSError:
        return removed
    for path in candidates:
        pid = path.name[len(_copy_prefix(target)):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        if pid.isdigit() and int(pid) == os.getpid() and _one_at_a_time.locked():
            continue  # this server's change in progress
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _exclusive(target: Path) -> Iterator[None]:
    """One change at a time on ``target``: in this server (a lock) and across processes (``flock`` on
    ``.<name>.write-lock`` beside it). Refused at once, not queued, when another change runs."""
    busy = UploadRefused(f"another change to {target} is running (an upload, a rebuild or an update); try again "
                         f"when it has finished")
    if not _one_at_a_time.acquire(blocking=False):
        raise busy
    try:
        lock_path = target.with_name(f".{target.name}.write-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise busy from None
            yield
        finally:
            os.close(fd)  # releases the flock
    finally:
        _one_at_a_time.release()


@contextmanager
def _refusing(target: Path) -> Iterator[None]:
    """The disk's and DuckDB's errors as one-line :class:`UploadRefused` (the database is unchanged)."""
    try:
        yield
    except (UploadRefused, UpdateFailed):
        raise
    except IngestError as exc:
        raise UploadRefused(store.explain(exc, target) if store.fault_kind(exc) else str(exc)) from exc
    except (OSError, duckdb.Error) as exc:
        raise UploadRefused(store.explain(exc, target)) from exc


def _checkpoint(path: Path) -> None:
    """Fold ``path``'s write-ahead log into the file (replayed, checkpointed and deleted by DuckDB). Refuses
    when a log is still there after it: the file alone would then lack what the log holds."""
    con = store.connect(path)
    try:
        store.execute(con, "dashboard/checkpoint")
    finally:
        con.close()
    if Path(str(path) + ".wal").exists():
        raise UploadRefused(f"{path}: its write-ahead log could not be folded into the file (is the disk full?)")


def _on_a_copy(target: Path, work: Callable[[Path], tuple[Any, bool]]) -> Any:
    """Run ``work`` on a copy of the database (``.<name>.ingest-<pid>-*``); when it returns ``(result, True)``
    the copy, checkpointed (no write-ahead log beside it), replaces the database in one atomic ``os.replace``,
    after every connection to the old file is closed. Otherwise, or on any error, the copy is deleted and the
    database is exactly as before.

    A write-ahead log beside the database (left by a command line process killed or out of disk space) is
    first folded into it, while no connection of this server is open: its committed transactions are part of
    the database (a read-only connection already reads them), and the copy must hold them too."""
    copy = target.with_name(f"{_copy_prefix(target)}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with _refusing(target), _exclusive(target):
        clean_leftovers(target)
        try:
            if Path(str(target) + ".wal").exists():
                with _gate.writing():
                    close_all()
                    _checkpoint(target)
            if target.exists():
                try:
                    shutil.copy2(target, copy)
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
                        raise UploadRefused(
                            f"the copy of {target} ({target.stat().st_size / 1e6:,.0f} MB) does not fit on its disk "
                            f"({exc.strerror}): free disk space beside the database and try again") from exc
                    raise
            result, replace = work(copy)
            if replace:
                _checkpoint(copy)
                with _gate.writing():  # no query is open on the old file while it is swapped
                    close_all()
                    _pause(PAUSE_BEFORE_SWAP_ENV, "before swap")
                    os.replace(copy, target)
                    _pause(PAUSE_AFTER_SWAP_ENV, "after swap")
            return result
        finally:
            for leftover in (copy, Path(str(copy) + ".wal")):
                leftover.unlink(missing_ok=True)


def upload_name(name: str) -> str:
    """The name an upload's CSV is written under, in its own temporary folder, and recorded as its source:
    the last part of the browser's name (of a POSIX or a Windows path), ASCII letters, digits, ``.``, ``_`` and
    ``-`` only (anything else, NUL included, becomes ``_``), no leading dot, at most 120 characters with the
    extension kept, ``upload.csv`` when nothing is left. So ``../../x.csv`` is ``x.csv`` and never a path."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in last).lstrip(".")
    if len(safe) > 120:
        stem, dot, ext = safe.rpartition(".")
        safe = stem[:120 - len(ext[:10]) - 1] + "." + ext[:10] if dot and stem else safe[:120]
    return safe or "upload.csv"


def ingest_upload(db: Db, name: str, data: bytes) -> dict[str, Any]:
    """Ingest one uploaded CSV into a copy of the database, then swap the copy in atomically.

    Returns ``{"files": [report…], "errors": [...], "replaced": bool}``. Raises :class:`UploadRefused`
    for a file over the limit, a read-only deployment or a database with an unfinished write-ahead log."""
    if len(data) > UPLOAD_LIMIT_MB * 1024 * 1024:
        raise UploadRefused(f"{upload_name(name)} is {len(data) / 1e6:,.0f} MB; the limit is {UPLOAD_LIMIT_MB} MB "
                            f"(use `python -m nyc_cannabis ingest` for bigger files)")
    target = Path(db.path)
    _writable(target)
    with _refusing(target), tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        csv_path = Path(tmp) / upload_name(name)
        csv_path.write_bytes(data)

        def load(copy: Path) -> tuple[dict[str, Any], bool]:
            from nyc_cannabis.ingest.loader import ingest

            reports, errors = ingest(copy, [csv_path])
            replace = bool(reports and not errors and sum(r.rows_loaded for r in reports))
            return {"files": [r.as_dict() for r in reports], "errors": errors, "replaced": replace}, replace

        return _on_a_copy(target, load)


def summarize_copy(db: Db) -> dict[str, Any]:
    """Rebuild the cannabis cells of a database built by an older version (``python -m nyc_cannabis summarize``
    on a copy, swapped in): the running dashboard holds the file, so it cannot be rebuilt in place."""
    target = Path(db.path)
    _writable(target)

    def rebuild(copy: Path) -> tuple[dict[str, Any], bool]:
        from nyc_cannabis.ingest.loader import summarize

        return summarize(copy), True

    return _on_a_copy(target, rebuild)


#: where "Update from NYC Open Data" downloads from (a test points it at a local server)
OPEN_DATA_URL = os.environ.get("NYC_OPEN_DATA_URL", "https://data.cityofnewyork.us")


class UpdateFailed(ValueError):
    """The update could not finish (no network, no token, a refused file); one line, the database unchanged."""


def update_copy(db: Db, on_message: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``update`` (NYC Open Data → the database, what is new since the last record of each dataset) on a copy,
    swapped in only when records were added. Downloads are kept in the database's own work folder
    (``<db>.update/``), so an interrupted update resumes where it stopped, and the database is never half
    updated. Raises :class:`UpdateFailed` (or :class:`UploadRefused` for a read-only deployment)."""
    from nyc_cannabis.ingest.update import update, work_dir_for
    from nyc_cannabis.sources.soda import FetchError

    target = Path(db.path)
    _writable(target)

    def run(copy: Path) -> tuple[dict[str, Any], bool]:
        try:
            result = update(copy, base_url=OPEN_DATA_URL, work_dir=work_dir_for(target), progress=False,
                            on_message=on_message)
        except (FetchError, OSError, ValueError) as exc:
            message = " ".join(str(exc).split())
            if "resolve" in message.lower() or "connection" in message.lower():
                message = f"NYC Open Data could not be reached from this server ({message[:200]})"
            raise UpdateFailed(message) from exc
        return result, bool(result["rows_loaded"])

    return _on_a_copy(target, run)
