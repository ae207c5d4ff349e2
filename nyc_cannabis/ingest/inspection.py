"""Inspect an NYPD CSV export before anything is loaded: step 1 of :mod:`nyc_cannabis.ingest.loader`.

:func:`inspect_file` reads only the head and the tail of a file, in Python, before the database is
opened: the file exists, is not empty, is UTF-8 text (no NUL bytes in its head, and its head and tail
decode as UTF-8: the loader's reader checks the rest), its header is a known edition of one of the two datasets (:func:`nyc_cannabis.core.datasets.recognise`) and its last record is complete
(a download cut off mid-row is refused). It then reads the first :data:`DRIFT_SAMPLE_ROWS` records to
catch *schema drift* in the values (docs/data-model.md "Schema drift"): a typed column (the date,
precinct, codes, coordinates) or the law-code column whose sampled values mostly no longer fit a known
format refuses the file, naming the column and an example; a few bad rows are left to quarantine. It
returns an :class:`Inspected` (the recognised edition, the header, the size and the file's date format,
the known format most sampled dates have) or raises :class:`IngestError` with a one-line reason (the
error the whole loader raises for a refused file). :func:`is_synthetic` says whether the
``SYNTHETIC.json`` manifest written by the demo generator lists a file's checksum.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from nyc_cannabis.core.datasets import DATE_FORMATS, Recognised, UnrecognisedHeader, date_format, recognise

SYNTHETIC_MANIFEST = "SYNTHETIC.json"
_HEAD_BYTES = 1 << 16
#: a refusal is one line of at most this many characters (a header cell can be megabytes long)
MESSAGE_CHARS = 300

#: Records read from the top of a file to tell a changed value format from a few bad rows (about
#: 200 KB of an export: cheap next to the load).
DRIFT_SAMPLE_ROWS = 1_000
#: A column has drifted when more than this share of its sampled non-empty values no longer fit (more
#: than half: a format change turns nearly every value, a bad row only itself)…
DRIFT_SHARE = 0.5
#: …and at least this many non-empty values were sampled: a smaller file cannot tell a format change
#: from a few bad rows, so its rows go to quarantine one by one, each with its reason.
DRIFT_MIN_VALUES = 20
#: The law-code formats of each dataset (upper-cased values), from every code in the real extracts.
LAW_CODE_FORMATS: dict[str, tuple[re.Pattern[str], ...]] = {
    # law book (2-3 letters), optional space, 7 characters starting with 4 digits: PL 2211001,
    # PL 12005EH, VTL0511001, LOC000000V, AM 0353A01
    "arrests": (re.compile(r"^[A-Z]{2,3} ?\d{4}[0-9A-Z]{3}$"),),
    "summonses": (
        re.compile(r"^\d"),                       # a section number: 221.10, 10-125(B), 1192, 4-16(e)(4)(iii)
        re.compile(r"^PL ?\d{3}\.\d{2}"),          # PL 221.10 (the staging SQL reads it too)
        re.compile(r"^[A-Z]{2,5} \d{1,3}$"),       # a law book and part: CFR 49, GBL 45
    ),
}
#: what a known law code looks like, for the refusal
LAW_CODE_EXAMPLE = {"arrests": "PL 2211001", "summonses": "221.10"}


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
        raise IngestError(f"{path}: {_one_line(str(exc))}") from None
    _check_utf8(path, head, tail, size)
    header_only = end < 0 or end == size - 1
    _check_complete(path, tail, header, header_only=header_only)
    sample = {} if header_only else _sample(path, recognised)
    fmt = _date_format(sample.get(recognised.dataset.date, []))
    _check_values(path, recognised, header, sample, fmt)
    return Inspected(path, recognised, header, size, fmt)


def _sample(path: Path, recognised: Recognised) -> dict[str, list[str]]:
    """The non-empty values of the first :data:`DRIFT_SAMPLE_ROWS` records, per canonical column (a record
    with the wrong number of fields is skipped: the reader quarantines it). Read as text with invalid
    bytes replaced: the loader's reader refuses a file that is not UTF-8, with its own message."""
    values: dict[str, list[str]] = {c: [] for c in recognised.mapping if c is not None}
    width = len(recognised.mapping)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        try:
            next(reader, None)  # the header
            for fields in islice(reader, DRIFT_SAMPLE_ROWS):
                if len(fields) != width:
                    continue
                for column, value in zip(recognised.mapping, fields):
                    if column is not None and value.strip():
                        values[column].append(value.strip())
        except csv.Error:  # a record the csv module cannot read (field too long …): judge what was read
            pass
    return values


def _date_format(dates: list[str]) -> str:
    """The explicit date format of a file: the known format (``DATE_FORMATS``) most sampled dates have,
    the first seen winning a tie; the export's ``%m/%d/%Y`` when none has one (never guessed day-first)."""
    seen = Counter(fmt for fmt in map(_known_format, dates) if fmt)
    return seen.most_common(1)[0][0] if seen else date_format(None)


def _known_format(value: str) -> str | None:
    return next((fmt for pattern, fmt in DATE_FORMATS if re.match(pattern, value)), None)


def _is_date(value: str, fmt: str) -> bool:
    """Whether DuckDB's reader will read ``value`` with the format (``%g``, milliseconds, is ``%f`` here)."""
    if _known_format(value) != fmt:
        return False
    try:
        dt.datetime.strptime(value, fmt.replace("%g", "%f"))
    except ValueError:
        return False
    return True


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _check_values(path: Path, recognised: Recognised, header: list[str], sample: dict[str, list[str]],
                  fmt: str) -> None:
    """Refuse a file whose sampled values show a column changed format (more than :data:`DRIFT_SHARE` of at
    least :data:`DRIFT_MIN_VALUES` non-empty values no longer fit), naming the first such column in header
    order, with an example; other drifted columns are named after it."""
    dataset = recognised.dataset
    codes = LAW_CODE_FORMATS[dataset.name]
    drifted = []
    for cell, column in zip(header, recognised.mapping):
        if column is None:
            continue
        kind = dataset.reader_type(column)
        if column == dataset.code:
            fits, expected = (lambda v: any(p.match(v.upper()) for p in codes),
                              f"law codes such as {LAW_CODE_EXAMPLE[dataset.name]!r}")
        elif kind == "DATE":
            fits, expected = (lambda v: _is_date(v, fmt),
                              "dates in a known format (MM/DD/YYYY or ISO)")
        elif kind == "DOUBLE":
            fits, expected = _is_number, "numbers"
        else:
            continue
        values = sample.get(column, [])
        bad = [v for v in values if not fits(v)]
        if len(values) >= DRIFT_MIN_VALUES and len(bad) > DRIFT_SHARE * len(values):
            drifted.append((cell.strip(), len(bad), len(values), bad[0], expected))
    if drifted:
        cell, n_bad, n, example, expected = drifted[0]
        also = f" (also {', '.join(d[0] for d in drifted[1:])})" if len(drifted) > 1 else ""
        raise IngestError(f"{path}: " + _one_line(
            f"schema drift in column {cell}{also}: {n_bad} of {n} sampled values do not look like {expected}, "
            f"e.g. {_one_line(repr(example))[:60]}; a changed format is refused, not guessed"))


def _decode_header(path: Path, first: bytes) -> list[str]:
    try:
        text = first.decode("utf-8").lstrip("\ufeff").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text (byte 0x{first[exc.start]:02x} at offset {exc.start} "
                          f"of the header); re-export the file as UTF-8 CSV") from None
    if "\r" in text:  # a line ending of its own inside the first line: the file's lines end in a bare CR
        raise IngestError(f"{path}: lines end in a bare carriage return (CR, an old Mac format), not LF or CRLF; "
                          f"re-save the file with LF or CRLF line endings")
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        raise IngestError(f"{path}: the first line is not a CSV header") from None


def _one_line(text: str) -> str:
    """``text`` on one line (every run of whitespace, line breaks included, one space), cut to
    :data:`MESSAGE_CHARS` with an ellipsis: a refusal names what it saw without printing a whole file."""
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _check_utf8(path: Path, head: bytes, tail: bytes, size: int) -> None:
    """Refuse a file whose head or tail (the bytes already read) is not UTF-8, before the database is opened:
    the loader refuses any file that is not UTF-8 (its reader checks the middle), and a file refused here
    leaves no new database behind. A multi-byte character cut by the head's or the tail's edge is not an
    error."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text (byte 0x{head[exc.start]:02x} at offset {exc.start}); "
                          f"re-export the file as UTF-8 CSV") from None
    if size <= len(head):
        return
    offset = size - len(tail)
    skip = 0
    while skip < min(3, len(tail)) and 0x80 <= tail[skip] <= 0xBF:  # the end of a character the cut split
        skip += 1
    try:
        tail[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        raise IngestError(f"{path}: not UTF-8 text (byte 0x{tail[at]:02x} at offset {offset + at}); "
                          f"re-export the file as UTF-8 CSV") from None


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
