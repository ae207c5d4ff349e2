"""The dashboard's writes: an upload ingested, the summary rebuilt, the database updated from NYC Open Data,
each done on a copy of the database that replaces the file in one atomic ``os.replace`` only when the work
succeeded (a refused or failed one deletes the copy, and the database is exactly as before). The swap waits for
queries in flight and holds new ones (``data.Gate``), then closes every connection to the old file."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Callable

from nyc_cannabis.ui.data import Db, _gate, close_all

UPLOAD_LIMIT_MB = int(os.environ.get("ANALYTICS_UPLOAD_MB", "200"))


class UploadRefused(ValueError):
    """The upload cannot be ingested; the message says why in one line. The database is unchanged."""


def _writable(target: Path) -> None:
    if os.environ.get("ANALYTICS_READONLY"):
        raise UploadRefused("changes are switched off on this server (ANALYTICS_READONLY is set)")
    if Path(str(target) + ".wal").exists():
        raise UploadRefused(f"{target} has an unfinished write-ahead log; run `python -m nyc_cannabis info --db "
                            f"{target}` once, then try again")


def _on_a_copy(target: Path, work: Callable[[Path], tuple[Any, bool]]) -> Any:
    """Run ``work`` on a copy of the database (``.<name>.ingest-*``); when it returns ``(result, True)`` the
    copy replaces the database in one atomic ``os.replace``, after every connection to the old file is
    closed. Otherwise, or on any error, the copy is deleted and the database is exactly as before."""
    copy = target.with_name(f".{target.name}.ingest-{uuid.uuid4().hex[:8]}")
    try:
        if target.exists():
            shutil.copy2(target, copy)
        result, replace = work(copy)
        if replace:
            with _gate.writing():  # no query is open on the old file while it is swapped
                close_all()
                os.replace(copy, target)
        return result
    finally:
        for leftover in (copy, Path(str(copy) + ".wal")):
            leftover.unlink(missing_ok=True)


def ingest_upload(db: Db, name: str, data: bytes) -> dict[str, Any]:
    """Ingest one uploaded CSV into a copy of the database, then swap the copy in atomically.

    Returns ``{"files": [report…], "errors": [...], "replaced": bool}``. Raises :class:`UploadRefused`
    for a file over the limit, a read-only deployment or a database with an unfinished write-ahead log."""
    if len(data) > UPLOAD_LIMIT_MB * 1024 * 1024:
        raise UploadRefused(f"{name} is {len(data) / 1e6:,.0f} MB; the limit is {UPLOAD_LIMIT_MB} MB "
                            f"(use `python -m nyc_cannabis ingest` for bigger files)")
    target = Path(db.path)
    _writable(target)
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name) or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        csv_path = Path(tmp) / safe
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
