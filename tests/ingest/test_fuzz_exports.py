"""Hostile exports, fuzzed: whatever bytes a file holds, ``ingest`` reports, it never raises, and it loses nothing.

Each example starts from a small valid export (a few dozen hand-built rows under a real header: the 2017
arrests edition, the 2021 arrests edition with its point column, or the summonses export) and mutates it the
ways real files go wrong: bytes inserted or overwritten, stray and unbalanced quotes, a 10 MB field, a BOM,
CRLF and mixed line endings, rows of another edition, wrong encodings (latin-1, UTF-16), gzip bytes named
``.csv``, an empty or header-only file, a cut-off last row, rows with extra or missing fields, NUL bytes, a
very long line, the header repeated mid-file. The file is then loaded into a copy of a database that already
holds other records (some of the same keys, so both the fast and the deduplicating path run).

The properties (:func:`check_ingest`):

* ``ingest`` returns; an exception of any kind fails the test. Each file is either reported or refused.
* **Refused**: one line naming the file, and the database is exactly as before (:func:`fingerprint`: every
  table's row count and an order-independent hash of its rows, by SQL written here).
* **Accepted**: ``rows_loaded + rows_rejected + rows_duplicate == rows_read``; the quarantine grew by
  ``rows_rejected`` rows, all of this file; the file's stored records are ``rows_loaded``; and ``rows_read`` is
  the number of records Python's ``csv`` module finds in the bytes (:func:`csv_records`), wherever that count
  is well-defined (see there).
* A file that is not UTF-8 is refused (the loader's documented rule), wherever its invalid bytes are.

Examples run derandomized with a bounded count (``tests/strategies.py``: ``NYC_CANNABIS_FUZZ_EXAMPLES=N``
for a long local session). Inputs Hypothesis found that broke a property are kept below as named tests.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import ARREST_HEADER, SUMMONS_HEADER, arrest, cli_json, csv_text, run_module, summons, write_csv
from hypothesis import event, given
from hypothesis import strategies as st
from strategies import fuzz_settings, nasty_text

from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.ingest.loader import ingest

csv.field_size_limit(sys.maxsize)  # the 10 MB field is one field to the independent count too

YTD_HEADER = list(DATASETS["arrests"].export_header)  # with "New Georeferenced Column"
POINT = "POINT (-73.8962 40.674118)"
RACES = ("BLACK", "WHITE HISPANIC", "WHITE", "ASIAN / PACIFIC ISLANDER", "UNKNOWN")


def _arrest(i: int) -> dict[str, str]:
    return arrest(str(i), ARREST_DATE=f"{1 + i % 12:02d}/{1 + i % 28:02d}/{2014 + i % 10}",
                  PERP_RACE=RACES[i % len(RACES)], ARREST_PRECINCT=str(40 + i % 10),
                  **({"PD_DESC": "TWO\nLINES, QUOTED"} if i % 11 == 0 else {}))


def _summons(i: int) -> dict[str, str]:
    return summons(str(i), SUMMONS_DATE=f"{1 + i % 12:02d}/{1 + i % 28:02d}/{2016 + i % 5}",
                   RACE=RACES[i % len(RACES)])


@dataclass(frozen=True)
class Edition:
    name: str
    header: list[str]
    row: callable

    def rows(self, first: int, n: int) -> list[list[str]]:
        return [[r.get(h, POINT) for h in self.header] for r in map(self.row, range(first, first + n))]


EDITIONS = {
    "arrests-2017": Edition("arrests-2017", ARREST_HEADER, _arrest),
    "arrests-2021": Edition("arrests-2021", YTD_HEADER, _arrest),
    "summonses": Edition("summonses", SUMMONS_HEADER, _summons),
}
#: keys the prebuilt database already holds (identical rows for 1000–1009, changed ones for 1010–1014)
HELD_FIRST, HELD_N = 1000, 15


# ------------------------------------------------------------------------------------------------ oracles

def fingerprint(db: Path) -> dict[str, tuple]:
    """Every table of the database: its columns, row count and an order-independent hash of its rows (the sum
    of each row's hash), by SQL written here, in one query. Equal fingerprints: an unchanged database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall():
            columns.setdefault(table, []).append(column)
        union = " UNION ALL ".join(f"SELECT '{t}', count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM \"{t}\" AS x"
                                   for t in columns)
        return {t: (tuple(columns[t]), n, digest) for t, n, digest in con.execute(union).fetchall()}
    finally:
        con.close()


def csv_records(data: bytes) -> int | None:
    """The records of a file after its header, counted by Python's ``csv`` module (RFC 4180 quoting, a quoted
    field may hold commas, quotes and line breaks; a BOM is not data; blank lines are not records), or None
    where no count is well-defined: the bytes are not UTF-8, or the quoting is broken (``strict`` reading
    fails: a quote closes a field that goes on, or a quoted field never ends), so that where one record stops
    is a guess. A stray quote *inside* an unquoted field is kept as a character (both readers agree: it
    does not open a field), so such a file is still counted."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.removeprefix("\ufeff")
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error:
        return None
    return max(len(rows) - 1, 0)


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def counts(db: Path, *queries: tuple) -> list:
    """The first value of each ``(sql, *params)`` query, on one read-only connection."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [con.execute(sql, list(params)).fetchone()[0] for sql, *params in queries]
    finally:
        con.close()


def check_ingest(db: Path, path: Path) -> str:
    """Ingest one file into ``db`` and check the properties of the module docstring. Returns "refused" or
    "accepted" (for ``event``)."""
    data = path.read_bytes()
    before = fingerprint(db)
    quarantined = before["quarantine"][1]
    reports, errors = ingest(db, [path])  # anything raised here fails the example
    assert len(reports) + len(errors) == 1, (reports, errors)
    if errors:
        (error,) = errors
        assert error["path"] == str(path)
        message = error["error"]
        assert message.startswith(str(path)) and len(message.splitlines()) == 1, message
        assert len(message) <= len(str(path)) + 400, f"a refusal of {len(message)} characters: {message[:200]}…"
        assert "Traceback" not in message
        assert fingerprint(db) == before, f"refused ({message}) but the database changed"
        return "refused: " + message[len(str(path)) + 2:][:40]  # (numbers made N for the event statistics)
    (r,) = reports
    assert r.rows_loaded + r.rows_rejected + r.rows_duplicate == r.rows_read, r
    assert min(r.rows_loaded, r.rows_rejected, r.rows_duplicate) >= 0, r
    assert not r.already_loaded
    table = DATASETS[r.dataset].table
    q_all, q_file, stored, read = counts(
        db, ("SELECT count(*) FROM quarantine",), ("SELECT count(*) FROM quarantine WHERE source_id = ?", r.source_id),
        (f"SELECT count(*) FROM {table} WHERE source_id = ?", r.source_id),
        ("SELECT rows_read FROM sources WHERE source_id = ?", r.source_id))
    assert q_all - quarantined == q_file == r.rows_rejected, (q_all, quarantined, q_file, r)
    assert stored == r.rows_loaded, (stored, r)
    assert read == r.rows_read, (read, r)
    assert is_utf8(data), "a file that is not UTF-8 was loaded (the loader refuses one, wherever its bad bytes are)"
    expected = csv_records(data)
    if expected is not None:
        assert r.rows_read == expected, f"rows_read {r.rows_read}, but the file holds {expected} records"
    return "accepted" + (", rows counted" if expected is not None else ", quoting broken: not counted")


# ------------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def held_db(tmp_path_factory) -> Path:
    """A database that already holds records: arrests 1000–1014 (1010–1014 with another race: a later copy
    conflicts), 2017 edition, and summonses 1000–1014. Built once; every example works on a copy."""
    tmp = tmp_path_factory.mktemp("held")
    arrests = [_arrest(i) | ({"PERP_RACE": "OTHER"} if i >= HELD_FIRST + 10 else {})
               for i in range(HELD_FIRST, HELD_FIRST + HELD_N)]
    a = write_csv(tmp / "held_arrests.csv", ARREST_HEADER, arrests)
    s = write_csv(tmp / "held_summonses.csv", SUMMONS_HEADER, [_summons(i) for i in range(HELD_FIRST, HELD_FIRST + HELD_N)])
    db = tmp / "held.duckdb"
    cli_json("ingest", a, s, "--db", db)
    assert not Path(f"{db}.wal").exists()  # a closed database is one file: a copy is the whole database
    return db


_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(held_db: Path, workdir: Path, data: bytes) -> tuple[Path, Path]:
    """A copy of the held database and the file, in a folder of their own (one per example)."""
    case = workdir / f"case{next(_counter)}"
    case.mkdir()
    db = case / "db.duckdb"
    shutil.copyfile(held_db, db)
    path = case / "export.csv"
    path.write_bytes(data)
    return db, path


def _into_new_database(workdir: Path, data: bytes) -> tuple[Path, list[dict]]:
    """Ingest the file into a database path that does not exist yet; asserts nothing loaded, returns that path
    and the errors."""
    case = workdir / f"case{next(_counter)}"
    case.mkdir()
    path = case / "export.csv"
    path.write_bytes(data)
    reports, errors = ingest(case / "new.duckdb", [path])
    assert not reports and errors
    return case / "new.duckdb", errors


# ------------------------------------------------------------------------------------------------ strategies

BIG = 10 * 1024 * 1024
#: random bytes for the byte edits, NUL-free (Hypothesis favours zero bytes, and a NUL in the head refuses the
#: file at once: the "nul" edit inserts them on purpose)
noise = st.binary(min_size=1, max_size=8).map(lambda b: b.replace(b"\x00", b"\xff"))


@st.composite
def exports(draw) -> bytes:
    """A small valid export, then up to four hostile mutations of its rows, its line endings or its bytes."""
    edition = EDITIONS[draw(st.sampled_from(sorted(EDITIONS)))]
    first = draw(st.sampled_from([HELD_FIRST, 5000]))  # overlaps the held keys, or not
    rows = edition.rows(first, draw(st.integers(0, 30)))
    header = list(edition.header)
    # --- row edits
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["extra", "missing", "other_edition", "header_again", "cell", "duplicate",
                                   "big_field"] if rows else ["header_again", "other_edition"]))
        at = draw(st.integers(0, len(rows)))
        if op == "extra" and rows:
            rows[min(at, len(rows) - 1)] = rows[min(at, len(rows) - 1)] + draw(st.lists(nasty_text, min_size=1, max_size=3))
        elif op == "missing" and rows:
            i = min(at, len(rows) - 1)
            rows[i] = rows[i][: draw(st.integers(0, max(len(rows[i]) - 1, 0)))]
        elif op == "other_edition":
            other = EDITIONS[draw(st.sampled_from(sorted(set(EDITIONS) - {edition.name})))]
            rows[at:at] = other.rows(draw(st.integers(1, 9999)), draw(st.integers(1, 3)))
        elif op == "header_again":
            rows.insert(at, list(header))
        elif op == "cell" and rows:
            i = min(at, len(rows) - 1)
            rows[i] = list(rows[i]) or [""]
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(nasty_text)
        elif op == "duplicate" and rows:
            rows.insert(at, list(rows[min(at, len(rows) - 1)]))
        elif op == "big_field" and rows and draw(st.integers(0, 9)) == 0:  # rare: 10 MB per example is slow
            i = min(at, len(rows) - 1)
            rows[i] = list(rows[i]) or [""]
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = "Z" * BIG
    # --- serialisation: line endings, BOM, final newline
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed"]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    lines = []
    for fields in [header, *rows]:
        buf.seek(0)
        buf.truncate()
        writer.writerow(fields)
        lines.append(buf.getvalue()[:-1])
    ends = [ending if ending != "mixed" else draw(st.sampled_from(["\n", "\r\n"])) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, ends))
    if draw(st.booleans()) and text:
        text = text.rstrip("\r\n")
    data = ("\ufeff" if draw(st.integers(0, 4)) == 0 else "").encode() + text.encode("utf-8")
    # --- byte edits (none in about a third of the files: a file that loads is checked the most)
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        op = draw(st.sampled_from(["insert", "replace", "quote", "unquote", "nul", "truncate", "newline",
                                   "long_line", "blank_lines"]))
        body = data.find(b"\n") + 1  # mostly past the header: a broken header is refused before any row is read
        at = draw(st.integers(body if body and draw(st.integers(0, 4)) else 0, len(data)))
        if op == "insert":
            data = data[:at] + draw(noise) + data[at:]
        elif op == "replace":
            chunk = draw(noise)
            data = data[:at] + chunk + data[at + len(chunk):]
        elif op == "quote":
            data = data[:at] + b'"' + data[at:]
        elif op == "unquote" and b'"' in data:
            i = data.find(b'"', at)
            i = data.rfind(b'"') if i < 0 else i
            data = data[:i] + data[i + 1:]
        elif op == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif op == "truncate":
            data = data[:at]
        elif op == "newline":
            data = data[:at] + draw(st.sampled_from([b"\n", b"\r\n", b"\r"])) + data[at:]
        elif op == "long_line":
            data = data[:at] + b"9" * 300_000 + data[at:]
        elif op == "blank_lines":
            data = data[:at] + b"\n\n" + data[at:]
    # --- whole-file disguises (rare)
    disguise = draw(st.sampled_from(["none"] * 12 + ["latin-1", "utf-16", "gzip", "empty"]))
    if disguise == "latin-1":
        data = data.decode("utf-8", errors="replace").replace("\ufffd", "?").encode("latin-1", errors="replace")
        data += "1,Ñandú\n".encode("latin-1")
    elif disguise == "utf-16":
        data = data.decode("utf-8", errors="replace").encode("utf-16")
    elif disguise == "gzip":
        data = gzip.compress(data)
    elif disguise == "empty":
        data = b""
    return data


# ------------------------------------------------------------------------------------------------ properties

@fuzz_settings(100)
@given(data=exports())
def test_any_file_is_reported_or_refused_never_raised(held_db, workdir, data):
    """Property (module docstring): for any mutated export, ``ingest`` returns a report that balances and
    counts the file's records, or a one-line refusal that leaves the database (which holds other records)
    exactly as it was."""
    db, path = fresh(held_db, workdir, data)
    event(re.sub(r"\d+", "N", check_ingest(db, path)))


@fuzz_settings(10)
@given(data=exports())
def test_a_refused_file_leaves_no_new_records(workdir, data):
    """Into no database at all: a refused file leaves no database, or (refused by the reader, after the
    database was opened: see ``test_refused_by_the_reader_creates_no_database``) one that holds nothing; an
    accepted one balances as above."""
    case = workdir / f"case{next(_counter)}"
    case.mkdir()
    path = case / "export.csv"
    path.write_bytes(data)
    db = case / "new.duckdb"
    reports, errors = ingest(db, [path])
    assert len(reports) + len(errors) == 1
    if errors:
        assert not db.exists() or counts(db, ("SELECT count(*) FROM sources",), ("SELECT count(*) FROM arrests",),
                                         ("SELECT count(*) FROM summonses",), ("SELECT count(*) FROM quarantine",)) == [0] * 4
    else:
        (r,) = reports
        assert r.rows_loaded + r.rows_rejected + r.rows_duplicate == r.rows_read


# ------------------------------------------------------------------------------------------------ named cases

def _base(edition: str = "arrests-2017", first: int = 5000, n: int = 20) -> bytes:
    e = EDITIONS[edition]
    return csv_text(e.header, e.rows(first, n)).encode()


NAMED = {
    "bom": b"\xef\xbb\xbf" + _base(),
    "crlf": _base().replace(b"\n", b"\r\n"),
    "header only": _base(n=0),
    "header only, no newline": _base(n=0).rstrip(b"\n"),
    "blank lines": _base().replace(b"\n", b"\n\n"),
    "header repeated mid-file": _base() + _base(first=6000).split(b"\n", 1)[0] + b"\n" + _base(first=6000).split(b"\n", 1)[1],
    "summonses rows in an arrests file": _base() + _base("summonses", 7000, 3).split(b"\n", 1)[1],
    "2017 rows in a 2021 file": _base("arrests-2021") + _base(first=7000, n=3).split(b"\n", 1)[1],
    "extra and missing fields": _base() + b"1,2,3\n" + _base(first=7000, n=1).split(b"\n", 1)[1].rstrip(b"\n") + b",x,y\n",
    "quoted field holding CRLF in an LF file": _base() + csv_text(ARREST_HEADER, [_arrest(8103) | {"PD_DESC": "A\r\nB"}]).split("\n", 1)[1].encode(),
    "quoted field holding LF in a CRLF file": (_base().replace(b"\n", b"\r\n").replace(b"TWO\r\nLINES", b"TWO LINES")
                                               + csv_text(ARREST_HEADER, [_arrest(8102) | {"PD_DESC": "A\nB"}], "\r\n").split("\r\n", 1)[1].encode()),
    "quoted field holding a lone CR": _base() + b'"8104","12/31/2017","567","A\rB","235","DANGEROUS DRUGS","PL 2211001","M","K","75","0","18-24","M","BLACK","1016334","184926","40.674118","-73.8962"\n',
    "mixed line endings": _base() + _base(first=7000, n=2).split(b"\n", 1)[1].replace(b"\n", b"\r\n"),
    "mixed line endings, quoted": _base() + _base(first=7000, n=1).split(b"\n", 1)[1].replace(b"-73.8962\n", b'"-73.8962"\r\n'),
    "stray quote inside a field": _base().replace(b"MARIJUANA", b'MARI"JUANA', 1),
    "unbalanced quote opening a field": _base().replace(b",M,K,", b',"M,K,', 1),
    "10 MB field": _base() + csv_text(ARREST_HEADER, [_arrest(8000) | {"PD_DESC": "Z" * BIG}]).split("\n", 1)[1].encode(),
    "very long unquoted line": _base() + b"8001," + b"9" * 3_000_000 + b"\n",
    "NUL in the first line": b"\x00" + _base(),
    "NUL past the first 64 KB": _base(n=400) + b"8002,\x00\n",
    "gzip named .csv": gzip.compress(_base()),
    "UTF-16": _base().decode().encode("utf-16"),
    "latin-1 row": _base() + "8003,12/31/2017,567,POSESIÓN\n".encode("latin-1"),
    "latin-1 row with too many fields": _base() + "8004,x,y,z,Ñ,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n".encode("latin-1"),
    "empty": b"",
    "truncated last row": _base()[:-25],
    "truncated inside quotes": _base()[: _base().rindex(b"MARIJUANA") + 4],
}


@pytest.mark.parametrize("name", list(NAMED))
def test_named_hostile_files(held_db, workdir, name):
    """The same properties on a table of hand-picked hostile files, one of each kind the strategy mixes."""
    db, path = fresh(held_db, workdir, NAMED[name])
    check_ingest(db, path)


CLI_CASES = ["mixed line endings", "gzip named .csv", "UTF-16", "truncated inside quotes", "10 MB field",
             "header repeated mid-file"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_reports_without_a_traceback(held_db, workdir, name):
    """Through ``python -m nyc_cannabis ingest`` in a subprocess: a refused file is exit code 1 and exactly one
    line on stderr (``error: <file>: <reason>``), an accepted one exit code 0 and its one summary line; never a
    traceback; a refused file leaves the database as it was."""
    db, path = fresh(held_db, workdir, NAMED[name])
    before = fingerprint(db)
    done = run_module("ingest", path, "--db", db, timeout=120)
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr[-2000:]
    if done.returncode == 1:
        assert lines[0].startswith(f"error: {path}: "), lines
        assert fingerprint(db) == before
    else:
        assert done.returncode == 0, done.stderr
        assert lines[0].startswith("export.csv: arrests") and "read" in lines[0], lines


# ------------------------------------------------------------------------------------------------ regressions
# Inputs the fuzzing found that broke a property, minimised, each fixed (in inspection.py, or in the loader:
# the UTF-8 check of the whole file in the read that hashes it, no database left by a refused batch, mixed line
# endings named).

@pytest.mark.parametrize("digits", [400, 60_000])
def test_refusal_of_a_header_with_a_huge_cell_is_one_short_line(held_db, workdir, digits):
    """Found by the fuzzer (a long line inserted into the header): ``<BOM>ARREST_KEY,9999…`` (400 digits, no
    line ending). The refusal quoted the whole cell ("… new column(s) 9999…"): 700 characters, and a header
    cell of 60,000 a 60 KB error line. Now cut to 300 characters."""
    data = b"\xef\xbb\xbfARREST_KEY," + b"9" * digits
    db, path = fresh(held_db, workdir, data)
    assert check_ingest(db, path).startswith("refused: looks like arrests but lacks")
    (error,) = ingest(db, [path])[1]
    assert len(error["error"]) <= len(str(path)) + 2 + 300 and error["error"].endswith("…")


def test_invalid_utf8_in_the_head_is_refused_before_a_database_is_made(workdir):
    """Found by the fuzzer: a byte that is not UTF-8 (0x80) in the second record of a small file. Inspection
    decoded only the header, so the file reached DuckDB's reader, which refused it, but only after the
    database had been created: an empty new database was left behind, against the loader's "a batch of
    refused files leaves no new database". Now the head and tail that inspection reads must decode."""
    data = _base(n=3).replace(b"DANGEROUS DRUGS", b"\x80DANGEROUS DRUGS", 2)
    new, errors = _into_new_database(workdir, data)
    assert "not UTF-8 text (byte 0x80 at offset" in errors[0]["error"]
    assert not new.exists()


def test_latin1_row_with_too_many_fields_is_refused(held_db, workdir):
    """Found by the fuzzer: a latin-1 row (``Ñ``, byte 0xd1) that also has too many fields. DuckDB's reader
    reported it as TOO MANY COLUMNS, not as invalid encoding, so the file loaded and the bytes went to
    quarantine, against "invalid UTF-8 anywhere refuses the whole file". Refused now when the row lies in the
    head or tail inspection reads (the middle of a large file: the next test but one)."""
    data = _base() + "8004,x,y,z,Ñ,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n".encode("latin-1")
    db, path = fresh(held_db, workdir, data)
    assert check_ingest(db, path).startswith("refused: not UTF-8 text (byte 0xd1")


def test_bare_cr_line_endings_are_named(held_db, workdir):
    """Found with the fuzzer's line-ending edits: a file whose lines end in a bare CR (classic Mac) was refused as
    "the first line is not a CSV header", which sends the reader looking at the header. Now the refusal says
    what is wrong. (A header cell holding a quoted CR is refused the same way: no export has one.)"""
    db, path = fresh(held_db, workdir, _base().replace(b"\n", b"\r"))
    assert check_ingest(db, path).startswith("refused: lines end in a bare carriage return")


#: a file larger than inspection's head and tail (64 KB each): its middle is read by DuckDB only
_LARGE = 1200


def test_latin1_row_with_too_many_fields_in_the_middle_of_a_large_file_is_refused(held_db, workdir):
    """The loader's rule: invalid UTF-8 anywhere refuses the whole file. Here the bad row is past the head."""
    rows = _base(n=_LARGE).split(b"\n")
    bad = "8004,x,y,z,Ñ,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p".encode("latin-1")
    data = b"\n".join(rows[: _LARGE // 2] + [bad] + rows[_LARGE // 2:])
    assert len(data) > 2 * 65536 and data.index(bad) > 65536 and len(data) - data.index(bad) > 65536  # the middle
    db, path = fresh(held_db, workdir, data)
    assert check_ingest(db, path).startswith("refused: not UTF-8")


def test_refused_by_the_reader_creates_no_database(workdir):
    """The loader's docstring: "a batch of refused files leaves no new database behind". A byte that is not
    UTF-8 in the middle of a large file is found by DuckDB's reader only, after the database was made."""
    rows = _base(n=_LARGE).split(b"\n")
    data = b"\n".join(rows[: _LARGE // 2] + ["8005,12/31/2017,567,POSESIÓN".encode("latin-1")] + rows[_LARGE // 2:])
    new, errors = _into_new_database(workdir, data)
    assert "not UTF-8" in errors[0]["error"]
    assert not new.exists()


_ROW = csv_text(ARREST_HEADER, [_arrest(8100)]).split("\n", 1)[1].encode()
VALID_BUT_REFUSED = {
    "CRLF rows appended to an LF file": _base() + _ROW.replace(b"\n", b"\r\n"),
}


@pytest.mark.parametrize("name", list(VALID_BUT_REFUSED))
def test_mixed_line_endings_are_refused_in_one_clear_line(held_db, workdir, name):
    """A file Python's ``csv`` module reads (a few CRLF rows at the end of an LF export, as an editor appending
    rows writes them), but DuckDB's strict reader cannot split safely: it stops at the unquoted CR. The file is
    refused whole, in the file's words (DuckDB's own message advised turning strict mode off), and the
    database is unchanged (``check_ingest``). A file whose last field is quoted is read, the row quarantined
    alone (``named`` case "mixed line endings, quoted")."""
    data = VALID_BUT_REFUSED[name]
    assert csv_records(data) == 21
    db, path = fresh(held_db, workdir, data)
    assert check_ingest(db, path).startswith("refused: lines end in two ways (LF and CR LF")
