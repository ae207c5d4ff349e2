"""Small file helpers shared by the loader and the demo generator."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (flat memory; :func:`check_file`'s one read)."""
    return check_file(path, chunk).sha256


@dataclass(frozen=True)
class FileCheck:
    """What one read of a file tells: its SHA-256 and the first byte that is not UTF-8 (offset and value;
    None when the whole file is UTF-8)."""

    sha256: str
    bad_offset: int | None = None
    bad_byte: int | None = None


def check_file(path: Path, chunk: int = 1 << 22) -> FileCheck:
    """Hex SHA-256 of a file and whether it is UTF-8 throughout, in one read (flat memory; hashlib releases the
    GIL while hashing). An ASCII block (nearly every block of an export) costs only ``bytes.isascii``; any
    other block goes through an incremental UTF-8 decoder, so a character split between blocks is not an error."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, bad = 0, None
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
            pending = decoder.getstate()[0]
            if bad is None and (pending or not block.isascii()):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = (offset - len(pending) + exc.start, (pending + block)[exc.start])
            offset += len(block)
    if bad is None:
        pending = decoder.getstate()[0]
        if pending:  # the file ends inside a character
            bad = (offset - len(pending), pending[0])
    return FileCheck(digest.hexdigest(), *(bad or (None, None)))
