"""Tests for nyc_cannabis/sources/demo_data/, the data tables of the demo generator.

The precinct cell grid is generated: the committed file must be exactly what the generator writes from the
committed precinct boundaries. The hand-written tables must give every row a source.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from nyc_cannabis.sources import demo

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "nyc_cannabis" / "sources" / "demo_data"
GEOJSON = ROOT / "nyc_cannabis" / "core" / "reference" / "geo" / "police_precincts.geojson"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_precinct_cells_regenerate_byte_for_byte(tmp_path):
    out = tmp_path / "precinct_cells.json"
    done = subprocess.run([sys.executable, "-m", "nyc_cannabis.sources.demo_data.make_precinct_cells", "--geojson", str(GEOJSON),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (DATA / "precinct_cells.json").read_bytes()


def test_precinct_cells_match_the_boundaries_and_the_precinct_list():
    grid = json.loads((DATA / "precinct_cells.json").read_text(encoding="utf-8"))
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    listed = {int(r["precinct"]) for r in _rows("precincts.csv")}
    assert {int(f["properties"]["precinct"]) for f in features} == listed == set(map(int, grid["cells"]))
    assert (tuple(grid["origin"]), tuple(grid["size"])) == (demo.CELL_ORIGIN, demo.CELL_SIZE)
    assert all(runs.strip() for runs in grid["cells"].values())


def test_every_calibration_row_has_a_source():
    rows = _rows("calibration.csv")
    assert [r["id"] for r in rows] == [t.id for t in demo.CALIBRATION]
    empty = [r["id"] for r in rows if not (r["source"] or "").strip()]
    assert not empty, empty
    assert all(t.source.strip() for t in demo.CALIBRATION)


def test_code_tables_carry_a_source_and_load_as_the_module_tables():
    for name, table in (("arrest_codes.csv", demo.ARREST_CODES), ("summons_codes.csv", demo.SUMMONS_CODES)):
        rows = _rows(name)
        assert [r["id"] for r in rows] == list(table), name
        assert all(r["source"].strip() for r in rows), name
        for r in rows:
            assert tuple(v for k, v in r.items() if k not in ("id", "source")) == table[r["id"]], r["id"]


def test_calibration_values_keep_their_types():
    rows = {t.id: t for t in demo.CALIBRATION}
    assert type(rows["a.vol.2017"].value) is int
    assert rows["a.jur.cannabis"].value == {0: 1018, 1: 20, 2: 328}
    assert all(type(k) is int for k in rows["a.jur.cannabis"].value)
    assert rows["a.code.other"].value["PL 1553502/blank"] == 0.5
    assert type(rows["a.code.old-1977"].value["PL 2211001"]) is int
