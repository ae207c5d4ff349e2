"""SODA3 first, SODA 2.1 as the fallback: nyc_cannabis.sources.socrata against tests/socrata_server.py.

SODA3 pages by key (``WHERE :id > '<last :id>' ORDER BY :id LIMIT n``, no offsets) and
streams whole datasets from ``export.csv``; a portal whose SODA3 endpoint answers 404, 405 or
501 is read through SODA 2.1 instead, and the result says so. No network, no sleeping (the
retry sleep is a recorder), no timing: the one real kill is synchronised by a held request.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from helpers import kill_when_held, spawn_python
from socrata_server import (  # noqa: F401 - fixtures
    Fault,
    RawJSON,
    SocrataServer,
    SoQLError,
    no_token_in_environment,
    parse_soql,
    server,
    sleeps,
)
from test_fetch import (
    ARREST_FIXTURE,
    ARREST_MJ_KEYS,
    ARRESTS_HISTORIC,
    ARRESTS_YTD,
    CANNABIS_2021,
    MJ_POSSESSION,
    MJ_SALE,
    MJ_VIOLATION,
    NO_DESC,
    SUMMONS_FIXTURE,
    SUMMONS_HISTORIC,
    SUMMONS_MJ_KEYS,
    crash_on_page_3,
    make_arrests,
    miscounted,
    read_csv,
)

from nyc_cannabis.sources.socrata import COLUMNS, FetchError, fetch

MJ_WHERE = "(law_code like 'PL 221%' OR law_code like 'PL 222%')"

# Rows whose text must survive both protocols and the export unchanged: JSON numbers with
# trailing zeros, a null point, the renamed geo column, absent keys, quotes and commas.
TRICKY = [
    {**MJ_SALE, "arrest_key": "185566299", "arrest_precinct": RawJSON("104.0"),
     "x_coord_cd": RawJSON("1008522"), "latitude": RawJSON("40.668920"),
     "geocoded_column": {"type": "Point", "coordinates": [RawJSON("-73.912610"), RawJSON("40.668920")]}},
    {**MJ_VIOLATION, "arrest_key": "185566300", "geocoded_column": None},
    {**NO_DESC, "arrest_key": "185566301", "law_code": "PL 2211500"},
    {**MJ_POSSESSION, "arrest_key": "185566302", "pd_desc": 'SAID "MARIJUANA", THEN, LEFT'},
    {**CANNABIS_2021, "arrest_key": "185566303"},
]


def run(server: SocrataServer, out_dir: Path, dataset: str = "arrests", **kwargs: Any) -> dict:
    kwargs.setdefault("sources", ("historic",))
    kwargs.setdefault("progress", False)
    return fetch(dataset, out_dir, base_url=server.base_url, **kwargs)


def rows_of(path: str | Path) -> list[tuple[str, ...]]:
    """Data rows (header checked), sorted: the protocols may order rows differently."""
    header, rows = read_csv(Path(path))
    return sorted(tuple(r[c] for c in header) for r in rows)


def ids_in_key_order(server: SocrataServer, dataset_id: str, keep: set[str] | None = None,
                     key: str = "arrest_key") -> list[tuple[str, str]]:
    """(:id, key) of the dataset's rows in :id order (the SODA3 paging order)."""
    with server.state.lock:
        rows = list(server.state.datasets[dataset_id])
    return sorted((r[":id"], r[key]) for r in rows if keep is None or r[key] in keep)


def mj_keys(rows: list[dict[str, Any]]) -> set[str]:
    return {r["arrest_key"] for r in rows if str(r.get("law_code", "")).startswith(("PL 221", "PL 222"))}


# --------------------------------------------------------------------------- SODA3 paging


def test_soda3_pages_by_key_and_equals_the_soda21_download(server: SocrataServer, tmp_path: Path) -> None:
    rows = make_arrests(2345, 300) + ARREST_FIXTURE + TRICKY
    server.set_rows(ARRESTS_HISTORIC, rows)
    result = run(server, tmp_path / "v3", page_size=1000)
    (info,) = result["files"]
    assert result["protocol"] == info["protocol"] == "soda3" and info["export"] is False
    expected_keys = mj_keys(rows)
    assert (info["rows"], info["expected_rows"], info["pages"]) == (len(expected_keys),) * 2 + (3,)

    # keyset paging: each page starts after the last :id of the page before, no offsets
    order = ids_in_key_order(server, ARRESTS_HISTORIC, expected_keys)
    assert len(order) == 2345 + 4 + 5  # bulk, ARREST_FIXTURE and TRICKY marijuana rows
    assert server.soda3_after(ARRESTS_HISTORIC) == [None, order[999][0], order[1999][0]]
    pages = server.soda3_page_requests(ARRESTS_HISTORIC)
    for request in pages:
        assert request.method == "POST" and request.body["includeSynthetic"] is False
        query = request.body["query"]
        assert query.startswith(f"SELECT *, :id WHERE ({MJ_WHERE})")
        assert query.endswith("ORDER BY :id ASC LIMIT 1000") and "OFFSET" not in query
        assert set(request.body) == {"query", "includeSynthetic"}
    (count,) = server.soda3_count_requests(ARRESTS_HISTORIC)
    assert count.body["query"] == f"SELECT count(*) AS count WHERE {MJ_WHERE}"
    assert not any(r.path.startswith("/resource/") for r in server.requests)
    _, got = read_csv(Path(info["path"]))
    assert [r["arrest_key"] for r in got] == [key for _, key in order]  # :id order, each once

    # the same data through SODA 2.1: same header, same rows
    (old,) = run(server, tmp_path / "v21", page_size=1000, protocol="soda2.1")["files"]
    assert old["protocol"] == "soda2.1"
    assert Path(old["path"]).read_text().split("\n", 1)[0] == Path(info["path"]).read_text().split("\n", 1)[0]
    assert rows_of(info["path"]) == rows_of(old["path"])
    assert not (tmp_path / "v3" / ".partial").exists()


def test_soda3_summonses_and_repeated_keys_on_page_boundaries(server: SocrataServer, tmp_path: Path) -> None:
    repeated = [{"summons_key": f"{206000000 + i}", "summons_date": "2020-03-04T00:00:00.000",
                 "law_section_number": "221.05"} for i in range(5)]
    repeated.insert(2, dict(repeated[1], sex="M"))  # a second copy of a key (as 148968083)
    server.set_rows(SUMMONS_HISTORIC, SUMMONS_FIXTURE + repeated)
    (info,) = run(server, tmp_path / "v3", "summonses", page_size=2)["files"]
    (old,) = run(server, tmp_path / "v21", "summonses", page_size=2, protocol="soda2.1")["files"]
    assert info["protocol"] == "soda3" and info["rows"] == old["rows"] == 3 + 6
    assert info["pages"] == 5  # 9 rows: four full pages and a short one
    assert rows_of(info["path"]) == rows_of(old["path"])
    keys = [r["summons_key"] for r in read_csv(Path(info["path"]))[1]]
    assert set(keys) >= SUMMONS_MJ_KEYS and keys.count("206000001") == 2
    assert server.requests[0].body["query"] == (
        "SELECT count(*) AS count WHERE "
        "(law_section_number like '221.%' OR law_section_number like '222.%')")


def test_soda3_exact_multiple_of_page_size_ends_with_an_empty_page(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2000, 10))
    (info,) = run(server, tmp_path, page_size=1000)["files"]
    order = ids_in_key_order(server, ARRESTS_HISTORIC, mj_keys(server.state.datasets[ARRESTS_HISTORIC]))
    assert server.soda3_after(ARRESTS_HISTORIC) == [None, order[999][0], order[1999][0]]
    assert (info["rows"], info["pages"]) == (2000, 3)


def test_soda3_dates_and_zero_rows(server: SocrataServer, tmp_path: Path) -> None:
    from datetime import date

    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    (info,) = run(server, tmp_path, since=date(2017, 12, 31), until=date(2017, 12, 31))["files"]
    assert {r["arrest_key"] for r in read_csv(Path(info["path"]))[1]} == {"173513921"}
    assert server.requests[0].body["query"] == (
        f"SELECT count(*) AS count WHERE {MJ_WHERE} AND "
        "arrest_date >= '2017-12-31T00:00:00' AND arrest_date < '2018-01-01T00:00:00'")
    (none,) = run(server, tmp_path, since=date(2030, 1, 1))["files"]
    assert none["rows"] == 0 and len(read_csv(Path(none["path"]))[1]) == 0


# --------------------------------------------------------------------------- token


def test_token_header_on_every_request_of_both_protocols(server: SocrataServer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.configure(require_token=True, valid_tokens={"s3cr3t-app-token"})
    run(server, tmp_path / "a", token="s3cr3t-app-token")  # query.json
    run(server, tmp_path / "b", token="s3cr3t-app-token", all_offenses=True)  # export.csv
    run(server, tmp_path / "c", token="s3cr3t-app-token", protocol="soda2.1")  # /resource
    monkeypatch.setenv("SODA_APP_TOKEN", "s3cr3t-app-token")
    run(server, tmp_path / "d")  # no token argument: read from the environment
    paths = {r.path for r in server.requests}
    assert {f"/api/v3/views/{ARRESTS_HISTORIC}/query.json", f"/api/v3/views/{ARRESTS_HISTORIC}/export.csv",
            f"/resource/{ARRESTS_HISTORIC}.json"} <= paths
    assert all(r.headers.get("x-app-token") == "s3cr3t-app-token" for r in server.requests)
    leftovers = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
    assert "s3cr3t" not in leftovers

    mark = len(server.requests)
    server.configure(require_token=False)
    run(server, tmp_path / "e", token="")  # "" sends no token even when the environment has one
    assert all("x-app-token" not in r.headers for r in server.requests[mark:])


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("all_offenses", [False, True], ids=["query", "export"])
def test_token_demanded_but_missing_is_one_line_naming_soda_app_token(
        server: SocrataServer, tmp_path: Path, sleeps: list[float], status: int, all_offenses: bool) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.configure(require_token=True, require_token_soda21=True, token_status=status)
    with pytest.raises(FetchError) as excinfo:
        run(server, tmp_path, all_offenses=all_offenses)
    message = str(excinfo.value)
    assert "\n" not in message
    assert f"HTTP {status}" in message and "SODA_APP_TOKEN" in message
    assert "sign in" in message and "developer settings" in message and "create an app token" in message
    assert "export SODA_APP_TOKEN=" in message
    assert server.base_url in message
    # SODA3 refused the anonymous request, SODA 2.1 too: one request each, no retry
    assert len(server.requests) == 2 and sleeps == []
    assert not (tmp_path / "arrests-historic-start-end.csv").exists()


def test_soda3_demanding_a_token_falls_back_to_public_soda21(server: SocrataServer, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """A portal whose SODA3 needs a token but whose SODA 2.1 still serves anonymous requests (NYC today):
    without a token the download completes over 2.1 and says how to get the faster path."""
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.configure(require_token=True, token_status=401)
    with caplog.at_level("WARNING"):
        result = run(server, tmp_path)
    assert result["protocol"] == "soda2.1" and result["files"][0]["rows"] == 4
    notices = [r.getMessage() for r in caplog.records if "falling back" in r.getMessage()]
    assert len(notices) == 1 and "SODA_APP_TOKEN" in notices[0]


def test_wrong_token_says_to_check_it(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.configure(require_token=True, valid_tokens={"right"})
    with pytest.raises(FetchError, match="HTTP 403.*check the app token in SODA_APP_TOKEN") as excinfo:
        run(server, tmp_path, token="wrong")
    assert "export SODA_APP_TOKEN" not in str(excinfo.value)
    (info,) = run(server, tmp_path, token="right")["files"]
    assert info["rows"] == 4


# --------------------------------------------------------------------------- fallback


@pytest.mark.parametrize("status", [404, 405, 501])
def test_portal_without_soda3_falls_back_to_soda21_and_says_so(
        server: SocrataServer, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture,
        status: int) -> None:
    rows = make_arrests(1500, 100)
    server.set_rows(ARRESTS_HISTORIC, rows)
    server.set_rows(ARRESTS_YTD, [CANNABIS_2021])
    server.configure(soda3=False, soda3_absent_status=status)
    with caplog.at_level(logging.WARNING, logger="nyc_cannabis.sources.socrata"):
        result = run(server, tmp_path, page_size=1000, sources=("historic", "ytd"))
    assert result["protocol"] == "soda2.1"
    assert [f["protocol"] for f in result["files"]] == ["soda2.1", "soda2.1"]
    assert [f["rows"] for f in result["files"]] == [1500, 1]
    assert {r["arrest_key"] for r in read_csv(Path(result["files"][0]["path"]))[1]} == mj_keys(rows)
    # one SODA3 probe for the first source only, then SODA 2.1 with offsets
    assert [r.path for r in server.requests[:2]] == [
        f"/api/v3/views/{ARRESTS_HISTORIC}/query.json", f"/resource/{ARRESTS_HISTORIC}.json"]
    assert server.soda3_requests(ARRESTS_YTD) == []
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 1000]
    assert sleeps == []  # 501 is not retried like other 5xx: it means "not here"
    notices = [r.getMessage() for r in caplog.records if "SODA 2.1" in r.getMessage()]
    assert len(notices) == 1 and f"HTTP {status}" in notices[0] and "\n" not in notices[0]
    json.dumps(result)


def test_fallback_also_failing_reports_the_soda21_error_in_one_line(
        server: SocrataServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """No such dataset: SODA3 says 404, so does 2.1; one error line, no fallback notice."""
    with caplog.at_level(logging.WARNING, logger="nyc_cannabis.sources.socrata"), pytest.raises(FetchError) as excinfo:
        run(server, tmp_path, "summonses")
    message = str(excinfo.value)
    assert "\n" not in message and "Cannot find view with id sv2w-rv3k" in message
    assert "/resource/sv2w-rv3k.json" in message and "SODA3" in message
    assert [r.path for r in server.requests] == [
        "/api/v3/views/sv2w-rv3k/query.json", "/resource/sv2w-rv3k.json"]
    assert caplog.records == []


def test_explicit_soda3_does_not_fall_back(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.configure(soda3=False)
    with pytest.raises(FetchError, match="HTTP 404 from .*/api/v3/views/8h9b-rp9u/query.json"):
        run(server, tmp_path, protocol="soda3")
    assert len(server.requests) == 1
    with pytest.raises(ValueError, match="protocol"):
        run(server, tmp_path, protocol="soda4")


# --------------------------------------------------------------------------- faults


def test_soda3_survives_throttling_server_errors_and_cut_bodies(
        server: SocrataServer, tmp_path: Path, sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2500, 0))
    # count: 503 then ok; page 1: 429 (Retry-After 7), dropped connection, ok; page 2: cut
    # JSON (no Content-Length), ok; page 3: 500, ok
    server.inject(Fault.http(503), None, Fault.http(429, retry_after=7), Fault.drop(), None,
                  Fault.truncate(), None, Fault.http(500), None)
    (info,) = run(server, tmp_path / "faulty", page_size=1000)["files"]
    assert info["rows"] == 2500 and info["protocol"] == "soda3"
    assert sleeps == [1.0, 7.0, 2.0, 1.0, 1.0]
    order = ids_in_key_order(server, ARRESTS_HISTORIC)
    a, b = order[999][0], order[1999][0]
    assert server.soda3_after(ARRESTS_HISTORIC) == [None, None, None, a, a, b, b]
    assert len(server.soda3_count_requests(ARRESTS_HISTORIC)) == 2
    (clean,) = run(server, tmp_path / "clean", page_size=1000)["files"]
    assert Path(info["path"]).read_bytes() == Path(clean["path"]).read_bytes()


def test_soda3_retries_exhausted_keeps_pages_and_the_keyset_position(
        server: SocrataServer, tmp_path: Path, sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2345, 0))
    server.fail_after(2, Fault.http(503))
    with pytest.raises(FetchError) as excinfo:
        run(server, tmp_path, page_size=1000, max_retries=3)
    message = str(excinfo.value)
    first_page_end = ids_in_key_order(server, ARRESTS_HISTORIC)[999][0]
    assert "page 2" in message and f"after :id '{first_page_end}'" in message
    assert "4 attempts" in message and "\n" not in message
    assert sleeps == [1.0, 2.0, 4.0]
    (part_dir,) = (tmp_path / ".partial").iterdir()
    assert sorted(p.name for p in part_dir.iterdir()) == ["manifest.json", "page-000000.csv"]
    manifest = json.loads((part_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["protocol"] == manifest["query"]["protocol"] == "soda3"
    assert manifest["pages"] == {"0": 1000} and manifest["after"] == {"0": first_page_end}
    assert manifest["query"]["order"] == ":id"


def test_soda3_resume_after_a_crash_starts_at_the_recorded_key(server: SocrataServer, tmp_path: Path) -> None:
    mark = crash_on_page_3(server, tmp_path / "run", make_arrests(2345, 300), max_retries=2, protocol="auto")
    assert not (tmp_path / "run" / "arrests-historic-start-end.csv").exists()

    (info,) = run(server, tmp_path / "run", page_size=1000)["files"]
    order = ids_in_key_order(server, ARRESTS_HISTORIC, mj_keys(server.state.datasets[ARRESTS_HISTORIC]))
    assert server.soda3_after(ARRESTS_HISTORIC, since=mark) == [order[1999][0]]  # pages 1-2 not again
    assert (info["pages"], info["resumed_pages"], info["rows"]) == (3, 2, 2345)
    assert not (tmp_path / "run" / ".partial").exists()
    (fresh,) = run(server, tmp_path / "fresh", page_size=1000)["files"]
    assert Path(info["path"]).read_bytes() == Path(fresh["path"]).read_bytes()


def test_soda3_resume_after_the_process_is_killed(server: SocrataServer, tmp_path: Path) -> None:
    """A real SIGKILL while page 3 is in flight: pages 1-2 and their keys survive, the rerun
    asks only for the rest, and the result equals an uninterrupted download."""
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2345, 0))
    hold = server.hold_at(4)  # count, page 1, page 2 answered; page 3 is held open
    script = (
        "from pathlib import Path; from nyc_cannabis.sources.socrata import fetch;"
        "fetch('arrests', Path(sys.argv[1]), base_url=sys.argv[2], sources=('historic',),"
        " page_size=1000, progress=False, max_retries=0, timeout=120)"
    )
    out = tmp_path / "run"
    kill_when_held(spawn_python(script, out, server.base_url), hold)

    (part_dir,) = (out / ".partial").iterdir()
    assert sorted(p.name for p in part_dir.iterdir()) == ["manifest.json", "page-000000.csv", "page-000001.csv"]
    manifest = json.loads((part_dir / "manifest.json").read_text(encoding="utf-8"))
    order = ids_in_key_order(server, ARRESTS_HISTORIC)
    assert manifest["after"] == {"0": order[999][0], "1": order[1999][0]}
    assert not (out / "arrests-historic-start-end.csv").exists()

    mark = len(server.requests)
    (info,) = run(server, out, page_size=1000)["files"]
    assert server.soda3_after(ARRESTS_HISTORIC, since=mark) == [order[1999][0]]
    assert (info["resumed_pages"], info["rows"]) == (2, 2345)
    (fresh,) = run(server, tmp_path / "fresh", page_size=1000)["files"]
    assert Path(info["path"]).read_bytes() == Path(fresh["path"]).read_bytes()


def test_soda3_republished_dataset_restarts(server: SocrataServer, tmp_path: Path) -> None:
    rows = make_arrests(2345, 0)
    mark = crash_on_page_3(server, tmp_path, rows, max_retries=0, protocol="auto")
    server.set_rows(ARRESTS_HISTORIC, rows + [{**MJ_VIOLATION, "arrest_key": "100000000"}])
    (info,) = run(server, tmp_path, page_size=1000)["files"]
    assert server.soda3_after(ARRESTS_HISTORIC, since=mark)[0] is None
    assert (info["rows"], info["resumed_pages"]) == (2346, 0)


@pytest.mark.parametrize("claimed", [2400, 2000])
def test_soda3_row_count_mismatch_raises_and_keeps_partial(server: SocrataServer, tmp_path: Path,
                                                           claimed: int) -> None:
    part_dir = miscounted(server, tmp_path, claimed, protocol="auto")
    assert len(list(part_dir.glob("page-*.csv"))) == 3


# --------------------------------------------------------------------------- export.csv


@pytest.mark.parametrize("style", ["api", "display"])
def test_whole_dataset_streams_export_csv_equal_to_the_paged_result(
        server: SocrataServer, tmp_path: Path, style: str) -> None:
    rows = make_arrests(1200, 1300) + ARREST_FIXTURE + TRICKY
    server.set_rows(ARRESTS_HISTORIC, rows)
    server.configure(export_style=style)
    result = run(server, tmp_path / "export", all_offenses=True, page_size=1000)
    (info,) = result["files"]
    assert info["export"] is True and info["protocol"] == "soda3"
    assert (info["rows"], info["expected_rows"], info["pages"]) == (len(rows), len(rows), 1)
    assert len(server.export_requests(ARRESTS_HISTORIC)) == 1
    assert server.soda3_page_requests(ARRESTS_HISTORIC) == []
    (count,) = server.soda3_count_requests(ARRESTS_HISTORIC)
    assert count.body["query"] == "SELECT count(*) AS count"
    assert server.export_requests(ARRESTS_HISTORIC)[0].headers["accept"] == "text/csv"
    header, _ = read_csv(Path(info["path"]))
    assert tuple(header) == COLUMNS["arrests"]

    (paged,) = run(server, tmp_path / "paged", all_offenses=True, page_size=1000, whole=False)["files"]
    assert paged["export"] is False and paged["pages"] == 3
    (old,) = run(server, tmp_path / "v21", all_offenses=True, page_size=1000, protocol="soda2.1")["files"]
    assert rows_of(info["path"]) == rows_of(paged["path"]) == rows_of(old["path"])
    by_key = {r["arrest_key"]: r for r in read_csv(Path(info["path"]))[1]}
    assert by_key["185566299"]["geocoded_column"] == "POINT (-73.912610 40.668920)"
    assert by_key["185566299"]["arrest_precinct"] == "104.0"
    assert by_key["185566302"]["pd_desc"] == 'SAID "MARIJUANA", THEN, LEFT'
    assert by_key["228764015"]["arrest_date"] == "2021-05-14T00:00:00.000"


def test_export_survives_cut_streams_and_server_errors(server: SocrataServer, tmp_path: Path,
                                                       sleeps: list[float]) -> None:
    rows = make_arrests(300, 2000)
    server.set_rows(ARRESTS_HISTORIC, rows)
    server.inject(None, Fault.drop(), Fault.truncate(), Fault.http(503))
    (info,) = run(server, tmp_path, all_offenses=True)["files"]
    assert info["rows"] == 2300 and info["export"] is True
    assert sleeps == [1.0, 2.0, 4.0]
    assert [r.fault for r in server.export_requests(ARRESTS_HISTORIC)] == [
        Fault.drop(), Fault.truncate(), Fault.http(503), None]
    assert {r["arrest_key"] for r in read_csv(Path(info["path"]))[1]} == {r["arrest_key"] for r in rows}


@pytest.mark.parametrize("claimed", [2400, 2000])
def test_export_row_count_mismatch_fails(server: SocrataServer, tmp_path: Path, sleeps: list[float],
                                         claimed: int) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(0, 2345))
    server.override_count(ARRESTS_HISTORIC, claimed)
    with pytest.raises(FetchError) as excinfo:
        run(server, tmp_path, all_offenses=True, max_retries=1)
    message = str(excinfo.value)
    assert "2345" in message and str(claimed) in message and "\n" not in message
    assert not (tmp_path / "arrests-historic-all-offenses-start-end.csv").exists()
    if claimed > 2345:  # a short stream looks cut off: retried, then given up
        assert "ended after 2345 of 2400 rows" in message and sleeps == [1.0]
    else:  # more rows than counted: kept for inspection, like pages
        (part_dir,) = (tmp_path / ".partial").iterdir()
        assert [p.name for p in part_dir.glob("page-*.csv")] == ["page-000000.csv"]


def test_whole_option(server: SocrataServer, tmp_path: Path) -> None:
    from datetime import date

    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    with pytest.raises(FetchError, match="whole=True"):
        run(server, tmp_path, whole=True)
    with pytest.raises(FetchError, match="whole=True"):
        run(server, tmp_path, whole=True, all_offenses=True, since=date(2017, 1, 1))
    assert server.requests == []
    (info,) = run(server, tmp_path, whole=True, all_offenses=True)["files"]
    assert info["export"] is True and info["rows"] == len(ARREST_FIXTURE)
    # whole on a 2.1-only portal: paged through /resource instead
    server.configure(soda3=False)
    (old,) = run(server, tmp_path / "old", all_offenses=True)["files"]
    assert (old["protocol"], old["export"], old["rows"]) == ("soda2.1", False, len(ARREST_FIXTURE))


def test_progress_bar_for_pages_and_export(server: SocrataServer, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    run(server, tmp_path, progress=True)
    run(server, tmp_path, progress=True, all_offenses=True)
    captured = capsys.readouterr()
    assert "4/4" in captured.err and "9/9" in captured.err and captured.out == ""


# --------------------------------------------------------------------------- the test server


def test_server_soda3_query_language(server: SocrataServer) -> None:
    import requests

    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    url = f"{server.base_url}/api/v3/views/{ARRESTS_HISTORIC}/query.json"

    def post(body: Any) -> requests.Response:
        return requests.post(url, json=body, timeout=30)

    ids = server.row_ids(ARRESTS_HISTORIC)
    assert len(set(ids)) == len(ids) and ids != sorted(ids)  # :id order is not insertion order
    everything = post({"query": "SELECT * ORDER BY :id", "includeSynthetic": False}).json()
    assert len(everything) == 9 and all(":id" not in r for r in everything)
    with_ids = post({"query": "SELECT *, :id ORDER BY :id ASC LIMIT 4"}).json()
    assert [r[":id"] for r in with_ids] == sorted(ids)[:4]
    synthetic = post({"query": "SELECT * ORDER BY :id LIMIT 1", "includeSynthetic": True}).json()
    assert synthetic[0][":id"] == sorted(ids)[0]
    after = post({"query": f"SELECT *, :id WHERE :id > '{sorted(ids)[3]}' ORDER BY :id"}).json()
    assert [r[":id"] for r in after] == sorted(ids)[4:]
    paged = post({"query": "SELECT *, :id", "page": {"pageNumber": 2, "pageSize": 4}}).json()
    assert [r[":id"] for r in paged] == sorted(ids)[4:8]
    assert post({"query": f"SELECT count(*) WHERE {MJ_WHERE}"}).json() == [{"count": "4"}]
    assert post({"query": "SELECT count(*) AS n WHERE law_code like 'X%'"}).json() == [{"n": "0"}]
    keys = {r["arrest_key"] for r in post({"query": f"SELECT * WHERE {MJ_WHERE}"}).json()}
    assert keys == ARREST_MJ_KEYS
    for bad in ({"query": "SELECT arrest_key"}, {"query": "WHERE x = 'y'"}, {"sql": "SELECT *"},
                {"query": "SELECT * LIMIT 2 WHERE x = 'y'"}, {"query": "SELECT *", "page": {"pageNumber": 0}}):
        assert post(bad).status_code == 400, bad
    assert requests.get(url, timeout=30).status_code == 405
    assert parse_soql("SELECT * WHERE pd_desc = 'A LIMIT 3' LIMIT 2") == {
        "SELECT": "*", "WHERE": "pd_desc = 'A LIMIT 3'", "LIMIT": "2"}
    with pytest.raises(SoQLError):
        parse_soql("SELECT * WHERE")

    server.configure(require_token=True)
    assert post({"query": "SELECT *"}).status_code == 403
    assert requests.post(url, json={"query": "SELECT *"}, headers={"X-App-Token": "t"},
                         timeout=30).status_code == 200
    server.configure(soda3=False, soda3_absent_status=405)
    assert post({"query": "SELECT *"}).status_code == 405
    assert requests.get(f"{server.base_url}/resource/{ARRESTS_HISTORIC}.json", timeout=30).status_code == 200
    with pytest.raises(TypeError):
        server.configure(soda4=True)


def test_server_export_csv_styles(server: SocrataServer) -> None:
    import requests

    server.set_rows(ARRESTS_HISTORIC, [MJ_POSSESSION, CANNABIS_2021])
    url = f"{server.base_url}/api/v3/views/{ARRESTS_HISTORIC}/export.csv"
    api = list(csv.reader(requests.get(url, timeout=30).text.splitlines()))
    assert api[0][:2] == ["arrest_key", "arrest_date"] and ":id" not in api[0]
    assert "new_georeferenced_column" in api[0] and len(api) == 3
    assert api[1][api[0].index("geocoded_column")] == "POINT (-73.91261099999996 40.66892000000004)"
    server.configure(export_style="display")
    text = requests.get(url, timeout=30).text
    display = list(csv.reader(text.splitlines()))
    assert display[0][:2] == ["ARREST_KEY", "ARREST_DATE"] and "Lon_Lat" in display[0]
    assert "New Georeferenced Column" in display[0] and display[1][1] == "12/31/2017"
    assert text.endswith("\r\n")
