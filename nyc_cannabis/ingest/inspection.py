"""Inspect an NYPD CSV export before anything is loaded: step 1 of :mod:`nyc_cannabis.ingest.loader`.

:func:`inspect_file` reads only the head and the tail of a file, in Python, before the database is
opened: the file exists, is not empty, is UTF-8 text (no NUL bytes), its header is a known edition of
one of the two datasets (:func:`nyc_cannabis.core.datasets.recognise`) and its last record is complete
(a download cut off mid-row is refused). It returns an :class:`Inspected` (the recognised edition, the
header, the size and the date format of the first row) or raises :class:`IngestError` with a one-line
reason (the error the whole loader raises for a refused file). :func:`is_synthetic` says whether the
``SYNTHETIC.json`` manifest written by the demo generator lists a file's checksum.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from nyc_cannabis.core.datasets import Recognised, UnrecognisedHeader, date_format, recognise

SYNTHETIC_MANIFEST = "SYNTHETIC.json"
_HEAD_BYTES = 1 << 16


class IngestError(Exception):
    """A file was refused; the message is one line and names the file."""


@dataclass(frozen=True)
class Inspected:
    path: Path
    recognised: Recognised
    header: list[str]
    size: int
    date_format: str


def inspect_file(path: Path) -> Inspected:
    """Check a file is a complete UTF-8 CSV export of a known dataset, without reading it all into memory."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path}: empty file")
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
        if b"\x00" in head:
            raise IngestError(f"{path}: binary file (NUL bytes), not a CSV export")
        end = head.find(b"\n")
        if end < 0 and size > len(head):
            raise IngestError(f"{path}: first line is longer than {_HEAD_BYTES} bytes, not a CSV header")
        first = head if end < 0 else head[:end]
        header = _decode_header(path, first)
        fh.seek(max(0, size - _HEAD_BYTES))
        tail = fh.read()
    try:
        recognised = recognise(header)
    except UnrecognisedHeader as exc:
        raise IngestError(f"{path}: {exc}") from None
    _check_complete(path, tail, header, header_only=end < 0 or end == size - 1)
    fmt = date_format(_first_value(head[end + 1:] if end >= 0 else b"", recognised))
    return Inspected(path, recognised, header, size, fmt)


def _first_value(body: bytes, recognised: Recognised) -> str | None:
    """The date field of the first data row in the head of the file, if the head holds one whole row."""
    line = body.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if not line.strip() or b"\n" not in body:
        return None
    fields = next(csv.reader([line]), [])
    position = recognised.mapping.index(recognised.dataset.date)
    return fields[position] if position < len(fields) else None


def _decode_header(path: Path, first: bytes) -> list[str]:
    try:
        text = first.decode("utf-8").lstrip("\ufeff").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text (byte 0x{first[exc.start]:02x} at offset {exc.start} "
                          f"of the header); re-export the file as UTF-8 CSV") from None
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        raise IngestError(f"{path}: the first line is not a CSV header") from None


def _check_complete(path: Path, tail: bytes, header: list[str], header_only: bool) -> None:
    """Refuse a file whose last record was cut off (no final newline and too few fields, or open quote)."""
    if header_only or tail.endswith(b"\n"):
        return
    last = tail[tail.rfind(b"\n") + 1:]
    try:
        text = last.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise IngestError(f"{path}: not UTF-8 text (invalid bytes in the last line)") from None
    if text.count('"') % 2:
        raise IngestError(f"{path}: truncated mid-row: the last record ends inside a quoted field")
    fields = next(csv.reader([text]), [])
    if len(fields) < len(header):
        raise IngestError(f"{path}: truncated mid-row: the last line has {len(fields)} of "
                          f"{len(header)} fields and no line ending")


def is_synthetic(path: Path, sha256: str) -> bool:
    """True when a ``SYNTHETIC.json`` manifest beside the file (written by ``demo``) lists its checksum."""
    manifest = path.parent / SYNTHETIC_MANIFEST
    if not manifest.is_file():
        return False
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return False
    return any(isinstance(f, dict) and f.get("sha256") == sha256 for f in files)
