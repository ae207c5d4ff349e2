"""Census 2020 denominators for the dashboard's race/ethnicity groups: city, borough (county) and precinct.

Groups map to table P2 of the 2020 redistricting data (ny-marijuana-law.md §5.1): Hispanic of any race, and
non-Hispanic single races. *Other* and *Unknown* have no denominator: NYPD's ``OTHER`` is not the Census's
"some other race", and Unknown is no group at all. Both are reported as counts, never as rates.

Files (``nyc_cannabis/core/reference/census/``, with their provenance in ``PROVENANCE.md``):

* ``nyc_p2_2020_counties.csv`` — New York City and the five counties (borough rates).
* ``nyc_precinct_2020_pl.csv`` — census blocks summed to the 77 precincts of 2021 (precinct rates).
  Precinct 116 (Queens, created 2023) is not in it: its records are counted with precinct 105, whose 2020
  area it was carved from.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from nyc_cannabis.core.datasets import PRECINCT_SUCCESSOR, precinct_borough  # noqa: F401 - re-exported
from nyc_cannabis.core.resources import resource_path

CENSUS = resource_path("core", "reference", "census")

#: group → the P2 variables whose sum is its population
GROUP_VARIABLES: dict[str, tuple[str, ...]] = {
    "Black": ("P2_006N",),
    "Hispanic": ("P2_002N",),
    "White": ("P2_005N",),
    "Asian / Pacific Islander": ("P2_008N", "P2_009N"),
    "American Indian / Alaska Native": ("P2_007N",),
}
#: groups reported as counts only
NO_DENOMINATOR: tuple[str, ...] = ("Other", "Unknown")

SOURCE = ("U.S. Census Bureau, 2020 Census Redistricting Data (P.L. 94-171), table P2 (Hispanic or Latino, "
          "and not Hispanic or Latino by race), all ages")
SOURCES = {
    "city": SOURCE + "; New York City totals (NYC Department of City Planning), file "
                     "nyc_cannabis/core/reference/census/nyc_p2_2020_counties.csv",
    "borough": SOURCE + "; the five counties, file nyc_cannabis/core/reference/census/nyc_p2_2020_counties.csv",
    "precinct": SOURCE + "; census blocks aggregated to 2021 NYPD precincts (jkeefe/census-by-precincts), "
                         "file nyc_cannabis/core/reference/census/nyc_precinct_2020_pl.csv",
}


def _groups(row: pd.Series) -> dict[str, int]:
    return {g: int(sum(row[v] for v in vs)) for g, vs in GROUP_VARIABLES.items()}


@lru_cache(maxsize=1)
def _counties() -> pd.DataFrame:
    return pd.read_csv(CENSUS / "nyc_p2_2020_counties.csv", dtype={"boro_code": "string", "county_fips": "string"})


def city() -> dict[str, int]:
    """Population of each group in New York City."""
    frame = _counties()
    return _groups(frame[frame["boro_code"].isna()].iloc[0])


def boroughs() -> dict[str, dict[str, int]]:
    """Borough code (B, K, M, Q, S) → group → population (county figures)."""
    frame = _counties().dropna(subset=["boro_code"])
    return {str(r["boro_code"]): _groups(r) for _, r in frame.iterrows()}


def borough_names() -> dict[str, str]:
    frame = _counties().dropna(subset=["boro_code"])
    return dict(zip(frame["boro_code"].astype(str), frame["area"]))


@lru_cache(maxsize=1)
def _precinct_frame() -> pd.DataFrame:
    cols = ["precinct", *sorted({v for vs in GROUP_VARIABLES.values() for v in vs}), "P2_001N"]
    return pd.read_csv(CENSUS / "nyc_precinct_2020_pl.csv", usecols=cols)


def precincts() -> dict[str, dict[str, int]]:
    """Precinct number (as text) → group → population."""
    return {str(int(r["precinct"])): _groups(r) for _, r in _precinct_frame().iterrows()}


def for_areas(by: str | None) -> dict[str, dict[str, int]]:
    """Denominators keyed by the area labels the count queries produce (``None`` → the city)."""
    if by is None or by == "period":
        return {"*": city()}
    if by == "borough":
        return boroughs()
    if by == "precinct":
        return precincts()
    raise ValueError(f"no denominators by {by!r}")
