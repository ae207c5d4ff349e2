"""The downloader's files on disk (:mod:`nyc_cannabis.sources.socrata`): pages, manifest, resume, assembly.

A download in progress lives in ``out_dir/.partial/<dataset>-<source>-<query hash>/``
(:data:`PARTIAL_DIRNAME`): one CSV file per page (:func:`page_path`, :func:`write_page`) and a
``manifest.json`` with the query, the server's row count, the rows of each page and, for SODA3
keyset paging, each page's last ``:id`` (where the next page starts).

* :func:`prepare_partial` reuses the manifest of an interrupted run of the same query (same hash,
  same server count) or starts a fresh directory; :func:`completed_pages` lists the pages it can
  skip, so a rerun downloads only the missing ones.
* :func:`assemble` concatenates the pages into the final CSV, only if the row count equals the
  server's; :func:`remove_partial` then deletes the directory (and ``.partial`` when empty).
* Every file is written through :func:`atomic_write` (temp file, fsync, rename, fsync of the
  folder), so an interruption never leaves a half-written page, manifest or final file.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Callable, TextIO

from nyc_cannabis.sources.soda import SODA3, FetchError, Query
from nyc_cannabis.sources.soda_rows import record_to_row

#: the downloader's logger (:mod:`nyc_cannabis.sources.socrata`), so all its warnings come from one logger
log = logging.getLogger("nyc_cannabis.sources.socrata")

PARTIAL_DIRNAME = ".partial"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def csv_writer(fh: TextIO) -> Any:
    return csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[TextIO], Any]) -> Any:
    """Write ``path`` via a temp file, fsync and rename; if ``write`` raises, nothing changes."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return result


def page_path(part_dir: Path, page: int) -> Path:
    return part_dir / f"page-{page:06d}.csv"


def write_page(part_dir: Path, page: int, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    def write(fh: TextIO) -> None:
        writer = csv_writer(fh)
        writer.writerow(columns)
        writer.writerows(record_to_row(r, columns) for r in rows)

    atomic_write(page_path(part_dir, page), write)


def _new_manifest(query: Query, expected: int) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "query_hash": query.hash,
        "query": query.identity(),
        "protocol": query.protocol,
        "page_size": query.page_size,
        "expected_rows": expected,
        "pages": {},
        "after": {},  # SODA3: page -> the last :id on it (where the next page starts)
    }


def _load_manifest(part_dir: Path, query: Query) -> dict[str, Any] | None:
    """The manifest of an earlier run of the same query, or None if absent or unusable."""
    try:
        manifest = json.loads((part_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("version") != MANIFEST_VERSION
        or manifest.get("query_hash") != query.hash
        or not isinstance(manifest.get("pages"), dict)
        or not isinstance(manifest.get("after", {}), dict)
        or not isinstance(manifest.get("expected_rows"), int)
    ):
        return None
    manifest.setdefault("after", {})
    return manifest


def save_manifest(part_dir: Path, manifest: dict[str, Any]) -> None:
    atomic_write(
        part_dir / MANIFEST_NAME,
        lambda fh: fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n"),
    )


def completed_pages(part_dir: Path, manifest: dict[str, Any], query: Query) -> dict[int, int]:
    """Page index -> row count for pages the manifest lists and whose file exists (and, for
    SODA3 pages, whose last :id is recorded: the next page starts there)."""
    keyset = query.protocol == SODA3 and not query.export
    pages: dict[int, int] = {}
    for key, rows in manifest["pages"].items():
        if (
            str(key).isdigit()
            and isinstance(rows, int)
            and page_path(part_dir, int(key)).is_file()
            and (not keyset or rows == 0 or isinstance(manifest["after"].get(key), str))
        ):
            pages[int(key)] = rows
    return pages


def prepare_partial(part_dir: Path, query: Query, expected: int) -> dict[str, Any]:
    """Reuse the manifest of an interrupted run of this query, or start a fresh one."""
    manifest = _load_manifest(part_dir, query)
    if manifest is not None and manifest["expected_rows"] != expected:
        log.warning(
            "%s: server count changed from %d to %d since the interrupted download; "
            "starting over", query.label, manifest["expected_rows"], expected,
        )
        manifest = None
    if manifest is None:
        if part_dir.exists():
            shutil.rmtree(part_dir)
        part_dir.mkdir(parents=True)
        manifest = _new_manifest(query, expected)
        save_manifest(part_dir, manifest)
    return manifest


def assemble(part_dir: Path, pages: int, final_path: Path, query: Query, expected: int) -> int:
    """Concatenate pages ``0..pages-1`` into ``final_path``; return the data row count."""

    def write(fh: TextIO) -> int:
        writer = csv_writer(fh)
        writer.writerow(query.columns)
        count = 0
        for page in range(pages):
            with open(page_path(part_dir, page), encoding="utf-8", newline="") as part:
                reader = csv.reader(part)
                if tuple(next(reader, ())) != query.columns:
                    raise FetchError(f"{query.label}: page file {page} has an unexpected header")
                for row in reader:
                    writer.writerow(row)
                    count += 1
        if count != expected:
            raise FetchError(
                f"{query.label}: downloaded {count} rows but the server's count was {expected}; "
                f"the pages are kept in {part_dir}"
            )
        return count

    return atomic_write(final_path, write)


def remove_partial(part_dir: Path) -> None:
    shutil.rmtree(part_dir, ignore_errors=True)
    try:
        part_dir.parent.rmdir()  # only succeeds when no other download is pending
    except OSError:
        pass
