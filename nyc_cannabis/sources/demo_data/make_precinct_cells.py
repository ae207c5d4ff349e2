"""Regenerate ``precinct_cells.json``, the grid cells the demo generator draws coordinates from.

Run from the repository root::

    python -m nyc_cannabis.sources.demo_data.make_precinct_cells [--geojson FILE] [--out FILE]

A cell (row, col) spans latitude ``ORIGIN[0] + row * SIZE[0]`` to ``ORIGIN[0] + (row + 1) * SIZE[0]`` and
longitude ``ORIGIN[1] + col * SIZE[1]`` to ``ORIGIN[1] + (col + 1) * SIZE[1]``. A precinct owns every cell
whose centre lies inside its polygon (even-odd rule over all rings of a polygon, so holes are out; union
over the parts of a MultiPolygon). A centre exactly on an edge follows the half-open crossing test below;
a cell can belong to two precincts where the simplified polygons overlap (one cell does).

Pure Python and numpy only. The output is deterministic: the same GeoJSON gives the same bytes, and
``tests/test_demo_data.py`` checks that the committed file is what this script writes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import numpy as np

from nyc_cannabis.core.resources import resource_path

#: Grid parameters: south-west corner (lat, lon) and cell size (deg lat, deg lon), about 280 m x 250 m.
ORIGIN = (40.49, -74.26)
SIZE = (0.0025, 0.003)

GEOJSON = resource_path("core", "reference", "geo", "police_precincts.geojson")
OUT = resource_path("sources", "demo_data", "precinct_cells.json")
FORMAT = ("cells: precinct -> space-separated runs 'row:first-last' (or 'row:col') of grid cells, row-major; "
          "cell (row, col) spans lat origin[0] + row * size[0] .. + size[0], "
          "lon origin[1] + col * size[1] .. + size[1]; a precinct owns the cells whose centre is inside its polygon")


def _inside(ring: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Crossing-number test of points (x, y) against one closed ring (first vertex repeated at the end)."""
    hit = np.zeros(x.shape, dtype=bool)
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:]):
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        hit ^= crosses & (x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    return hit


def _polygons(geometry: dict) -> list[list[np.ndarray]]:
    if geometry["type"] == "Polygon":
        return [[np.asarray(r, dtype=float) for r in geometry["coordinates"]]]
    if geometry["type"] == "MultiPolygon":
        return [[np.asarray(r, dtype=float) for r in poly] for poly in geometry["coordinates"]]
    raise ValueError(f"unsupported geometry type {geometry['type']!r}")


def _runs(rows: np.ndarray, cols: np.ndarray) -> str:
    """'row:first-last' runs of consecutive columns, row-major."""
    out: list[str] = []
    order = np.lexsort((cols, rows))
    cells = list(zip(rows[order].tolist(), cols[order].tolist()))
    i = 0
    while i < len(cells):
        row, first = cells[i]
        last = first
        while i + 1 < len(cells) and cells[i + 1] == (row, last + 1):
            i += 1
            last += 1
        out.append(f"{row}:{first}" if first == last else f"{row}:{first}-{last}")
        i += 1
    return " ".join(out)


def precinct_cells(features: list[dict]) -> dict[int, str]:
    """Precinct number -> encoded runs of the cells whose centre lies inside the precinct, by precinct."""
    result: dict[int, str] = {}
    for feature in sorted(features, key=lambda f: int(f["properties"]["precinct"])):
        precinct = int(feature["properties"]["precinct"])
        if precinct in result:
            raise ValueError(f"precinct {precinct} appears twice in the GeoJSON")
        polygons = _polygons(feature["geometry"])
        points = np.concatenate([ring for poly in polygons for ring in poly])
        lon_min, lat_min = points.min(axis=0)
        lon_max, lat_max = points.max(axis=0)
        if lat_min < ORIGIN[0] or lon_min < ORIGIN[1]:
            raise ValueError(f"precinct {precinct} reaches south or west of the grid origin {ORIGIN}")
        # candidate cells: every cell that overlaps the precinct's bounding box
        r0, r1 = int((lat_min - ORIGIN[0]) // SIZE[0]), int(math.ceil((lat_max - ORIGIN[0]) / SIZE[0]))
        c0, c1 = int((lon_min - ORIGIN[1]) // SIZE[1]), int(math.ceil((lon_max - ORIGIN[1]) / SIZE[1]))
        rows, cols = np.meshgrid(np.arange(r0, r1 + 1), np.arange(c0, c1 + 1), indexing="ij")
        lat = ORIGIN[0] + (rows + 0.5) * SIZE[0]
        lon = ORIGIN[1] + (cols + 0.5) * SIZE[1]
        hit = np.zeros(rows.shape, dtype=bool)
        for poly in polygons:
            in_poly = np.zeros(rows.shape, dtype=bool)
            for ring in poly:
                in_poly ^= _inside(ring, lon, lat)
            hit |= in_poly
        if not hit.any():
            raise ValueError(f"precinct {precinct} contains no cell centre; the demo could not place points in it")
        result[precinct] = _runs(rows[hit], cols[hit])
    return result


def render(geojson: Path) -> str:
    """The text of ``precinct_cells.json`` for ``geojson``."""
    raw = geojson.read_bytes()
    cells = precinct_cells(json.loads(raw)["features"])
    package = resource_path().resolve()
    try:
        source = "nyc_cannabis/" + geojson.resolve().relative_to(package).as_posix()
    except ValueError:
        source = geojson.resolve().as_posix()
    doc = {
        "generator": "python -m nyc_cannabis.sources.demo_data.make_precinct_cells",
        "source": source,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "origin": list(ORIGIN),
        "size": list(SIZE),
        "format": FORMAT,
        "cells": {str(p): runs for p, runs in cells.items()},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geojson", type=Path, default=GEOJSON, help=f"precinct polygons (default: {GEOJSON})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"file to write (default: {OUT})")
    args = parser.parse_args(argv)
    text = render(args.geojson)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(json.loads(text)['cells'])} precincts)")


if __name__ == "__main__":
    main()
