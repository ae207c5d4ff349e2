"""Shared fixtures: temporary databases, the real extracts (skipped when absent), CSV builders."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import duckdb
import pytest
from click.testing import CliRunner

from nyc_cannabis.core.datasets import DATASETS

ROOT = Path(__file__).resolve().parent.parent
#: the real NYC Open Data extracts (docs/sources.md), read in place and never copied; tests skip without them
REAL = Path(os.environ.get("NYC_CANNABIS_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
REAL_FILES = {
    "dec2017": "NYPD_Arrests_Data__DEC2017.csv",
    "historic": "NYPD_Arrests_Data__Historic_.csv",
    "ytd2021": "NYPD_Arrest_Data__Year_to_Date_.csv",
    "summons2020": "NYPD_Criminal_Court_Summons_Incident_Level_Data__Year_To_Date_.csv",
}

#: the 2017-era export editions: the current export headers (core/datasets.py) without the point column
ARREST_HEADER = [h for h in DATASETS["arrests"].export_header if h != "New Georeferenced Column"]
SUMMONS_HEADER = list(DATASETS["summonses"].export_header)


def arrest(key: str = "100000001", **over: str) -> dict[str, str]:
    """A realistic 2017 marijuana arrest row (values as in the DEC2017 export); override any column."""
    row = {"ARREST_KEY": key, "ARREST_DATE": "12/31/2017", "PD_CD": "567",
           "PD_DESC": "MARIJUANA, POSSESSION 4 & 5", "KY_CD": "235", "OFNS_DESC": "DANGEROUS DRUGS",
           "LAW_CODE": "PL 2211001", "LAW_CAT_CD": "M", "ARREST_BORO": "K", "ARREST_PRECINCT": "75",
           "JURISDICTION_CODE": "0", "AGE_GROUP": "18-24", "PERP_SEX": "M", "PERP_RACE": "BLACK",
           "X_COORD_CD": "1016334", "Y_COORD_CD": "184926", "Latitude": "40.674118", "Longitude": "-73.8962"}
    row.update(over)
    return row


def summons(key: str = "206000001", **over: str) -> dict[str, str]:
    """A realistic Q1 2020 marijuana summons row; override any column."""
    row = {"SUMMONS_KEY": key, "SUMMONS_DATE": "03/04/2020",
           "OFFENSE_DESCRIPTION": "MARIJUANA, UNLAWFUL POSSESSION 2ND DEGREE", "LAW_SECTION_NUMBER": "221.05",
           "LAW_DESCRIPTION": "Penal Law", "SUMMONS_CATEGORY_TYPE": "MARIJUANA", "AGE_GROUP": "18-24",
           "SEX": "M", "RACE": "BLACK", "JURISDICTION_CODE": "0", "BORO": "NEW YORK", "PRECINCT_OF_OCCUR": "25",
           "X_COORDINATE_CD": "1000598", "Y_COORDINATE_CD": "231062", "Latitude": "40.80088",
           "Longitude": "-73.9412"}
    row.update(over)
    return row


def csv_text(header: list[str], rows: list[dict[str, str]] | list[list[str]], newline: str = "\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header] if isinstance(r, dict) else r)
    return buf.getvalue()


def write_csv(path: Path, header: list[str], rows, newline: str = "\n") -> Path:
    path.write_text(csv_text(header, rows, newline), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def real() -> dict[str, Path]:
    if not all((REAL / name).is_file() for name in REAL_FILES.values()):
        pytest.skip(f"real extracts not present in {REAL}")
    return {k: REAL / v for k, v in REAL_FILES.items()}


def snapshot(db_path: Path) -> dict[str, list]:
    """Every row of every table, sorted: two equal snapshots mean an unchanged database."""
    if not db_path.exists():
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


def query(db_path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process (click's runner); returns (exit code, stdout, stderr)."""
    from nyc_cannabis.cli import cli as group

    result = CliRunner().invoke(group, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str) -> dict:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def run_module(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m nyc_cannabis`` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "nyc_cannabis", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def real_db_all(tmp_path_factory) -> Path:
    """A database holding the four real NYPD extracts (skipped when they are absent)."""
    if not all((REAL / f).is_file() for f in REAL_FILES.values()):
        pytest.skip(f"real extracts not present in {REAL}")
    path = tmp_path_factory.mktemp("real_all") / "real.duckdb"
    cli_json("ingest", *(REAL / f for f in REAL_FILES.values()), "--db", path)
    return path


@pytest.fixture(scope="session")
def make_demo_db(tmp_path_factory) -> Callable[[int], Path]:
    """``make_demo_db(n)``: a synthetic demo database of ``n`` arrests and ``n`` summonses, built once a size
    per session; tests only read it."""
    built: dict[int, Path] = {}

    def make(n: int) -> Path:
        if n not in built:
            tmp = tmp_path_factory.mktemp("demo")
            path = tmp / "demo.duckdb"
            cli_json("demo", "--out", tmp / "csv", "--arrests", n, "--summonses", n, "--db", path)
            built[n] = path
        return built[n]

    return make


@pytest.fixture(scope="session")
def demo_db(make_demo_db) -> Path:
    """A small synthetic demo database (4,000 arrests and 4,000 summonses), shared by the AppTest suites."""
    return make_demo_db(4000)


@pytest.fixture
def populated(tmp_path, db):
    """A database that already holds two arrests and one summons, of known editions."""
    a = write_csv(tmp_path / "known_a.csv", ARREST_HEADER, [arrest("1"), arrest("2", PERP_RACE="WHITE")])
    s = write_csv(tmp_path / "known_s.csv", SUMMONS_HEADER, [summons("9")])
    cli_json("ingest", a, s, "--db", db)
    return db
