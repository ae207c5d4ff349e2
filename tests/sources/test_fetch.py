"""Tests for nyc_cannabis.sources.socrata against a local Socrata-shaped server (tests/socrata_server.py).

These tests pin the SODA 2.1 path (``protocol="soda2.1"``: ``/resource/<id>.json`` with
``$offset`` paging); tests/test_fetch_soda3.py covers SODA3, the fallback and the token.
No network and no sleeping: the module's ``_sleep`` is replaced by a recorder, so retry
delays are asserted as numbers instead of waited for.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from socrata_server import (  # noqa: F401 - fixtures
    Fault,
    RawJSON,
    SocrataServer,
    SoQLError,
    compile_where,
    no_token_in_environment,
    server,
    sleeps,
)

from nyc_cannabis.sources.socrata import COLUMNS, FetchError, build_query, build_where, fetch, soql_string

ARRESTS_HISTORIC = "8h9b-rp9u"
ARRESTS_YTD = "uip8-fykc"
SUMMONS_HISTORIC = "sv2w-rv3k"
SUMMONS_YTD = "mv4k-y93f"

ARREST_HEADER = (
    "arrest_key,arrest_date,pd_cd,pd_desc,ky_cd,ofns_desc,law_code,law_cat_cd,arrest_boro,"
    "arrest_precinct,jurisdiction_code,age_group,perp_sex,perp_race,x_coord_cd,y_coord_cd,"
    "latitude,longitude,geocoded_column"
)
SUMMONS_HEADER = (
    "summons_key,summons_date,offense_description,law_section_number,law_description,"
    "summons_category_type,age_group,sex,race,jurisdiction_code,boro,precinct_of_occur,"
    "x_coordinate_cd,y_coordinate_cd,latitude,longitude,geocoded_column"
)

# --------------------------------------------------------------------------- fixtures rows

# Hand-written records shaped like the /resource/*.json answers (strings everywhere,
# GeoJSON point, computed-region extras).
MJ_POSSESSION = {
    "arrest_key": "173513921",
    "arrest_date": "2017-12-31T00:00:00.000",
    "pd_cd": "567",
    "pd_desc": "MARIJUANA, POSSESSION 4 & 5",
    "ky_cd": "235",
    "ofns_desc": "DANGEROUS DRUGS",
    "law_code": "PL 2211001",
    "law_cat_cd": "M",
    "arrest_boro": "K",
    "arrest_precinct": "73",
    "jurisdiction_code": "0",
    "age_group": "18-24",
    "perp_sex": "M",
    "perp_race": "BLACK",
    "x_coord_cd": "1008522",
    "y_coord_cd": "182287",
    "latitude": "40.66892000000004",
    "longitude": "-73.91261099999996",
    "geocoded_column": {"type": "Point", "coordinates": [-73.91261099999996, 40.66892000000004]},
    ":@computed_region_f5dn_yrer": "17",
    ":@computed_region_yeji_bk3q": "2",
}
MJ_VIOLATION = {
    "arrest_key": "160117294",
    "arrest_date": "2017-01-01T00:00:00.000",
    "pd_cd": "566",
    "pd_desc": "MARIJUANA, POSSESSION",
    "ky_cd": "678",
    "ofns_desc": "MISCELLANEOUS PENAL LAW",
    "law_code": "PL 2210500",
    "law_cat_cd": "V",
    "arrest_boro": "M",
    "arrest_precinct": "25",
    "jurisdiction_code": "0",
    "age_group": "25-44",
    "perp_sex": "M",
    "perp_race": "WHITE HISPANIC",
    "x_coord_cd": "1001435",
    "y_coord_cd": "231122",
    "latitude": "40.80298",
    "longitude": "-73.93797",
    "geocoded_column": {"type": "Point", "coordinates": [-73.93797, 40.80298]},
}
CANNABIS_2021 = {  # YTD-style: float-ish codes, renamed geo column
    "arrest_key": "228764015",
    "arrest_date": "2021-05-14T00:00:00.000",
    "pd_cd": "570.0",
    "pd_desc": "CANNABIS, SALE",
    "ky_cd": "117.0",
    "ofns_desc": "DANGEROUS DRUGS",
    "law_code": "PL 2222500",
    "law_cat_cd": "F",
    "arrest_boro": "Q",
    "arrest_precinct": "104.0",
    "jurisdiction_code": "0",
    "age_group": "25-44",
    "perp_sex": "F",
    "perp_race": "ASIAN / PACIFIC ISLANDER",
    "x_coord_cd": "1010351",
    "y_coord_cd": "195745",
    "latitude": "40.70587",
    "longitude": "-73.90594",
    "new_georeferenced_column": {"type": "Point", "coordinates": [-73.90594, 40.70587]},
}
ASSAULT = {
    "arrest_key": "173511467",
    "arrest_date": "2017-12-31T00:00:00.000",
    "pd_cd": "101",
    "pd_desc": "ASSAULT 3",
    "ky_cd": "344",
    "ofns_desc": "ASSAULT 3 & RELATED OFFENSES",
    "law_code": "PL 1200501",
    "law_cat_cd": "M",
    "arrest_boro": "B",
    "arrest_precinct": "44",
    "jurisdiction_code": "0",
    "age_group": "45-64",
    "perp_sex": "M",
    "perp_race": "BLACK HISPANIC",
    "x_coord_cd": "1006538",
    "y_coord_cd": "243833",
    "latitude": "40.83779",
    "longitude": "-73.91956",
    "geocoded_column": {"type": "Point", "coordinates": [-73.91956, 40.83779]},
}
SYNTHETIC_MJ = {  # "MARIJUANA" in the description, but not Penal Law 221
    **ASSAULT,
    "arrest_key": "196205514",
    "arrest_date": "2019-08-28T00:00:00.000",
    "pd_cd": "782",
    "pd_desc": "UNLAWFUL SALE SYNTHETIC MARIJUANA",
    "ky_cd": "364",
    "ofns_desc": "OTHER STATE LAWS (NON PENAL LA",
    "law_code": "AC 10203A1",
    "law_cat_cd": "M",
}
CONTROLLED_SUBSTANCE = {**ASSAULT, "arrest_key": "196205777", "law_code": "PL 2201600",
                        "pd_desc": "CONTROLLED SUBSTANCE, POSSESSION 7", "ky_cd": "104.0"}
NO_DESC = {  # blank codes are absent keys in the JSON
    "arrest_key": "173498231",
    "arrest_date": "2017-12-20T00:00:00.000",
    "law_code": "PL 1553502",
    "arrest_boro": "M",
    "arrest_precinct": "14",
    "jurisdiction_code": "1",
    "age_group": "18-24",
    "perp_sex": "F",
    "perp_race": "WHITE",
}
VTL = {**ASSAULT, "arrest_key": "198811230", "arrest_date": "2019-08-28T00:00:00.000",
       "law_code": "VTL0511001", "pd_desc": "AGGRAVATED UNLICENSED OPERATION", "law_cat_cd": "M"}
MJ_SALE = {**MJ_POSSESSION, "arrest_key": "185566213", "arrest_date": "2018-06-30T00:00:00.000",
           "law_code": "PL 2214000", "pd_cd": "569", "pd_desc": "MARIJUANA, SALE 4 & 5"}

# hand count: 4 marijuana/cannabis rows (PL 221x x3, PL 222x x1) out of 9
ARREST_FIXTURE = [MJ_POSSESSION, ASSAULT, MJ_VIOLATION, SYNTHETIC_MJ, CANNABIS_2021,
                  CONTROLLED_SUBSTANCE, NO_DESC, VTL, MJ_SALE]
ARREST_MJ_KEYS = {"173513921", "160117294", "228764015", "185566213"}

SUMMONS_221_05 = {
    "summons_key": "210356911",
    "summons_date": "2020-03-04T00:00:00.000",
    "offense_description": "UNLAWFUL POSSESSION 2ND DEGREE",
    "law_section_number": "221.05",
    "law_description": "Penal Law",
    "summons_category_type": "MARIJUANA",
    "age_group": "18-24",
    "sex": "M",
    "race": "BLACK",
    "jurisdiction_code": "0",
    "boro": "NEW YORK",
    "precinct_of_occur": "25",
    "x_coordinate_cd": "1001435",
    "y_coordinate_cd": "231122",
    "latitude": "40.80298",
    "longitude": "-73.93797",
    "geocoded_column": {"type": "Point", "coordinates": [-73.93797, 40.80298]},
}
SUMMONS_221_10 = {  # blank law description and category are absent keys
    **{k: v for k, v in SUMMONS_221_05.items() if k not in ("law_description", "summons_category_type")},
    "summons_key": "208822154",
    "summons_date": "2020-01-17T00:00:00.000",
    "offense_description": "UNLAWFUL POSSESSION 1ST DEGREE",
    "law_section_number": "221.10",
}
SUMMONS_222_10 = {**SUMMONS_221_05, "summons_key": "229100447",
                  "summons_date": "2021-07-02T00:00:00.000", "law_section_number": "222.10",
                  "offense_description": "RESTRICTIONS ON CANNABIS USE", "boro": "BRONX"}
SUMMONS_TRESPASS = {**SUMMONS_221_05, "summons_key": "209114338",
                    "law_section_number": "140.05", "offense_description": "TRESPASS",
                    "summons_category_type": "TRESPASS"}
SUMMONS_ALCOHOL = {**SUMMONS_221_05, "summons_key": "209556120",
                   "law_section_number": "10-125(B)", "law_description": "Administrative Code",
                   "offense_description": 'CONSUMPTION OF ALCOHOL "IN PUBLIC"',
                   "summons_category_type": "ALCOHOL"}
# hand count: 3 marijuana/cannabis summonses out of 5
SUMMONS_FIXTURE = [SUMMONS_TRESPASS, SUMMONS_221_05, SUMMONS_ALCOHOL, SUMMONS_222_10, SUMMONS_221_10]
SUMMONS_MJ_KEYS = {"210356911", "208822154", "229100447"}

MJ_TEMPLATES = [MJ_POSSESSION, MJ_VIOLATION, CANNABIS_2021, MJ_SALE]
OTHER_TEMPLATES = [ASSAULT, SYNTHETIC_MJ, CONTROLLED_SUBSTANCE, NO_DESC, VTL]


def make_arrests(n_marijuana: int, n_other: int, seed: int = 7) -> list[dict[str, Any]]:
    """Bulk rows cloned from the templates with unique 9-digit keys, in shuffled order."""
    rng = random.Random(seed)
    keys = rng.sample(range(150_000_000, 230_000_000), n_marijuana + n_other)
    rows = []
    for i, key in enumerate(keys):
        templates = MJ_TEMPLATES if i < n_marijuana else OTHER_TEMPLATES
        rows.append({**templates[i % len(templates)], "arrest_key": str(key)})
    rng.shuffle(rows)
    return rows


def with_date(row: dict[str, Any], key: str, day: str) -> dict[str, Any]:
    return {**row, "arrest_key": key, "arrest_date": f"{day}T00:00:00.000"}


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


# --------------------------------------------------------------------------- pytest fixtures


def run(server: SocrataServer, out_dir: Path, dataset: str = "arrests", **kwargs: Any) -> dict:
    kwargs.setdefault("sources", ("historic",))
    kwargs.setdefault("progress", False)
    kwargs.setdefault("backoff_base", 1.0)
    kwargs.setdefault("protocol", "soda2.1")
    return fetch(dataset, out_dir, base_url=server.base_url, **kwargs)


def crash_on_page_3(server: SocrataServer, out_dir: Path, rows: list[dict[str, Any]], **kwargs: Any) -> int:
    """Serve ``rows`` as arrests Historic and download them into ``out_dir`` in pages of 1000 while the server
    answers the count and two pages and then "crashes": the download fails on page 3. The server is then
    mended; returns the length of its request log, after which a rerun's requests come."""
    server.set_rows(ARRESTS_HISTORIC, rows)
    server.fail_after(3)  # count, page 1, page 2 answered; then the server "crashes"
    with pytest.raises(FetchError, match="page 3"):
        run(server, out_dir, page_size=1000, **kwargs)
    server.clear_faults()
    return len(server.requests)


def miscounted(server: SocrataServer, out_dir: Path, claimed: int, **kwargs: Any) -> Path:
    """Serve 2345 marijuana arrests under a count of ``claimed`` and download them into ``out_dir`` in pages
    of 1000: the download fails naming both numbers and writes no file. Returns the kept partial folder."""
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2345, 0))
    server.override_count(ARRESTS_HISTORIC, claimed)
    with pytest.raises(FetchError) as excinfo:
        run(server, out_dir, page_size=1000, **kwargs)
    assert "2345" in str(excinfo.value) and str(claimed) in str(excinfo.value)
    assert not (out_dir / "arrests-historic-start-end.csv").exists()
    (part_dir,) = (out_dir / ".partial").iterdir()
    return part_dir


# --------------------------------------------------------------------------- paging


def test_pages_over_several_pages_once_each(server: SocrataServer, tmp_path: Path) -> None:
    rows = make_arrests(2345, 400)
    server.set_rows(ARRESTS_HISTORIC, rows)
    result = run(server, tmp_path, page_size=1000)

    (info,) = result["files"]
    assert result["dataset"] == "arrests"
    assert info["source"] == "historic" and info["dataset_id"] == ARRESTS_HISTORIC
    assert (info["rows"], info["expected_rows"], info["pages"], info["resumed_pages"]) == (2345, 2345, 3, 0)
    path = Path(info["path"])
    assert path == tmp_path / "arrests-historic-start-end.csv"
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == ARREST_HEADER

    header, got = read_csv(path)
    assert tuple(header) == COLUMNS["arrests"]
    expected = {r["arrest_key"]: r for r in rows if r["law_code"].startswith(("PL 221", "PL 222"))}
    keys = [r["arrest_key"] for r in got]
    assert len(keys) == len(set(keys)) == len(expected) == 2345
    assert set(keys) == set(expected)
    assert keys == sorted(keys)  # $order=arrest_key was honoured across pages
    for row in got:
        source = expected[row["arrest_key"]]
        for column in COLUMNS["arrests"][:-1]:
            assert row[column] == source.get(column, ""), column

    offsets = server.page_offsets(ARRESTS_HISTORIC)
    assert offsets == [0, 1000, 2000]
    for request in server.page_requests(ARRESTS_HISTORIC):
        assert request.params["$order"] == "arrest_key,:id"
        assert request.params["$limit"] == "1000"
    assert len(server.count_requests(ARRESTS_HISTORIC)) == 1
    assert not (tmp_path / ".partial").exists()


def test_exact_multiple_of_page_size_needs_one_empty_page(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2000, 10))
    (info,) = run(server, tmp_path, page_size=1000)["files"]
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 1000, 2000]
    assert (info["rows"], info["pages"]) == (2000, 3)
    assert len(read_csv(Path(info["path"]))[1]) == 2000


def test_zero_matching_rows_gives_header_only_file(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, [ASSAULT, VTL])
    (info,) = run(server, tmp_path)["files"]
    assert info["rows"] == 0 and info["expected_rows"] == 0
    assert Path(info["path"]).read_text(encoding="utf-8") == ARREST_HEADER + "\n"


# --------------------------------------------------------------------------- filters


def test_marijuana_filter_and_all_offenses_arrests(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    (mj,) = run(server, tmp_path / "mj")["files"]
    _, rows = read_csv(Path(mj["path"]))
    assert {r["arrest_key"] for r in rows} == ARREST_MJ_KEYS
    assert mj["rows"] == mj["expected_rows"] == 4

    (everything,) = run(server, tmp_path / "all", all_offenses=True)["files"]
    _, rows = read_csv(Path(everything["path"]))
    assert len(rows) == everything["expected_rows"] == 9
    assert {r["arrest_key"] for r in rows} == {r["arrest_key"] for r in ARREST_FIXTURE}

    wheres = [r.params.get("$where") for r in server.requests]
    assert wheres[0] == "(law_code like 'PL 221%' OR law_code like 'PL 222%')"
    assert wheres[-1] is None  # all offenses and no dates: no $where at all


def test_marijuana_filter_and_all_offenses_summonses(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(SUMMONS_HISTORIC, SUMMONS_FIXTURE)
    (mj,) = run(server, tmp_path, "summonses")["files"]
    header, rows = read_csv(Path(mj["path"]))
    assert ",".join(header) == SUMMONS_HEADER
    assert {r["summons_key"] for r in rows} == SUMMONS_MJ_KEYS
    assert server.requests[0].params["$where"] == (
        "(law_section_number like '221.%' OR law_section_number like '222.%')"
    )
    assert all(r.params["$order"] == "summons_key,:id" for r in server.page_requests(SUMMONS_HISTORIC))

    (everything,) = run(server, tmp_path, "summonses", all_offenses=True)["files"]
    assert everything["rows"] == 5


def test_since_until_bounds_are_inclusive(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, [
        with_date(MJ_POSSESSION, "100000001", "2018-12-31"),
        with_date(MJ_POSSESSION, "100000002", "2019-01-01"),  # first day: in
        with_date(MJ_VIOLATION, "100000003", "2019-06-15"),
        with_date(MJ_SALE, "100000004", "2019-12-31"),  # last day: in
        with_date(MJ_SALE, "100000005", "2020-01-01"),
        with_date(ASSAULT, "100000006", "2019-06-15"),  # in range, not marijuana
    ])
    result = run(server, tmp_path, since=date(2019, 1, 1), until=date(2019, 12, 31))
    (info,) = result["files"]
    assert Path(info["path"]).name == "arrests-historic-2019-01-01-2019-12-31.csv"
    _, rows = read_csv(Path(info["path"]))
    assert sorted(r["arrest_key"] for r in rows) == ["100000002", "100000003", "100000004"]
    assert server.requests[0].params["$where"] == (
        "(law_code like 'PL 221%' OR law_code like 'PL 222%') AND "
        "arrest_date >= '2019-01-01T00:00:00' AND arrest_date < '2020-01-01T00:00:00'"
    )

    (since_only,) = run(server, tmp_path, since=date(2019, 12, 31))["files"]
    assert Path(since_only["path"]).name == "arrests-historic-2019-12-31-end.csv"
    assert since_only["rows"] == 2
    (until_only,) = run(server, tmp_path, until=date(2019, 1, 1), all_offenses=True)["files"]
    assert Path(until_only["path"]).name == "arrests-historic-all-offenses-start-2019-01-01.csv"
    assert until_only["rows"] == 2


def test_build_where_quoting_and_validation() -> None:
    assert soql_string("O'Brien") == "'O''Brien'"
    assert build_where("summonses", since=date(2021, 3, 31), all_offenses=True) == (
        "summons_date >= '2021-03-31T00:00:00'"
    )
    assert build_where("arrests", all_offenses=True) is None
    with pytest.raises(FetchError, match="after"):
        build_where("arrests", since=date(2020, 1, 2), until=date(2020, 1, 1))
    with pytest.raises(TypeError):
        build_where("arrests", since="2020-01-01")  # type: ignore[arg-type]
    with pytest.raises(FetchError, match="unknown dataset"):
        fetch("complaints", Path("unused"), progress=False)
    with pytest.raises(FetchError, match="unknown source"):
        build_query("arrests", "monthly")


def test_query_hash_changes_with_every_query_input() -> None:
    base = dict(since=date(2019, 1, 1), until=date(2019, 12, 31), all_offenses=False, page_size=1000)
    variants = [
        dict(base),
        {**base, "since": date(2019, 1, 2)},
        {**base, "until": date(2019, 12, 30)},
        {**base, "since": None},
        {**base, "until": None},
        {**base, "all_offenses": True},
        {**base, "page_size": 999},
    ]
    hashes = [build_query("arrests", "historic", **v).hash for v in variants]
    assert len(set(hashes)) == len(hashes)
    assert build_query("arrests", "historic", **base).hash == hashes[0]  # stable
    assert build_query("arrests", "ytd", **base).hash != hashes[0]
    assert build_query("summonses", "historic", **base).hash != hashes[0]


# --------------------------------------------------------------------------- CSV content


def test_geojson_to_wkt_numbers_as_text_and_unknown_fields_dropped(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, [MJ_POSSESSION, CANNABIS_2021, {**MJ_VIOLATION, "geocoded_column": None}])
    (info,) = run(server, tmp_path)["files"]
    text = Path(info["path"]).read_text(encoding="utf-8")
    assert "\r" not in text and "computed_region" not in text
    header, rows = read_csv(Path(info["path"]))
    by_key = {r["arrest_key"]: r for r in rows}

    mj = by_key["173513921"]
    assert mj["geocoded_column"] == "POINT (-73.91261099999996 40.66892000000004)"
    assert mj["arrest_date"] == "2017-12-31T00:00:00.000"
    assert mj["pd_desc"] == "MARIJUANA, POSSESSION 4 & 5"  # comma survives (quoted)
    assert '"MARIJUANA, POSSESSION 4 & 5"' in text

    cannabis = by_key["228764015"]
    assert cannabis["geocoded_column"] == "POINT (-73.90594 40.70587)"  # from new_georeferenced_column
    assert (cannabis["arrest_precinct"], cannabis["ky_cd"], cannabis["pd_cd"]) == ("104.0", "117.0", "570.0")
    assert "new_georeferenced_column" not in header

    assert by_key["160117294"]["geocoded_column"] == ""  # JSON null -> empty field


def test_absent_keys_become_empty_fields_and_json_numbers_keep_their_text(server: SocrataServer, tmp_path: Path) -> None:
    # JSON numbers (not strings) are written with the exact text the server sent
    numeric = {**MJ_SALE, "arrest_key": "185566299", "arrest_precinct": RawJSON("104.0"),
               "x_coord_cd": RawJSON("1008522"), "latitude": RawJSON("40.668920"),
               "geocoded_column": {"type": "Point", "coordinates": [RawJSON("-73.912610"), RawJSON("40.668920")]}}
    server.set_rows(ARRESTS_HISTORIC, [{**NO_DESC, "law_code": "PL 2211500"}, numeric])
    (info,) = run(server, tmp_path)["files"]
    _, rows = read_csv(Path(info["path"]))
    by_key = {r["arrest_key"]: r for r in rows}
    blank = by_key["173498231"]
    for column in ("pd_cd", "pd_desc", "ky_cd", "ofns_desc", "law_cat_cd", "latitude", "geocoded_column"):
        assert blank[column] == "", column
    assert blank["perp_race"] == "WHITE"
    num = by_key["185566299"]
    assert (num["arrest_precinct"], num["x_coord_cd"], num["latitude"]) == ("104.0", "1008522", "40.668920")
    assert num["geocoded_column"] == "POINT (-73.912610 40.668920)"


def test_summons_quotes_and_missing_columns(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(SUMMONS_HISTORIC, SUMMONS_FIXTURE)
    (info,) = run(server, tmp_path, "summonses", all_offenses=True)["files"]
    _, rows = read_csv(Path(info["path"]))
    by_key = {r["summons_key"]: r for r in rows}
    assert by_key["209556120"]["offense_description"] == 'CONSUMPTION OF ALCOHOL "IN PUBLIC"'
    assert by_key["208822154"]["law_description"] == ""
    assert by_key["208822154"]["summons_category_type"] == ""
    assert by_key["210356911"]["geocoded_column"] == "POINT (-73.93797 40.80298)"


def test_count_field_may_have_another_name(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.set_count_field("count_1")
    (info,) = run(server, tmp_path)["files"]
    assert info["expected_rows"] == 4 == info["rows"]


def test_both_sources_each_get_a_file(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.set_rows(ARRESTS_YTD, [CANNABIS_2021, VTL])
    result = run(server, tmp_path, sources=("historic", "ytd"))
    assert [f["source"] for f in result["files"]] == ["historic", "ytd"]
    assert [f["dataset_id"] for f in result["files"]] == [ARRESTS_HISTORIC, ARRESTS_YTD]
    assert [f["rows"] for f in result["files"]] == [4, 1]
    assert (tmp_path / "arrests-ytd-start-end.csv").is_file()
    json.dumps(result)  # plain data, printable by a --json CLI


# --------------------------------------------------------------------------- token


def test_token_header_sent_when_given(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    run(server, tmp_path, token="s3cr3t-app-token")
    assert len(server.requests) == 2
    assert all(r.headers.get("x-app-token") == "s3cr3t-app-token" for r in server.requests)
    leftovers = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
    assert "s3cr3t" not in leftovers


@pytest.mark.parametrize("token", [None, ""])
def test_token_header_absent_otherwise(server: SocrataServer, tmp_path: Path, token: str | None) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    run(server, tmp_path, token=token)
    assert len(server.requests) == 2
    assert all("x-app-token" not in r.headers for r in server.requests)


# --------------------------------------------------------------------------- retries


def test_429_then_success_honours_retry_after(server: SocrataServer, tmp_path: Path, sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(1500, 20))
    # count ok, page 1 throttled (Retry-After 7), page 1 ok, page 2 throttled without header
    server.inject(None, Fault.http(429, retry_after=7), None, Fault.http(429))
    (info,) = run(server, tmp_path, page_size=1000, backoff_base=0.25)["files"]
    assert info["rows"] == 1500
    assert sleeps == [7.0, 0.25]
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 0, 1000, 1000]


def test_retry_after_is_capped_at_60(server: SocrataServer, tmp_path: Path, sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.inject(Fault.http(429, retry_after=3600))
    (info,) = run(server, tmp_path)["files"]
    assert info["rows"] == 4
    assert sleeps == [60.0]
    assert len(server.count_requests(ARRESTS_HISTORIC)) == 2


def test_500_and_503_then_success_with_exponential_backoff(server: SocrataServer, tmp_path: Path,
                                                           sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(1200, 0))
    server.inject(Fault.http(503), None, Fault.http(500), Fault.http(503), Fault.http(500))
    (info,) = run(server, tmp_path, page_size=1000, backoff_base=0.5)["files"]
    assert info["rows"] == 1200
    assert sleeps == [0.5, 0.5, 1.0, 2.0]  # count once; page 1 three times
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 0, 0, 0, 1000]
    _, rows = read_csv(Path(info["path"]))
    assert len({r["arrest_key"] for r in rows}) == 1200


@pytest.mark.parametrize("fault", [Fault.drop(), Fault.truncate()], ids=["dropped", "truncated"])
def test_connection_cut_mid_body_then_success(server: SocrataServer, tmp_path: Path, sleeps: list[float],
                                              fault: Fault) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(1500, 0))
    server.inject(None, None, fault)  # page 2's first answer is cut in half
    (info,) = run(server, tmp_path, page_size=1000)["files"]
    assert info["rows"] == 1500
    assert sleeps == [1.0]
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 1000, 1000]
    assert server.requests[2].fault == fault
    _, rows = read_csv(Path(info["path"]))
    assert len({r["arrest_key"] for r in rows}) == 1500


def test_retries_exhausted_raises_and_keeps_completed_pages(server: SocrataServer, tmp_path: Path,
                                                            sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, make_arrests(2345, 0))
    server.fail_after(2, Fault.http(503))  # count and page 1 answered, then every request fails
    with pytest.raises(FetchError) as excinfo:
        run(server, tmp_path, page_size=1000, max_retries=3)
    message = str(excinfo.value)
    assert "page 2" in message and "offset 1000" in message and "4 attempts" in message
    assert "\n" not in message
    assert sleeps == [1.0, 2.0, 4.0]
    assert server.page_offsets(ARRESTS_HISTORIC) == [0, 1000, 1000, 1000, 1000]

    (part_dir,) = (tmp_path / ".partial").iterdir()
    assert part_dir.name.startswith("arrests-historic-")
    assert sorted(p.name for p in part_dir.iterdir()) == ["manifest.json", "page-000000.csv"]
    manifest = json.loads((part_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pages"] == {"0": 1000}
    assert manifest["expected_rows"] == 2345 and manifest["page_size"] == 1000
    assert manifest["query"]["where"] == "(law_code like 'PL 221%' OR law_code like 'PL 222%')"
    assert len(read_csv(part_dir / "page-000000.csv")[1]) == 1000
    assert not (tmp_path / "arrests-historic-start-end.csv").exists()


def test_client_errors_fail_at_once_with_server_message(server: SocrataServer, tmp_path: Path,
                                                        sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    server.inject(Fault.http(403, message="Invalid app_token specified"))
    with pytest.raises(FetchError, match="HTTP 403.*Invalid app_token specified"):
        run(server, tmp_path, token="bad")
    assert len(server.requests) == 1 and sleeps == []


def test_missing_dataset_404_names_the_server_message(server: SocrataServer, tmp_path: Path,
                                                      sleeps: list[float]) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)  # no YTD dataset on this server
    with pytest.raises(FetchError, match="Cannot find view with id uip8-fykc"):
        run(server, tmp_path, sources=("historic", "ytd"))
    assert sleeps == []
    assert len(server.count_requests(ARRESTS_YTD)) == 1
    assert (tmp_path / "arrests-historic-start-end.csv").is_file()  # the first source finished


# --------------------------------------------------------------------------- resume


def test_resume_downloads_only_missing_pages(server: SocrataServer, tmp_path: Path) -> None:
    mark = crash_on_page_3(server, tmp_path / "run", make_arrests(2345, 300), max_retries=2)
    (part_dir,) = (tmp_path / "run" / ".partial").iterdir()
    assert sorted(p.name for p in part_dir.glob("page-*.csv")) == ["page-000000.csv", "page-000001.csv"]
    assert not (tmp_path / "run" / "arrests-historic-start-end.csv").exists()

    (info,) = run(server, tmp_path / "run", page_size=1000)["files"]
    assert server.page_offsets(ARRESTS_HISTORIC, since=mark) == [2000]  # pages 1-2 not again
    assert (info["pages"], info["resumed_pages"], info["rows"]) == (3, 2, 2345)
    assert not (tmp_path / "run" / ".partial").exists()

    mark = len(server.requests)
    (fresh,) = run(server, tmp_path / "fresh", page_size=1000)["files"]
    assert server.page_offsets(ARRESTS_HISTORIC, since=mark) == [0, 1000, 2000]
    assert fresh["resumed_pages"] == 0
    resumed_bytes = Path(info["path"]).read_bytes()
    assert resumed_bytes == Path(fresh["path"]).read_bytes()
    assert len(read_csv(Path(info["path"]))[1]) == 2345


def test_changed_query_does_not_reuse_pages(server: SocrataServer, tmp_path: Path) -> None:
    mark = crash_on_page_3(server, tmp_path, make_arrests(2345, 0), max_retries=0)
    (info,) = run(server, tmp_path, page_size=500)["files"]
    assert info["resumed_pages"] == 0
    assert server.page_offsets(ARRESTS_HISTORIC, since=mark) == [0, 500, 1000, 1500, 2000]
    assert info["rows"] == 2345


def test_republished_dataset_restarts_instead_of_mixing_pages(server: SocrataServer, tmp_path: Path) -> None:
    rows = make_arrests(2345, 0)
    mark = crash_on_page_3(server, tmp_path, rows, max_retries=0)
    server.set_rows(ARRESTS_HISTORIC, rows + [{**MJ_VIOLATION, "arrest_key": "100000000"}])
    (info,) = run(server, tmp_path, page_size=1000)["files"]
    assert server.page_offsets(ARRESTS_HISTORIC, since=mark) == [0, 1000, 2000]
    assert (info["rows"], info["resumed_pages"]) == (2346, 0)
    _, got = read_csv(Path(info["path"]))
    assert len({r["arrest_key"] for r in got}) == 2346


@pytest.mark.parametrize("claimed", [2400, 2000])
def test_row_count_mismatch_raises_and_keeps_partial(server: SocrataServer, tmp_path: Path, claimed: int) -> None:
    part_dir = miscounted(server, tmp_path, claimed)
    assert not list(tmp_path.glob(".*.tmp"))
    assert sorted(p.name for p in part_dir.glob("page-*.csv")) == [
        "page-000000.csv", "page-000001.csv", "page-000002.csv"]


def test_progress_bar_goes_to_stderr(server: SocrataServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.set_rows(ARRESTS_HISTORIC, ARREST_FIXTURE)
    run(server, tmp_path, progress=True)
    captured = capsys.readouterr()
    assert "arrests historic" in captured.err and "4/4" in captured.err
    assert captured.out == ""


# --------------------------------------------------------------------------- the test server itself


def test_server_where_parser() -> None:
    row = {"law_code": "PL 2211001", "arrest_date": "2019-08-28T00:00:00.000", "boro": "K"}
    assert compile_where("law_code like 'PL 221%'")(row)
    assert not compile_where("law_code like 'pl 221%'")(row)  # case-sensitive
    assert not compile_where("law_code like 'PL 221'")(row)  # whole-value match
    assert compile_where("law_code like 'PL 221_001'")(row)
    # AND binds tighter than OR; parentheses override it
    assert compile_where("boro = 'X' AND boro = 'Y' OR boro = 'K'")(row)
    assert not compile_where("boro = 'X' AND (boro = 'Y' OR boro = 'K')")(row)
    assert compile_where("arrest_date >= '2019-08-28T00:00:00' AND arrest_date < '2019-08-29T00:00:00'")(row)
    assert not compile_where("arrest_date < '2019-08-28T00:00:00'")(row)
    assert compile_where("pd_desc = 'O''BRIEN'")({"pd_desc": "O'BRIEN"})
    assert not compile_where("pd_desc like '%'")({})  # NULL never matches
    for bad in ("law_code like", "law_code = 'x' AND", "(boro = 'K'", "__import__('os')", "boro == 'K'"):
        with pytest.raises(SoQLError):
            compile_where(bad)


def test_repeated_key_on_a_page_boundary_is_fetched_once_each(server: SocrataServer, tmp_path: Path) -> None:
    """Two records share a key (as summons 148968083 does); ordering by key then :id keeps paging stable."""
    rows = [{"summons_key": f"{206000000 + i}", "summons_date": "2020-03-04T00:00:00.000",
             "law_section_number": "221.05"} for i in range(5)]
    rows.insert(2, dict(rows[1], sex="M"))  # second copy of key 206000001, with a different field
    server.set_rows(SUMMONS_HISTORIC, rows)
    server.set_rows(SUMMONS_YTD, [])
    (info,) = run(server, tmp_path, "summonses", page_size=2, sources=("historic",))["files"]
    with open(info["path"], newline="", encoding="utf-8") as fh:
        got = [(r["summons_key"], r["sex"]) for r in csv.DictReader(fh)]
    assert sorted(got) == sorted((r["summons_key"], r.get("sex", "")) for r in rows)


def test_all_offenses_download_gets_its_own_file_name(server: SocrataServer, tmp_path: Path) -> None:
    server.set_rows(ARRESTS_HISTORIC, [with_date(MJ_POSSESSION, "100000001", "2019-06-15"),
                                       with_date(ASSAULT, "100000002", "2019-06-15")])
    marijuana = run(server, tmp_path, sources=("historic",))["files"][0]["path"]
    everything = run(server, tmp_path, sources=("historic",), all_offenses=True)["files"][0]["path"]
    assert Path(marijuana).name == "arrests-historic-start-end.csv"
    assert Path(everything).name == "arrests-historic-all-offenses-start-end.csv"
    assert Path(marijuana).exists() and Path(everything).exists()
    assert len(read_csv(Path(marijuana))[1]) == 1 and len(read_csv(Path(everything))[1]) == 2
