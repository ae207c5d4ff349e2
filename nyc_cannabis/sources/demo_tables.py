"""The data tables of the demo generator (:mod:`nyc_cannabis.sources.demo`), read once at import.

The tables are files in ``demo_data/`` next to this module (``demo_data/README.md`` gives their columns
and sources); each is checked as it is read (exact header, unique ids, known labels) and becomes a constant:

* ``calibration.csv``: :data:`CALIBRATION`, one :class:`Target` per row (volumes, race shares, law-code
  mixes ... by dataset, population and period, each with its source); :func:`targets` selects rows;
* ``arrest_codes.csv`` and ``summons_codes.csv``: :data:`ARREST_CODES`, :data:`SUMMONS_CODES`, the law
  codes with the fields that follow from them;
* ``precincts.csv``: :data:`PRECINCTS`, the NYPD precincts by borough letter;
* ``precinct_cells.json``: :data:`PRECINCT_CELLS`, :data:`CELL_ORIGIN`, :data:`CELL_SIZE`, the grid cells
  where each precinct's points are drawn (:func:`decode_cells` unpacks them into arrays), the only table
  that is generated: ``python -m nyc_cannabis.sources.demo_data.make_precinct_cells`` rebuilds it.

Also the label sets the tables and the generator share: :data:`RACES`, :data:`AGE_GROUPS`,
:data:`SEXES`, :data:`JURISDICTIONS` and :data:`BOROUGHS`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from nyc_cannabis.core.datasets import AGE_BANDS
from nyc_cannabis.core.resources import resource_path

# ----------------------------------------------------------------------------------------------- labels

RACES: tuple[str, ...] = (
    "BLACK", "WHITE HISPANIC", "BLACK HISPANIC", "WHITE", "ASIAN / PACIFIC ISLANDER",
    "AMERICAN INDIAN/ALASKAN NATIVE", "OTHER", "UNKNOWN",
)
AGE_GROUPS: tuple[str, ...] = AGE_BANDS  # core/datasets.py; UNKNOWN: summonses only
SEXES: tuple[str, ...] = ("M", "F", "U")                                         # U: summonses only
JURISDICTIONS: tuple[int, ...] = (0, 1, 2)                                        # patrol, transit, housing

BOROUGHS: dict[str, str] = {"B": "BRONX", "K": "BROOKLYN", "M": "NEW YORK", "Q": "QUEENS", "S": "STATEN ISLAND"}

# ----------------------------------------------------------------------------------------- data files

#: The data tables (CSV and JSON, UTF-8), read once at import. ``demo_data/README.md`` describes every
#: file, its columns and where each number comes from.
DATA_DIR = resource_path("sources", "demo_data")


def _read_csv(name: str, header: tuple[str, ...], key: str = "id") -> list[dict[str, str]]:
    """Rows of ``DATA_DIR / name`` as dicts; the header must be exactly ``header`` and ``key`` unique."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != header:
            raise ValueError(f"{name}: header {reader.fieldnames} is not {list(header)}")
        rows = list(reader)
    keys = [row[key] for row in rows]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"{name}: duplicate {key} {dup}")
    return rows


def _load_precincts() -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for row in _read_csv("precincts.csv", ("boro", "precinct"), key="precinct"):
        if row["boro"] not in BOROUGHS:
            raise ValueError(f"precincts.csv: unknown borough {row['boro']!r}")
        out.setdefault(row["boro"], []).append(int(row["precinct"]))
    return {boro: tuple(numbers) for boro, numbers in out.items()}


#: NYPD precincts by borough letter (``demo_data/precincts.csv``; boroughs and precincts in file order).
PRECINCTS: dict[str, tuple[int, ...]] = _load_precincts()

# ------------------------------------------------------------------------------------------ law codes

#: Arrest code ids -> (LAW_CODE, PD_CD, PD_DESC, KY_CD, OFNS_DESC, LAW_CAT_CD); "" = blank in the export.
#: From ``demo_data/arrest_codes.csv`` (its ``source`` column says which rows are fixture mappings and
#: which are this module's choice).
ARREST_CODES: dict[str, tuple[str, str, str, str, str, str]] = {
    row["id"]: (row["LAW_CODE"], row["PD_CD"], row["PD_DESC"], row["KY_CD"], row["OFNS_DESC"], row["LAW_CAT_CD"])
    for row in _read_csv("arrest_codes.csv", ("id", "LAW_CODE", "PD_CD", "PD_DESC", "KY_CD", "OFNS_DESC",
                                              "LAW_CAT_CD", "source"))
}

#: Summons code ids -> (LAW_SECTION_NUMBER, OFFENSE_DESCRIPTION, LAW_DESCRIPTION, SUMMONS_CATEGORY_TYPE).
#: From ``demo_data/summons_codes.csv`` (with a ``source`` column, as above).
SUMMONS_CODES: dict[str, tuple[str, str, str, str]] = {
    row["id"]: (row["LAW_SECTION_NUMBER"], row["OFFENSE_DESCRIPTION"], row["LAW_DESCRIPTION"],
                row["SUMMONS_CATEGORY_TYPE"])
    for row in _read_csv("summons_codes.csv", ("id", "LAW_SECTION_NUMBER", "OFFENSE_DESCRIPTION",
                                               "LAW_DESCRIPTION", "SUMMONS_CATEGORY_TYPE", "source"))
}

# ----------------------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Target:
    """One calibration row: what the generator draws for ``dataset``/``population`` between two dates."""

    id: str
    dataset: str            # "arrests" | "summonses"
    population: str         # "cannabis" | "other"
    quantity: str           # "volume" | "race" | "code" | "age" | "sex" | "boro" | "jurisdiction"
    start: dt.date          # inclusive
    end: dt.date            # inclusive
    value: Any              # volume: records at real scale; otherwise {label: weight}
    basis: str              # "published" | "fixture" | "derived" | "assumption"
    source: str


#: The labels a share row may use, by quantity ("code": the code table of the row's dataset).
_LABELS: dict[str, tuple[Any, ...]] = {"race": RACES, "age": AGE_GROUPS, "sex": SEXES, "boro": tuple(BOROUGHS),
                                       "jurisdiction": JURISDICTIONS}


def _target(row: dict[str, str]) -> Target:
    """One row of calibration.csv. ``value`` is a whole number for volumes, else ``label=weight; ...``
    (weights: int if written without a point, else float; jurisdiction labels are integers)."""
    quantity = row["quantity"]
    if quantity == "volume":
        value: Any = int(row["value"])
    else:
        value = {}
        for pair in row["value"].split(";"):
            label, sep, weight = pair.strip().rpartition("=")
            if not sep or not label:
                raise ValueError(f"calibration.csv {row['id']}: {pair!r} is not label=weight")
            key: Any = int(label) if quantity == "jurisdiction" else label
            if key in value:
                raise ValueError(f"calibration.csv {row['id']}: label {label!r} twice")
            value[key] = int(weight) if weight.lstrip("-").isdigit() else float(weight)
        labels = (ARREST_CODES if row["dataset"] == "arrests" else SUMMONS_CODES) if quantity == "code" \
            else _LABELS[quantity]
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise ValueError(f"calibration.csv {row['id']}: unknown {quantity} labels {unknown}")
    return Target(row["id"], row["dataset"], row["population"], quantity, dt.date.fromisoformat(row["start"]),
                  dt.date.fromisoformat(row["end"]), value, row["basis"], row["source"])


#: The calibration table, one :class:`Target` per row of ``demo_data/calibration.csv``, in file order.
#: Source shorthands in its ``source`` column: "law reference §6" and "open-data reference §7" (full
#: citations in docs/demo-data.md and the law reference, section 6).
CALIBRATION: tuple[Target, ...] = tuple(
    _target(row) for row in _read_csv("calibration.csv", ("id", "dataset", "population", "quantity", "start",
                                                          "end", "value", "basis", "source")))


def targets(dataset: str, quantity: str, population: str | None = None) -> list[Target]:
    """The CALIBRATION rows for one dataset and quantity (optionally one population), in table order."""
    return [t for t in CALIBRATION
            if t.dataset == dataset and t.quantity == quantity and population in (None, t.population)]


# ------------------------------------------------------------------------------------------- geography

#: Where coordinates are drawn: each precinct is a set of grid cells (0.0025 deg latitude x 0.003 deg
#: longitude, about 280 m x 250 m; origin 40.49 N, 74.26 W) whose centres lie inside the precinct.
#: Read from ``demo_data/precinct_cells.json``, which ``python -m nyc_cannabis.demo_data.make_precinct_cells``
#: regenerates from the NYC Department of City Planning precinct boundaries
#: (nyc_cannabis/core/reference/geo/police_precincts.geojson, dataset 78dh-3ptz); about 93 % of points drawn this way
#: fall inside their own precinct polygon.
#: Format: precinct -> space-separated runs "row:first-last" (or "row:col") of cell indices.
_GRID = json.loads((DATA_DIR / "precinct_cells.json").read_text(encoding="utf-8"))
CELL_ORIGIN: tuple[float, float] = (float(_GRID["origin"][0]), float(_GRID["origin"][1]))
CELL_SIZE: tuple[float, float] = (float(_GRID["size"][0]), float(_GRID["size"][1]))
PRECINCT_CELLS: dict[int, str] = {int(p): runs for p, runs in _GRID["cells"].items()}
if set(PRECINCT_CELLS) != {p for numbers in PRECINCTS.values() for p in numbers}:
    raise ValueError("precinct_cells.json and precincts.csv list different precincts")


def decode_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precinct numbers (borough order) with the offset and count of their cells, and the cells' row/col."""
    numbers: list[int] = []
    offsets: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    for boro in BOROUGHS:
        for precinct in PRECINCTS[boro]:
            numbers.append(precinct)
            offsets.append(len(rows))
            for run in PRECINCT_CELLS[precinct].split():
                row, _, span = run.partition(":")
                first, _, last = span.partition("-")
                for col in range(int(first), int(last or first) + 1):
                    rows.append(int(row))
                    cols.append(col)
    counts = np.diff(np.append(offsets, len(rows)))
    return (np.array(numbers, dtype=np.int32), np.array(offsets, dtype=np.int64), counts.astype(np.int64),
            np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))
