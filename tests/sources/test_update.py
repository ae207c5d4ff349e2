"""``update``: one command keeps a database current (nyc_cannabis/ingest/update.py, the CLI's ``update``).

Against the local Socrata server (tests/socrata_server.py): the database an update builds equals ingesting the
same downloads directly; a second update in a row changes nothing; faults are survived; a process killed
mid-download or mid-ingest leaves the database as before or as after a whole file, and a rerun completes it;
a server that wants a token gets one line naming SODA_APP_TOKEN; ``--since`` is respected. No sleeping (the
retry sleep is a recorder) and no timing: the kills are synchronised by a held request and by the loader's
pause-before-commit hook.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import cli, cli_json, snapshot
from helpers import kill_when_held, spawn_python
from socrata_server import Fault, SocrataServer, no_token_in_environment, server, sleeps  # noqa: F401
from test_fetch import (
    ARRESTS_HISTORIC,
    ARRESTS_YTD,
    MJ_TEMPLATES,
    OTHER_TEMPLATES,
    SUMMONS_221_05,
    SUMMONS_221_10,
    SUMMONS_222_10,
    SUMMONS_HISTORIC,
    SUMMONS_TRESPASS,
    SUMMONS_YTD,
)

from nyc_cannabis.ingest.loader import ingest
from nyc_cannabis.ingest.update import PLAN_NAME, update, work_dir_for
from nyc_cannabis.sources.socrata import FetchError, fetch

RACES = ["BLACK", "WHITE HISPANIC", "WHITE", "BLACK HISPANIC", "ASIAN / PACIFIC ISLANDER", "UNKNOWN"]
PAGE = 100  # small pages: every download is several pages


def arrests(n: int, first_key: int, start: date, days: int) -> list[dict[str, Any]]:
    """``n`` arrests spread over ``days`` days from ``start``: four in five marijuana, races in turn."""
    rows = []
    for i in range(n):
        template = OTHER_TEMPLATES[i % len(OTHER_TEMPLATES)] if i % 5 == 4 else MJ_TEMPLATES[i % len(MJ_TEMPLATES)]
        day = start + timedelta(days=i * days // n)
        rows.append({**template, "arrest_key": str(first_key + i), "arrest_date": f"{day}T00:00:00.000",
                     "perp_race": RACES[i % len(RACES)]})
    return rows


def summonses(n: int, first_key: int, start: date, days: int) -> list[dict[str, Any]]:
    templates = [SUMMONS_221_05, SUMMONS_221_10, SUMMONS_222_10, SUMMONS_TRESPASS]
    return [{**templates[i % 4], "summons_key": str(first_key + i),
             "summons_date": f"{start + timedelta(days=i * days // n)}T00:00:00.000", "race": RACES[i % len(RACES)]}
            for i in range(n)]


def world() -> dict[str, list[dict[str, Any]]]:
    """Historic to the end of 2020, Year-to-Date in 2021; one impossible precinct (quarantined), one key in
    both sources (a duplicate) and one in both with another age group (a conflict)."""
    historic = arrests(700, 150_000_000, date(2017, 1, 1), 1461)  # 2017-2020
    historic[3]["arrest_precinct"] = "999"
    ytd = arrests(260, 230_000_000, date(2021, 1, 1), 180)
    ytd.append({**historic[0]})
    ytd.append({**historic[1], "age_group": "45-64"})
    return {ARRESTS_HISTORIC: historic, ARRESTS_YTD: ytd,
            SUMMONS_HISTORIC: summonses(300, 400_000_000, date(2019, 1, 1), 731),
            SUMMONS_YTD: summonses(130, 430_000_000, date(2021, 1, 1), 170)}


def is_mj(row: dict[str, Any]) -> bool:
    """What the downloader's default filter selects: Penal Law articles 221 and 222."""
    return str(row.get("law_code", row.get("law_section_number", ""))).startswith(("PL 221", "PL 222", "221.", "222."))


def wanted(data: dict[str, list[dict[str, Any]]], all_offenses: bool = False) -> dict[str, list[dict[str, Any]]]:
    return {k: [r for r in v if all_offenses or is_mj(r)] for k, v in data.items()}


def last_day(*sources: list[dict[str, Any]]) -> str:
    return max((r.get("arrest_date") or r["summons_date"])[:10] for rows in sources for r in rows)


def serve(server: SocrataServer, data: dict[str, list[dict[str, Any]]]) -> None:
    for dataset_id, rows in data.items():
        server.set_rows(dataset_id, rows)


def run(server: SocrataServer, db: Path, **kwargs: Any) -> dict:
    kwargs.setdefault("page_size", PAGE)
    kwargs.setdefault("progress", False)
    return update(db, base_url=server.base_url, **kwargs)


def records(db: Path) -> dict[str, list[tuple]]:
    """Every stored record and quarantined row without its provenance (file id, line): what the data says."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "arrests": con.execute("SELECT * EXCLUDE (source_id, line) FROM arrests ORDER BY ALL").fetchall(),
            "summonses": con.execute("SELECT * EXCLUDE (source_id, line) FROM summonses ORDER BY ALL").fetchall(),
            "quarantine": con.execute("SELECT dataset, reason, raw FROM quarantine ORDER BY ALL").fetchall(),
            "conflicts": con.execute("SELECT dataset, record_key, fields FROM conflicts ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def groups(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT race_group, is_cannabis, count(*) FROM {t} GROUP BY ALL ORDER BY ALL")
                .fetchall() for t in ("arrests", "summonses")}
    finally:
        con.close()


def direct(server: SocrataServer, tmp: Path, **kwargs: Any) -> Path:
    """The same data fetched with ``fetch`` and ingested file by file in the same order: the reference."""
    db = tmp / "direct.duckdb"
    for dataset in ("arrests", "summonses"):
        result = fetch(dataset, tmp / "raw", base_url=server.base_url, page_size=PAGE, progress=False, **kwargs)
        _, errors = ingest(db, [f["path"] for f in result["files"] if f["rows"]])
        assert not errors, errors
    return db


# --------------------------------------------------------------------------- what an update builds


@pytest.mark.parametrize("protocol,all_offenses", [("soda3", False), ("soda2.1", False), ("soda3", True)],
                         ids=["soda3-pages", "soda2.1", "soda3-export"])
def test_update_equals_ingesting_the_same_downloads(server: SocrataServer, tmp_path: Path, protocol: str,
                                                    all_offenses: bool) -> None:
    data = world()
    serve(server, data)
    server.configure(soda3=protocol == "soda3")
    db = tmp_path / "nypd.duckdb"
    result = run(server, db, all_offenses=all_offenses)

    reference = direct(server, tmp_path, all_offenses=all_offenses)
    assert records(db) == records(reference)
    assert groups(db) == groups(reference)
    assert result["protocol"] == protocol and {s["protocol"] for s in result["sources"]} == {protocol}
    assert [s["export"] for s in result["sources"]] == [all_offenses and protocol == "soda3"] * 4
    assert [(s["dataset"], s["source"]) for s in result["sources"]] == [
        ("arrests", "historic"), ("arrests", "ytd"), ("summonses", "historic"), ("summonses", "ytd")]

    # the accounting: every downloaded row is new, a duplicate or quarantined; the totals are the database's
    mj = wanted(data, all_offenses)
    downloaded = [len(mj[d]) for d in (ARRESTS_HISTORIC, ARRESTS_YTD, SUMMONS_HISTORIC, SUMMONS_YTD)]
    assert [s["rows_downloaded"] for s in result["sources"]] == downloaded
    for s in result["sources"]:
        assert s["ingested"] and s["start"] is None and not s["earlier_run"]
        assert s["rows_loaded"] + s["rows_duplicate"] + s["rows_quarantined"] == s["rows_downloaded"]
    historic, ytd = result["sources"][:2]
    assert historic["rows_quarantined"] == 1 and ytd["rows_duplicate"] == 2 and ytd["conflicts"] == 1
    assert result["rows_loaded"] == sum(s["rows_loaded"] for s in result["sources"])
    assert result["changed"] and not result["resumed"]
    arrests_ = result["datasets"]["arrests"]
    assert arrests_["records_before"] == 0 and arrests_["records"] == len(records(db)["arrests"])
    assert arrests_["first_date"] == "2017-01-01"
    assert arrests_["last_date"] == last_day(mj[ARRESTS_HISTORIC], mj[ARRESTS_YTD])
    assert result["datasets"]["summonses"]["last_date"] == last_day(mj[SUMMONS_HISTORIC], mj[SUMMONS_YTD])
    assert not work_dir_for(db).exists()  # the downloads and the plan are gone after success
    json.dumps(result)


def test_second_update_changes_nothing_and_new_records_then_arrive(server: SocrataServer,
                                                                   tmp_path: Path) -> None:
    data = world()
    serve(server, data)
    db = tmp_path / "nypd.duckdb"
    first = run(server, db)
    before = snapshot(db)
    last = {d: first["datasets"][d]["last_date"] for d in ("arrests", "summonses")}
    mj = wanted(data)
    assert last == {"arrests": last_day(mj[ARRESTS_YTD]), "summonses": last_day(mj[SUMMONS_YTD])}

    mark = len(server.requests)
    again = run(server, db)
    assert again["rows_loaded"] == 0 and not again["changed"]
    assert snapshot(db) == before  # not one row of any table changed: no new source, no repeated quarantine
    assert {s["skipped"] for s in again["sources"]} <= {"nothing new", "no rows"}
    # each source starts from its dataset's last record date (inclusive), so little is downloaded
    assert [s["start"] for s in again["sources"]] == [last["arrests"]] * 2 + [last["summonses"]] * 2
    on_last_day = sum(last_day([r]) == last[d] for d, k in (("arrests", ARRESTS_YTD), ("summonses", SUMMONS_YTD))
                      for r in mj[k])
    assert again["rows_downloaded"] == on_last_day < 10
    counts = [r.body["query"] for r in server.requests[mark:] if "count(*)" in str((r.body or {}).get("query"))]
    assert len(counts) == 4 and all(f">= '{last['arrests']}T00:00:00'" in q for q in counts[:2])
    assert all(f">= '{last['summonses']}T00:00:00'" in q for q in counts[2:])
    assert not work_dir_for(db).exists()

    # the publisher adds records: on the last day loaded (it was not complete) and after it
    late = arrests(12, 239_000_000, date.fromisoformat(last["arrests"]), 3)
    data[ARRESTS_YTD] = data[ARRESTS_YTD] + late
    serve(server, data)
    third = run(server, db)
    assert third["rows_loaded"] == third["datasets"]["arrests"]["rows_loaded"] == len(wanted({0: late})[0]) == 10
    assert third["datasets"]["arrests"]["last_date"] == str(date.fromisoformat(last["arrests"]) + timedelta(days=2))
    assert records(db) == records(direct(server, tmp_path))
    assert run(server, db)["rows_loaded"] == 0


def test_faults_are_survived(server: SocrataServer, tmp_path: Path, sleeps: list[float]) -> None:
    serve(server, world())
    clean = tmp_path / "clean.duckdb"
    reference = run(server, clean)
    server.inject(Fault.http(429, retry_after=3), Fault.http(503), None, Fault.drop(), None, Fault.truncate(),
                  None, Fault.http(500), Fault.http(502))
    faulty = tmp_path / "faulty.duckdb"
    result = run(server, faulty)
    assert records(faulty) == records(clean)
    assert sleeps == [3.0, 2.0, 1.0, 1.0, 1.0, 2.0]
    assert result["rows_loaded"] == reference["rows_loaded"]


def test_explicit_since_is_respected(server: SocrataServer, tmp_path: Path) -> None:
    serve(server, world())
    db = tmp_path / "nypd.duckdb"
    result = cli_json("update", "--db", db, "--base-url", server.base_url, "--since", "2020-07-01")
    assert result["since"] == "2020-07-01"
    assert {s["start"] for s in result["sources"]} == {"2020-07-01"}
    counts = [r.body["query"] for r in server.requests if "count(*)" in str((r.body or {}).get("query"))]
    assert len(counts) == 4 and all(">= '2020-07-01T00:00:00'" in q for q in counts)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT min(arrest_date), min(summons_date) FROM arrests, summonses").fetchone() >= (
            date(2020, 7, 1), date(2020, 7, 1))
        assert con.execute("SELECT count(*) FROM arrests WHERE arrest_date < DATE '2020-07-01'").fetchone() == (0,)
    finally:
        con.close()
    assert result["datasets"]["arrests"]["first_date"] >= "2020-07-01"

    # an earlier --since than the database's last date downloads from there and loads what is missing
    earlier = cli_json("update", "--db", db, "--base-url", server.base_url, "--since", "2017-01-01")
    assert {s["start"] for s in earlier["sources"]} == {"2017-01-01"}
    assert all(s["ingested"] or s["skipped"] == "no rows" for s in earlier["sources"])
    assert records(db) == records(direct(server, tmp_path))


def test_cli_summary_and_json(server: SocrataServer, tmp_path: Path) -> None:
    serve(server, world())
    db = tmp_path / "nypd.duckdb"
    code, out, err = cli("update", "--db", db, "--base-url", server.base_url)
    assert code == 0, err
    assert re.search(r"^arrests: \d[\d,]* records \(\+\d[\d,]* new\), 2017-01-01 to 2021-\d\d-\d\d$", out, re.MULTILINE)
    assert "summonses:" in out and f"{db} updated" in out
    assert "arrests historic (8h9b-rp9u, soda3, everything" in err  # a line per source as it is done
    code, out, err = cli("update", "--db", db, "--base-url", server.base_url)
    assert code == 0 and "already current: nothing changed" in out and "nothing new" in err
    payload = cli_json("update", "--db", db, "--base-url", server.base_url)
    assert payload["rows_loaded"] == 0 and len(payload["sources"]) == 4


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("status", [401, 403])
def test_no_token_against_a_server_that_demands_one_is_one_line(server: SocrataServer, tmp_path: Path,
                                                                 status: int) -> None:
    serve(server, world())
    server.configure(require_token=True, require_token_soda21=True, token_status=status)
    db = tmp_path / "nypd.duckdb"
    code, out, err = cli("update", "--db", db, "--base-url", server.base_url)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "SODA_APP_TOKEN" in err
    assert f"HTTP {status}" in err and "export SODA_APP_TOKEN=" in err
    assert not db.exists() and not work_dir_for(db).exists()  # nothing downloaded, nothing created or kept
    # the library raises the downloader's one-line error
    with pytest.raises(FetchError, match="SODA_APP_TOKEN"):
        run(server, db)


def test_synthetic_database_is_refused_before_downloading(server: SocrataServer, tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    cli_json("demo", "--out", tmp_path / "demo", "--arrests", "50", "--summonses", "50", "--db", db)
    code, _, err = cli("update", "--db", db, "--base-url", server.base_url)
    assert code == 1 and "synthetic" in err and err.count("\n") == 1
    assert server.requests == []


# --------------------------------------------------------------------------- killed and rerun

CHILD = (
    "from nyc_cannabis.ingest.update import update;"
    "update(sys.argv[1], base_url=sys.argv[2], page_size=int(sys.argv[3]), progress=False, max_retries=0)"
)


def child(db: Path, server: SocrataServer, **popen: Any) -> subprocess.Popen:
    return spawn_python(CHILD, db, server.base_url, PAGE, **popen)


def test_killed_mid_download_then_rerun_completes(server: SocrataServer, tmp_path: Path) -> None:
    """SIGKILL while the second page of arrests YTD is in flight: arrests Historic is loaded (a whole file),
    nothing else; the rerun does not download Historic again, resumes YTD after its first page and ends with
    the database an uninterrupted update builds."""
    data = world()
    serve(server, data)
    n_historic = len(wanted(data)[ARRESTS_HISTORIC])  # 6 pages
    assert n_historic == 560
    db = tmp_path / "nypd.duckdb"
    hold = server.hold_at(1 + 6 + 1 + 2)  # historic count and pages; YTD count, page 1; YTD page 2 held
    kill_when_held(child(db, server), hold)

    held = records(db)
    assert len(held["arrests"]) == n_historic - 1 and held["summonses"] == []  # less the quarantined row
    work = work_dir_for(db)
    plan = json.loads((work / PLAN_NAME).read_text(encoding="utf-8"))
    assert list(plan["done"]) == ["arrests-historic"]
    (part,) = (work / ".partial").iterdir()
    assert json.loads((part / "manifest.json").read_text(encoding="utf-8"))["pages"] == {"0": PAGE}

    mark = len(server.requests)
    result = run(server, db)
    assert server.soda3_requests(ARRESTS_HISTORIC, since=mark) == []  # finished before the kill
    assert len(server.soda3_after(ARRESTS_YTD, since=mark)) == 2  # page 1 came from disk
    historic, ytd = result["sources"][:2]
    assert historic["earlier_run"] and historic["rows_loaded"] == n_historic - 1
    assert ytd["resumed_pages"] == 1 and not ytd["earlier_run"] and result["resumed"]
    assert not work.exists()

    serve(server, data)
    clean = tmp_path / "clean.duckdb"
    reference = run(server, clean)
    assert records(db) == records(clean)
    assert [s["rows_loaded"] for s in result["sources"]] == [s["rows_loaded"] for s in reference["sources"]]


@pytest.mark.slow
def test_killed_mid_ingest_leaves_the_database_as_after_the_last_whole_file(server: SocrataServer,
                                                                            tmp_path: Path) -> None:
    """The loader's test hook holds each file just before COMMIT: let the first file commit, kill the process
    during the second. The database holds exactly the first file; the rerun completes it."""
    data = world()
    first = {k: [r for r in v if r.get("arrest_date", r.get("summons_date")) < "2020-01-01"] for k, v in data.items()}
    serve(server, first)
    db = tmp_path / "nypd.duckdb"
    run(server, db)
    before = snapshot(db)
    serve(server, data)

    proc = child(db, server, stdin=subprocess.PIPE, text=True, env={"ANALYTICS_PAUSE_BEFORE_COMMIT": "1"})
    try:
        assert proc.stderr.readline().strip() == "ingest: paused before commit"  # arrests historic: blocks
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stderr.readline().strip() == "ingest: paused before commit"  # arrests YTD
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after_kill = snapshot(db)
    assert after_kill != before  # arrests historic's file went in, whole
    assert after_kill["summonses"] == before["summonses"]
    (added,) = [row[1] for row in after_kill["sources"] if row not in before["sources"]]  # file_name
    assert added.startswith("arrests-historic-")

    mark = len(server.requests)
    result = run(server, db)
    historic, ytd = result["sources"][:2]
    assert historic["earlier_run"] and ytd["ingested"] and not ytd["earlier_run"]
    # arrests YTD had been downloaded whole before the kill: loaded from the kept file, not downloaded again
    assert server.soda3_requests(ARRESTS_HISTORIC, since=mark) == server.soda3_requests(ARRESTS_YTD, since=mark) == []
    assert ytd["resumed_pages"] == ytd["rows_downloaded"] // PAGE + 1
    assert records(db) == records(direct(server, tmp_path))


# --------------------------------------------------------------------------- the real extracts


def api_records(path: Path, date_field: str) -> list[dict[str, Any]]:
    """A portal CSV export as the API's records: field names, ISO dates, empty cells absent."""
    from nyc_cannabis.sources.soda_rows import export_record, field_name

    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [field_name(h) for h in next(reader)]
        return [export_record(header, values, date_field) for values in reader]


@pytest.mark.real
@pytest.mark.slow
def test_real_extracts_served_then_updated_equal_ingesting_them(server: SocrataServer, tmp_path: Path,
                                                                real: dict[str, Path]) -> None:
    """The four real extracts served as the portal would (arrests Historic = the DEC2017 and Historic
    extracts, the 2021 YTD arrests, the 2020 summonses split into Historic and YTD): every offence updated
    into a database holds the same records, by group, as ingesting the extracts themselves."""
    summons = api_records(real["summons2020"], "summons_date")
    serve(server, {
        ARRESTS_HISTORIC: api_records(real["historic"], "arrest_date") + api_records(real["dec2017"], "arrest_date"),
        ARRESTS_YTD: api_records(real["ytd2021"], "arrest_date"),
        SUMMONS_HISTORIC: [r for r in summons if r.get("summons_date", "") < "2020-03-01"],
        SUMMONS_YTD: [r for r in summons if r.get("summons_date", "") >= "2020-03-01"],
    })
    db = tmp_path / "nypd.duckdb"
    result = run(server, db, all_offenses=True, page_size=50_000)
    reference = tmp_path / "reference.duckdb"
    _, errors = ingest(reference, [real["historic"], real["dec2017"], real["ytd2021"], real["summons2020"]])
    assert not errors
    assert groups(db) == groups(reference)
    con = duckdb.connect(str(db), read_only=True)
    ref = duckdb.connect(str(reference), read_only=True)
    try:
        for sql in ("SELECT count(*), min(arrest_date), max(arrest_date), count(DISTINCT law_code) FROM arrests",
                    "SELECT count(*), min(summons_date), max(summons_date) FROM summonses",
                    "SELECT law_article, law_section, count(*) FROM arrests GROUP BY ALL ORDER BY ALL",
                    "SELECT boro_code, age_band, sex_code, count(*) FROM summonses GROUP BY ALL ORDER BY ALL",
                    "SELECT dataset, split_part(reason, '; ', 1), count(*) FROM quarantine GROUP BY ALL ORDER BY ALL"):
            assert con.execute(sql).fetchall() == ref.execute(sql).fetchall(), sql
    finally:
        con.close()
        ref.close()
    assert all(s["export"] for s in result["sources"])
    assert run(server, db, all_offenses=True)["rows_loaded"] == 0
