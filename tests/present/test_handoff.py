"""Data that travels: ``export`` writes the database as Parquet or CSV that other tools read back with the same
counts as ``info``, every exported column described in DICTIONARY.csv, the data version and the terms; it
refuses a folder it would clobber; and the reporter pack's tables carry their dictionaries and the
``<estimate>_estimate / _lower / _upper`` columns charting tools read as intervals."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import ARREST_HEADER, arrest, cli, cli_json, query, write_csv

from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.present import handoff, lawbook

RECORDS = ("arrests", "summonses")
SINGLE = ("quarantine", "arrests_cells", "summonses_cells", "population_city", "population_boroughs",
          "population_precincts")


@pytest.fixture(scope="module")
def demo(make_demo_db) -> Path:
    """A demo database of 2,000 arrests and 2,000 summonses."""
    return make_demo_db(2000)


@pytest.fixture(scope="module")
def exported(demo, tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """The demo database exported in both formats through the command line: format → (folder, --json)."""
    out = {}
    for fmt in ("parquet", "csv"):
        folder = tmp_path_factory.mktemp(f"export-{fmt}") / "data"
        out[fmt] = folder, cli_json("export", "--db", demo, "--out", folder, "--format", fmt)
    return out


def _read(folder: Path, fmt: str, table: str) -> str:
    """The DuckDB table function reading one exported table."""
    if table in RECORDS:
        return f"read_{fmt}('{folder / table}/**/*.{fmt}', hive_partitioning = true)"
    return f"read_{fmt}('{folder / table}.{fmt}')"


def _sql(sql: str) -> list[tuple]:
    """Rows of a query on the exported files (a fresh in-memory DuckDB, as another tool would read them)."""
    con = duckdb.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _pandas(folder: Path, fmt: str, table: str) -> pd.DataFrame:
    if fmt == "parquet":
        return pd.read_parquet(folder / table if table in RECORDS else folder / f"{table}.parquet")
    if table in RECORDS:  # one file per year=YYYY folder; the year is in the folder name
        return pd.concat([pd.read_csv(f).assign(year=int(f.parent.name.split("=")[1]))
                          for f in sorted((folder / table).glob("year=*/*.csv"))], ignore_index=True)
    return pd.read_csv(folder / f"{table}.csv")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_reads_back_with_the_counts_of_info(demo, exported, fmt):
    folder, payload = exported[fmt]
    held = cli_json("info", "--db", demo)
    assert payload["format"] == fmt and payload["replaced"] is False and payload["synthetic"] is True
    counts = {"arrests": held["arrests"], "summonses": held["summonses"], "quarantine": held["quarantined"]}
    assert counts["arrests"] == counts["summonses"] == 2000
    for table, expected in counts.items():
        assert payload["tables"][table]["rows"] == expected
        assert _sql(f"SELECT count(*) FROM {_read(folder, fmt, table)}")[0][0] == expected, table
        if expected:
            assert len(_pandas(folder, fmt, table)) == expected, table
    # partitioned by dataset and year: one folder per calendar year of the records' dates
    for dataset, date in (("arrests", "arrest_date"), ("summonses", "summons_date")):
        years = {int(p.name.split("=")[1]) for p in (folder / dataset).glob("year=*")}
        assert years == {y for (y,) in query(demo, f"SELECT DISTINCT year({date}) FROM {dataset}")}
        by_year = dict(_sql(f"SELECT year, count(*) FROM {_read(folder, fmt, dataset)} "
                            f"WHERE year({date}) = year GROUP BY year"))
        assert by_year == dict(query(demo, f"SELECT year({date}), count(*) FROM {dataset} GROUP BY ALL"))
        frame = _pandas(folder, fmt, dataset)
        assert frame[DATASETS[dataset].key].nunique() == 2000
    # the cells hold every cannabis record, and the populations are the Census tables
    for dataset in RECORDS:
        cannabis = query(demo, f"SELECT count(*) FROM {dataset} WHERE is_cannabis")[0][0]
        assert cannabis > 0
        assert _sql(f"SELECT sum(n) FROM {_read(folder, fmt, dataset + '_cells')}")[0][0] == cannabis
        assert _pandas(folder, fmt, dataset + "_cells")["n"].sum() == cannabis
    from nyc_cannabis.stats import population

    city = _pandas(folder, fmt, "population_city")
    assert dict(zip(city["group"], city["population"])) == population.city()
    precincts = _pandas(folder, fmt, "population_precincts")
    assert precincts.groupby("group")["population"].sum().to_dict() == {
        g: sum(p[g] for p in population.precincts().values()) for g in population.GROUP_VARIABLES}
    assert set(_pandas(folder, fmt, "population_boroughs")["boro_code"]) == set("BKMQS")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dictionary_version_and_terms(demo, exported, fmt):
    folder, payload = exported[fmt]
    dictionary = pd.read_csv(folder / "DICTIONARY.csv", keep_default_na=False)
    assert list(dictionary.columns) == ["table", "file", "column", "type", "label", "meaning", "unit"]
    assert set(dictionary["table"]) == {*RECORDS, *SINGLE}
    for table in (*RECORDS, *SINGLE):
        columns = [c for (c, *_) in _sql(f"DESCRIBE SELECT * FROM {_read(folder, fmt, table)}")]
        described = dictionary.loc[dictionary["table"] == table, "column"].tolist()
        assert sorted(described) == sorted(columns), table
    assert (dictionary["meaning"].str.strip() != "").all(), dictionary[dictionary["meaning"].str.strip() == ""]
    assert len(dictionary) == payload["columns"]
    row = dictionary.set_index(["table", "column"])
    assert row.loc[("arrests", "year"), "meaning"].startswith("Calendar year")
    assert row.loc[("population_city", "population"), "unit"] == "residents"
    assert row.loc[("arrests_cells", "n"), "unit"] == "records"

    version = json.loads((folder / "DATA-VERSION.json").read_text(encoding="utf-8"))
    held = cli_json("info", "--db", demo)
    assert [(s["file_name"], s["sha256"]) for s in version["sources"]] == \
        [(s["file_name"], s["sha256"]) for s in held["sources"]]
    assert version["version"] == cli("--version")[1].split()[-1]
    assert version["exported_at"] == payload["exported_at"] and version["format"] == fmt
    assert version["records"]["arrests"] == held["arrests"] and version["synthetic"] is True
    assert (folder / "DATA-TERMS.md").read_text(encoding="utf-8") == lawbook.data_terms()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_quarantined_rows_travel_whole(tmp_path, db, fmt):
    rows = [arrest("1"), arrest("2", ARREST_DATE="31/12/2017"), arrest("3", ARREST_PRECINCT="999"),
            arrest("4", PD_DESC='MARIJUANA, "POSSESSION", 4 & 5')]
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)
    held = cli_json("info", "--db", db)
    assert held["quarantined"] == 2 and held["arrests"] == 2
    payload = cli_json("export", "--db", db, "--out", tmp_path / "out", "--format", fmt)
    assert payload["synthetic"] is False and payload["tables"]["quarantine"]["rows"] == 2
    quarantine = _pandas(tmp_path / "out", fmt, "quarantine")
    assert quarantine.sort_values("line")[["line", "reason", "raw"]].values.tolist() == \
        [list(r) for r in query(db, "SELECT line, reason, raw FROM quarantine ORDER BY line")]
    arrests = _pandas(tmp_path / "out", fmt, "arrests").sort_values("arrest_key")
    assert arrests["pd_desc"].tolist() == ["MARIJUANA, POSSESSION 4 & 5", 'MARIJUANA, "POSSESSION", 4 & 5']
    assert arrests["year"].tolist() == [2017, 2017] and payload["tables"]["summonses"]["rows"] == 0


def test_export_reads_the_database_only(demo, tmp_path):
    before = hashlib.sha256(demo.read_bytes()).hexdigest()
    cli_json("export", "--db", demo, "--out", tmp_path / "x")
    assert hashlib.sha256(demo.read_bytes()).hexdigest() == before


def test_refuses_a_folder_it_would_clobber_and_replaces_an_earlier_export(demo, tmp_path, monkeypatch):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    code, out, err = cli("export", "--db", demo, "--out", busy)
    assert code == 1 and not out and err.startswith("error:") and err.count("\n") == 1 and "not empty" in err
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    code, _, err = cli("export", "--db", tmp_path / "none.duckdb", "--out", tmp_path / "new")
    assert code == 1 and "no such database" in err and not (tmp_path / "new").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    cli_json("export", "--db", demo, "--out", empty, "--format", "csv")
    (empty / "notes.txt").write_text("mine")
    again = cli_json("export", "--db", demo, "--out", empty)  # an earlier export: replaced, CSV files gone
    assert again["replaced"] is True
    assert [p.name for p in empty.rglob("*.csv")] == ["DICTIONARY.csv"]
    assert (empty / "notes.txt").read_text() == "mine"
    assert _sql(f"SELECT count(*) FROM {_read(empty, 'parquet', 'arrests')}")[0][0] == 2000

    # a failed export leaves the earlier one as it was, and no half-written folder beside it
    def boom():
        raise OSError("disk full")

    monkeypatch.setattr(handoff, "_population_frames", boom)
    stamp = (empty / "DATA-VERSION.json").read_text()
    code, _, err = cli("export", "--db", demo, "--out", empty, "--format", "csv")
    assert code == 1 and "disk full" in err
    assert (empty / "DATA-VERSION.json").read_text() == stamp
    assert [p.name for p in empty.rglob("*.csv")] == ["DICTIONARY.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "empty"]


def test_reporter_pack_tables_carry_dictionaries_and_intervals(demo):
    from nyc_cannabis.ingest.loader import info
    from nyc_cannabis.stats.disparity import disparity, enforcement_mode
    from nyc_cannabis.ui import exports

    result = disparity(demo, "arrests")
    columns = ["group", "count", "population", "rate_per_100k", "rate_ci_low", "rate_ci_high", "rate_ratio", "ci_low",
               "ci_high", "ci_method", "p_value", "share_of_count", "share_of_population", "suppressed", "note",
               "rate_ratio_if_unknown_in_reference", "rate_ratio_if_unknown_in_group"]  # the Disparities page's
    groups = pd.DataFrame([{c: g.get(c) for c in columns} for g in result["groups"]])
    mode = pd.DataFrame(enforcement_mode(demo)["rows"])
    view = exports.View("disparities", "Disparity", "http://x/disparities", {}, tables={"disparity": groups,
                                                                                       "mode": mode})
    z = zipfile.ZipFile(io.BytesIO(exports.reporter_pack(view, info(demo), images=False)))
    assert {"tables/disparity.csv", "tables/disparity.dictionary.csv", "tables/mode.csv",
            "tables/mode.dictionary.csv"} <= set(z.namelist())
    table = pd.read_csv(io.BytesIO(z.read("tables/disparity.csv")))
    for estimate, low, high in (("rate_ratio", "ci_low", "ci_high"), ("rate_per_100k", "rate_ci_low", "rate_ci_high")):
        assert {f"{estimate}_estimate", f"{estimate}_lower", f"{estimate}_upper", estimate, low, high} <= set(table)
        assert table[f"{estimate}_estimate"].equals(table[estimate])
        assert table[f"{estimate}_lower"].equals(table[low]) and table[f"{estimate}_upper"].equals(table[high])
        shown = table.dropna(subset=[estimate, low, high])
        assert len(shown) and (shown[f"{estimate}_lower"] <= shown[f"{estimate}_estimate"]).all()
        assert (shown[f"{estimate}_estimate"] <= shown[f"{estimate}_upper"]).all()
    assert "ratio_estimate" not in table  # the ratio's interval belongs to rate_ratio
    mode_table = pd.read_csv(io.BytesIO(z.read("tables/mode.csv")))
    assert {"arrest_share_estimate", "arrest_share_lower", "arrest_share_upper"} <= set(mode_table)
    for name, frame in (("disparity", table), ("mode", mode_table)):
        dictionary = pd.read_csv(io.BytesIO(z.read(f"tables/{name}.dictionary.csv")), keep_default_na=False)
        assert dictionary["column"].tolist() == list(frame.columns)
        assert (dictionary["meaning"].str.strip() != "").all(), dictionary
    units = dict(zip(dictionary["column"], dictionary["unit"]))
    assert units["arrest_share_lower"] == units["arrest_share"] == "share 0–1" and units["arrests"] == "records"
