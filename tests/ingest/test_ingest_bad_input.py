"""Bad input: a refused file leaves the database exactly as it was; a bad row is quarantined and counted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from conftest import (
    ARREST_HEADER,
    ROOT,
    arrest,
    cli,
    cli_json,
    csv_text,
    query,
    run_module,
    snapshot,
    write_csv,
)


def refuse(db, path, message):
    before = snapshot(db)
    code, out, err = cli("ingest", path, "--db", db)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert snapshot(db) == before
    return lines[0]


def test_wrong_header_refused(populated, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["Year", "Felonies"], [["2006", "103308"]])
    refuse(populated, path, "not an NYPD arrests or summons export")


def test_header_missing_a_required_column_refused(populated, tmp_path):
    header = [h for h in ARREST_HEADER if h != "PERP_RACE"]
    path = write_csv(tmp_path / "x.csv", header, [arrest("3")])
    refuse(populated, path, "lacks required column(s) PERP_RACE")


def test_not_csv_refused(populated, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))
    refuse(populated, path, "binary file")


def test_empty_file_refused(populated, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    refuse(populated, path, "empty file")


def test_missing_file_refused(populated, tmp_path):
    refuse(populated, tmp_path / "nope.csv", "no such file")


def test_truncated_mid_row_refused(populated, tmp_path):
    text = csv_text(ARREST_HEADER, [arrest("3"), arrest("4")])
    path = tmp_path / "x.csv"
    path.write_text(text[: text.rindex(",PL 22")], encoding="utf-8")  # cut inside the last record
    refuse(populated, path, "truncated mid-row")


def test_truncated_inside_quotes_refused(populated, tmp_path):
    text = csv_text(ARREST_HEADER, [arrest("3"), arrest("4")])
    path = tmp_path / "x.csv"
    path.write_text(text[: text.rindex('"MARIJUANA, POSS') + 8], encoding="utf-8")
    refuse(populated, path, "ends inside a quoted field")


def test_not_utf8_header_refused(populated, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_text(ARREST_HEADER, [arrest("3")]).encode("utf-16"))
    refuse(populated, path, "binary file")  # UTF-16 text is full of NUL bytes


def test_not_utf8_body_refused(populated, tmp_path):
    rows = [arrest(str(k)) for k in range(3, 50)] + [arrest("50", PD_DESC="MARIHUANA, POSESI\xd3N")]
    path = tmp_path / "x.csv"
    path.write_bytes(csv_text(ARREST_HEADER, rows).encode("latin-1"))
    refuse(populated, path, "not UTF-8")


def test_refused_file_does_not_stop_the_others(populated, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    good = write_csv(tmp_path / "good.csv", ARREST_HEADER, [arrest("77")])
    code, out, err = cli("ingest", bad, good, "--db", populated, "--json")
    assert code == 1
    result = json.loads(out)
    assert [e["path"] for e in result["errors"]] == [str(bad)]
    assert [f["rows_loaded"] for f in result["files"]] == [1]
    assert query(populated, "SELECT count(*) FROM arrests") == [(3,)]


def test_refused_file_creates_no_database(tmp_path, db):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    code, _, _ = cli("ingest", bad, "--db", db)
    assert code == 1 and not db.exists()


def test_bad_rows_quarantined_with_line_and_reason(tmp_path, db):
    rows = [
        arrest("1"),                                        # line 2: fine
        arrest("", ARREST_DATE="12/30/2017"),               # line 3: missing key
        arrest("3", ARREST_DATE="31/12/2017"),              # line 4: unparseable date (day-first)
        arrest("4", ARREST_DATE="12/31/1999"),              # line 5: before the datasets began
        arrest("5", ARREST_PRECINCT="999"),                 # line 6: impossible precinct
        arrest("6", Latitude="12.5"),                       # line 7: not in New York City
        arrest("7", PD_CD="five"),                          # line 8: not a number
        list(arrest("8").values()) + ["extra"],             # line 9: too many fields
        list(arrest("9").values())[:5],                     # line 10: too few fields
        arrest("10"),                                       # line 11: fine
    ]
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, rows)
    (report,) = cli_json("ingest", path, "--db", db)["files"]
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"], report["rows_duplicate"]) == (10, 2, 8, 0)
    quarantined = dict(query(db, "SELECT line, reason FROM quarantine ORDER BY line"))
    assert sorted(quarantined) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "missing ARREST_KEY" in quarantined[3]
    assert "unparseable ARREST_DATE '31/12/2017' (expected date %m/%d/%Y)" in quarantined[4]
    assert "impossible ARREST_DATE 1999-12-31" in quarantined[5]
    assert "impossible ARREST_PRECINCT 999" in quarantined[6]
    assert "impossible Latitude 12.5" in quarantined[7]
    assert "unparseable PD_CD 'five' (expected a number)" in quarantined[8]
    assert "TOO MANY COLUMNS" in quarantined[9]
    assert "MISSING COLUMNS" in quarantined[10]
    raw = dict(query(db, "SELECT line, raw FROM quarantine"))
    assert "31/12/2017" in raw[4] and raw[4].startswith("3,31/12/2017,567,")  # the raw line is kept
    assert json.loads(raw[6])["arrest_precinct"] == 999  # a typed row is kept as JSON
    assert query(db, "SELECT arrest_key, line FROM arrests ORDER BY line") == [("1", 2), ("10", 11)]
    info = cli_json("info", "--db", db)
    assert info["quarantined"] == 8
    # ingesting again: rejected rows are counted again but not stored twice
    (again,) = cli_json("ingest", path, "--db", db)["files"]
    assert (again["rows_loaded"], again["rows_rejected"], again["rows_duplicate"]) == (0, 8, 2)
    assert query(db, "SELECT count(*) FROM quarantine") == [(8,)]


def test_fractional_code_is_not_a_whole_number(tmp_path, db):
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1", KY_CD="235.5"), arrest("2", KY_CD="235.0")])
    (report,) = cli_json("ingest", path, "--db", db)["files"]
    assert (report["rows_loaded"], report["rows_rejected"]) == (1, 1)
    assert query(db, "SELECT line, reason FROM quarantine") == [(2, "KY_CD is not a whole number: 235.5")]
    assert query(db, "SELECT arrest_key, ky_cd FROM arrests") == [("2", 235)]


def test_line_numbers_survive_quoted_newlines_and_rejects(tmp_path, db):
    # an invalid row (line 6: key missing) sends the file down the numbered path, which numbers the records
    rows = [arrest("1"), list(arrest("2").values())[:3], arrest("3", PD_DESC="TWO\nLINES"), arrest("4"),
            arrest("")]
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, rows)
    cli_json("ingest", path, "--db", db)
    # lines are CSV records (header = 1): a quoted newline does not shift the count
    assert query(db, "SELECT arrest_key, line FROM arrests ORDER BY line") == [("1", 2), ("3", 4), ("4", 5)]
    assert query(db, "SELECT line FROM quarantine ORDER BY line") == [(3,), (6,)]


def test_fast_path_keeps_reject_lines_and_leaves_records_unnumbered(tmp_path, db):
    """A clean file with one unsplittable record stays on the fast path: the reader numbers its reject
    itself (line 3), and the records, whose keys are unique in the file, carry no line (NULL)."""
    rows = [arrest("1"), list(arrest("2").values())[:3], arrest("3", PD_DESC="TWO\nLINES"), arrest("4")]
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, rows)
    report = cli_json("ingest", path, "--db", db)["files"][0]
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (4, 3, 1)
    assert query(db, "SELECT arrest_key, line FROM arrests ORDER BY arrest_key") == [("1", None), ("3", None),
                                                                                     ("4", None)]
    assert query(db, "SELECT line FROM quarantine") == [(3,)]


def test_synthetic_and_real_never_mix(tmp_path, db):
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    fake = write_csv(demo_dir / "demo_arrests.csv", ARREST_HEADER, [arrest("1")])
    import hashlib
    sha = hashlib.sha256(fake.read_bytes()).hexdigest()
    (demo_dir / "SYNTHETIC.json").write_text(json.dumps({"synthetic": True, "files": [{"sha256": sha}]}))
    (report,) = cli_json("ingest", fake, "--db", db)["files"]
    assert report["synthetic"] is True
    assert cli_json("info", "--db", db)["synthetic"] is True
    real_like = write_csv(tmp_path / "real.csv", ARREST_HEADER, [arrest("2")])
    refuse(db, real_like, "holds synthetic demo data")


@pytest.mark.slow
def test_killed_mid_ingest_leaves_database_as_before(populated, tmp_path):
    """A process killed just before COMMIT (held there by the test hook) leaves no trace of the file."""
    rows = [arrest(str(k)) for k in range(100, 2100)] + [arrest("1", PERP_RACE="")]
    path = write_csv(tmp_path / "big.csv", ARREST_HEADER, rows)
    before = snapshot(populated)
    env = dict(os.environ, ANALYTICS_PAUSE_BEFORE_COMMIT="1")
    proc = subprocess.Popen([sys.executable, "-m", "nyc_cannabis", "ingest", str(path), "--db", str(populated)],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().strip() == "ingest: paused before commit"  # blocks until there
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(populated) == before
    # and the database still works: the same file then loads in full
    (report,) = cli_json("ingest", path, "--db", populated)["files"]
    assert report["rows_loaded"] == 2000


def test_several_reader_errors_on_one_line_are_listed_in_a_stable_order(tmp_path, db):
    path = write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1", ARREST_DATE="soon", PD_CD="x", KY_CD="y")])
    cli_json("ingest", path, "--db", db)
    (reason,) = query(db, "SELECT reason FROM quarantine")[0]
    assert reason == ("unparseable ARREST_DATE 'soon' (expected date %m/%d/%Y); "
                      "unparseable KY_CD 'y' (expected a number); unparseable PD_CD 'x' (expected a number)")


def test_a_database_held_by_another_process_is_a_one_line_error(populated, tmp_path):
    """A running dashboard holds the file read-only; ingest and summarize say so and change nothing."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('holding', flush=True); sys.stdin.read()", str(populated)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"  # blocks until the lock is held
        path = write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("9")])
        for args in (("ingest", path), ("summarize",)):
            result = run_module(*args, "--db", populated)
            assert result.returncode != 0
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "is open in another process" in lines[0], result.stderr
    finally:
        holder.stdin.close()
        holder.wait()
    assert query(populated, "SELECT count(*) FROM arrests WHERE arrest_key = '9'") == [(0,)]
