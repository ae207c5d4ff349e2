"""Hostile uploads (issue 18, item 4): names with ``../``, NUL, a leading dot, a Windows path or 300 characters,
an upload over the size limit, and many uploads at once. Each is loaded under a safe name or refused in one line;
nothing is written outside the database's folder and the upload's own temporary folder (which is removed); the
database ends holding exactly the records of the uploads that were loaded."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest
from conftest import ARREST_HEADER, arrest, csv_text, query, snapshot

from nyc_cannabis.ui import data, writes


def payload(first: int, n: int = 20) -> bytes:
    return csv_text(ARREST_HEADER, [arrest(str(k)) for k in range(first, first + n)]).encode("utf-8")


@pytest.fixture
def scratch(monkeypatch, tmp_path):
    """The temporary directory every upload's CSV is written under, empty: afterwards it must be empty again."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


HOSTILE = ["../../escaped.csv", "../escaped.csv", "/etc/escaped.csv", "..\\..\\escaped.csv", "C:\\Users\\x\\escaped.csv",
           "esc\x00aped.csv", ".hidden.csv", "..", ".", "", "a/../../escaped.csv", "é" * 200 + ".csv", "x" * 300 + ".csv",
           "name with spaces; rm -rf ~.csv", "\u202ecsv.exe"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_loaded_under_a_safe_name_and_writes_nowhere_else(populated, tmp_path, scratch, name):
    folder = populated.parent
    before = [p for p in listing(folder) if not p.startswith("tmp")]
    out = writes.ingest_upload(data.Db(str(populated), 1.0), name, payload(500))
    assert out["replaced"] and not out["errors"], out
    [report] = out["files"]
    assert report["rows_loaded"] == 20
    [(stored,)] = query(populated, "SELECT file_name FROM sources WHERE source_id = ?", [report["source_id"]])
    assert stored == Path(report["path"]).name
    # the name it was stored under: the last part of the path, ASCII letters, digits, '.', '_', '-', no leading
    # dot, short enough for any file system
    assert stored and not stored.startswith(".") and len(stored.encode()) <= 120
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in stored), stored
    assert "/" not in stored and "\\" not in stored and "\x00" not in stored
    # nothing escaped: not above the database's folder, not in the temporary directory, nothing new beside the
    # database but the write lock
    for escaped in (folder.parent / "escaped.csv", folder.parent.parent / "escaped.csv", folder / "escaped.csv"):
        assert not escaped.exists()
    assert listing(scratch) == []
    after = [p for p in listing(folder) if not p.startswith("tmp")]
    assert set(after) - set(before) <= {f".{populated.name}.write-lock"}
    [(n,)] = query(populated, "SELECT count(*) FROM arrests")
    assert n == 2 + 20


def test_an_upload_over_the_limit_is_refused_and_changes_nothing(monkeypatch, populated, scratch):
    monkeypatch.setattr(writes, "UPLOAD_LIMIT_MB", 1)
    before = snapshot(populated)
    big = payload(1000, 8000)  # about 2 MB
    assert len(big) > 1024 * 1024
    with pytest.raises(writes.UploadRefused, match=r"the limit is 1 MB") as refused:
        writes.ingest_upload(data.Db(str(populated), 1.0), "big\n[click](https://evil.example).csv", big)
    # the refusal names the file by its safe name: one line, no markdown link a page would render
    assert str(refused.value).startswith("evil.example_.csv is ")  # the last part of what reads as a path
    assert "\n" not in str(refused.value) and "](" not in str(refused.value)
    assert snapshot(populated) == before
    assert listing(scratch) == []


def test_many_uploads_at_once_each_loaded_or_refused_in_one_line(populated, scratch):
    """Eight uploads started together (eight readers pressing the button at once): one change at a time, so
    each is loaded or refused at once with "another change … is running"; the database then holds exactly the
    records of those loaded, and no copy is left beside it."""
    db = data.Db(str(populated), 1.0)
    outcomes: dict[int, object] = {}
    go = threading.Barrier(8)

    def upload(i: int) -> None:
        go.wait()
        try:
            outcomes[i] = writes.ingest_upload(db, f"up-{i}.csv", payload(10_000 * (i + 1)))
        except writes.UploadRefused as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = [i for i, o in outcomes.items() if isinstance(o, dict)]
    refused = [o for o in outcomes.values() if isinstance(o, writes.UploadRefused)]
    assert len(loaded) + len(refused) == 8 and loaded
    assert all("another change" in str(r) and "\n" not in str(r) for r in refused)
    assert all(outcomes[i]["replaced"] and outcomes[i]["files"][0]["rows_loaded"] == 20 for i in loaded)
    keys = {k for (k,) in query(populated, "SELECT arrest_key FROM arrests")}
    assert keys == {"1", "2"} | {str(10_000 * (i + 1) + j) for i in loaded for j in range(20)}
    assert not list(populated.parent.glob(f".{populated.name}.ingest-*"))
    assert listing(scratch) == []
