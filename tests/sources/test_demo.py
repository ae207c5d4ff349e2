"""Tests for nyc_cannabis.sources.demo, the synthetic NYPD-shaped CSV generator.

Known answers come from the law and open-data references (headers, code tables, regime dates, published
figures), written out here independently of the module, and the files are read back with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import REAL

from nyc_cannabis.sources import demo

ROOT = Path(__file__).resolve().parents[2]
GEOJSON = ROOT / "nyc_cannabis" / "core" / "reference" / "geo" / "police_precincts.geojson"

ARREST_HEADER = ("ARREST_KEY,ARREST_DATE,PD_CD,PD_DESC,KY_CD,OFNS_DESC,LAW_CODE,LAW_CAT_CD,ARREST_BORO,"
                 "ARREST_PRECINCT,JURISDICTION_CODE,AGE_GROUP,PERP_SEX,PERP_RACE,X_COORD_CD,Y_COORD_CD,"
                 "Latitude,Longitude,New Georeferenced Column")
SUMMONS_HEADER = ("SUMMONS_KEY,SUMMONS_DATE,OFFENSE_DESCRIPTION,LAW_SECTION_NUMBER,LAW_DESCRIPTION,"
                  "SUMMONS_CATEGORY_TYPE,AGE_GROUP,SEX,RACE,JURISDICTION_CODE,BORO,PRECINCT_OF_OCCUR,"
                  "X_COORDINATE_CD,Y_COORDINATE_CD,Latitude,Longitude")

FIRST, LAST = dt.date(2012, 1, 1), dt.date(2024, 12, 31)
REFORM, MRTA = dt.date(2019, 8, 28), dt.date(2021, 3, 31)

# NYPD precincts by borough (the brief's list; no precinct 51 exists)
PRECINCTS = {
    "M": {1, 5, 6, 7, 9, 10, 13, 14, 17, 18, 19, 20, 22, 23, 24, 25, 26, 28, 30, 32, 33, 34},
    "B": {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 52},
    "K": {60, 61, 62, 63, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 77, 78, 79, 81, 83, 84, 88, 90, 94},
    "Q": set(range(100, 116)),
    "S": {120, 121, 122, 123},
}
BORO_NAME = {"BRONX": "B", "BROOKLYN": "K", "NEW YORK": "M", "QUEENS": "Q", "STATEN ISLAND": "S"}
# rough borough boxes (lat_min, lat_max, lon_min, lon_max), generous by a few hundred metres
BBOX = {
    "M": (40.68, 40.882, -74.05, -73.90),
    "B": (40.785, 40.92, -73.94, -73.76),
    "K": (40.565, 40.745, -74.05, -73.83),
    "Q": (40.54, 40.805, -73.97, -73.69),
    "S": (40.49, 40.655, -74.26, -74.05),
}
# article-221 arrest codes (open-data reference §4): PD_CD, PD_DESC, KY_CD, OFNS_DESC, LAW_CAT_CD
ART221 = {
    "PL 2210500": ("566", "MARIJUANA, POSSESSION", "678", "MISCELLANEOUS PENAL LAW", "V"),
    **{c: ("567", "MARIJUANA, POSSESSION 4 & 5", "235", "DANGEROUS DRUGS", "M")
       for c in ("PL 2211001", "PL 2211002", "PL 2211500")},
    **{c: ("568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F")
       for c in ("PL 2212000", "PL 2212500", "PL 2213000")},
    **{c: ("569", "MARIJUANA, SALE 4 & 5", "235", "DANGEROUS DRUGS", "M") for c in ("PL 2213500", "PL 2214000")},
    **{c: ("570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F")
       for c in ("PL 2214500", "PL 2215000", "PL 2215500")},
    # the new 221.10 (2019 law, a violation): documented choice of the generator
    "PL 2211000": ("566", "MARIJUANA, POSSESSION", "678", "MISCELLANEOUS PENAL LAW", "V"),
}
# article-222 class by section (law reference §2.3): V violation, M misdemeanour, F felony
ART222_CLASS = {"22225": "V", "22230": "M", "22235": "F", "22240": "F", "22245": "V",
                "22250": "M", "22255": "F", "22260": "F", "22265": "F"}
LONG_RACES = {"BLACK", "WHITE HISPANIC", "BLACK HISPANIC", "WHITE", "ASIAN / PACIFIC ISLANDER",
              "AMERICAN INDIAN/ALASKAN NATIVE", "OTHER", "UNKNOWN"}


class Table:
    """A CSV file read back with the csv module, column-wise."""

    def __init__(self, path: Path) -> None:
        self.raw = path.read_bytes()
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            self.header = next(reader)
            self.rows = list(reader)
        self.n = len(self.rows)
        cols = list(zip(*self.rows)) if self.rows else [()] * len(self.header)
        self.col = {name: list(values) for name, values in zip(self.header, cols)}
        cache: dict[str, dt.date] = {}
        date_col = self.col[self.header[1]]
        self.dates = [cache.get(s) or cache.setdefault(s, dt.datetime.strptime(s, "%m/%d/%Y").date())
                      for s in date_col]


def is_cannabis_arrest(code: str) -> bool:
    return code.startswith("PL 221") or code.startswith("PL 222")


def is_cannabis_summons(section: str) -> bool:
    return section.startswith("221.") or section.startswith("222.")


def write(out: Path, **kw) -> dict:
    return demo.write_demo(out, **kw)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    manifest = write(out, arrests=6_000, summonses=5_000, seed=11)
    return out, manifest, Table(out / "demo_arrests.csv"), Table(out / "demo_summonses.csv")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    out = tmp_path_factory.mktemp("big")
    manifest = write(out, arrests=200_000, summonses=200_000, seed=7)
    return out, manifest, Table(out / "demo_arrests.csv"), Table(out / "demo_summonses.csv")


# ------------------------------------------------------------------------------------------ format


def test_headers_are_exact(small):
    _, _, a, s = small
    assert a.raw.split(b"\n", 1)[0] == ARREST_HEADER.encode()
    assert s.raw.split(b"\n", 1)[0] == SUMMONS_HEADER.encode()
    assert a.header == ARREST_HEADER.split(",") and s.header == SUMMONS_HEADER.split(",")


@pytest.mark.parametrize("which", ["arrests", "summonses"])
def test_csv_bytes_match_minimal_quoting(small, which):
    """Re-serialising the parsed rows with QUOTE_MINIMAL and LF gives back the file byte for byte."""
    _, _, a, s = small
    t = a if which == "arrests" else s
    assert b"\r" not in t.raw and t.raw.endswith(b"\n")
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(t.header)
    writer.writerows(t.rows)
    assert buf.getvalue().encode() == t.raw
    assert all(len(r) == len(t.header) for r in t.rows)
    assert b'""' not in t.raw                      # blanks are empty fields, never quoted empties


def test_fields_with_commas_are_quoted(small):
    _, _, a, s = small
    assert b',"MARIJUANA, POSSESSION 4 & 5",' in a.raw
    assert b',"ASSAULT 2,1,UNCLASSIFIED",' in a.raw
    assert any("," in v for v in s.col["OFFENSE_DESCRIPTION"])
    assert re.search(rb'\n\d{9},\d\d/\d\d/\d{4},"[A-Z ,]+",', s.raw)


def test_row_counts_equal_arguments(small):
    _, manifest, a, s = small
    assert (a.n, s.n) == (6_000, 5_000)
    assert [f["rows"] for f in manifest["files"]] == [6_000, 5_000]
    assert a.raw.count(b"\n") == 6_001 and s.raw.count(b"\n") == 5_001


def test_zero_rows_writes_headers_only(tmp_path):
    m = write(tmp_path, arrests=0, summonses=0)
    assert (tmp_path / "demo_arrests.csv").read_text() == ARREST_HEADER + "\n"
    assert (tmp_path / "demo_summonses.csv").read_text() == SUMMONS_HEADER + "\n"
    assert [f["rows"] for f in m["files"]] == [0, 0]


@pytest.mark.parametrize("bad", [-1, 2.5, True, "10"])
def test_rejects_bad_sizes(tmp_path, bad):
    with pytest.raises(ValueError):
        write(tmp_path, arrests=bad, summonses=10)
    with pytest.raises(ValueError):
        write(tmp_path, arrests=10, summonses=bad)


# ------------------------------------------------------------------------------ determinism, manifest


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_arguments_same_bytes_other_seed_other_bytes(tmp_path):
    kw = dict(arrests=3_000, summonses=2_000)
    write(tmp_path / "a", seed=5, **kw)
    write(tmp_path / "b", seed=5, **kw)
    write(tmp_path / "c", seed=6, **kw)
    for name in ("demo_arrests.csv", "demo_summonses.csv", "SYNTHETIC.json"):
        assert sha(tmp_path / "a" / name) == sha(tmp_path / "b" / name), name
    for name in ("demo_arrests.csv", "demo_summonses.csv"):
        assert sha(tmp_path / "a" / name) != sha(tmp_path / "c" / name), name


def test_manifest_lists_files_with_their_sha256(small):
    out, returned, _, _ = small
    on_disk = json.loads((out / "SYNTHETIC.json").read_text(encoding="utf-8"))
    assert set(on_disk) == {"synthetic", "generator", "seed", "params", "files", "created_by_note"}
    assert on_disk["synthetic"] is True and on_disk["generator"] == "nyc_cannabis.sources.demo" and on_disk["seed"] == 11
    assert on_disk["params"]["arrests"] == 6_000 and on_disk["params"]["summonses"] == 5_000
    assert "not NYPD records" in on_disk["created_by_note"]
    assert [(f["name"], f["dataset"]) for f in on_disk["files"]] == [
        ("demo_arrests.csv", "arrests"), ("demo_summonses.csv", "summonses")]
    for f in on_disk["files"]:
        assert set(f) == {"name", "sha256", "rows", "dataset"}
        assert f["sha256"] == sha(out / f["name"])
    # the return value is the manifest plus absolute paths
    assert {k: v for k, v in returned.items() if k not in ("out_dir", "manifest_path", "files")} == \
        {k: v for k, v in on_disk.items() if k != "files"}
    for f, g in zip(returned["files"], on_disk["files"]):
        assert Path(f["path"]).is_absolute() and Path(f["path"]) == (out / g["name"]).resolve()
        assert {k: v for k, v in f.items() if k != "path"} == g
    assert Path(returned["manifest_path"]) == (out / "SYNTHETIC.json").resolve()


# --------------------------------------------------------------------------------------- keys, dates


def test_keys_unique_nine_digits_disjoint_and_rising_with_date(big):
    _, _, a, s = big
    for t, key in ((a, "ARREST_KEY"), (s, "SUMMONS_KEY")):
        keys = t.col[key]
        assert all(len(k) == 9 and k.isdigit() and k[0] != "0" for k in keys)
        assert len(set(keys)) == t.n
        pairs = sorted(zip(map(int, keys), t.dates))
        assert all(d1 <= d2 for (_, d1), (_, d2) in zip(pairs, pairs[1:])), "keys must rise with the date"
    assert max(map(int, a.col["ARREST_KEY"])) < min(map(int, s.col["SUMMONS_KEY"]))


def test_export_order_is_newest_first(small):
    _, _, a, s = small
    for t in (a, s):
        assert all(d1 >= d2 for d1, d2 in zip(t.dates, t.dates[1:]))


def test_dates_in_range_and_law_codes_legal_for_their_date(big):
    _, _, a, s = big
    for t in (a, s):
        assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", v) for v in t.col[t.header[1]])
        assert min(t.dates) >= FIRST and max(t.dates) <= LAST
    regimes_seen = set()
    for code, d in zip(a.col["LAW_CODE"], a.dates):
        if code.startswith("PL 221"):
            assert d < MRTA, (code, d)
            if code in ("PL 2211001", "PL 2211002"):
                assert d < REFORM, (code, d)
            if code == "PL 2211000":
                assert REFORM <= d < MRTA, (code, d)
        if code.startswith("PL 222"):
            assert d >= MRTA, (code, d)
        if is_cannabis_arrest(code):
            regimes_seen.add("old" if d < REFORM else "reform" if d < MRTA else "mrta")
    assert regimes_seen == {"old", "reform", "mrta"}
    regimes_seen = set()
    for sec, desc, d in zip(s.col["LAW_SECTION_NUMBER"], s.col["OFFENSE_DESCRIPTION"], s.dates):
        if sec.startswith("221."):
            assert d < MRTA, (sec, d)
        if sec.startswith("222."):
            assert d >= MRTA, (sec, d)
        if desc == "UNLAWFUL POSSESSION MARIHUANA" or "MARIHUANA 5" in desc:
            assert d < REFORM, (desc, d)
        if desc.startswith("MARIJUANA, UNLAWFUL POSSESSION"):
            assert REFORM <= d < MRTA, (desc, d)
        if is_cannabis_summons(sec):
            regimes_seen.add("old" if d < REFORM else "reform" if d < MRTA else "mrta")
    assert regimes_seen == {"old", "reform", "mrta"}


# ------------------------------------------------------------------------------------ code consistency


def test_arrest_pd_and_category_follow_the_law_code(big):
    _, _, a, _ = big
    by_code = defaultdict(set)
    by_pd = defaultdict(set)
    for row in a.rows:
        pd_cd, pd_desc, ky_cd, ofns, code, cat = row[2], row[3], row[4], row[5], row[6], row[7]
        by_code[code].add((pd_cd, pd_desc, ky_cd, ofns, cat))
        if pd_cd:
            by_pd[pd_cd].add((pd_desc, ky_cd, ofns))
        if code in ART221:
            assert (pd_cd, pd_desc, ky_cd, ofns, cat) == ART221[code], code
        elif code.startswith("PL 222"):
            assert re.fullmatch(r"PL 222\d{4}", code)
            assert cat == ART222_CLASS[code[3:8]], code
            assert pd_cd in {"566", "567", "568", "569", "570"} and "MARIJUANA" in pd_desc
        else:
            assert not code.startswith("PL 221"), code
    for code, tuples in by_code.items():
        allowed = 2 if code == "PL 1553502" else 1          # full labels, or all blank as in the fixture
        assert len(tuples) <= allowed, (code, tuples)
    assert all(len(v) == 1 for v in by_pd.values()), {k: v for k, v in by_pd.items() if len(v) > 1}
    assert {"PL 2210500", "PL 2211001", "PL 2214000", "PL 2225000"} <= set(by_code)


def test_summons_law_book_and_category_follow_the_section(big):
    _, _, _, s = big
    for sec, book, cat in zip(s.col["LAW_SECTION_NUMBER"], s.col["LAW_DESCRIPTION"],
                              s.col["SUMMONS_CATEGORY_TYPE"]):
        if sec == "221.05":
            assert (book, cat) == ("Penal Law", "MARIJUANA")
        elif sec == "221.10":
            assert (book, cat) == ("", "")                  # as in the real export
        if not book:
            assert not cat                                  # category blank whenever the law book is
    assert {"221.05", "221.10", "222.10", "222.25", "140.05", "240.20", "10-125"} <= set(s.col["LAW_SECTION_NUMBER"])


# ------------------------------------------------------------------------------------------ geography


def test_precinct_borough_and_coordinates(big):
    _, _, a, s = big
    checks = (
        (a, a.col["ARREST_BORO"], "ARREST_PRECINCT", "X_COORD_CD", "Y_COORD_CD"),
        (s, [BORO_NAME[b] for b in s.col["BORO"]], "PRECINCT_OF_OCCUR", "X_COORDINATE_CD", "Y_COORDINATE_CD"),
    )
    for t, boros, pcol, xcol, ycol in checks:
        assert set(boros) == set(PRECINCTS)
        for boro, p, la, lo, x, y in zip(boros, t.col[pcol], t.col["Latitude"], t.col["Longitude"],
                                         t.col[xcol], t.col[ycol]):
            assert int(p) in PRECINCTS[boro], (boro, p)
            lat_min, lat_max, lon_min, lon_max = BBOX[boro]
            assert lat_min <= float(la) <= lat_max and lon_min <= float(lo) <= lon_max, (boro, la, lo)
            assert 912_000 <= int(x) <= 1_068_000 and 119_000 <= int(y) <= 273_500, (x, y)   # city extent
        assert len({int(p) for p in t.col[pcol]}) == 77
    for la, lo, wkt in zip(a.col["Latitude"], a.col["Longitude"], a.col["New Georeferenced Column"]):
        assert wkt == f"POINT ({lo} {la})"


def test_state_plane_grows_east_and_north(big):
    """X rises with longitude and Y with latitude, about 3.3 ft per metre (~277,000 ft per degree of lon)."""
    _, _, a, _ = big
    lat = np.array(a.col["Latitude"], float)
    lon = np.array(a.col["Longitude"], float)
    x = np.array(a.col["X_COORD_CD"], float)
    y = np.array(a.col["Y_COORD_CD"], float)
    bx = np.polyfit(lon, x, 1)[0]
    by = np.polyfit(lat, y, 1)[0]
    assert 270_000 < bx < 285_000 and 360_000 < by < 370_000


@pytest.mark.skipif(not (REAL / "NYPD_Arrest_Data__Year_to_Date_.csv").is_file(),
                    reason="shared real fixtures absent")
def test_state_plane_matches_real_export_pairs():
    with (REAL / "NYPD_Arrest_Data__Year_to_Date_.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([r["Latitude"] for r in rows], float)
    lon = np.array([r["Longitude"] for r in rows], float)
    x, y = demo.state_plane(lat, lon)
    assert np.abs(x - np.array([r["X_COORD_CD"] for r in rows], float)).max() < 1.5
    assert np.abs(y - np.array([r["Y_COORD_CD"] for r in rows], float)).max() < 1.5


def _rings(geometry: dict) -> list[np.ndarray]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [np.array(ring, float) for poly in polys for ring in poly]


def _inside(rings: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    hit = np.zeros(len(x), bool)
    for r in rings:
        for (x1, y1), (x2, y2) in zip(r[:-1], r[1:]):
            if y1 != y2:
                hit ^= ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
    return hit


def test_most_points_fall_inside_their_precinct(small):
    _, _, a, s = small
    shapes = {f["properties"]["precinct"]: _rings(f["geometry"])
              for f in json.loads(GEOJSON.read_text())["features"]}
    inside = total = 0
    for t, pcol in ((a, "ARREST_PRECINCT"), (s, "PRECINCT_OF_OCCUR")):
        prec = np.array(t.col[pcol], int)
        lat = np.array(t.col["Latitude"], float)
        lon = np.array(t.col["Longitude"], float)
        for p in np.unique(prec):
            m = prec == p
            inside += int(_inside(shapes[int(p)], lon[m], lat[m]).sum())
            total += int(m.sum())
    assert inside / total > 0.88


# ------------------------------------------------------------------------------------------ categories


def test_categorical_domains(big):
    _, _, a, s = big
    assert set(a.col["AGE_GROUP"]) == {"<18", "18-24", "25-44", "45-64", "65+"}
    assert set(s.col["AGE_GROUP"]) == {"<18", "18-24", "25-44", "45-64", "65+", "UNKNOWN"}
    assert set(a.col["PERP_SEX"]) == {"M", "F"}
    assert set(s.col["SEX"]) == {"M", "F", "U"}
    assert set(a.col["PERP_RACE"]) == LONG_RACES and set(s.col["RACE"]) == LONG_RACES
    for t in (a, s):
        jur = Counter(t.col["JURISDICTION_CODE"])
        assert set(jur) == {"0", "1", "2"} and jur["0"] > 0.7 * t.n
    assert set(a.col["LAW_CAT_CD"]) <= {"F", "M", "V", ""}


# -------------------------------------------------------------------------------------- calibration


def _shares(values: list[str]) -> dict[str, float]:
    c = Counter(values)
    return {k: v / len(values) for k, v in c.items()}


def test_race_shares_match_the_calibration_table(big):
    _, _, a, s = big
    checked = 0
    for t, dataset, code_col, is_can, race_col in (
            (a, "arrests", "LAW_CODE", is_cannabis_arrest, "PERP_RACE"),
            (s, "summonses", "LAW_SECTION_NUMBER", is_cannabis_summons, "RACE")):
        for target in demo.targets(dataset, "race"):
            want_cannabis = target.population == "cannabis"
            races = [r for r, c, d in zip(t.col[race_col], t.col[code_col], t.dates)
                     if is_can(c) == want_cannabis and target.start <= d <= target.end]
            n = len(races)
            assert n >= 1_000, (target.id, n)
            got = _shares(races)
            total = sum(target.value.values())
            for label, w in target.value.items():
                p = w / total
                tol = 4.5 * math.sqrt(p * (1 - p) / n) + 0.002
                assert abs(got.get(label, 0.0) - p) <= tol, (target.id, label, got.get(label), p, n)
            checked += 1
    assert checked == 6


def test_published_race_figures(big):
    _, _, a, s = big
    black_hisp = {"BLACK", "WHITE HISPANIC", "BLACK HISPANIC"}
    # low-level possession arrests before the Sep 2018 policy: Black + Hispanic 86% (2014-17), White < 9%
    early = [r for r, c, d in zip(a.col["PERP_RACE"], a.col["LAW_CODE"], a.dates)
             if c in ("PL 2210500", "PL 2211001", "PL 2211002") and d < dt.date(2018, 9, 1)]
    bh = sum(r in black_hisp for r in early) / len(early)
    assert 0.85 <= bh <= 0.94 and sum(r == "WHITE" for r in early) / len(early) < 0.09
    # after Sep 2018: more than 90% (Q3 2018, Q3 2019, Jan-Jun 2019 94%, Q1 2021 91%)
    late = [r for r, c, d in zip(a.col["PERP_RACE"], a.col["LAW_CODE"], a.dates)
            if is_cannabis_arrest(c) and d >= dt.date(2018, 9, 1)]
    assert len(late) > 2_000 and sum(r in black_hisp for r in late) / len(late) > 0.89
    # Q1 2021 summonses: 2,374 Black, 1,089 Hispanic, 102 White of 3,687
    q1 = [r for r, c, d in zip(s.col["RACE"], s.col["LAW_SECTION_NUMBER"], s.dates)
          if is_cannabis_summons(c) and dt.date(2021, 1, 1) <= d <= dt.date(2021, 3, 31)]
    n = len(q1)
    for group, count in (({"BLACK"}, 2_374), ({"WHITE HISPANIC", "BLACK HISPANIC"}, 1_089), ({"WHITE"}, 102)):
        p = count / 3_687
        got = sum(r in group for r in q1) / n
        assert abs(got - p) <= 4.5 * math.sqrt(p * (1 - p) / n) + 0.003, (group, got, p)
    # Hispanic split about 2:1 WHITE HISPANIC : BLACK HISPANIC, as in the fixtures' marijuana rows
    for col in (a.col["PERP_RACE"], s.col["RACE"]):
        c = Counter(col)
        assert 1.6 < c["WHITE HISPANIC"] / c["BLACK HISPANIC"] < 3.2


def _cannabis_by_year(t: Table, code_col: str, is_can) -> Counter:
    return Counter(d.year for c, d in zip(t.col[code_col], t.dates) if is_can(c))


def test_yearly_shape_of_arrests(big):
    _, _, a, _ = big
    years = _cannabis_by_year(a, "LAW_CODE", is_cannabis_arrest)
    assert years[2012] > years[2014] > years[2017] > 0
    assert years[2017] > 20 * years[2020] > 0
    assert all(years[y] < 0.02 * years[2017] for y in (2022, 2023, 2024))
    # scale: cannabis rows over the table's real-scale total; 2017 should be 19,139 x scale
    scale = sum(years.values()) / sum(t.value for t in demo.targets("arrests", "volume"))
    assert abs(years[2017] - 19_139 * scale) < 5 * math.sqrt(19_139 * scale)
    # Sep 2018 vs Sep 2017: about -90% (Politico)
    sep = Counter(d.year for c, d in zip(a.col["LAW_CODE"], a.dates) if is_cannabis_arrest(c) and d.month == 9)
    assert sep[2018] < 0.15 * sep[2017]
    # after 2019-08-28 and again after 2021-03-31 the daily rate collapses
    def rate(lo, hi):
        n = sum(1 for c, d in zip(a.col["LAW_CODE"], a.dates) if is_cannabis_arrest(c) and lo <= d <= hi)
        return n / ((hi - lo).days + 1)
    assert rate(dt.date(2017, 1, 1), dt.date(2017, 12, 31)) > 30 * rate(REFORM, MRTA - dt.timedelta(days=1))
    assert rate(REFORM, MRTA - dt.timedelta(days=1)) > 2 * rate(MRTA, LAST)


def test_yearly_shape_of_summonses(big):
    _, _, _, s = big
    years = _cannabis_by_year(s, "LAW_SECTION_NUMBER", is_cannabis_summons)
    scale = sum(years.values()) / sum(t.value for t in demo.targets("summonses", "volume"))
    for year, published in ((2016, 20_717), (2017, 21_024)):
        assert abs(years[year] - published * scale) < 5 * math.sqrt(published * scale), year
    q1_2020 = sum(1 for c, d in zip(s.col["LAW_SECTION_NUMBER"], s.dates)
                  if is_cannabis_summons(c) and dt.date(2020, 1, 1) <= d <= dt.date(2020, 3, 31))
    assert abs(q1_2020 - 3_623 * scale) < 5 * math.sqrt(3_623 * scale)
    after = sum(1 for c, d in zip(s.col["LAW_SECTION_NUMBER"], s.dates) if is_cannabis_summons(c) and d >= MRTA)
    assert after < 0.05 * q1_2020 * 4 * 3.75          # 3.75 years of legal cannabis vs the 2020 pace
    assert all(years[y] < 0.02 * years[2020] for y in (2022, 2023, 2024))


def test_public_view_share_of_misdemeanour_possession(big):
    _, _, a, _ = big
    c = Counter(code for code, d in zip(a.col["LAW_CODE"], a.dates)
                if code in ("PL 2211001", "PL 2211002", "PL 2211500") and d < REFORM)
    share = c["PL 2211001"] / sum(c.values())
    assert abs(share - 0.93) < 0.015                  # ~93% public view, NYC 2017 (John Jay)


def test_other_offences_share_and_decoys(big):
    _, _, a, s = big
    other_a = [c for c in a.col["LAW_CODE"] if not is_cannabis_arrest(c)]
    other_s = [c for c in s.col["LAW_SECTION_NUMBER"] if not is_cannabis_summons(c)]
    assert len(other_a) == round(0.10 * a.n) and len(other_s) == round(0.10 * s.n)
    assert {"PL 1200501", "PL 1553502", "PL 2053000", "AC 10203A1", "PL 2200300"} <= set(other_a)
    synthetic = [d for c, d in zip(a.col["LAW_CODE"], a.col["PD_DESC"]) if c == "AC 10203A1"]
    assert synthetic and all("MARIJUANA" in d for d in synthetic)   # matches %MARIJUANA%, is not art. 221
    years_other = Counter(d.year for c, d in zip(a.col["LAW_CODE"], a.dates) if not is_cannabis_arrest(c))
    assert set(years_other) == set(range(2012, 2025))


# ---------------------------------------------------------------------------------- the table itself


def _legal_code(dataset: str, code: str, start: dt.date, end: dt.date) -> bool:
    if dataset == "arrests":
        sec = demo.ARREST_CODES[code][0]
        if sec in ("PL 2211001", "PL 2211002"):
            return end < REFORM
        if sec == "PL 2211000":
            return start >= REFORM and end < MRTA
        if sec.startswith("PL 221"):
            return end < MRTA
        if sec.startswith("PL 222"):
            return start >= MRTA
        return True
    sec = demo.SUMMONS_CODES[code][0]
    if sec.startswith("221."):
        return end < MRTA
    if sec.startswith("222."):
        return start >= MRTA
    return True


def test_calibration_table_is_well_formed():
    ids = [t.id for t in demo.CALIBRATION]
    assert len(ids) == len(set(ids))
    days = (LAST - FIRST).days + 1
    for t in demo.CALIBRATION:
        assert t.basis in {"published", "fixture", "derived", "assumption"} and len(t.source) > 10, t.id
        assert FIRST <= t.start <= t.end <= LAST, t.id
        if t.quantity == "volume":
            assert t.value > 0
        else:
            assert t.value and all(w > 0 for w in t.value.values()), t.id
        if t.quantity == "race":
            assert set(t.value) <= LONG_RACES
        if t.quantity == "code":
            assert all(_legal_code(t.dataset, c, t.start, t.end) for c in t.value), t.id
    groups = defaultdict(list)
    for t in demo.CALIBRATION:
        groups[(t.dataset, t.population, t.quantity)].append(t)
    for dataset in ("arrests", "summonses"):
        for population in ("cannabis", "other"):
            for quantity in ("race", "code", "age", "sex", "boro", "jurisdiction"):
                rows = groups[(dataset, population, quantity)]
                cover = np.zeros(days, int)
                for t in rows:
                    cover[(t.start - FIRST).days:(t.end - FIRST).days + 1] += 1
                assert (cover == 1).all(), (dataset, population, quantity)
        cover = np.zeros(days, int)
        for t in groups[(dataset, "cannabis", "volume")]:
            cover[(t.start - FIRST).days:(t.end - FIRST).days + 1] += 1
        assert (cover == 1).all(), dataset


def test_published_rows_carry_the_published_numbers():
    rows = {t.id: t for t in demo.CALIBRATION}
    assert rows["a.vol.2017"].value == 19_139 and rows["a.vol.2020q1"].value == 132
    assert rows["a.vol.2021q1"].value == 163 and rows["a.vol.2018sep"].value == 161
    assert rows["s.vol.2017"].value == 21_024 and rows["s.vol.2016"].value == 20_717
    assert rows["s.vol.2020q1"].value == 3_623 and rows["s.vol.2021q1"].value == 3_687
    race = rows["s.race.from-2021"].value
    assert abs(race["BLACK"] - 2_374 / 3_687) < 0.001
    assert abs(race["WHITE HISPANIC"] + race["BLACK HISPANIC"] - 1_089 / 3_687) < 0.001
    assert abs(race["WHITE"] - 102 / 3_687) < 0.001


def test_defaults_are_close_to_real_scale():
    for dataset, default in (("arrests", demo.DEFAULT_ARRESTS), ("summonses", demo.DEFAULT_SUMMONSES)):
        real = sum(t.value for t in demo.targets(dataset, "volume"))
        assert abs(default * (1 - demo.OTHER_SHARE) / real - 1) < 0.03, dataset


def test_docs_cite_every_calibration_row():
    text = (ROOT / "docs" / "demo-data.md").read_text(encoding="utf-8")
    missing = [t.id for t in demo.CALIBRATION if f"`{t.id}`" not in text]
    assert not missing, missing
