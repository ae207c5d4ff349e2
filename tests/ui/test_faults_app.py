"""Faults survived by the dashboard (issue 18, item 3; docs/faults.md): its writes (an upload, a rebuild of the
summary) on a full disk, killed at the swap, on a read-only or damaged database, two at once; the app at start
on a damaged database. Each ends in one clear message (``UploadRefused``, shown by the page as "Not …: <why>.
The database is unchanged."), the database exactly as before or as after, and the app still serving."""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest
from conftest import ARREST_HEADER, ROOT, arrest, csv_text
from helpers import (
    assert_usable,
    file_size_limit,
    fingerprint,
    kill_when,
    read_only_copy,
    spawn_python,
    wait_for_line,
)
from streamlit.testing.v1 import AppTest

from nyc_cannabis.ui import data, writes

#: a child that runs one of the dashboard's writes on sys.argv[2] and prints its outcome on one line
WRITE = ("from nyc_cannabis.ui import data, writes\n"
         "db = data.Db(sys.argv[2], 1.0)\n"
         "try:\n"
         "    if sys.argv[1] == 'upload':\n"
         "        out = writes.ingest_upload(db, 'up.csv', open(sys.argv[3], 'rb').read())\n"
         "    else:\n"
         "        out = writes.summarize_copy(db)\n"
         "    print('done', out.get('replaced', True))\n"
         "except writes.UploadRefused as exc:\n"
         "    print('refused:', exc)\n")


def upload_csv(tmp_path, first: int = 100, n: int = 300):
    path = tmp_path / "up.csv"
    path.write_text(csv_text(ARREST_HEADER, [arrest(str(k)) for k in range(first, first + n)]), encoding="utf-8")
    return path


def copies(db):
    return sorted(db.parent.glob(f".{db.name}.ingest-*"))


def run_write(kind, db, *args, limit=None, env=None, **popen):
    return spawn_python(WRITE, kind, db, *args, text=True, env=env,
                        preexec_fn=file_size_limit(limit) if limit else None, **popen)


# ------------------------------------------------------------------------------------------ disk full

@pytest.mark.parametrize("kind, room", [("upload", "none for the copy"), ("upload", "the copy, not the work"),
                                        ("summarize", "the copy, not the work")])
def test_disk_full_during_a_write_of_the_app(populated, tmp_path, kind, room):
    """Before: an ``OSError`` (the copy) or ``TransactionException: cannot rollback`` (the work) out of the
    page. Now one line; the database as before; no copy left."""
    size = populated.stat().st_size
    limit = size // 2 if room == "none for the copy" else size + (64 << 10)
    before = fingerprint(populated)
    child = run_write(kind, populated, upload_csv(tmp_path), limit=limit)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.startswith("refused:") and len(out.strip().splitlines()) == 1, out
    assert ("does not fit" if room == "none for the copy" else "no space left") in out, out
    assert str(populated) in out
    assert fingerprint(populated) == before and not copies(populated)
    assert_usable(populated)
    child = run_write(kind, populated, upload_csv(tmp_path))  # room again: it works
    assert child.communicate(timeout=120)[0].startswith("done")


# ------------------------------------------------------------------------------------------ kill -9 at the swap

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["upload", "summarize"])
@pytest.mark.parametrize("moment", ["BEFORE", "AFTER"])
def test_killed_at_the_swap(populated, tmp_path, kind, moment):
    """SIGKILL paused just before (after) the ``os.replace``: the database is as before (after), its copy is
    left behind and deleted by the next write (its process is gone); the rerun works."""
    before = fingerprint(populated)
    child = run_write(kind, populated, upload_csv(tmp_path), env={f"ANALYTICS_PAUSE_{moment}_SWAP": "1"},
                      stdin=subprocess.PIPE)
    assert kill_when(child, lambda: wait_for_line(child.stderr, f"writes: paused {moment.lower()} swap") is not None,
                     timeout=60) == -signal.SIGKILL
    now = fingerprint(populated)
    if moment == "BEFORE":
        assert now == before and len(copies(populated)) == 1
    elif kind == "upload":
        assert now["arrests_raw"][0] == before["arrests_raw"][0] + 300 and not copies(populated)
    removed = writes.clean_leftovers(populated)  # what the next write, or the app's next start, does first
    assert len(removed) == (moment == "BEFORE") and not copies(populated)
    out = run_write(kind, populated, upload_csv(tmp_path)).communicate(timeout=120)[0]
    assert out.startswith("done"), out
    assert_usable(populated)


# ------------------------------------------------------------------------------------------ WAL, two writers

def test_a_write_ahead_log_left_beside_the_database_is_folded_not_refused(populated, tmp_path):
    """Before: "has an unfinished write-ahead log; run `info` once" — which never removed it (info reads)."""
    wal = populated.parent / (populated.name + ".wal")
    wal.write_bytes(b"")  # what a COMMIT that found the disk full leaves
    out = writes.ingest_upload(data.Db(str(populated), 1.0), "up.csv", upload_csv(tmp_path).read_bytes())
    assert out["replaced"] and not wal.exists()
    assert fingerprint(populated)["arrests_raw"][0] == 302


def test_a_second_write_while_one_runs_is_refused(populated, tmp_path):
    """An upload in another process held just before its COMMIT (on its copy): a write here is refused at once
    in one line; the first one then finishes."""
    child = run_write("upload", populated, upload_csv(tmp_path), env={"ANALYTICS_PAUSE_BEFORE_COMMIT": "1"},
                      stdin=subprocess.PIPE)
    try:
        wait_for_line(child.stderr, "ingest: paused before commit")
        with pytest.raises(writes.UploadRefused, match="another change to .* is running"):
            writes.summarize_copy(data.Db(str(populated), 1.0))
        child.stdin.write("\n")
        child.stdin.flush()
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert out.startswith("done True")
    assert fingerprint(populated)["arrests_raw"][0] == 302


# ------------------------------------------------------------------------------------------ the app itself

def methods_page(monkeypatch, db) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("nyc_cannabis/ui/screens/methods.py")
    return at.run()


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_database_at_app_start_is_a_clear_notice(monkeypatch, populated, tmp_path, damage):
    """Before: "cannot be read: IO Error: Could not read enough bytes…" with nothing to do. Now the notice
    names the file, what is wrong and what to do; the app serves the next run."""
    db = tmp_path / "damaged.duckdb"
    data_ = populated.read_bytes()
    db.write_bytes(data_[:12288] if damage == "truncated" else b"not a database\n" * 100)
    at = methods_page(monkeypatch, db)
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    assert str(db) in error and "is damaged" in error and "restore it from a backup" in error, error
    shutil.copy2(populated, db)  # restored: the same server reads it
    at.run()
    assert not at.exception and not at.error


def test_read_only_database_app_reads_and_refuses_writes(monkeypatch, populated, tmp_path):
    db, undo = read_only_copy(populated, tmp_path)
    try:
        at = methods_page(monkeypatch, db)
        assert not at.exception and not at.error
        assert {m.label: m.value for m in at.metric}["Arrests (unique records)"] == "2"
        with pytest.raises(writes.UploadRefused) as refused:
            writes.ingest_upload(data.Db(str(db), 1.0), "up.csv", upload_csv(tmp_path).read_bytes())
        assert str(db) in str(refused.value) and "cannot be written" in str(refused.value)
        at.run()
        assert not at.exception and not at.error
    finally:
        undo()
