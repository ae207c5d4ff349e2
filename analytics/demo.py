"""Synthetic NYPD marijuana-enforcement records for demos, tests and benchmarks.

``write_demo(out_dir)`` writes ``demo_arrests.csv`` and ``demo_summonses.csv`` in the exact CSV export
schemas of NYC Open Data (arrests: the 2021+ Year-to-Date edition with ``New Georeferenced Column``;
summonses: the criminal-court summons incident export), plus ``SYNTHETIC.json``, a manifest that marks the
files as synthetic and lists their SHA-256.

Every record is invented. Volumes, race shares and law-code mixes follow :data:`CALIBRATION`, one table
whose rows each carry their source (the project's law reference, section 6, or the fixture profile in the
open-data reference). ``docs/demo-data.md`` explains each row and what the data does *not* reproduce.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from analytics.files import sha256_file

# ----------------------------------------------------------------------------------------------- basics

START = dt.date(2012, 1, 1)
END = dt.date(2024, 12, 31)
REFORM_2019 = dt.date(2019, 8, 28)   # Chapter 131 of 2019 in force
MRTA_2021 = dt.date(2021, 3, 31)     # Chapter 92 of 2021 signed and in force
REGIMES: tuple[tuple[str, dt.date, dt.date], ...] = (
    ("old-1977", START, REFORM_2019 - dt.timedelta(days=1)),
    ("reform-2019", REFORM_2019, MRTA_2021 - dt.timedelta(days=1)),
    ("mrta-2021", MRTA_2021, END),
)

ARRESTS_FILE = "demo_arrests.csv"
SUMMONSES_FILE = "demo_summonses.csv"
MANIFEST_FILE = "SYNTHETIC.json"

ARREST_HEADER: tuple[str, ...] = (
    "ARREST_KEY", "ARREST_DATE", "PD_CD", "PD_DESC", "KY_CD", "OFNS_DESC", "LAW_CODE", "LAW_CAT_CD",
    "ARREST_BORO", "ARREST_PRECINCT", "JURISDICTION_CODE", "AGE_GROUP", "PERP_SEX", "PERP_RACE",
    "X_COORD_CD", "Y_COORD_CD", "Latitude", "Longitude", "New Georeferenced Column",
)
SUMMONS_HEADER: tuple[str, ...] = (
    "SUMMONS_KEY", "SUMMONS_DATE", "OFFENSE_DESCRIPTION", "LAW_SECTION_NUMBER", "LAW_DESCRIPTION",
    "SUMMONS_CATEGORY_TYPE", "AGE_GROUP", "SEX", "RACE", "JURISDICTION_CODE", "BORO", "PRECINCT_OF_OCCUR",
    "X_COORDINATE_CD", "Y_COORDINATE_CD", "Latitude", "Longitude",
)

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

RACES: tuple[str, ...] = (
    "BLACK", "WHITE HISPANIC", "BLACK HISPANIC", "WHITE", "ASIAN / PACIFIC ISLANDER",
    "AMERICAN INDIAN/ALASKAN NATIVE", "OTHER", "UNKNOWN",
)
AGE_GROUPS: tuple[str, ...] = ("<18", "18-24", "25-44", "45-64", "65+", "UNKNOWN")  # UNKNOWN: summonses only
SEXES: tuple[str, ...] = ("M", "F", "U")                                         # U: summonses only
JURISDICTIONS: tuple[int, ...] = (0, 1, 2)                                        # patrol, transit, housing

BOROUGHS: dict[str, str] = {"B": "BRONX", "K": "BROOKLYN", "M": "NEW YORK", "Q": "QUEENS", "S": "STATEN ISLAND"}
PRECINCTS: dict[str, tuple[int, ...]] = {
    "M": (1, 5, 6, 7, 9, 10, 13, 14, 17, 18, 19, 20, 22, 23, 24, 25, 26, 28, 30, 32, 33, 34),
    "B": (40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 52),
    "K": (60, 61, 62, 63, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 77, 78, 79, 81, 83, 84, 88, 90, 94),
    "Q": (100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115),
    "S": (120, 121, 122, 123),
}

# ------------------------------------------------------------------------------------------ law codes

#: Arrest code ids -> (LAW_CODE, PD_CD, PD_DESC, KY_CD, OFNS_DESC, LAW_CAT_CD); "" = blank in the export.
#: Article 221 rows are the 2017 fixture mapping (open-data reference, section 4). PL 2211000 (the
#: 2019 "unlawful possession 1st degree", a violation) and every article-222 row are this module's choice
#: (NYPD's coding is not observed): violations take PD 566 / KY 678 like 221.05, misdemeanours and felonies
#: keep the PD/KY family of the article-221 section they replaced.
ARREST_CODES: dict[str, tuple[str, str, str, str, str, str]] = {
    # article 221 (before 2021-03-31)
    "PL 2210500": ("PL 2210500", "566", "MARIJUANA, POSSESSION", "678", "MISCELLANEOUS PENAL LAW", "V"),
    "PL 2211001": ("PL 2211001", "567", "MARIJUANA, POSSESSION 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2211002": ("PL 2211002", "567", "MARIJUANA, POSSESSION 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2211000": ("PL 2211000", "566", "MARIJUANA, POSSESSION", "678", "MISCELLANEOUS PENAL LAW", "V"),
    "PL 2211500": ("PL 2211500", "567", "MARIJUANA, POSSESSION 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2212000": ("PL 2212000", "568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2212500": ("PL 2212500", "568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2213000": ("PL 2213000", "568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2213500": ("PL 2213500", "569", "MARIJUANA, SALE 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2214000": ("PL 2214000", "569", "MARIJUANA, SALE 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2214500": ("PL 2214500", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2215000": ("PL 2215000", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2215500": ("PL 2215500", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    # article 222 (from 2021-03-31); classes per the law reference, section 2.3
    "PL 2222500": ("PL 2222500", "566", "MARIJUANA, POSSESSION", "678", "MISCELLANEOUS PENAL LAW", "V"),
    "PL 2223000": ("PL 2223000", "567", "MARIJUANA, POSSESSION 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2223500": ("PL 2223500", "568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2224000": ("PL 2224000", "568", "MARIJUANA, POSSESSION 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2224500": ("PL 2224500", "569", "MARIJUANA, SALE 4 & 5", "235", "DANGEROUS DRUGS", "V"),
    "PL 2225000": ("PL 2225000", "569", "MARIJUANA, SALE 4 & 5", "235", "DANGEROUS DRUGS", "M"),
    "PL 2225500": ("PL 2225500", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2226000": ("PL 2226000", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    "PL 2226500": ("PL 2226500", "570", "MARIJUANA, SALE 1, 2 & 3", "117", "DANGEROUS DRUGS", "F"),
    # other offences, labels as in the 2017/2021 arrest fixtures
    "PL 1200501": ("PL 1200501", "109", "ASSAULT 2,1,UNCLASSIFIED", "106", "FELONY ASSAULT", "F"),
    "PL 1200001": ("PL 1200001", "101", "ASSAULT 3", "344", "ASSAULT 3 & RELATED OFFENSES", "M"),
    "PL 1553502": ("PL 1553502", "440", "AGGRAVATED GRAND LARCENY OF ATM", "109", "GRAND LARCENY", "F"),
    "PL 1553502/blank": ("PL 1553502", "", "", "", "", ""),   # the fixture has such rows: code, no PD/KY
    "PL 2053000": ("PL 2053000", "750", "RESISTING ARREST", "359", "OFFENSES AGAINST PUBLIC ADMINI", "M"),
    "PL 2200300": ("PL 2200300", "511", "CONTROLLED SUBSTANCE, POSSESSION 7", "235", "DANGEROUS DRUGS", "M"),
    "AC 10203A1": ("AC 10203A1", "876", "UNLAWFUL SALE SYNTHETIC MARIJUANA", "365", "ADMINISTRATIVE CODE", "M"),
}

#: Summons code ids -> (LAW_SECTION_NUMBER, OFFENSE_DESCRIPTION, LAW_DESCRIPTION, SUMMONS_CATEGORY_TYPE).
#: The 2019 titles and the blank law book / category of 221.10 are as in the Q1 2020 fixture; the
#: pre-2019 and article-222 titles are this module's choice (not observed).
SUMMONS_CODES: dict[str, tuple[str, str, str, str]] = {
    "221.05/1977": ("221.05", "UNLAWFUL POSSESSION MARIHUANA", "Penal Law", "MARIJUANA"),
    "221.10/1977": ("221.10", "CRIMINAL POSSESSION MARIHUANA 5", "", ""),
    "221.05/2019": ("221.05", "MARIJUANA, UNLAWFUL POSSESSION 2ND DEGREE", "Penal Law", "MARIJUANA"),
    "221.10/2019": ("221.10", "MARIJUANA, UNLAWFUL POSSESSION 1ST DEGREE", "", ""),
    "222.10": ("222.10", "CANNABIS, RESTRICTIONS ON USE", "", ""),
    "222.25": ("222.25", "CANNABIS, UNLAWFUL POSSESSION", "Penal Law", "MARIJUANA"),
    # other offences, labels as in the Q1 2020 summons fixture
    "140.05": ("140.05", "TRESPASS", "Penal Law", "TRESPASS"),
    "240.20": ("240.20", "DISORDERLY CONDUCT", "Penal Law", "DISORDERLY CONDUCT"),
    "240.20(1)": ("240.20(1)", "ENGAGES IN FIGHTING, OR VIOLENT, TUMULTUOUS OR THREATENING BEHAVIOR", "", ""),
    "10-125": ("10-125", "CONSUMPTION OF ALCOHOL", "Administrative Code", "ALCOHOL"),
    "10-125(2B)": ("10-125(2B)", "ALCOHOLIC BEVERAGE IN PUBLIC", "", ""),
    "1050.7": ("1050.7", "SMOKING IN TRAIN STATION", "", ""),
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


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


_OLD, _REF, _MRTA = (r[1:] for r in REGIMES)

# Source shorthands (full citations in docs/demo-data.md and the law reference, section 6).
_LAW6 = "law reference §6"
_FIX = "open-data reference §7"
CALIBRATION: tuple[Target, ...] = (
    # ---- arrest volume: cannabis arrest records (articles 221/222) at real scale, per segment ----
    Target("a.vol.2012", "arrests", "cannabis", "volume", _d("2012-01-01"), _d("2012-12-31"), 40_000, "derived",
           f"{_LAW6}: NYPD possession arrests fell 53,529 (2010) -> 19,139 (2017); 2012 interpolated (~40k)"),
    Target("a.vol.2013", "arrests", "cannabis", "volume", _d("2013-01-01"), _d("2013-12-31"), 30_000, "derived",
           f"{_LAW6}: same trend, 2013 interpolated"),
    Target("a.vol.2014", "arrests", "cannabis", "volume", _d("2014-01-01"), _d("2014-12-31"), 25_000, "derived",
           f"{_LAW6}: ~61,000 possession arrests 2014-2016 (WNYC/DPA); split by year assumed, falling after the "
           "Nov 2014 summons policy"),
    Target("a.vol.2015", "arrests", "cannabis", "volume", _d("2015-01-01"), _d("2015-12-31"), 18_000, "derived",
           f"{_LAW6}: ~61,000 in 2014-2016 (WNYC/DPA), split assumed"),
    Target("a.vol.2016", "arrests", "cannabis", "volume", _d("2016-01-01"), _d("2016-12-31"), 18_000, "derived",
           f"{_LAW6}: 17,097 low-level possession + smoking arrests in 2016 (WNYC), plus sale and felony codes"),
    Target("a.vol.2017", "arrests", "cannabis", "volume", _d("2017-01-01"), _d("2017-12-31"), 19_139, "published",
           f"{_LAW6}: 19,139 marijuana possession arrests in 2017 (NYPD working group)"),
    Target("a.vol.2018h1", "arrests", "cannabis", "volume", _d("2018-01-01"), _d("2018-06-30"), 6_000, "assumption",
           "about 1,000 a month: between the 2017 pace (~1,600) and Q3 2018 (law reference §6)"),
    Target("a.vol.2018jul-aug", "arrests", "cannabis", "volume", _d("2018-07-01"), _d("2018-08-31"), 956, "derived",
           f"{_LAW6}: 1,117 arrests for 221.05/.10/.15 in Q3 2018 (Queens Eagle) minus 161 in Sep 2018"),
    Target("a.vol.2018sep", "arrests", "cannabis", "volume", _d("2018-09-01"), _d("2018-09-30"), 161, "published",
           f"{_LAW6}: 161 low-level possession arrests in Sep 2018, -90% on Sep 2017 (Politico)"),
    Target("a.vol.2018q4", "arrests", "cannabis", "volume", _d("2018-10-01"), _d("2018-12-31"), 480, "assumption",
           "Sep 2018 pace (161 a month) held to the end of 2018"),
    Target("a.vol.2019h1", "arrests", "cannabis", "volume", _d("2019-01-01"), _d("2019-06-30"), 1_436, "published",
           f"{_LAW6}: 1,436 arrests for CPM5 / CSM4, Jan-Jun 2019 (Ganjapreneur on Queens Eagle)"),
    Target("a.vol.2019jul-aug27", "arrests", "cannabis", "volume", _d("2019-07-01"), _d("2019-08-27"), 220,
           "derived", f"{_LAW6}: 291 arrests in Q3 2019 (Queens Eagle); split at 2019-08-28 assumed"),
    Target("a.vol.2019aug28-sep", "arrests", "cannabis", "volume", _d("2019-08-28"), _d("2019-09-30"), 71,
           "derived", f"{_LAW6}: rest of the 291 in Q3 2019, after the 2019 law"),
    Target("a.vol.2019q4", "arrests", "cannabis", "volume", _d("2019-10-01"), _d("2019-12-31"), 140, "assumption",
           "between Q3 2019 (after the law) and Q1 2020"),
    Target("a.vol.2020q1", "arrests", "cannabis", "volume", _d("2020-01-01"), _d("2020-03-31"), 132, "published",
           f"{_LAW6}: 132 marijuana arrests in Q1 2020 (Filter)"),
    Target("a.vol.2020q2-q4", "arrests", "cannabis", "volume", _d("2020-04-01"), _d("2020-12-31"), 420, "assumption",
           "about the Q1 2020 pace (140 a quarter); no COVID-19 dip modelled"),
    Target("a.vol.2021q1", "arrests", "cannabis", "volume", _d("2021-01-01"), _d("2021-03-30"), 163, "published",
           f"{_LAW6}: 163 marijuana arrests in Q1 2021 (Filter)"),
    Target("a.vol.2021mrta", "arrests", "cannabis", "volume", _d("2021-03-31"), _d("2021-12-31"), 80, "assumption",
           "after legalisation only article-222 crimes and violations remain; level not published"),
    Target("a.vol.2022", "arrests", "cannabis", "volume", _d("2022-01-01"), _d("2022-12-31"), 100, "assumption",
           "article-222 arrests, level not published"),
    Target("a.vol.2023", "arrests", "cannabis", "volume", _d("2023-01-01"), _d("2023-12-31"), 100, "assumption",
           "article-222 arrests, level not published"),
    Target("a.vol.2024", "arrests", "cannabis", "volume", _d("2024-01-01"), _d("2024-12-31"), 100, "assumption",
           "article-222 arrests, level not published"),
    # ---- summons volume: cannabis criminal-court summonses at real scale ----
    Target("s.vol.2012", "summonses", "cannabis", "volume", _d("2012-01-01"), _d("2012-12-31"), 14_000, "assumption",
           "near the 2014 level; not published here"),
    Target("s.vol.2013", "summonses", "cannabis", "volume", _d("2013-01-01"), _d("2013-12-31"), 13_500, "assumption",
           "near the 2014 level; not published here"),
    Target("s.vol.2014", "summonses", "cannabis", "volume", _d("2014-01-01"), _d("2014-12-31"), 13_377, "fixture",
           f"{_FIX}.4: 13,377 'MARIJUANA, POSSESSION OF' summonses in 2014 (precinct spreadsheet j8nm-zs7q)"),
    Target("s.vol.2015", "summonses", "cannabis", "volume", _d("2015-01-01"), _d("2015-12-31"), 18_000, "derived",
           "interpolated between 2014 (13,377) and 2016 (20,717) after the Nov 2014 summons-instead-of-arrest policy"),
    Target("s.vol.2016", "summonses", "cannabis", "volume", _d("2016-01-01"), _d("2016-12-31"), 20_717, "published",
           f"{_LAW6}: 20,717 marijuana summonses in 2016 (WNYC from NYPD)"),
    Target("s.vol.2017", "summonses", "cannabis", "volume", _d("2017-01-01"), _d("2017-12-31"), 21_024, "published",
           f"{_LAW6}: 21,024 marijuana summonses in 2017 (WNYC from NYPD)"),
    Target("s.vol.2018jan-aug", "summonses", "cannabis", "volume", _d("2018-01-01"), _d("2018-08-31"), 13_997,
           "derived", "2017 pace: 21,024 x 243/365"),
    Target("s.vol.2018sep-2019aug27", "summonses", "cannabis", "volume", _d("2018-09-01"), _d("2019-08-27"), 15_388,
           "derived", f"{_LAW6}: summonses -26% in Sep 2018 vs Sep 2017 (Politico): 21,024 x 0.74 x 361/365"),
    Target("s.vol.2019aug28-dec", "summonses", "cannabis", "volume", _d("2019-08-28"), _d("2019-12-31"), 5_017,
           "derived", "Q1 2020 pace (3,623 / 91 days) over 126 days"),
    Target("s.vol.2020q1", "summonses", "cannabis", "volume", _d("2020-01-01"), _d("2020-03-31"), 3_623, "published",
           f"{_LAW6}: 3,623 marijuana summonses in Q1 2020 (Filter; 3,616 rows in the open-data release)"),
    Target("s.vol.2020q2-q4", "summonses", "cannabis", "volume", _d("2020-04-01"), _d("2020-12-31"), 10_869,
           "assumption", "Q1 2020 pace held (3 x 3,623); no COVID-19 dip modelled"),
    Target("s.vol.2021q1", "summonses", "cannabis", "volume", _d("2021-01-01"), _d("2021-03-30"), 3_687, "published",
           f"{_LAW6}: 3,687 marijuana summonses in Q1 2021 (Filter)"),
    Target("s.vol.2021mrta", "summonses", "cannabis", "volume", _d("2021-03-31"), _d("2021-12-31"), 200,
           "assumption", "legalisation: a few 222.10 / 222.25 summonses; level not published"),
    Target("s.vol.2022", "summonses", "cannabis", "volume", _d("2022-01-01"), _d("2022-12-31"), 150, "assumption",
           "level not published"),
    Target("s.vol.2023", "summonses", "cannabis", "volume", _d("2023-01-01"), _d("2023-12-31"), 150, "assumption",
           "level not published"),
    Target("s.vol.2024", "summonses", "cannabis", "volume", _d("2024-01-01"), _d("2024-12-31"), 150, "assumption",
           "level not published"),
    # ---- race (PERP_RACE / RACE); Hispanic split WHITE HISPANIC : BLACK HISPANIC = 2 : 1 as in the
    #      marijuana rows of the fixtures (372:184 arrests Dec 2017, 903:454 summonses Q1 2020) ----
    Target("a.race.to-2018aug", "arrests", "cannabis", "race", START, _d("2018-08-31"),
           {"BLACK": 0.50, "WHITE HISPANIC": 0.24, "BLACK HISPANIC": 0.12, "WHITE": 0.085,
            "ASIAN / PACIFIC ISLANDER": 0.04, "AMERICAN INDIAN/ALASKAN NATIVE": 0.003, "OTHER": 0.002,
            "UNKNOWN": 0.01}, "published",
           f"{_LAW6}: Black + Hispanic 86%, White under 9% of low-level possession arrests, 2017 (City Council); "
           "86% in 2014-2016 (WNYC/DPA)"),
    Target("a.race.from-2018sep", "arrests", "cannabis", "race", _d("2018-09-01"), END,
           {"BLACK": 0.48, "WHITE HISPANIC": 0.29, "BLACK HISPANIC": 0.145, "WHITE": 0.045,
            "ASIAN / PACIFIC ISLANDER": 0.025, "AMERICAN INDIAN/ALASKAN NATIVE": 0.002, "OTHER": 0.003,
            "UNKNOWN": 0.01}, "published",
           f"{_LAW6}: Q1 2021 arrests 163 = Black 78 / Hispanic 70 / White 6 (Filter); Black + Hispanic > 90% in "
           "Q3 2018 and Q3 2019 (Queens Eagle), 94% Jan-Jun 2019"),
    Target("s.race.to-2020", "summonses", "cannabis", "race", START, _d("2020-12-31"),
           {"BLACK": 0.542, "WHITE HISPANIC": 0.250, "BLACK HISPANIC": 0.126, "WHITE": 0.043,
            "ASIAN / PACIFIC ISLANDER": 0.025, "AMERICAN INDIAN/ALASKAN NATIVE": 0.004, "OTHER": 0.001,
            "UNKNOWN": 0.009}, "fixture",
           f"{_LAW6} and {_FIX}.4: Q1 2020 release, 3,616 rows under 221: Black 1,961, White Hispanic 903, "
           "Black Hispanic 454, White 156, Asian/PI 89, Unknown 32 (+1 blank), AIAN 15, Other 5"),
    Target("s.race.from-2021", "summonses", "cannabis", "race", _d("2021-01-01"), END,
           {"BLACK": 0.644, "WHITE HISPANIC": 0.197, "BLACK HISPANIC": 0.098, "WHITE": 0.028,
            "ASIAN / PACIFIC ISLANDER": 0.020, "AMERICAN INDIAN/ALASKAN NATIVE": 0.003, "OTHER": 0.001,
            "UNKNOWN": 0.009}, "published",
           f"{_LAW6}: Q1 2021 summonses 3,687 = Black 2,374 / Hispanic 1,089 / White 102 (Filter); the other "
           "3.3% split as in Q1 2020"),
    Target("a.race.other", "arrests", "other", "race", START, END,
           {"BLACK": 0.475, "WHITE HISPANIC": 0.252, "BLACK HISPANIC": 0.085, "WHITE": 0.125,
            "ASIAN / PACIFIC ISLANDER": 0.053, "AMERICAN INDIAN/ALASKAN NATIVE": 0.002, "OTHER": 0.001,
            "UNKNOWN": 0.007}, "fixture",
           f"{_FIX}.2: all Dec 2017 arrests (BLACK 9,235; WHITE HISPANIC 4,911; WHITE 2,424; BLACK HISPANIC "
           "1,654; ASIAN 1,039; UNKNOWN 145; AMER IND 44)"),
    Target("s.race.other", "summonses", "other", "race", START, END,
           {"BLACK": 0.456, "WHITE HISPANIC": 0.256, "BLACK HISPANIC": 0.098, "WHITE": 0.082,
            "ASIAN / PACIFIC ISLANDER": 0.053, "AMERICAN INDIAN/ALASKAN NATIVE": 0.006, "OTHER": 0.013,
            "UNKNOWN": 0.036}, "fixture",
           f"{_FIX}.2: Q1 2020 summonses with a race (blank-race business/vehicle rows left out)"),
    # ---- law-code mixes, one row per regime ----
    Target("a.code.old-1977", "arrests", "cannabis", "code", *_OLD,
           {"PL 2210500": 35, "PL 2211001": 1088, "PL 2211002": 42, "PL 2211500": 39, "PL 2212000": 9,
            "PL 2212500": 30, "PL 2213000": 3, "PL 2213500": 6, "PL 2214000": 156, "PL 2214500": 2,
            "PL 2215000": 2, "PL 2215500": 2}, "fixture",
           f"{_FIX}.4: 1,414 deduplicated 2017 arrests by LAW_CODE; 221.10(1) = 1,088 of 1,169 misdemeanour "
           f"possession arrests = 93% ({_LAW6}: ~93% public view, John Jay 2017)"),
    Target("a.code.reform-2019", "arrests", "cannabis", "code", *_REF,
           {"PL 2210500": 15, "PL 2211000": 5, "PL 2211500": 12, "PL 2212000": 3, "PL 2212500": 8,
            "PL 2213000": 1, "PL 2213500": 3, "PL 2214000": 45, "PL 2214500": 3, "PL 2215000": 3,
            "PL 2215500": 2}, "assumption",
           "possession up to 2 oz is a violation, so arrests are mostly sale and weight crimes; the new 221.10 is "
           "coded PL 2211000 (no subdivisions), 221.10(1)/(2) codes are not used"),
    Target("a.code.mrta-2021", "arrests", "cannabis", "code", *_MRTA,
           {"PL 2222500": 10, "PL 2223000": 15, "PL 2223500": 8, "PL 2224000": 4, "PL 2224500": 15,
            "PL 2225000": 30, "PL 2225500": 10, "PL 2226000": 6, "PL 2226500": 2}, "assumption",
           "article-222 codes by the LAW_CODE pattern (law reference §3.1, not observed); mostly sale"),
    Target("s.code.old-1977", "summonses", "cannabis", "code", *_OLD,
           {"221.05/1977": 3565, "221.10/1977": 51}, "derived",
           f"{_FIX}.4 ratio of 221.05 to 221.10 in Q1 2020 (3,565 : 51) applied to the older wording"),
    Target("s.code.reform-2019", "summonses", "cannabis", "code", *_REF,
           {"221.05/2019": 3565, "221.10/2019": 51}, "fixture",
           f"{_FIX}.4: Q1 2020 release, 221.05 3,565 and 221.10 51"),
    Target("s.code.mrta-2021", "summonses", "cannabis", "code", *_MRTA,
           {"222.10": 60, "222.25": 40}, "assumption",
           "restrictions on use (smoking where tobacco is banned) and possession over 3 oz; not observed"),
    Target("a.code.other", "arrests", "other", "code", START, END,
           {"PL 1200501": 25, "PL 1200001": 30, "PL 1553502": 9.5, "PL 1553502/blank": 0.5, "PL 2053000": 15,
            "PL 2200300": 15, "AC 10203A1": 5}, "assumption",
           "common non-cannabis charges with fixture labels, including decoys: other drugs (DANGEROUS DRUGS) and "
           "synthetic marijuana (matches %MARIJUANA% but is not article 221)"),
    Target("s.code.other", "summonses", "other", "code", START, END,
           {"140.05": 30, "240.20": 15, "240.20(1)": 15, "10-125": 15, "10-125(2B)": 20, "1050.7": 5},
           "assumption", "common quality-of-life summonses with Q1 2020 fixture labels; 1050.7 is a smoking decoy"),
    # ---- other demographics and places ----
    Target("a.age.cannabis", "arrests", "cannabis", "age", START, END,
           {"<18": 84, "18-24": 571, "25-44": 649, "45-64": 90, "65+": 2}, "fixture",
           "Dec 2017 arrests under PL 221 by AGE_GROUP (counted from the fixture)"),
    Target("a.age.other", "arrests", "other", "age", START, END,
           {"<18": 1124, "18-24": 4449, "25-44": 9924, "45-64": 3706, "65+": 249}, "fixture",
           f"{_FIX}.2: all Dec 2017 arrests"),
    Target("s.age.cannabis", "summonses", "cannabis", "age", START, END,
           {"<18": 238, "18-24": 1621, "25-44": 1559, "45-64": 181, "65+": 9, "UNKNOWN": 8}, "fixture",
           f"{_FIX}.4: Q1 2020 marijuana summonses"),
    Target("s.age.other", "summonses", "other", "age", START, END,
           {"<18": 5, "18-24": 22, "25-44": 48, "45-64": 22, "65+": 2, "UNKNOWN": 1}, "assumption",
           "near the Q1 2020 summonses with a known age"),
    Target("a.sex.cannabis", "arrests", "cannabis", "sex", START, END, {"M": 1242, "F": 154}, "fixture",
           "Dec 2017 arrests under PL 221 by PERP_SEX (counted from the fixture)"),
    Target("a.sex.other", "arrests", "other", "sex", START, END, {"M": 15877, "F": 3575}, "fixture",
           f"{_FIX}.2: all Dec 2017 arrests"),
    Target("s.sex.cannabis", "summonses", "cannabis", "sex", START, END, {"M": 3278, "F": 324, "U": 14}, "fixture",
           f"{_FIX}.4: Q1 2020 marijuana summonses"),
    Target("s.sex.other", "summonses", "other", "sex", START, END, {"M": 85, "F": 14, "U": 1}, "assumption",
           "near the Q1 2020 summonses with a known sex"),
    Target("a.boro.cannabis", "arrests", "cannabis", "boro", START, END,
           {"K": 419, "M": 377, "B": 357, "Q": 203, "S": 40}, "fixture",
           "Dec 2017 arrests under PL 221 by ARREST_BORO (counted from the fixture)"),
    Target("a.boro.other", "arrests", "other", "boro", START, END,
           {"M": 5364, "K": 5358, "B": 4130, "Q": 3852, "S": 748}, "fixture", f"{_FIX}.2: all Dec 2017 arrests"),
    Target("s.boro.cannabis", "summonses", "cannabis", "boro", START, END,
           {"B": 1255, "K": 1041, "M": 652, "Q": 518, "S": 150}, "fixture",
           f"{_FIX}.4: Q1 2020 marijuana summonses"),
    Target("s.boro.other", "summonses", "other", "boro", START, END,
           {"K": 6841, "M": 5280, "B": 4299, "Q": 3469, "S": 448}, "fixture", f"{_FIX}.2: all Q1 2020 summonses"),
    Target("a.jur.cannabis", "arrests", "cannabis", "jurisdiction", START, END, {0: 1018, 1: 20, 2: 328},
           "fixture", "Dec 2017 arrests under PL 221 by JURISDICTION_CODE 0/1/2 (28 non-NYPD rows left out)"),
    Target("a.jur.other", "arrests", "other", "jurisdiction", START, END, {0: 16225, 1: 1322, 2: 1196}, "fixture",
           f"{_FIX}.2: Dec 2017 arrests, codes 0/1/2 only"),
    Target("s.jur.cannabis", "summonses", "cannabis", "jurisdiction", START, END, {0: 18538, 1: 954, 2: 845},
           "fixture", f"{_FIX}.2: all Q1 2020 summonses"),
    Target("s.jur.other", "summonses", "other", "jurisdiction", START, END, {0: 18538, 1: 954, 2: 845},
           "fixture", f"{_FIX}.2: all Q1 2020 summonses"),
)


def targets(dataset: str, quantity: str, population: str | None = None) -> list[Target]:
    """The CALIBRATION rows for one dataset and quantity (optionally one population), in table order."""
    return [t for t in CALIBRATION
            if t.dataset == dataset and t.quantity == quantity and population in (None, t.population)]


def regime_of(day: dt.date) -> str:
    """Regime id in force on ``day`` (law reference §1)."""
    if day < REFORM_2019:
        return "old-1977"
    return "reform-2019" if day < MRTA_2021 else "mrta-2021"


# ------------------------------------------------------------------------------------------- geography

#: Where coordinates are drawn: each precinct is a set of grid cells (0.0025 deg latitude x 0.003 deg
#: longitude, about 280 m x 250 m; origin 40.49 N, 74.26 W) whose centres lie inside the precinct.
#: Derived from the NYC Department of City Planning precinct boundaries (../shared/data/geo, dataset
#: 78dh-3ptz); about 93 % of points drawn this way fall inside their own precinct polygon.
#: Format: space-separated runs "row:first-last" (or "row:col") of cell indices.
CELL_ORIGIN = (40.49, -74.26)
CELL_SIZE = (0.0025, 0.003)
PRECINCT_CELLS: dict[int, str] = {
    1: (
        "78:78-80 79:79-81 80:80-81 83:72-73 84:81-82 85:81-84 86:80-85 87:80-85 88:81-84 89:81-84 90:81-84 "
        "91:82-85 92:81-86 93:83-86 94:82-86 95:82-83"
    ),
    5: (
        "87:86-87 88:85-88 89:85-88 90:85-88 91:86-89 92:87-89 93:87-89"
    ),
    6: (
        "94:87 95:84-88 96:83-88 97:83-89 98:83-88 99:83-86 100:83-84"
    ),
    7: (
        "88:89-93 89:89-94 90:89-94 91:90-94 92:90-91"
    ),
    9: (
        "92:92-95 93:90-95 94:88-95 95:89-94 96:89-92 97:90"
    ),
    10: (
        "100:85-86 101:84-87 102:84-88 103:83-87 104:84-86 105:84-87 106:85-88 107:85-88 108:86-87"
    ),
    13: (
        "95:95 96:93-95 97:91-94 98:89-95 99:87-95 100:87-94 101:88-91 102:89"
    ),
    14: (
        "101:92 102:90-92 103:88-92 104:87-94 105:88-94 106:89-92 107:89-90"
    ),
    17: (
        "100:95 101:93-95 102:93-96 103:93-97 104:95-97 105:95-98 106:96-99 107:96-99 108:97"
    ),
    18: (
        "106:93-95 107:91-95 108:88-96 109:87-95 110:87-93 111:87-92 112:88-89"
    ),
    19: (
        "107:100 108:98-101 109:96-101 110:96-102 111:97-103 112:97-104 113:98-104 114:99-105 115:99-105 "
        "116:100-104 117:100-104 118:101-102"
    ),
    20: (
        "112:90-92 113:89-93 114:89-94 115:90-94 116:91-95 117:91-96 118:92-95 119:92-93"
    ),
    22: (
        "110:94-95 111:93-96 112:93-96 113:94-97 114:95-98 115:95-98 116:96-99 117:97-99 118:97-100 119:98-101 "
        "120:98-101 121:99-102 122:100-102 123:100-101"
    ),
    23: (
        "117:105 118:103-106 119:102-107 120:102-107 121:103-108 122:103-106 123:104"
    ),
    24: (
        "118:96 119:94-97 120:93-97 121:93-98 122:94-99 123:95-99 124:95-99 125:96-97"
    ),
    25: (
        "116:110 117:108-111 118:108-112 119:109-113 120:111-114 121:111-114 122:107-109 122:111-114 123:105-109 "
        "123:111-113 124:105-109 124:111-112 125:105-109 126:106-108 127:106-108 128:107-108 129:108 130:108"
    ),
    26: (
        "125:98-100 126:96-100 127:97-100 128:98-102 129:98-102 130:99-103 131:100 131:103 132:103-104"
    ),
    28: (
        "123:102-103 124:100-104 125:101-104 126:101-105 127:101-104"
    ),
    30: (
        "131:101-102 132:100-102 133:100-105 134:101-105 135:102-106 136:103-105 137:103"
    ),
    32: (
        "127:105 128:103-106 129:103-107 130:104-107 131:104-108 132:105-108 133:106-108 134:106-108 135:107 "
        "136:107 137:107"
    ),
    33: (
        "136:106 137:104-106 138:103-108 139:104-108 140:104-108 141:105-109 142:105-109 143:104-107"
    ),
    34: (
        "143:108-110 144:105-110 145:106-111 146:106-112 147:107-112 148:108-113 149:108-114 150:109-115 "
        "151:109-115 152:109-115 153:110-115 154:111-112"
    ),
    40: (
        "123:114-116 124:113-117 125:111-118 126:110-118 127:109-118 128:109-118 129:109-118 130:109-118 "
        "131:109-110 131:112-118 132:113-118"
    ),
    41: (
        "124:120 124:128 125:124-129 126:119-120 126:123-130 127:119-129 128:119-129 129:119-128 130:119-127 "
        "131:119-125 132:120-125 133:120-124 134:120-124"
    ),
    42: (
        "132:119 133:114-119 134:115-119 135:116-124 136:117-124 137:117-125 138:118-125 139:118-125 140:118-121 "
        "141:119-121"
    ),
    43: (
        "126:134-136 127:133-136 128:131-137 129:130-138 130:128-138 131:126-138 132:126-139 133:125-139 "
        "134:125-138 135:125-138 136:125-138 137:126-139 138:126-135 139:130-135 140:132-135"
    ),
    44: (
        "131:111 132:109-112 133:109-113 134:109-114 135:109-115 136:109-116 137:109-116 138:109-117 139:110-117 "
        "140:110-117 141:110-118"
    ),
    45: (
        "126:141-142 126:155-156 127:140-142 127:153 128:140-143 128:151 129:140-152 130:140-153 131:140-151 "
        "132:140-150 133:140-150 134:140-148 135:139-148 136:140-147 137:140-147 138:136-147 139:136-147 139:158 "
        "140:136-138 140:141-147 140:151 140:157-158 141:138 141:141-148 141:157-158 142:141-147 142:156-158 "
        "142:163 143:141-147 143:156-159 143:163 144:141-147 144:152-153 144:157-158 144:163 145:142-147 "
        "145:152-153 145:156 145:163 146:142-148 146:152-153 146:156 146:163 147:143-148 147:152-154 147:163 "
        "148:144-147 148:150 148:152-155 149:143-155 150:143-151 150:153-155 151:142-150 151:153-156 152:142-149 "
        "152:151-152 152:154-158 153:142-152 153:155-157 154:142-153 154:155-157 155:142-157 156:143-154 "
        "157:145-153 158:147-149"
    ),
    46: (
        "142:111-118 143:112-119 144:112-119 145:113-120 146:113-120 147:114-115 147:117 147:119-121 148:119-122"
    ),
    47: (
        "149:142 150:141-142 151:139-141 152:129-134 152:137-141 153:130-141 154:130-141 155:130-141 156:128-142 "
        "157:127-144 157:154 158:127-146 158:150-151 159:127-148 160:127-143 161:127-140 162:127-139 163:127-139 "
        "164:127-132 164:134-139 165:127-129 165:134-139 166:135-137 167:135"
    ),
    48: (
        "139:126-128 140:122-128 141:122-127 142:119-126 143:120-125 144:120-125 145:121-125 146:121-125 "
        "147:122-125 148:123-125 149:124-125 150:125"
    ),
    49: (
        "139:129 140:129-131 140:139-140 141:129-137 141:139-140 142:130-140 143:130-140 144:130-140 145:129-141 "
        "146:129-141 147:129-142 148:129-143 149:129-141 150:129-140 151:129-138 152:135-136"
    ),
    50: (
        "151:119 152:119-120 153:117-120 154:114-121 155:113-122 156:112-123 157:113-123 157:125-126 158:113-126 "
        "159:113-126 160:114-126 161:114-126 162:114-126 163:115-126 164:115-126 165:115-126 166:116-126 "
        "167:116-123 168:116-120 169:116-117"
    ),
    52: (
        "141:128 142:127-129 143:126-129 144:126-129 145:126-128 146:126-128 147:116 147:118 147:126-128 "
        "148:115-118 148:126-128 149:116-123 149:126-128 150:116-124 150:126-128 151:117-118 151:120-128 152:117 "
        "152:121-128 153:121-129 154:122-129 155:123-129 156:124-127 157:124"
    ),
    60: (
        "32:86-91 32:93 33:84-98 34:83-101 35:82-101 36:84-86 36:89-101 37:87-88 37:90-99 38:87-99 39:89-94 "
        "39:98-99 40:90-94 41:91-92"
    ),
    61: (
        "34:102-109 35:102-108 36:102-104 37:100-115 38:100-113 39:95-97 39:100-112 40:95-108 40:110-111 "
        "41:93-108 41:110 42:93-110 43:96-109 44:96-108 45:96-107 46:96-106 47:96-106 48:103-105 49:104"
    ),
    62: (
        "39:87 40:88-89 41:86-90 42:85-92 43:84-95 44:83-95 45:80-95 46:81-95 47:81-95 48:82-95 49:83-94 50:84-93 "
        "51:85-91 52:86-90 53:87-88 54:87"
    ),
    63: (
        "35:121-124 36:121-126 37:121-127 37:130-131 38:116 38:121-126 38:130-132 39:113-114 39:116-126 "
        "39:130-132 40:112-113 40:116-126 40:131 41:111-126 42:111 42:113-114 42:116-125 42:134 43:110 43:113 "
        "43:115-125 43:133-135 44:109 44:111 44:113-125 44:132-134 45:108-114 45:116 45:123-125 46:107-113 "
        "46:115-116 46:118 46:120-121 47:107-118 47:120-122 47:129 48:106-113 48:115-118 48:120-122 49:105-117 "
        "49:119-122 50:105-116 50:118-120 51:105-120 52:105-120 53:105-118 54:104-117 55:104-115 56:106-113 "
        "57:108-113 58:110-113 59:112-113"
    ),
    66: (
        "48:96-98 49:95-98 50:94-98 51:92-98 52:91-97 53:89-97 54:88-97 55:86-93 56:85-93 57:84-95 58:84-96 "
        "59:85-96 60:86-96 61:86-96 62:87-88 62:92-95"
    ),
    67: (
        "56:105 57:105-107 58:104-109 59:102-111 60:102-112 61:102-113 62:102-114 63:101-115 64:101-116 "
        "65:101-116 66:108-115 67:110-114 68:110-113 69:110-112"
    ),
    68: (
        "45:79 46:76-80 47:75-80 48:74-81 49:74-82 50:73-83 51:73-84 52:73-85 53:73-86 54:73-86 55:73-85 56:73-84 "
        "57:74-83 58:74-80 59:74-79 60:75-76 61:75"
    ),
    69: (
        "46:137 46:139 47:135 47:138-139 48:136 48:138-140 49:138 50:127-128 51:127-130 52:127-131 52:134 52:136 "
        "53:121-122 53:128-130 54:119-122 54:130-131 55:117-125 56:115-125 57:114-126 58:114-127 59:114-126 "
        "60:113-125 61:114-124 62:115-123 63:116-122 64:117-122 65:119-122"
    ),
    70: (
        "48:99-102 49:99-103 50:99-104 51:99-104 52:98-104 53:98-104 54:98-103 55:94-103 56:94-104 57:96-104 "
        "58:97-103 59:97-101 60:97-101 61:97-101 62:96-101 63:96-100 64:96-100 65:98-100"
    ),
    71: (
        "66:99-107 67:99-109 68:99-109 69:100-109 70:99-109 71:99-109 72:99"
    ),
    72: (
        "58:81-83 59:80-84 60:77-85 61:76-85 62:78-86 62:89-91 63:78-95 64:80-95 65:79 65:81-95 66:81-94 67:81-94 "
        "68:82 68:84-92 69:85 69:87-90 70:86-89 71:87"
    ),
    73: (
        "64:117 65:117-118 66:116-119 67:115-119 68:114-119 69:113-119 70:112-119 71:112-118 72:113-118 "
        "73:113-118 74:113-118 75:115-118 76:114-116 77:114-115 78:114"
    ),
    75: (
        "53:138 56:134-135 57:135 57:137 58:137 59:127-129 60:126-131 61:126-128 61:130-133 62:124-133 63:124-133 "
        "64:123-133 65:123-133 66:120-131 67:120-132 68:120-133 69:120-134 70:120-134 71:119-133 72:119-133 "
        "73:119-132 74:119-132 75:119-132 76:121-131 77:123-130 78:125-130 79:126-130 80:127-130 81:128-129"
    ),
    76: (
        "71:83 71:85 72:80 72:82-86 73:82-87 74:81-89 75:81-89 76:81 76:83-90 77:83-90 78:84-88 79:85-88 80:86"
    ),
    77: (
        "70:110-111 71:110-111 72:100-112 73:97-112 74:97-112 75:97-101 76:97"
    ),
    78: (
        "65:96-97 66:95-98 67:95-98 68:93-98 69:91-99 70:90-98 71:88-98 72:87-98 73:88-96 74:90-96 75:90-96 "
        "76:91-96 77:94"
    ),
    79: (
        "75:102-106 76:100-106 77:100-106 78:100-106 79:100-106 80:100-106 81:100-106 82:99-106 83:101-105"
    ),
    81: (
        "75:107-114 76:107-113 77:107-113 78:107-113 79:107-112 80:107-111 81:107-109 82:107-108 83:106"
    ),
    83: (
        "76:117-120 77:116-120 78:115-119 79:113-119 80:112-118 81:110-117 82:109-117 83:107-116 84:107-115 "
        "85:110-115 86:112-113 87:112"
    ),
    84: (
        "77:91-93 78:89-93 79:89-92 80:87-92 81:85-92 82:87-92 83:87-92 84:87-92 85:88-92"
    ),
    88: (
        "76:98-99 77:95-99 78:94-99 79:93-99 80:93-99 81:93-99 82:93-98 83:93-98 84:93-94 84:97-98 85:93-94 85:96 "
        "86:96"
    ),
    90: (
        "83:99-100 84:99-106 85:98-109 86:97-111 87:97-111 88:97-108 88:110-112 89:97-111 90:98 90:107-111 "
        "91:110-111"
    ),
    94: (
        "90:99-106 91:98-109 92:99-110 93:99-110 94:99-110 95:100-107 96:99-106 97:99-105 98:100-103 99:101-102"
    ),
    100: (
        "21:106 22:107-109 23:107-111 24:107-113 25:107-115 26:107-117 27:110-123 28:111-125 29:115-116 "
        "29:120-128 30:122-130 31:126-133 32:129-135 33:131-138 34:132-140 35:134-142 36:136-145 37:142-149 "
        "38:144-153 39:147-156 40:140-142 40:144 40:149-156 41:139-141 41:151 41:153-156 42:139-140 42:142-146 "
        "42:152-155 43:144-146 43:149 43:152-156 44:145-146 44:148-149 45:146-148 46:141-142 46:144 46:146-147 "
        "46:152-153 47:142 47:144 47:147 47:153-154 48:145 48:147 49:145-147 50:141-147 51:142-147 52:142-147 "
        "53:142-146 54:143-146 55:142-145 55:148 56:143-145 57:143-145 58:142-143 58:145 59:142 59:145"
    ),
    101: (
        "39:157-158 40:157-164 40:167-168 41:157-170 42:157-173 43:157-158 43:161 43:163-173 44:158-161 "
        "44:163-173 45:159-160 45:163-173 46:159-161 46:163-172 47:160 47:164-171 48:163-165 48:170-171 "
        "49:163-164 50:163"
    ),
    102: (
        "76:132-136 77:131-139 78:131-142 79:131-145 80:131-148 81:130-148 82:130-148 83:130-147 84:130-147 "
        "85:136-147 86:135-146 87:139-146 88:141-145 89:143-144 90:144"
    ),
    103: (
        "78:151-152 79:150-153 80:150-154 81:149-156 82:149-158 83:148-160 84:148-162 85:148-163 86:151-165 "
        "87:154-168 88:156-168 89:160-168 90:163-167 91:165-166"
    ),
    104: (
        "77:122 78:120-124 79:120-125 80:119-126 81:118-127 82:118-129 83:117-129 84:116-129 85:116-135 "
        "86:114-133 87:113-133 88:113-132 89:112-132 90:113-132 91:112-131 92:112-130 93:116-129 94:117-129 "
        "95:118-124 95:126-129 96:119-123 97:120-123"
    ),
    105: (
        "59:171-172 60:172 61:171-172 62:170-172 63:169-173 64:167-176 65:166-177 66:164-177 67:163-177 "
        "68:161-176 69:158-176 70:157-165 70:167-176 71:168-176 72:168-176 73:168-176 74:168-177 75:169-177 "
        "76:169-177 77:170-177 78:170-177 79:171-177 80:171-177 81:172-177 82:171-177 83:171-177 84:171-177 "
        "85:170-177 86:170-177 87:169-177 88:169-177 89:169-176 90:168-176 91:167-176 92:167-176 93:168-177 "
        "94:168-180 95:170-183 96:171-184 97:172-184 98:173-185 99:173-186 100:174-186 101:175-185 102:177-185 "
        "103:177-185 104:178-185 105:179-184 106:179-183 107:180-182"
    ),
    106: (
        "62:136-140 63:136-142 63:144 64:135 64:137-143 65:134-143 66:133-139 66:141-143 67:133-139 67:141-143 "
        "68:134-142 68:149-150 69:135-142 69:144-150 70:135-152 71:134-152 72:134-152 73:133-152 74:133-151 "
        "75:133-151 76:137-151 77:140-150 78:143-150 79:146-149 80:149"
    ),
    107: (
        "86:147-150 87:147-153 88:146-155 89:145-159 90:145-162 91:145-164 92:144-166 93:144-167 94:143-167 "
        "95:142-165 96:142-164 97:141-164 98:141-165 99:141-142 99:144-148 99:155-165 100:141-142 100:145 "
        "100:158-164 101:162-164"
    ),
    108: (
        "93:113-115 94:111-116 95:109-117 96:107-118 97:107-119 98:106-123 99:99 99:103-104 99:106-122 "
        "100:100-105 100:107-122 101:100-121 102:100-121 103:101-120 104:102-105 104:110-112 104:116-120 105:103 "
        "105:119-120"
    ),
    109: (
        "99:143 99:149-153 100:143-144 100:146-153 101:141-154 102:142-154 103:142-154 104:141-154 105:141-155 "
        "106:141-155 107:141-155 108:141-155 109:141-155 110:138-155 111:137-155 112:137-155 113:137-155 "
        "114:137-158 115:137-160 116:137-162 117:134-162 118:134-161 119:135-141 119:143-162 120:136-140 "
        "120:143-154 120:159-162 121:135-140 121:144-154 121:160-161 122:140 122:144-150 122:152-153 122:160 "
        "123:146-147"
    ),
    110: (
        "95:125 95:140-141 96:124-128 96:139-141 97:124-131 97:139-140 98:124-133 98:138-140 99:123-136 "
        "99:138-140 100:123-140 101:122-140 102:122-141 103:129-141 104:134-140 105:136-140 106:136-140 "
        "107:135-140 108:138-140 109:139-140"
    ),
    111: (
        "95:166-169 96:165-170 97:165-171 98:166-172 99:154 99:166-172 100:154-157 100:165-173 101:155-161 "
        "101:165-174 102:155-176 103:155-176 104:155-177 105:156-178 106:156-178 107:156-179 108:156-169 "
        "108:171-180 109:156-179 110:156-167 110:169-178 111:156-166 111:169-176 112:156-165 112:168-175 "
        "113:156-164 113:169-174 114:159-163 114:168-172 115:161-163 115:169-171 116:169"
    ),
    112: (
        "86:134 87:134-138 88:133-140 89:133-142 90:133-143 91:132-144 92:131-143 93:130-143 94:130-142 "
        "95:130-139 96:129-138 97:132-138 98:134-137 99:137"
    ),
    113: (
        "47:156 48:154-157 49:153-159 50:152 50:154-158 51:152 51:155-157 52:151-152 52:155-158 53:152-153 "
        "53:157-158 53:163 54:158-159 54:162-163 55:159-164 56:159-166 57:157-168 58:155-170 59:153-170 "
        "60:152-171 61:150-169 62:147-168 63:145-168 64:144 64:146-166 65:144 65:146-165 66:144 66:146-163 67:144 "
        "67:146-162 68:143-145 68:151-160 69:143 69:151-157 70:153-156 70:166 71:153-167 72:153-167 73:153-167 "
        "74:152-167 75:152-168 76:152-168 77:151-169 78:153-169 79:154-170 80:155-170 81:157-171 82:159-170 "
        "83:161-170 84:163-170 85:164-169 86:166-169"
    ),
    114: (
        "104:106-109 104:113-115 105:100 105:104-118 106:101 106:103-119 107:102 107:104-119 108:103 108:105-120 "
        "109:103 109:105-120 110:104 110:106-121 111:105 111:107-123 112:106 112:108-123 113:107-122 114:108-122 "
        "115:112-122 116:113-122 117:114-120 118:115-120 118:126-128 119:116-119 119:123-129 120:123-128 "
        "121:122-127 122:120 122:123-124"
    ),
    115: (
        "103:121-128 104:121-133 105:121-135 106:120-135 107:120-134 108:121-133 109:121-132 110:122-132 "
        "111:124-133 112:124-134 113:124-133 114:125-131 115:125-129 116:127-128 117:129"
    ),
    120: (
        "45:64-68 46:60-67 47:43 47:57-67 48:43-66 49:43-65 50:43-65 51:43-64 52:43-62 53:43-62 54:43-61 55:43-61 "
        "56:43-61 57:44-61 58:44-61 59:44-61 60:47-61 61:49-62 62:56-60 63:58"
    ),
    121: (
        "28:30-32 29:30-34 30:30-34 31:28-35 32:27-36 33:25-37 34:25-36 35:22-35 36:18-35 37:19-36 38:19-37 "
        "39:19-38 40:19-40 41:20-40 42:21-41 43:21-44 44:20-45 45:20-45 46:19-45 47:19-42 47:45 48:19-42 49:19-42 "
        "50:20-42 51:20-42 52:20-42 53:20-42 54:20-42 55:20-42 56:20-42 57:21-43 58:22-43 59:23-32 59:37-43 "
        "60:24-31 60:41-42 61:25-26 61:28 61:33"
    ),
    122: (
        "16:40-41 17:36 17:40-42 18:34-38 18:42-43 19:33-38 19:43 20:33-38 20:44 21:32-39 21:44-45 22:31-40 "
        "22:43-46 23:31-48 24:31-49 25:31-51 26:30-52 27:30-52 28:33-53 29:35-55 30:35-55 31:36-56 32:37-57 "
        "33:38-58 34:37-59 35:36-61 35:68 36:36-61 37:37-62 38:38-63 39:39-64 40:41-65 41:41-66 42:42-67 43:45-68 "
        "44:46-68 45:46-63 46:46-59 47:46-56"
    ),
    123: (
        "3:3-6 4:2-8 5:2-13 6:2-14 7:2-15 8:2-16 8:20-21 9:3-22 10:5-23 11:6-24 12:6-27 13:6-29 14:6-31 15:6-33 "
        "16:6-35 17:6-35 18:5-33 19:5-32 20:5-32 21:4-31 22:5-30 23:7-30 24:8-30 25:9-30 26:10 26:15-29 27:16-29 "
        "28:16-29 29:16-29 30:17-29 31:17-27 32:17-26 33:18-24 34:18-24 35:18-21"
    ),
}


def _decode_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


_PRECINCT_NO, _CELL_OFFSET, _CELL_COUNT, _CELL_ROW, _CELL_COL = _decode_cells()
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
    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    select = [ident(name) for name in header if name != "New Georeferenced Column"]
    if "New Georeferenced Column" in header:
        select.append("'POINT (' || CAST(\"Longitude\" AS VARCHAR) || ' ' || CAST(\"Latitude\" AS VARCHAR) || ')'"
                      " AS \"New Georeferenced Column\"")
    tmp = path.with_name(path.name + ".tmp")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        con.register("demo_rows", table)
        target = str(tmp).replace("'", "''")
        con.execute(f"COPY (SELECT {', '.join(select)} FROM demo_rows) TO '{target}' "
                    "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
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
        "generator": "analytics.demo",
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
