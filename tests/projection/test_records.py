"""Record-level scenarios and properties through the real path: CSV → ingest → DuckDB → ``project``.

The scenarios (``tests/law/regimes/records.yaml``) give, per record, the class as charged and the low / central /
high class and fines under a target law, hand-derived from the statutes; each record is ingested from a tiny
CSV and isolated in its own precinct, so ``project --by precinct`` reports it alone and the SQL that reads the
record's date decides which law gave its code a meaning. The hypothesis properties build random small
databases the same way.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import ARREST_HEADER, SUMMONS_HEADER, arrest, cli_json, summons, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = yaml.safe_load((Path(__file__).parents[1] / "law" / "regimes" / "records.yaml").read_text())
TARGETS = ("old-1977", "reform-2019", "mrta-2021")
BOUNDS = ("low", "central", "high")
CLASS = {"L": "legal", "C": "legal", "V": "violation", "BM": "misdemeanor", "AM": "misdemeanor",
         "EF": "felony", "DF": "felony", "CF": "felony"}


def _record(case: dict) -> tuple[str, str, dt.date, str]:
    dataset = "arrests" if str(case["code"]).startswith("PL ") else "summonses"
    return dataset, str(case["code"]), case["date"], str(case["age"])


def _build(tmp: Path, records: list[tuple[str, str, dt.date, str]]) -> tuple[Path, dict]:
    """One row per distinct record, each in its own precinct; returns the database and record → precinct."""
    precinct: dict = {}
    rows: dict[str, list] = {"arrests": [], "summonses": []}
    for rec in records:
        if rec in precinct:
            continue
        dataset, code, day, age = rec
        n = len(rows[dataset]) + 1
        assert n <= 123, "one precinct per record: at most 123 records per dataset"
        precinct[rec] = str(n)
        date = day.strftime("%m/%d/%Y")
        if dataset == "arrests":
            rows[dataset].append(arrest(str(100000000 + n), LAW_CODE=code, ARREST_DATE=date, AGE_GROUP=age,
                                        ARREST_PRECINCT=str(n)))
        else:
            rows[dataset].append(summons(str(206000000 + n), LAW_SECTION_NUMBER=code, SUMMONS_DATE=date,
                                         AGE_GROUP=age, PRECINCT_OF_OCCUR=str(n)))
    db = tmp / "records.duckdb"
    files = [write_csv(tmp / f"{d}.csv", ARREST_HEADER if d == "arrests" else SUMMONS_HEADER, r)
             for d, r in rows.items() if r]
    out = cli_json("ingest", *files, "--db", db)
    assert sum(f["rows_loaded"] for f in out["files"]) == len(precinct)
    return db, precinct


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory):
    db, precinct = _build(tmp_path_factory.mktemp("records"), [_record(c) for c in CASES])
    results = {(dataset, target): {g["group"]: g for g in cli_json(
        "project", "--db", db, "--dataset", dataset, "--regime", target, "--by", "precinct")["groups"]}
        for dataset in ("arrests", "summonses") for target in TARGETS}
    return db, precinct, results


def _category(group: dict, bound: str) -> str:
    """What one record's outcome amounts to, as far as the counts of ``project`` tell it."""
    hits = [k for k in ("criminal", "violation", "legal") if group[f"{k}_{bound}"]]
    assert len(hits) == 1, (bound, group)
    if hits[0] == "criminal" and bound == "central":
        return "felony" if group["felonies_central"] else "misdemeanor"
    return hits[0]


def _criminal_or(cls: str, bound: str) -> str:
    cat = CLASS[cls]
    return "criminal" if cat in ("felony", "misdemeanor") and bound != "central" else cat


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['code']}@{c['date']}/{c['age']}->{c['target']}")
def test_record_scenario(scenario_db, case):
    _, precinct, results = scenario_db
    rec = _record(case)
    g = results[(rec[0], case["target"])][precinct[rec]]
    assert g["records"] == 1, case["law"]
    if case.get("unmatched"):
        assert g["unmatched"] == 1 and g["criminal_as_charged"] == g["criminal_high"] == 0, case["law"]
        assert g["legal_high"] == g["violation_high"] == 0
        return
    assert g["unmatched"] == 0, case["law"]
    charged = CLASS[case["as"]]
    assert g["criminal_as_charged"] == (charged in ("felony", "misdemeanor")), case["law"]
    assert g["felonies_as_charged"] == (charged == "felony"), case["law"]
    assert g["misdemeanors_as_charged"] == (charged == "misdemeanor"), case["law"]
    got = [_category(g, b) for b in BOUNDS]
    assert got == [_criminal_or(c, b) for c, b in zip(case["bounds"], BOUNDS)], case["law"]
    assert [g["fines_low"], g["fines_high"]] == case["fines"], case["law"]


def test_each_record_is_read_under_the_law_of_its_date(scenario_db):
    """by=period counts the records per charged regime: the SQL date → regime rule, at every boundary."""
    db, precinct, _ = scenario_db
    charged = {_record(c): c["charged"] for c in CASES}
    for dataset in ("arrests", "summonses"):
        expected = Counter(charged[r] for r in precinct if r[0] == dataset)
        out = cli_json("project", "--db", db, "--dataset", dataset, "--regime", "mrta-2021", "--by", "period")
        assert {g["group"]: g["records"] for g in out["groups"]} == dict(expected)


def test_the_scenarios_cover_every_section_under_every_target():
    sections = {(c["charged"], c["target"]) for c in CASES if not c.get("unmatched")}
    assert sections == {(a, b) for a in TARGETS for b in TARGETS}
    boundary = {c["date"] for c in CASES}
    assert {dt.date(2019, 8, 27), dt.date(2019, 8, 28), dt.date(2021, 3, 30), dt.date(2021, 3, 31)} <= boundary


# ------------------------------------------------------------------------------------------- properties

ART_221 = ["PL 2210500", "PL 2211000", "PL 2211001", "PL 2211002", "PL 2211500", "PL 2212000", "PL 2212500",
           "PL 2213000", "PL 2213500", "PL 2214000", "PL 2214500", "PL 2215000", "PL 2215001", "PL 2215002",
           "PL 2215500"]
ART_222 = ["PL 2221000", "PL 2222500", "PL 2223000", "PL 2223500", "PL 2224000", "PL 2224500", "PL 2225000",
           "PL 2225001", "PL 2225002", "PL 2225500", "PL 2225501", "PL 2225502", "PL 2226000", "PL 2226500"]
OTHER = "PL 1553502"  # petit larceny: not cannabis, never counted
PERIODS = {"old-1977": (dt.date(2012, 1, 1), dt.date(2019, 8, 27)),
           "reform-2019": (dt.date(2019, 8, 28), dt.date(2021, 3, 30)),
           "mrta-2021": (dt.date(2021, 3, 31), dt.date(2024, 12, 31))}
RACES = ["BLACK", "WHITE HISPANIC", "BLACK HISPANIC", "WHITE", "ASIAN / PACIFIC ISLANDER", "UNKNOWN"]
AGES = ["<18", "18-24", "25-44", "45-64", "65+", "UNKNOWN"]

day = st.one_of(
    st.dates(dt.date(2012, 1, 1), dt.date(2024, 12, 31)),
    st.sampled_from([dt.date(2019, 8, 27), dt.date(2019, 8, 28), dt.date(2021, 3, 30), dt.date(2021, 3, 31)]))


@st.composite
def record(draw, foreign: bool = True):
    date = draw(day)
    in_period = not foreign or draw(st.integers(0, 9)) < 8  # mostly a code of the article in force on the date
    own = ART_222 if date >= PERIODS["mrta-2021"][0] else ART_221
    code = draw(st.sampled_from(own if in_period else ART_221 + ART_222 + [OTHER]))
    return code, date, draw(st.sampled_from(RACES)), draw(st.sampled_from(AGES))


def _ingest(tmp: Path, records: list) -> Path:
    rows = [arrest(str(100000000 + i), LAW_CODE=code, ARREST_DATE=d.strftime("%m/%d/%Y"), PERP_RACE=race,
                   AGE_GROUP=age) for i, (code, d, race, age) in enumerate(records, 1)]
    db = tmp / "h.duckdb"
    cli_json("ingest", write_csv(tmp / "a.csv", ARREST_HEADER, rows), "--db", db)
    return db


def _project(db: Path, target: str, by: str, period: str | None = None) -> list[dict]:
    extra = ("--start", str(PERIODS[period][0]), "--end", str(PERIODS[period][1])) if period else ()
    return cli_json("project", "--db", db, "--dataset", "arrests", "--regime", target, "--by", by, *extra)["groups"]


COUNTS = ("records", "unmatched", "criminal_as_charged", *(f"{k}_{b}" for k in ("criminal", "violation", "legal")
                                                          for b in BOUNDS), "fines_low", "fines_high")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(record(), min_size=1, max_size=25))
def test_projection_properties_on_random_databases(records):
    with tempfile.TemporaryDirectory() as tmp:
        db = _ingest(Path(tmp), records)
        cannabis = [r for r in records if r[0] != OTHER]
        for target in TARGETS:
            groups = _project(db, target, "group")
            for g in groups:
                assert g["criminal_low"] <= g["criminal_central"] <= g["criminal_high"], (target, g)
                for b in BOUNDS:
                    assert (g[f"criminal_{b}"] + g[f"violation_{b}"] + g[f"legal_{b}"] + g["unmatched"]
                            == g["records"]), (target, b, g)
                assert g["fines_low"] <= g["fines_high"]
            years = _project(db, target, "year")
            for key in COUNTS:
                assert sum(g[key] for g in groups) == sum(g[key] for g in years), (target, key)
            assert sum(g["records"] for g in groups) == len(cannabis)
            assert {g["group"]: g["records"] for g in years} == dict(Counter(str(r[1].year) for r in cannabis))
            # unmatched = exactly the codes the law of their date did not have (art. 221 after the MRTA, 222 before)
            foreign = sum((r[1] >= PERIODS["mrta-2021"][0]) != (r[0] in ART_222) for r in cannabis)
            assert sum(g["unmatched"] for g in groups) == foreign


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(record(foreign=False), min_size=1, max_size=25))
def test_a_law_applied_to_records_of_its_own_period_gives_back_the_charge(records):
    with tempfile.TemporaryDirectory() as tmp:
        db = _ingest(Path(tmp), records)
        for target in TARGETS:
            lo, hi = PERIODS[target]
            inside = [r for r in records if lo <= r[1] <= hi and r[0] != OTHER]
            own = ART_222 if target == "mrta-2021" else ART_221
            if not inside or any(r[0] not in own for r in inside):
                continue  # only when every record of the period carries a code of that period's law
            # 222.50(2) has a defence the record cannot show ("a defense that the defendant was less than three
            # years older"): its low bound may leave the charge; every other code gives back its charge
            defence = target == "mrta-2021" and any(r[0].startswith("PL 22250") for r in inside)
            for g in _project(db, target, "group", period=target):
                assert g["criminal_central"] == g["criminal_high"] == g["criminal_as_charged"], g
                assert g["criminal_low"] == g["criminal_as_charged"] or (defence and g["criminal_low"] < g["criminal_as_charged"]), g
                assert g["unmatched"] == 0
                assert g["felonies_central"] == g["felonies_as_charged"], g
