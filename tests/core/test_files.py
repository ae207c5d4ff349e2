"""One read of a file gives its SHA-256 and the first byte that is not UTF-8 (``core.files.check_file``),
whatever the block size: checked against hashlib and Python's own UTF-8 decoder on the whole bytes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nyc_cannabis.core.files import check_file


def _first_bad(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


@pytest.mark.parametrize("data, bad", [
    (b"ARREST_KEY\n1\n", None),
    ("é€😀 text\n".encode() * 3, None),
    (b"abc\n\xd1x", 4),                      # latin-1 Ñ
    (b"abc" + "é".encode()[:1], 3),          # the file ends inside a character
    (b"\xff", 0),
])
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 22])
def test_hash_and_first_byte_not_utf8(tmp_path, data, bad, chunk):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    check = check_file(path, chunk=chunk)
    assert check.sha256 == hashlib.sha256(data).hexdigest()
    assert check.bad_offset == bad
    assert check.bad_byte == (None if bad is None else data[bad])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=st.one_of(st.binary(max_size=64), st.text(max_size=32).map(str.encode)), chunk=st.integers(1, 9))
def test_agrees_with_pythons_decoder(tmp_path_factory, data, chunk):
    path = tmp_path_factory.mktemp("f") / "f.csv"
    path.write_bytes(data)
    assert check_file(path, chunk=chunk).bad_offset == _first_bad(data)
