"""Synthetic NYPD marijuana-enforcement records for demos, tests and benchmarks.

``write_demo(out_dir)`` writes ``demo_arrests.csv`` and ``demo_summonses.csv`` in the exact CSV export
schemas of NYC Open Data (arrests: the 2021+ Year-to-Date edition with ``New Georeferenced Column``;
summonses: the criminal-court summons incident export), plus ``SYNTHETIC.json``, a manifest that marks the
files as synthetic and lists their SHA-256.

Every record is invented. Volumes, race shares and law-code mixes follow :data:`CALIBRATION`, one table
whose rows each carry their source (the project's law reference, section 6, or the fixture profile in the
open-data reference). ``docs/demo-data.md`` explains each row and what the data does *not* reproduce.

The data tables (files in ``demo_data/``: calibration, law codes, precincts and their grid cells) and the
label sets are read and checked in :mod:`nyc_cannabis.sources.demo_tables`; this module holds the generator
(dates, keys, coordinates, the Arrow table, the CSV writer, the manifest). :data:`CALIBRATION`,
:func:`targets`, :data:`ARREST_CODES` and :data:`SUMMONS_CODES` can be imported from either module.

Design:

* all sampling is vectorised numpy (no per-row Python loop), one ``numpy.random.Generator`` (PCG64) per
  file seeded by ``(seed, file index)``, in a fixed call order, so the same arguments give byte-identical
  files;
* rows are written by DuckDB's CSV writer (quotes only fields that need it, empty field for NULL, ``\\n``
  line ends, insertion order preserved), from an Arrow table of dictionary-encoded columns;
* a record's law code always matches the law in force on its date (regime boundaries 2019-08-28 and
  2021-03-31), and PD_CD / KY_CD / LAW_CAT_CD always follow from the law code (:data:`ARREST_CODES`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from nyc_cannabis.core import events, store
from nyc_cannabis.core.datasets import DATASETS
from nyc_cannabis.core.files import sha256_file
from nyc_cannabis.sources.demo_tables import (  # noqa: F401 - CALIBRATION is re-exported for callers
    AGE_GROUPS,
    ARREST_CODES,
    BOROUGHS,
    CALIBRATION,
    CELL_ORIGIN,
    CELL_SIZE,
    JURISDICTIONS,
    PRECINCTS,
    RACES,
    SEXES,
    SUMMONS_CODES,
    decode_cells,
    targets,
)

# ----------------------------------------------------------------------------------------------- basics

START = dt.date(2012, 1, 1)
END = dt.date(2024, 12, 31)
#: the law periods inside the demo's years (``core/events.yaml``)
REGIMES: tuple[tuple[str, dt.date, dt.date], ...] = tuple(
    (p.regime, max(p.start or START, START), min(p.end or END, END)) for p in events.law_periods())

ARRESTS_FILE = "demo_arrests.csv"
SUMMONSES_FILE = "demo_summonses.csv"
MANIFEST_FILE = "SYNTHETIC.json"

#: the CSV export headers (``core/datasets.py``: the current export editions)
ARREST_HEADER: tuple[str, ...] = DATASETS["arrests"].export_header
SUMMONS_HEADER: tuple[str, ...] = DATASETS["summonses"].export_header

#: Share of rows that are not cannabis offences (spread evenly over 2012–2024), so law-code filters matter.
OTHER_SHARE = 0.10

#: Defaults: the cannabis part is close to real New York scale (sum of the volume rows of CALIBRATION,
#: 160,698 arrests and 153,849 summonses over 2012–2024) and the other 10 % are non-cannabis offences.
DEFAULT_ARRESTS = 180_000
DEFAULT_SUMMONSES = 170_000

#: Record keys: 9 digits, rising with the date at about the real pace (~13.3 M arrest keys a year in
#: 2017), arrests and summonses in disjoint ranges (100,000,000-273,338,499 and 400,000,000-573,338,499).
KEY_BASE = {"arrests": 100_000_000, "summonses": 400_000_000}
KEYS_PER_DAY = 36_500


def regime_of(day: dt.date) -> str:
    """Regime id in force on ``day`` (``core/events.yaml``)."""
    return events.law_on(day)


# ------------------------------------------------------------------------------------------- geography

#: the precinct cells of ``demo_data/precinct_cells.json`` as arrays (:func:`demo_tables.decode_cells`)
_PRECINCT_NO, _CELL_OFFSET, _CELL_COUNT, _CELL_ROW, _CELL_COL = decode_cells()
_BORO_FIRST = np.cumsum([0] + [len(PRECINCTS[b]) for b in BOROUGHS])[:-1]   # index of a borough's 1st precinct
_BORO_SIZE = np.array([len(PRECINCTS[b]) for b in BOROUGHS])


def state_plane(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lat/lon -> NY State Plane Long Island (NAD83, US survey feet, EPSG 2263), as the exports carry.

    Lambert conformal conic, two standard parallels (41 deg 02', 40 deg 40'), origin 40 deg 10' N 74 W,
    false easting 300,000 m. The constant shift (0.4 ft, 3.0 ft) is the median gap to the coordinate
    pairs of the real exports (NAD83 vs WGS84 handling), measured once on the fixtures.
    """
    a, f = 6378137.0, 1 / 298.257222101
    e = np.sqrt(2 * f - f * f)
    phi1, phi2, phi0 = np.radians(41 + 2 / 60), np.radians(40 + 40 / 60), np.radians(40 + 10 / 60)

    def m(p: Any) -> Any:
        return np.cos(p) / np.sqrt(1 - (e * np.sin(p)) ** 2)

    def t(p: Any) -> Any:
        return np.tan(np.pi / 4 - p / 2) / ((1 - e * np.sin(p)) / (1 + e * np.sin(p))) ** (e / 2)

    n = (np.log(m(phi1)) - np.log(m(phi2))) / (np.log(t(phi1)) - np.log(t(phi2)))
    big_f = m(phi1) / (n * t(phi1) ** n)
    r0 = a * big_f * t(phi0) ** n
    r = a * big_f * t(np.radians(lat)) ** n
    theta = n * (np.radians(lon) - np.radians(-74.0))
    us_foot = 1200 / 3937
    x = (300000.0 + r * np.sin(theta)) / us_foot - 0.4
    y = (r0 - r * np.cos(theta)) / us_foot - 3.0
    return x, y


# ------------------------------------------------------------------------------------------- generator

_POPULATIONS = ("cannabis", "other")
_DATES = [START + dt.timedelta(days=i) for i in range(((END - START).days + 1))]
_N_DAYS = len(_DATES)
_DATE_TEXT = pa.array([d.strftime("%m/%d/%Y") for d in _DATES], type=pa.string())


def _day(d: dt.date) -> int:
    return (d - START).days


def _day_weights(dataset: str) -> np.ndarray:
    """Expected cannabis records per day: each volume row spread evenly over its days."""
    w = np.zeros(_N_DAYS)
    covered = np.zeros(_N_DAYS, dtype=np.int64)
    for t in targets(dataset, "volume", "cannabis"):
        lo, hi = _day(t.start), _day(t.end)
        w[lo:hi + 1] = t.value / (hi - lo + 1)
        covered[lo:hi + 1] += 1
    if not (covered == 1).all():   # pragma: no cover - guarded by the tests on CALIBRATION
        raise AssertionError(f"{dataset} volume rows must tile {START}..{END} exactly once")
    return w


def _draw(rng: np.random.Generator, day: np.ndarray, pop: np.ndarray, dataset: str, quantity: str,
          labels: tuple[Any, ...]) -> np.ndarray:
    """Index into ``labels`` for every row, drawn from the CALIBRATION rows of ``quantity``."""
    out = np.full(len(day), -1, dtype=np.int16)
    index = {label: i for i, label in enumerate(labels)}
    for t in targets(dataset, quantity):
        mask = (pop == _POPULATIONS.index(t.population)) & (day >= _day(t.start)) & (day <= _day(t.end))
        m = int(mask.sum())
        if not m:
            continue
        keys = list(t.value)
        p = np.array([t.value[k] for k in keys], dtype=float)
        pick = rng.choice(len(keys), size=m, p=p / p.sum())
        out[mask] = np.array([index[k] for k in keys], dtype=np.int16)[pick]
    if (out < 0).any():   # pragma: no cover - guarded by the tests on CALIBRATION
        raise AssertionError(f"{dataset} {quantity}: some rows have no calibration row")
    return out


def _dict_column(indices: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """Dictionary-encoded text column; "" labels become NULL, which DuckDB writes as an empty field."""
    dictionary = pa.array([s if s != "" else None for s in labels], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)


def _generate(dataset: str, n: int, rng: np.random.Generator) -> pa.Table:
    """All rows of one dataset as an Arrow table (export column names), newest first."""
    n_other = int(round(n * OTHER_SHARE))
    n_cannabis = n - n_other
    w = _day_weights(dataset)
    counts_c = rng.multinomial(n_cannabis, w / w.sum())
    counts_o = rng.multinomial(n_other, np.full(_N_DAYS, 1.0 / _N_DAYS))
    day = np.concatenate([np.repeat(np.arange(_N_DAYS), counts_c), np.repeat(np.arange(_N_DAYS), counts_o)])
    pop = np.concatenate([np.zeros(n_cannabis, np.int8), np.ones(n_other, np.int8)])

    codes = list(ARREST_CODES if dataset == "arrests" else SUMMONS_CODES)
    code = _draw(rng, day, pop, dataset, "code", tuple(codes))
    race = _draw(rng, day, pop, dataset, "race", RACES)
    age = _draw(rng, day, pop, dataset, "age", AGE_GROUPS)
    sex = _draw(rng, day, pop, dataset, "sex", SEXES)
    boro = _draw(rng, day, pop, dataset, "boro", tuple(BOROUGHS))
    jur = _draw(rng, day, pop, dataset, "jurisdiction", JURISDICTIONS)

    # precinct: uniform among the borough's precincts; point: uniform in one of the precinct's cells
    pidx = _BORO_FIRST[boro] + (rng.random(n) * _BORO_SIZE[boro]).astype(np.int64)
    cell = _CELL_OFFSET[pidx] + (rng.random(n) * _CELL_COUNT[pidx]).astype(np.int64)
    lat = np.round(CELL_ORIGIN[0] + (_CELL_ROW[cell] + rng.random(n)) * CELL_SIZE[0], 9)
    lon = np.round(CELL_ORIGIN[1] + (_CELL_COL[cell] + rng.random(n)) * CELL_SIZE[1], 9)
    x, y = state_plane(lat, lon)
    # the 2020+ exports print binary noise (40.60344094100003): nudge by a few units in the last place
    lat = lat + rng.integers(-4, 5, n) * np.spacing(lat)
    lon = lon + rng.integers(-4, 5, n) * np.spacing(np.abs(lon))

    # keys rise with the date: each day owns a block of KEYS_PER_DAY keys; within a day, distinct offsets
    per_day = np.bincount(day, minlength=_N_DAYS)
    busiest = int(per_day.max()) if n else 0
    if busiest > KEYS_PER_DAY:
        raise ValueError(f"{n:,} {dataset} put {busiest:,} records on one day; at most {KEYS_PER_DAY:,} fit "
                         "the 9-digit key scheme")
    u = rng.integers(0, KEYS_PER_DAY - busiest + 1, n)
    order = np.argsort(day.astype(np.int64) * KEYS_PER_DAY + u, kind="stable")   # by day, then offset
    first_of_day = np.cumsum(per_day) - per_day
    rank = np.arange(n) - first_of_day[day[order]]
    key_sorted = KEY_BASE[dataset] + day[order].astype(np.int64) * KEYS_PER_DAY + u[order] + rank
    out = order[::-1]                                  # export order: newest first
    key = key_sorted[::-1]

    dates = pa.DictionaryArray.from_arrays(pa.array(day[out].astype(np.int32)), _DATE_TEXT)
    races = _dict_column(race[out], list(RACES))
    ages = _dict_column(age[out], list(AGE_GROUPS))
    sexes = _dict_column(sex[out], list(SEXES))
    jurisdiction = pa.array(np.array(JURISDICTIONS, dtype=np.int16)[jur[out]])
    precinct = pa.array(_PRECINCT_NO[pidx[out]])
    xs = pa.array(np.rint(x[out]).astype(np.int64))
    ys = pa.array(np.rint(y[out]).astype(np.int64))
    lats, lons = pa.array(lat[out]), pa.array(lon[out])
    c = code[out]
    if dataset == "arrests":
        table = [ARREST_CODES[k] for k in codes]
        cols = {
            "ARREST_KEY": pa.array(key),
            "ARREST_DATE": dates,
            "PD_CD": _dict_column(c, [r[1] for r in table]),
            "PD_DESC": _dict_column(c, [r[2] for r in table]),
            "KY_CD": _dict_column(c, [r[3] for r in table]),
            "OFNS_DESC": _dict_column(c, [r[4] for r in table]),
            "LAW_CODE": _dict_column(c, [r[0] for r in table]),
            "LAW_CAT_CD": _dict_column(c, [r[5] for r in table]),
            "ARREST_BORO": _dict_column(boro[out], list(BOROUGHS)),
            "ARREST_PRECINCT": precinct,
            "JURISDICTION_CODE": jurisdiction,
            "AGE_GROUP": ages,
            "PERP_SEX": sexes,
            "PERP_RACE": races,
            "X_COORD_CD": xs,
            "Y_COORD_CD": ys,
            "Latitude": lats,
            "Longitude": lons,
        }
    else:
        table = [SUMMONS_CODES[k] for k in codes]
        cols = {
            "SUMMONS_KEY": pa.array(key),
            "SUMMONS_DATE": dates,
            "OFFENSE_DESCRIPTION": _dict_column(c, [r[1] for r in table]),
            "LAW_SECTION_NUMBER": _dict_column(c, [r[0] for r in table]),
            "LAW_DESCRIPTION": _dict_column(c, [r[2] for r in table]),
            "SUMMONS_CATEGORY_TYPE": _dict_column(c, [r[3] for r in table]),
            "AGE_GROUP": ages,
            "SEX": sexes,
            "RACE": races,
            "JURISDICTION_CODE": jurisdiction,
            "BORO": _dict_column(boro[out], list(BOROUGHS.values())),
            "PRECINCT_OF_OCCUR": precinct,
            "X_COORDINATE_CD": xs,
            "Y_COORDINATE_CD": ys,
            "Latitude": lats,
            "Longitude": lons,
        }
    return pa.table(cols)


def _write_csv(table: pa.Table, header: tuple[str, ...], path: Path) -> None:
    """CSV as the portal exports it: header once, quotes only where needed, empty field for NULL, LF."""

    # the header's columns in order; the georeferenced point, always the last column, is built by the SQL
    columns = [name for name in header if name != "New Georeferenced Column"]
    georef = "New Georeferenced Column" in header
    tmp = path.with_name(path.name + ".tmp")
    con = duckdb.connect()
    try:
        store.execute(con, "demo/csv_settings")
        con.register("demo_rows", table.select(columns))
        store.execute(con, "demo/write_csv_georef" if georef else "demo/write_csv", {"target": str(tmp)})
    finally:
        con.close()
    with tmp.open("rb") as fh:
        first = fh.readline()
    if first != (",".join(header) + "\n").encode():   # pragma: no cover - DuckDB writer changed behaviour
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"unexpected CSV header from DuckDB: {first[:200]!r}")
    os.replace(tmp, path)


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def write_demo(out_dir: Path, *, arrests: int = DEFAULT_ARRESTS, summonses: int = DEFAULT_SUMMONSES,
               seed: int = 2019) -> dict:
    """Write ``demo_arrests.csv``, ``demo_summonses.csv`` and ``SYNTHETIC.json`` into ``out_dir``.

    ``arrests`` and ``summonses`` are exact row counts: 90 % cannabis records following the yearly shape of
    :data:`CALIBRATION` (scaled to the total) and 10 % other offences. Same arguments, same bytes.
    Returns the manifest plus ``out_dir``, ``manifest_path`` and an absolute ``path`` for every file.
    """
    n_arrests = _count("arrests", arrests)
    n_summonses = _count("summonses", summonses)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for i, (dataset, n, name, header) in enumerate((("arrests", n_arrests, ARRESTS_FILE, ARREST_HEADER),
                                                    ("summonses", n_summonses, SUMMONSES_FILE, SUMMONS_HEADER))):
        rng = np.random.Generator(np.random.PCG64([int(seed) & 0xFFFFFFFFFFFFFFFF, i]))
        path = out / name
        _write_csv(_generate(dataset, n, rng), header, path)
        files.append({"name": name, "sha256": sha256_file(path), "rows": n, "dataset": dataset})
    manifest = {
        "synthetic": True,
        "generator": "nyc_cannabis.sources.demo",
        "seed": int(seed),
        "params": {"arrests": n_arrests, "summonses": n_summonses, "start": START.isoformat(),
                   "end": END.isoformat(), "other_share": OTHER_SHARE},
        "files": files,
        "created_by_note": "synthetic demo data, not NYPD records",
    }
    manifest_path = out / MANIFEST_FILE
    tmp = manifest_path.with_name(MANIFEST_FILE + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, manifest_path)
    result = json.loads(json.dumps(manifest))
    for f in result["files"]:
        f["path"] = str(out / f["name"])
    result["out_dir"] = str(out)
    result["manifest_path"] = str(manifest_path)
    return result
