"""The real NYC Open Data extracts (docs/sources.md; $NYC_CANNABIS_REAL_DATA): counts checked against the published profile
(nyc-open-data.md §7) and against an independent pass over the files with Python's csv module."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from conftest import cli_json, query, snapshot

pytestmark = pytest.mark.real

ORDER = ("dec2017", "historic", "ytd2021", "summons2020")


def read_rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def loaded(real, db):
    out = cli_json("ingest", *(real[k] for k in ORDER), "--db", db)
    return out, db


def test_every_row_accounted_for(loaded):
    out, _ = loaded
    files = out["files"]
    assert [f["rows_read"] for f in files] == [19_452, 880, 13_224, 20_337]
    assert [f["dataset"] for f in files] == ["arrests", "arrests", "arrests", "summonses"]
    assert [f["rows_rejected"] for f in files] == [0, 0, 0, 0]
    assert [f["rows_duplicate"] for f in files] == [0, 353, 0, 1]
    for f in files:
        assert f["rows_loaded"] + f["rows_rejected"] + f["rows_duplicate"] == f["rows_read"]
    assert [f["conflicts"] for f in files] == [0, 0, 0, 1]
    assert [f["edition"] for f in files] == ["export-18", "export-18", "export-ytd-2021", "export-16"]


def test_unique_records_match_an_independent_count(loaded, real):
    _, db = loaded
    arrest_keys = {r["ARREST_KEY"] for k in ("dec2017", "historic", "ytd2021") for r in read_rows(real[k])}
    summons_keys = {r["SUMMONS_KEY"] for r in read_rows(real["summons2020"])}
    assert len(arrest_keys) == 19_979 + 13_224
    assert len(summons_keys) == 20_336
    info = cli_json("info", "--db", db)
    assert (info["arrests"], info["summonses"], info["quarantined"]) == (len(arrest_keys), len(summons_keys), 0)
    assert (info["first_date"], info["last_date"]) == ("2017-01-01", "2021-09-30")
    assert [s["file_name"] for s in info["sources"]] == [real[k].name for k in ORDER]
    assert query(db, "SELECT count(DISTINCT arrest_key) = count(*) FROM arrests") == [(True,)]


def test_summons_conflict_resolved_to_the_complete_copy(loaded, real):
    _, db = loaded
    copies = [(i + 2, r) for i, r in enumerate(read_rows(real["summons2020"])) if r["SUMMONS_KEY"] == "148968083"]
    assert len(copies) == 2
    complete = next(line for line, r in copies if r["RACE"] == "BLACK")
    blank = next(line for line, r in copies if r["RACE"] == "")
    stored = query(db, "SELECT race, race_group, age_group, sex, line FROM summonses WHERE summons_key = '148968083'")
    assert stored == [("BLACK", "Black", "18-24", "M", complete)]
    info = cli_json("info", "--db", db)
    (conflict,) = info["conflicts"]
    assert conflict["record_key"] == "148968083"
    assert (conflict["kept_line"], conflict["other_line"]) == (complete, blank)
    assert set(conflict["fields"]) == {"race", "age_group"}  # as published; the derived columns follow


def test_second_ingest_changes_nothing(loaded, real):
    _, db = loaded
    before = snapshot(db)
    again = cli_json("ingest", *(real[k] for k in ORDER), "--db", db)
    for f in again["files"]:
        assert f["rows_loaded"] == 0
        assert f["rows_duplicate"] == f["rows_read"]
        assert f["already_loaded"] is True
    assert snapshot(db) == before


def test_marijuana_counts_by_code_and_race(loaded, real):
    """Per law code and race label, stored cannabis arrests equal a hand count over the deduplicated files."""
    _, db = loaded
    seen, expected = set(), Counter()
    for k in ("dec2017", "historic"):
        for r in read_rows(real[k]):
            if r["ARREST_KEY"] in seen:
                continue
            seen.add(r["ARREST_KEY"])
            if r["LAW_CODE"].startswith("PL 221"):
                expected[(r["LAW_CODE"], r["PERP_RACE"])] += 1
    got = Counter({(code, race): n for code, race, n in query(
        db, "SELECT law_code, perp_race, count(*) FROM arrests WHERE is_cannabis GROUP BY ALL")})
    assert got == expected
    assert sum(got.values()) == 1_414  # published profile, nyc-open-data.md §7.4


def test_law_sections_and_groups_parsed(loaded):
    _, db = loaded
    sections = dict(query(db, "SELECT law_code, law_section || coalesce('(' || law_subdivision || ')', '') "
                              "FROM arrests WHERE is_cannabis GROUP BY ALL"))
    assert sections["PL 2211001"] == "221.10(1)"
    assert sections["PL 2211002"] == "221.10(2)"
    assert sections["PL 2210500"] == "221.05"
    assert sections["PL 2215500"] == "221.55"
    summons = dict(query(db, "SELECT law_section, count(*) FROM summonses WHERE is_cannabis GROUP BY ALL"))
    assert summons == {"221.05": 3_564, "221.10": 51}  # 3,565 rows of 221.05 less the conflicting copy
    groups = dict(query(db, "SELECT race_group, count(*) FROM summonses WHERE is_cannabis GROUP BY ALL"))
    # nyc-open-data.md §7.4: Black 1,961; Hispanic 903 + 454; White 156; the blank-race copy was set aside
    assert groups["Black"] == 1_961 and groups["Hispanic"] == 1_357 and groups["White"] == 156
    assert query(db, "SELECT DISTINCT boro_code FROM summonses ORDER BY 1") == [("B",), ("K",), ("M",), ("Q",), ("S",)]


@pytest.mark.real
def test_the_dataset_description_matches_the_real_export_headers(real):
    """core/datasets.py is the one description of the exports; the real files are the independent check."""
    from conftest import ARREST_HEADER, SUMMONS_HEADER

    from nyc_cannabis.core.datasets import DATASETS

    def header(path):
        with open(path, encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f))
    assert header(real["ytd2021"]) == list(DATASETS["arrests"].export_header)
    assert header(real["dec2017"]) == ARREST_HEADER
    assert header(real["summons2020"]) == SUMMONS_HEADER == list(DATASETS["summonses"].export_header)
