"""One description of the NYPD records: datasets (Socrata ids, API and export columns, types), header
editions, and the translators. The downloader, the loader, the demo generator and the dashboard all read it.

Everything that says what a column *means* lives here, in one place (the style of the Stanford Open
Policing Project's ``standards.R`` and ``translators.R``):

* :data:`DATASETS` — the two record types we load (NYPD arrests and criminal-court summonses),
  their canonical column names (the Socrata API field names), which columns a file must have, and the
  header aliases the real exports use (``New Georeferenced Column``, ``Lon_Lat``, ``X_COORDINATE_CD`` …).
* :func:`recognise` — reads a header row and says which dataset and which *edition* of the export it is,
  or raises :class:`UnrecognisedHeader` with a one-line reason.
* :data:`RACE_GROUPS` / :data:`RACE_LABELS` — the seven dashboard groups and every published NYPD label
  that maps to them (docs/data-model.md). Labels we have never seen map to
  ``Unknown`` and are reported by ``info`` as unmapped, never dropped.
* :data:`BOROUGHS` — one-letter borough codes and the full names summonses use (``NEW YORK`` = Manhattan).

The loader's SQL uses these tables (loaded into the database as ``ref_race_labels`` and
``ref_boroughs``) so that Python and SQL cannot disagree.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: The seven race/ethnicity groups, in display order.
RACE_GROUPS: tuple[str, ...] = (
    "Black",
    "Hispanic",
    "White",
    "Asian / Pacific Islander",
    "American Indian / Alaska Native",
    "Other",
    "Unknown",
)

#: Every NYPD race label seen in the arrest and summons exports → dashboard group.
#: Short spellings are pre-2020 exports, long spellings 2020+ exports (nyc-open-data.md §3).
#: ``BLACK`` and ``WHITE`` are taken to mean non-Hispanic (ny-marijuana-law.md §5.1).
RACE_LABELS: dict[str, str] = {
    "BLACK": "Black",
    "WHITE HISPANIC": "Hispanic",
    "BLACK HISPANIC": "Hispanic",
    "WHITE": "White",
    "ASIAN/PAC.ISL": "Asian / Pacific Islander",
    "ASIAN / PACIFIC ISLANDER": "Asian / Pacific Islander",
    "ASIAN/PACIFIC ISLANDER": "Asian / Pacific Islander",
    "AMER IND": "American Indian / Alaska Native",
    "AMERICAN INDIAN/ALASKAN NATIVE": "American Indian / Alaska Native",
    "AMERICAN INDIAN / ALASKAN NATIVE": "American Indian / Alaska Native",
    "OTHER": "Other",
    "UNKNOWN": "Unknown",
    "U": "Unknown",
}

#: Borough code → (name, every spelling the exports use for it).
BOROUGHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "B": ("Bronx", ("B", "BRONX")),
    "K": ("Brooklyn", ("K", "BROOKLYN", "KINGS")),
    "M": ("Manhattan", ("M", "MANHATTAN", "NEW YORK")),
    "Q": ("Queens", ("Q", "QUEENS")),
    "S": ("Staten Island", ("S", "STATEN ISLAND", "RICHMOND")),
}

#: Age bands as published; anything else (the Historic export has stray values such as ``1020``)
#: is kept verbatim in ``age_group`` and normalised to ``UNKNOWN`` in ``age_band``.
AGE_BANDS: tuple[str, ...] = ("<18", "18-24", "25-44", "45-64", "65+", "UNKNOWN")

#: precincts created after the 2020 Census → the 2020 precinct whose area they came from (116, Queens,
#: created 2023, from 105): counted with it wherever populations are needed
PRECINCT_SUCCESSOR: dict[int, int] = {116: 105}

#: NYPD patrol boroughs by precinct number range
PRECINCT_RANGES: tuple[tuple[int, int, str], ...] = (
    (1, 34, "M"), (40, 52, "B"), (60, 94, "K"), (100, 116, "Q"), (120, 123, "S"))


def precinct_borough(precinct: int) -> str | None:
    """NYPD patrol borough of a precinct number (1–34 M, 40–52 B, 60–94 K, 100–116 Q, 120–123 S)."""
    for low, high, code in PRECINCT_RANGES:
        if low <= precinct <= high:
            return code
    return None


#: Records before this date cannot come from the NYPD datasets (both start in 2006).
EARLIEST_DATE = "2006-01-01"


@dataclass(frozen=True)
class Dataset:
    """A record type: its table, canonical columns, required columns and header aliases."""

    name: str
    table: str
    key: str
    date: str
    precinct: str  # the column of the precinct the event happened in
    code: str      # the law code column (PL 2211001 / 221.10)
    description: str  # the offence description column
    #: the NYC Open Data (Socrata) dataset ids: the Historic file and the current Year-to-Date file
    socrata: dict[str, str]
    columns: tuple[str, ...]
    required: frozenset[str]
    #: the header of the current CSV export edition (what the portal's "Export" button writes, and the demo)
    export_header: tuple[str, ...] = ()
    #: how DuckDB's CSV reader types each column (others are text); numbers are read as DOUBLE
    #: because the API writes ``"104.0"``, and checked for being whole in the staging SQL
    types: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def stored(self) -> str:
        """The table holding the records as published (``arrests_raw``); the view :attr:`table` adds the
        derived model (``nyc_cannabis/ingest/sql/records/<dataset>.sql``)."""
        return f"{self.table}_raw"

    @property
    def optional(self) -> tuple[str, ...]:
        """The columns a file may lack (loaded as NULL)."""
        return tuple(c for c in self.columns if c not in self.required)

    @property
    def api_columns(self) -> tuple[str, ...]:
        """The columns as the Socrata API names them (what the downloader asks for and writes)."""
        return tuple(API_GEO_COLUMN if c == "geo_point" else c for c in self.columns)

    def reader_type(self, column: str) -> str:
        return self.types.get(column, "VARCHAR")

    def canonical(self, header_name: str) -> str | None:
        """Canonical column for a header cell (case- and spacing-insensitive), or None if unknown."""
        norm = normalise_header(header_name)
        if norm in self.columns:
            return norm
        return self.aliases.get(norm)


#: Date formats of the exports, tried on the first data row: CSV export, API, plain ISO.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%m/%d/%Y"),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%dT%H:%M:%S.%g"),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", "%Y-%m-%dT%H:%M:%S"),
    (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
)


def date_format(sample: str | None) -> str:
    """The explicit date format for a file, from one date value (never guessed day-first)."""
    for pattern, fmt in DATE_FORMATS:
        if sample is not None and re.match(pattern, sample.strip()):
            return fmt
    return DATE_FORMATS[0][1]


def normalise_header(name: str) -> str:
    """``'New Georeferenced Column'`` → ``'new_georeferenced_column'``; strips a UTF-8 BOM."""
    return re.sub(r"[\s]+", "_", name.replace("\ufeff", "").strip().lower())


_GEO_ALIASES = {"new_georeferenced_column": "geo_point", "lon_lat": "geo_point", "geocoded_column": "geo_point"}
#: the API's name for the point column (``geo_point`` in the database)
API_GEO_COLUMN = "geocoded_column"

ARRESTS = Dataset(
    name="arrests",
    table="arrests",
    key="arrest_key",
    date="arrest_date",
    precinct="arrest_precinct",
    code="law_code",
    description="pd_desc",
    socrata={"historic": "8h9b-rp9u", "ytd": "uip8-fykc"},
    columns=(
        "arrest_key", "arrest_date", "pd_cd", "pd_desc", "ky_cd", "ofns_desc", "law_code", "law_cat_cd",
        "arrest_boro", "arrest_precinct", "jurisdiction_code", "age_group", "perp_sex", "perp_race",
        "x_coord_cd", "y_coord_cd", "latitude", "longitude", "geo_point",
    ),
    required=frozenset({"arrest_key", "arrest_date", "law_code", "arrest_boro", "arrest_precinct",
                        "age_group", "perp_sex", "perp_race"}),
    types={"arrest_date": "DATE", "pd_cd": "DOUBLE", "ky_cd": "DOUBLE", "arrest_precinct": "DOUBLE",
           "jurisdiction_code": "DOUBLE", "x_coord_cd": "DOUBLE", "y_coord_cd": "DOUBLE",
           "latitude": "DOUBLE", "longitude": "DOUBLE"},
    aliases=dict(_GEO_ALIASES),
    export_header=(
        "ARREST_KEY", "ARREST_DATE", "PD_CD", "PD_DESC", "KY_CD", "OFNS_DESC", "LAW_CODE", "LAW_CAT_CD",
        "ARREST_BORO", "ARREST_PRECINCT", "JURISDICTION_CODE", "AGE_GROUP", "PERP_SEX", "PERP_RACE",
        "X_COORD_CD", "Y_COORD_CD", "Latitude", "Longitude", "New Georeferenced Column",
    ),
)

SUMMONSES = Dataset(
    name="summonses",
    table="summonses",
    key="summons_key",
    date="summons_date",
    precinct="precinct_of_occur",
    code="law_section_number",
    description="offense_description",
    socrata={"historic": "sv2w-rv3k", "ytd": "mv4k-y93f"},
    columns=(
        "summons_key", "summons_date", "offense_description", "law_section_number", "law_description",
        "summons_category_type", "age_group", "sex", "race", "jurisdiction_code", "boro",
        "precinct_of_occur", "x_coordinate_cd", "y_coordinate_cd", "latitude", "longitude", "geo_point",
    ),
    required=frozenset({"summons_key", "summons_date", "law_section_number", "age_group", "sex", "race",
                        "boro", "precinct_of_occur"}),
    types={"summons_date": "DATE", "jurisdiction_code": "DOUBLE", "precinct_of_occur": "DOUBLE",
           "x_coordinate_cd": "DOUBLE", "y_coordinate_cd": "DOUBLE", "latitude": "DOUBLE", "longitude": "DOUBLE"},
    aliases=dict(_GEO_ALIASES),
    export_header=(
        "SUMMONS_KEY", "SUMMONS_DATE", "OFFENSE_DESCRIPTION", "LAW_SECTION_NUMBER", "LAW_DESCRIPTION",
        "SUMMONS_CATEGORY_TYPE", "AGE_GROUP", "SEX", "RACE", "JURISDICTION_CODE", "BORO", "PRECINCT_OF_OCCUR",
        "X_COORDINATE_CD", "Y_COORDINATE_CD", "Latitude", "Longitude",
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (ARRESTS, SUMMONSES)}


class UnrecognisedHeader(ValueError):
    """The header row is not one of the NYPD arrest or summons export editions."""


#: Appended to the edition of a file whose columns differ harmlessly from the known edition it is closest
#: to (a new column, or an optional column gone): ``export-18+drift`` (docs/data-model.md "Schema drift").
DRIFT_SUFFIX = "+drift"
#: how alike (difflib ratio, 0–1) a header cell must be to a missing required column to be named as its
#: likely new name in the refusal (``PERP_RACE_DESC`` for ``PERP_RACE`` scores 0.78)
RENAME_CUTOFF = 0.6


@dataclass(frozen=True)
class Recognised:
    """What :func:`recognise` learned from a header row."""

    dataset: Dataset
    edition: str
    #: canonical name per header position; ``None`` for a column we ignore
    mapping: tuple[str | None, ...]
    ignored: tuple[str, ...]
    missing: tuple[str, ...]
    #: header cells in no known edition (read as text, not stored): harmless drift
    new_columns: tuple[str, ...] = ()
    #: optional columns every known edition has and this file lacks (stored as NULL), upper case: drift
    missing_optional: tuple[str, ...] = ()

    @property
    def drift(self) -> bool:
        """True when the columns differ from the known edition (the edition ends in :data:`DRIFT_SUFFIX`)."""
        return bool(self.new_columns or self.missing_optional)


def schema_drift(ignored: Iterable[str], missing: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """How a file's columns differ from its known edition: ``(new columns, missing optional columns)``.

    ``ignored`` are the header cells no dataset column matches, ``missing`` the dataset columns the header
    lacks (as ``sources.ignored_columns`` and ``sources.missing_columns`` store them, so ``info`` reads the
    drift of any stored file with the same rule). Not drift: Socrata's system fields (``:@computed_region_*``,
    ``:id``: the API form has them) and the point column, which is what tells the editions apart.
    """
    new = tuple(c for c in ignored if not c.strip().startswith(":"))
    gone = tuple(c.upper() for c in missing if normalise_header(c) != "geo_point")
    return new, gone


def _renames(wanted: list[str], candidates: list[str]) -> tuple[list[str], list[str]]:
    """Each wanted column (canonical), upper case, with the header cell most like it when one looks like
    its new name (``PERP_RACE (renamed to PERP_RACE_DESC?)``); and the candidates no wanted column took."""
    left = {normalise_header(c): c for c in candidates}
    named = []
    for column in wanted:
        close = difflib.get_close_matches(column, list(left), n=1, cutoff=RENAME_CUTOFF)
        named.append(f"{column.upper()} (renamed to {left.pop(close[0])}?)" if close else column.upper())
    return named, list(left.values())


def recognise(header: list[str]) -> Recognised:
    """Identify dataset and edition from a header row.

    Editions (nyc-open-data.md §2): ``export-18`` (2019-era CSV export, no geo column),
    ``export-ytd-2021`` (19 columns ending in ``New Georeferenced Column``), ``export-historic-2024``
    (``Lon_Lat``), ``api`` (lower-case Socrata field names, as our downloader writes them); summonses
    ``export-16``. A known edition has every column of the dataset, the point column being the one that
    varies. A header with a column no edition has, or without an optional column, is *drift*: it loads,
    and its edition is the closest known one plus :data:`DRIFT_SUFFIX` (:func:`schema_drift` says what
    changed; ``info`` lists it). A header without a required column is refused, naming the column and the
    header cell that looks like its new name.
    """
    if not header or all(not h.strip() for h in header):
        raise UnrecognisedHeader("the first line is empty, not a CSV header")
    norms = [normalise_header(h) for h in header]
    dataset = next((d for d in DATASETS.values() if d.key in norms), None)
    if dataset is None:
        shown = ",".join(header[:6])[:120]
        unknown = [h for h in header if all(d.canonical(h) is None for d in DATASETS.values())]
        keys, _ = _renames([d.key for d in DATASETS.values()], unknown)
        renamed = [k for k in keys if "(renamed" in k]
        raise UnrecognisedHeader(
            f"not an NYPD arrests or summons export: the header has neither ARREST_KEY nor SUMMONS_KEY "
            f"(it starts {shown!r})" + (f"; key column {renamed[0]}" if renamed else ""))
    mapping = tuple(dataset.canonical(h) for h in header)
    seen: set[str] = set()
    for name in mapping:
        if name is not None and name in seen:
            raise UnrecognisedHeader(f"the header names column {name.upper()} twice")
        if name is not None:
            seen.add(name)
    ignored = tuple(h for h, m in zip(header, mapping) if m is None)
    new_columns, _ = schema_drift(ignored, ())
    missing_required = sorted(dataset.required - seen)
    if missing_required:
        named, others = _renames(missing_required, list(new_columns))
        more = f"; new column(s) {', '.join(others[:5])}{' …' if len(others) > 5 else ''}" if others else ""
        raise UnrecognisedHeader(
            f"looks like {dataset.name} but lacks required column(s) {', '.join(named)}{more}")
    missing = tuple(c for c in dataset.columns if c not in seen)
    new_columns, missing_optional = schema_drift(ignored, missing)
    key_cell = header[norms.index(dataset.key)].strip().lstrip("\ufeff")
    if key_cell.islower():
        edition = "api"
    elif "new_georeferenced_column" in norms:
        edition = "export-ytd-2021"
    elif "lon_lat" in norms:
        edition = "export-historic-2024"
    elif "geocoded_column" in norms:
        edition = "export-geocoded"
    else:  # the export without a point column: every other column (export-18, summonses export-16)
        edition = f"export-{len(dataset.columns) - 1}"
    if new_columns or missing_optional:
        edition += DRIFT_SUFFIX
    return Recognised(dataset, edition, mapping, ignored, missing, new_columns, missing_optional)
