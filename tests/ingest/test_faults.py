"""Faults survived, each tested (issue 18, item 3; docs/faults.md): a full disk, a kill, a damaged file, a
read-only file, two writers. Each ends in one line from the command (no traceback), the database exactly as
before or exactly as after a whole file (an order-independent hash of every table, by SQL written in
helpers.fingerprint), the file still opening and checkpointing, and a rerun that works.

Real processes, real DuckDB files, real signals: a full disk is RLIMIT_FSIZE in the child (EFBIG, "File too
large") or, as root, a small tmpfs (ENOSPC); kills are synchronised by the loader's pause hook (a line on
stderr, then stdin) or by inotify on the database's files, never by a sleep."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

import pytest
from conftest import ARREST_HEADER, arrest, cli, cli_json, run_module, write_csv
from helpers import (
    AT_ANOTHER_MOMENT,
    FileWrites,
    assert_usable,
    file_size_limit,
    fingerprint,
    kill_when,
    one_line_error,
    read_only_copy,
    small_disk,
    spawn_python,
    wait_for_line,
)

PAUSED = "ingest: paused before commit"


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    """Arrest exports of 3,000 rows (its commit writes ~0.7 MB of write-ahead log), 30,000 (~6.5 MB of log)
    and 150,000 (more than a row group: DuckDB writes it into the database file before the COMMIT)."""
    d = tmp_path_factory.mktemp("faults")
    out = {}
    start = 10
    for name, n in (("small", 3000), ("mid", 30000), ("big", 150000)):
        out[name] = write_csv(d / f"{name}.csv", ARREST_HEADER, [arrest(str(k)) for k in range(start, start + n)])
        start += n
    out["small2"] = write_csv(d / "small2.csv", ARREST_HEADER, [arrest(str(k)) for k in range(start, start + 500)])
    return out


def ingest_child(db, *paths, limit: int | None = None, pause: bool = False, **popen) -> subprocess.Popen:
    env = {"ANALYTICS_PAUSE_BEFORE_COMMIT": "1"} if pause else {}
    return spawn_python("from nyc_cannabis.cli import main; sys.argv[0] = 'nyc-cannabis-enforcement'; main()",
                        "ingest", *paths, "--db", db, env=env, text=True,
                        preexec_fn=file_size_limit(limit) if limit else None, **popen)


def after_loading(base, tmp_path, *paths):
    """The fingerprint of ``base`` after a clean ingest of ``paths`` (on a copy; the moment of loading left out)."""
    ref = tmp_path / "reference.duckdb"
    shutil.copy2(base, ref)
    cli_json("ingest", *paths, "--db", ref)
    return fingerprint(ref, AT_ANOTHER_MOMENT)


def before_or_after(db, before, after) -> str:
    now = fingerprint(db)
    if now == before:
        return "before"
    assert fingerprint(db, AT_ANOTHER_MOMENT) == after, "the database is neither as before nor as after"
    return "after"


# ------------------------------------------------------------------------------------------ 1. disk full

@pytest.mark.parametrize("moment, size, limit", [
    ("commit: the write-ahead log cannot start", "small", 64 << 10),
    ("commit: the write-ahead log fills the disk half-way", "mid", 3 << 20),
    ("the write of a big file, before its commit", "big", 4 << 20),
    ("the checkpoint after the commit", "small", 1 << 20),
])
def test_disk_full_during_ingest(populated, tmp_path, csvs, moment, size, limit):
    """Before: ``TransactionException: cannot rollback - no transaction is active`` (a traceback hiding "File
    too large") when the COMMIT failed. Now one line naming the database and the cause; as before, or (the
    commit went through, the checkpoint did not) as after the whole file; the rerun loads the file."""
    before = fingerprint(populated)
    after = after_loading(populated, tmp_path, csvs[size])
    proc = ingest_child(populated, csvs[size], limit=limit)
    out, err = proc.communicate(timeout=120)
    state = before_or_after(populated, before, after)
    if proc.returncode:
        line = one_line_error(err)
        assert "File too large" in line and (str(populated) in line or str(csvs[size]) in line), line
        assert state == "before", moment
    else:
        assert state == "after" and "1 file(s) ingested" in out, moment
    assert_usable(populated)
    (report,) = cli_json("ingest", csvs[size], "--db", populated)["files"]
    assert report["rows_loaded"] == (0 if state == "after" else report["rows_read"])
    assert fingerprint(populated, AT_ANOTHER_MOMENT) == after


def test_a_failed_commit_is_the_files_refusal_and_the_next_file_still_loads(populated, csvs):
    """The loader's own contract: a file whose COMMIT fails is refused (an ``errors`` entry), not an exception
    out of ``ingest``."""
    child = spawn_python("import json; from nyc_cannabis.ingest.loader import ingest\n"
                         "reports, errors = ingest(sys.argv[1], sys.argv[2:])\n"
                         "print(json.dumps(errors))", populated, csvs["small"], text=True,
                         preexec_fn=file_size_limit(64 << 10))
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    (error,) = json.loads(out)
    assert "File too large" in error["error"]


def test_disk_full_on_a_small_tmpfs(populated, tmp_path, csvs):
    """ENOSPC, a real full disk: a tmpfs just bigger than the database."""
    disk, undo = small_disk(tmp_path, populated.stat().st_size + (256 << 10))
    try:
        db = disk / "full.duckdb"
        shutil.copy2(populated, db)
        before = fingerprint(db)
        result = run_module("ingest", csvs["small"], "--db", db)
        assert result.returncode == 1
        line = one_line_error(result.stderr)
        assert "No space left on device" in line and str(db) in line, line
        assert fingerprint(db) == before
        assert_usable(db)
    finally:
        undo()


@pytest.mark.parametrize("command", ["summarize", "demo"])
def test_disk_full_during_summarize_and_demo(make_demo_db, tmp_path, command):
    """``summarize`` rewrites every cell in one transaction: its failed COMMIT was the same traceback."""
    db = tmp_path / "s.duckdb"
    shutil.copy2(make_demo_db(2000), db)
    before = fingerprint(db)
    args = (("summarize",) if command == "summarize" else
            ("demo", "--out", tmp_path / "demo", "--arrests", "3000", "--summonses", "10", "--seed", "5"))
    child = spawn_python("from nyc_cannabis.cli import main; sys.argv[0] = 'x'; main()", *args, "--db", db,
                         text=True, preexec_fn=file_size_limit(64 << 10))
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    line = one_line_error(err)
    assert "File too large" in line, line
    assert fingerprint(db) == before
    assert_usable(db)
    if command == "summarize":
        assert cli_json("summarize", "--db", db)["datasets"]["arrests"]["records"] > 0


# ------------------------------------------------------------------------------------------ 2/6. kill -9

@pytest.mark.slow
@pytest.mark.parametrize("file, times", [("db", 1), ("wal", 1)])
def test_killed_while_writing_a_big_file(populated, tmp_path, csvs, file, times):
    """SIGKILL at the ``times``-th write to the database file (the big file's row groups, before its COMMIT)
    or the first write to the write-ahead log (the COMMIT itself): as before or as after, never between."""
    before = fingerprint(populated)
    after = after_loading(populated, tmp_path, csvs["big"])
    writes = FileWrites(populated.parent)
    proc = ingest_child(populated, csvs["big"])
    name = populated.name + (".wal" if file == "wal" else "")
    code = kill_when(proc, lambda: writes.wait(name, times), then=writes.close)
    state = before_or_after(populated, before, after)
    if file == "db":
        assert code == -signal.SIGKILL and state == "before"
    assert_usable(populated)
    cli_json("ingest", csvs["big"], "--db", populated)
    assert fingerprint(populated, AT_ANOTHER_MOMENT) == after


def test_write_ahead_log_left_by_a_killed_ingest(populated, tmp_path, csvs):
    """Two files: the first commits (into the write-ahead log, not yet checkpointed), the process is killed
    paused before the second's COMMIT. The log is replayed: a reader sees the first file, whole; the next
    write folds it; the rerun loads the second."""
    after_first = after_loading(populated, tmp_path, csvs["small"])
    proc = ingest_child(populated, csvs["small"], csvs["small2"], pause=True, stdin=subprocess.PIPE)

    def second_pause() -> bool:
        wait_for_line(proc.stderr, PAUSED)
        proc.stdin.write("\n")
        proc.stdin.flush()
        wait_for_line(proc.stderr, PAUSED)  # the first file is committed
        return True

    assert kill_when(proc, second_pause, timeout=60) == -signal.SIGKILL
    assert (populated.parent / (populated.name + ".wal")).exists()
    assert fingerprint(populated, AT_ANOTHER_MOMENT) == after_first
    assert [s["file_name"] for s in cli_json("info", "--db", populated)["sources"]][-1] == "small.csv"
    (report,) = cli_json("ingest", csvs["small2"], "--db", populated)["files"]
    assert report["rows_loaded"] == 500
    assert not (populated.parent / (populated.name + ".wal")).exists()
    assert_usable(populated)


def test_a_garbage_write_ahead_log_is_ignored_then_removed(populated, tmp_path, csvs):
    """A log that is not a log of this database (garbage) beside the file: DuckDB replays nothing from it (the
    database reads as before) and the next write removes it."""
    before = fingerprint(populated)
    wal = populated.parent / (populated.name + ".wal")
    wal.write_bytes(b"\x07" * 5000)
    assert fingerprint(populated) == before
    assert cli_json("info", "--db", populated)["arrests"] == 2
    cli_json("ingest", csvs["small2"], "--db", populated)
    assert not wal.exists()
    assert_usable(populated)


@pytest.mark.slow
def test_killed_during_cli_summarize(populated, tmp_path):
    """SIGKILL at the first write of ``summarize``'s COMMIT (to the write-ahead log): before or after."""
    before = fingerprint(populated)
    writes = FileWrites(populated.parent)
    proc = spawn_python("from nyc_cannabis.cli import main; sys.argv[0] = 'x'; main()", "summarize", "--db",
                        populated)
    kill_when(proc, lambda: writes.wait(populated.name + ".wal"), then=writes.close, timeout=60)
    assert fingerprint(populated) == before  # the cells summarize writes are the ones it found
    assert_usable(populated)
    assert cli_json("summarize", "--db", populated)["datasets"]["arrests"]["records"] == 2


# ------------------------------------------------------------------------------------------ 3. damaged

@pytest.mark.parametrize("damage", ["empty", "header only", "truncated", "half", "garbage"])
def test_damaged_database_is_one_line_naming_the_file(populated, tmp_path, damage):
    """Before: ``IOException: Could not read enough bytes`` (a traceback). Now one line: the file, what is
    wrong, what to do; for every command that reads or writes it."""
    db = tmp_path / "damaged.duckdb"
    data = populated.read_bytes()
    db.write_bytes({"empty": b"", "header only": data[:100], "truncated": data[:12288],
                    "half": data[:len(data) // 2], "garbage": b"not a database\n" * 1000}[damage])
    for args in (("info",), ("summarize",), ("project", "--dataset", "arrests", "--regime", "mrta-2021")):
        code, _, err = cli(*args, "--db", db)
        if args[0] == "project" and code == 0:
            continue  # it read only the blocks that are there (the cells, near the file's start): right answers
        assert code == 1, err
        line = one_line_error(err)
        assert str(db) in line and "damaged" in line and "restore it from a backup" in line, line


def test_corrupt_block_is_one_line(populated, tmp_path):
    """A checksum that fails on a block read by a query (not at open): still one line."""
    db = tmp_path / "corrupt.duckdb"
    data = bytearray(populated.read_bytes())
    for offset in range(12288 + 4096, len(data) - 4096, 4096):  # every block's payload, headers kept
        data[offset + 100:offset + 116] = b"X" * 16
    db.write_bytes(bytes(data))
    result = run_module("info", "--db", db)
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert str(db) in line and "damaged" in line, line


# ------------------------------------------------------------------------------------------ 4. read-only

def test_read_only_database(populated, tmp_path, csvs):
    """ingest, summarize and update say in one line that the file cannot be written; reading still works."""
    db, undo = read_only_copy(populated, tmp_path)
    try:
        before = fingerprint(db)
        for args in (("ingest", csvs["small2"]), ("summarize",), ("update", "--base-url", "http://127.0.0.1:9")):
            result = run_module(*args, "--db", db)
            assert result.returncode == 1, result
            line = one_line_error(result.stderr)
            assert str(db) in line and "cannot be written" in line, (args, line)
        assert fingerprint(db) == before
        assert cli_json("info", "--db", db)["arrests"] == 2
    finally:
        undo()


# ------------------------------------------------------------------------------------------ 5. two writers

def test_two_ingests_at_once(populated, tmp_path, csvs):
    """The first holds the database paused before its COMMIT; the second says in one line that the database
    is in use and changes nothing; the first then finishes; the second, run again, loads."""
    after = after_loading(populated, tmp_path, csvs["small"], csvs["small2"])
    first = ingest_child(populated, csvs["small"], pause=True, stdin=subprocess.PIPE)
    try:
        wait_for_line(first.stderr, PAUSED)
        second = run_module("ingest", csvs["small2"], "--db", populated)
        assert second.returncode == 1
        assert "is open in another process" in one_line_error(second.stderr)
        first.stdin.write("\n")
        first.stdin.flush()
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0
    cli_json("ingest", csvs["small2"], "--db", populated)
    assert fingerprint(populated, AT_ANOTHER_MOMENT) == after
    assert_usable(populated)

