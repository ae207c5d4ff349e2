"""Data that travels: tables and records handed to someone else's tools, each with its data dictionary.

Two things live here (no Streamlit; the dashboard's download buttons are in ``ui/exports.py``):

* **Downloads of the dashboard's tables** — :func:`with_intervals` adds, for every estimate with a 95% interval
  (``glossary.INTERVALS``), the ``<estimate>_estimate, <estimate>_lower, <estimate>_upper`` columns charting
  tools such as Datawrapper read as a range; :func:`dictionary_csv` is the ``<table>.dictionary.csv`` every
  CSV download carries (``column, label, meaning, unit``).
* **The ``export`` command** — :func:`export` writes the database for other tools: the normalised records
  (one folder per dataset, partitioned by calendar year), the quarantine, the cannabis cells and the Census
  denominators, as Parquet or CSV, with ``DICTIONARY.csv`` (every exported column with its meaning),
  ``DATA-VERSION.json`` (the source files and their SHA-256, the export time, the package version) and
  ``DATA-TERMS.md``. The database is only read. docs/data-model.md ("Exporting the data") shows the layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from nyc_cannabis import __version__
from nyc_cannabis.core import store
from nyc_cannabis.core.datasets import DATASETS, precinct_borough
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.ingest import cells
from nyc_cannabis.ingest.loader import info
from nyc_cannabis.present import glossary, lawbook
from nyc_cannabis.stats import population

TOOL = "nyc-cannabis-enforcement"
FORMATS = ("parquet", "csv")
DICTIONARY, VERSION, TERMS = "DICTIONARY.csv", "DATA-VERSION.json", "DATA-TERMS.md"
#: the single-file tables of an export (records are folders named after their dataset)
TABLES = ("quarantine", "arrests_cells", "summonses_cells", "population_city", "population_boroughs",
          "population_precincts")
_FRAME = "export_frame"  # the name a population frame is registered under while it is written


# ------------------------------------------------------------------------------------ dashboard downloads

def with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with ``<estimate>_estimate, _lower, _upper`` appended for each estimate it has with its
    interval (``glossary.INTERVALS``: ``rate_ratio`` with ``ci_low`` / ``ci_high`` …); the original
    columns stay as they are. A pair of interval columns serves the first estimate listed that the table has."""
    out, used = frame, set()
    for estimate, bounds in glossary.INTERVALS.items():
        if not {estimate, *bounds} <= set(frame.columns) or bounds in used or f"{estimate}_estimate" in frame.columns:
            continue
        used.add(bounds)
        out = out.copy() if out is frame else out
        out[f"{estimate}_estimate"] = frame[estimate]
        out[f"{estimate}_lower"] = frame[bounds[0]]
        out[f"{estimate}_upper"] = frame[bounds[1]]
    return out


def dictionary_csv(columns: Iterable[str]) -> bytes:
    """The data dictionary of a download (``column, label, meaning, unit``), as CSV."""
    return _csv(glossary.dictionary(columns), ["column", "label", "meaning", "unit"])


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


# ------------------------------------------------------------------------ what the exported columns mean

_DATE, _FEET, _DEGREES = "date", "feet (NY State Plane, Long Island, NAD83)", "degrees (WGS84)"
#: the columns of the exported tables that the dashboard's glossary does not describe, or describes for
#: another table: (label, meaning, unit). Keyed ``kind.column`` (kind: records, quarantine, cells,
#: population) for a meaning only one kind of table has, else by the column; the glossary is the fallback.
EXPORT_COLUMNS: dict[str, tuple[str, str, str]] = {
    # records: published columns (docs/data-model.md)
    "records.arrest_key": ("Arrest key", "NYPD's persistent id of the arrest (ARREST_KEY), as text.", ""),
    "records.summons_key": ("Summons key", "NYPD's persistent id of the summons (SUMMONS_KEY), as text.", ""),
    "records.arrest_date": ("Arrest date", "Date of the arrest.", _DATE),
    "records.summons_date": ("Summons date", "Date of the summons.", _DATE),
    "records.pd_cd": ("PD code", "NYPD internal offence classification code (three digits).", ""),
    "records.pd_desc": ("PD description", "Description of the internal offence code, as published.", ""),
    "records.ky_cd": ("KY code", "NYPD internal offence category code (three digits).", ""),
    "records.ofns_desc": ("Offence description", "Description of the offence category, as published.", ""),
    "records.offense_description": ("Offence description", "The offence as published.", ""),
    "records.law_code": ("Law code", "The charge as published: law, article, section and subdivision "
                                     "(PL 2211001 is Penal Law §221.10 subdivision 1).", ""),
    "records.law_section_number": ("Law section", "The charge's section as published (221.05).", ""),
    "records.law_cat_cd": ("Offence level", "F felony, M misdemeanor, V violation, I infraction (as published).",
                           ""),
    "records.law_description": ("Law book", "The law the section belongs to (Penal Law …), as published.", ""),
    "records.summons_category_type": ("Summons category", "The summons category as published (MARIJUANA …).", ""),
    "records.arrest_boro": ("Borough (published)", "Borough of the arrest as published (K or BROOKLYN …).", ""),
    "records.boro": ("Borough (published)", "Borough of the summons as published (NEW YORK …).", ""),
    "records.arrest_precinct": ("Precinct", "NYPD precinct of the arrest (1–123).", ""),
    "records.precinct_of_occur": ("Precinct", "NYPD precinct where the offence occurred (1–123).", ""),
    "records.jurisdiction_code": ("Jurisdiction", "0 patrol, 1 transit, 2 housing, 3 and above other agencies.",
                                  ""),
    "records.age_group": ("Age group (published)", "Age group of the person as published, including stray "
                                                   "values.", ""),
    "records.perp_sex": ("Sex (published)", "Sex of the person as published.", ""),
    "records.sex": ("Sex (published)", "Sex of the person as published.", ""),
    "records.perp_race": ("Race (published)", "Race of the person as published.", ""),
    "records.race": ("Race (published)", "Race of the person as published.", ""),
    "records.x_coord_cd": ("X coordinate", "Easting in NY State Plane; 0 stored as empty.", _FEET),
    "records.y_coord_cd": ("Y coordinate", "Northing in NY State Plane; 0 stored as empty.", _FEET),
    "records.x_coordinate_cd": ("X coordinate", "Easting in NY State Plane; 0 stored as empty.", _FEET),
    "records.y_coordinate_cd": ("Y coordinate", "Northing in NY State Plane; 0 stored as empty.", _FEET),
    "records.latitude": ("Latitude", "Latitude of the event; 0 stored as empty.", _DEGREES),
    "records.longitude": ("Longitude", "Longitude of the event; 0 stored as empty.", _DEGREES),
    "records.geo_point": ("Point", "The published point column as well-known text (POINT (lon lat)).", ""),
    # records (and cells): derived by the loader (nyc_cannabis/ingest/sql/staging/<dataset>.sql)
    "race_group": ("Group", "Race / ethnicity group: Black, Hispanic, White, Asian / Pacific Islander, "
                                    "American Indian / Alaska Native, Other, Unknown (blank and unknown labels "
                                    "are Unknown).", ""),
    "age_band": ("Age", "The five published age bands (<18, 18-24, 25-44, 45-64, 65+); anything else "
                                "UNKNOWN.", ""),
    "boro_code": ("Borough", "B Bronx, K Brooklyn, M Manhattan, Q Queens, S Staten Island; empty when "
                                     "the published label is unknown.", ""),
    "law_article": ("Article", "Penal Law article parsed from the code (221, 222); empty when the code "
                                       "is not a Penal Law code.", ""),
    "is_cannabis": ("Cannabis", "The charge is under Penal Law article 221 or 222 (marijuana / cannabis).",
                    "true / false"),
    # provenance
    "source_id": ("Source", "The file the row came from: `source_id` of `sources` in DATA-VERSION.json (file "
                            "name and SHA-256).", ""),
    "line": ("Line", "CSV record number of the row in its file (header = 1).", ""),
    "records.completeness": ("Completeness", "How many informative fields this copy has; decided between "
                                             "disagreeing copies of the key.", "fields"),
    "records.year": ("Year", "Calendar year of the record's date: the partition folder year=YYYY.", ""),
    # quarantine
    "quarantine.reason": ("Reason", "Why the row could not be used (every reason, separated by '; ').", ""),
    "quarantine.raw": ("Row as read", "The row's fields as JSON, or its raw text when the reader could not "
                                      "split it.", ""),
    # cells (docs/data-model.md "arrests_cells and summonses_cells")
    "cells.month": ("Month", "First day of the calendar month of the records' dates.", _DATE),
    "cells.charged_regime": ("Law in force", "The law in force on the records' dates (old-1977, reform-2019, "
                                             "mrta-2021): a cell never spans two.", ""),
    "cells.precinct": ("Precinct", "NYPD precinct of the records.", ""),
    "cells.first_date": ("First date", "Earliest record date in the cell.", _DATE),
    "cells.last_date": ("Last date", "Latest record date in the cell.", _DATE),
    "cells.n": ("Records", "Cannabis records in the cell.", "records"),
    # population (Census 2020, table P2)
    "population.group": ("Group", "Race / ethnicity group with a Census denominator (Other and Unknown have "
                                  "none).", ""),
    "population.population": ("Residents", "Census 2020 population of the group in the area (table P2, all "
                                           "ages).", "residents"),
    "population.boro_code": ("Borough", "B Bronx, K Brooklyn, M Manhattan, Q Queens, S Staten Island.", ""),
    "population.borough": ("Borough name", "The borough's name (its county).", ""),
    "population.precinct": ("Precinct", "NYPD precinct (2021 boundaries; 116 is counted with 105).", ""),
}


def column_entry(kind: str, column: str) -> tuple[str, str, str]:
    """(label, meaning, unit) of an exported column of a table of ``kind`` (records, quarantine, cells,
    population); an empty meaning when nothing describes it."""
    entry = EXPORT_COLUMNS.get(f"{kind}.{column}") or EXPORT_COLUMNS.get(column)
    if entry:
        return entry
    row = glossary.dictionary([column])[0]
    return row["label"], row["meaning"], row["unit"]


# ------------------------------------------------------------------------------------------------ export

def previous_export(path: Path) -> bool:
    """Whether ``path`` holds an export this command wrote (its DATA-VERSION.json says so)."""
    try:
        return json.loads((path / VERSION).read_text(encoding="utf-8")).get("tool") == TOOL
    except (OSError, ValueError, AttributeError):
        return False


def _check_target(out: Path) -> bool:
    """Refuse a target that is a file or a non-empty folder other than an earlier export; True when it
    holds an earlier export (which is replaced)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: not a folder")
    if not out.exists() or not any(out.iterdir()):
        return False
    if previous_export(out):
        return True
    raise ValueError(f"{out}: folder is not empty and holds no earlier export (no {VERSION} of {TOOL}); "
                     "choose a new or empty folder")


def _entries(fmt: str) -> list[str]:
    """Top-level names an export writes (records folders, table files, the three documents)."""
    return [*DATASETS, *(f"{t}.{fmt}" for t in TABLES), DICTIONARY, VERSION, TERMS]


def _population_frames() -> dict[str, pd.DataFrame]:
    city = population.city()
    boroughs, names = population.boroughs(), population.borough_names()
    precincts = population.precincts()
    return {
        "population_city": pd.DataFrame([{"group": g, "population": n} for g, n in city.items()]),
        "population_boroughs": pd.DataFrame([{"boro_code": b, "borough": names.get(b), "group": g, "population": n}
                                             for b, groups in boroughs.items() for g, n in groups.items()]),
        "population_precincts": pd.DataFrame([{"precinct": int(p), "boro_code": precinct_borough(int(p)), "group": g,
                                               "population": n}
                                              for p, groups in sorted(precincts.items(), key=lambda kv: int(kv[0]))
                                              for g, n in groups.items()]),
    }


def _columns(described: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(column, DuckDB type) from the rows of a DESCRIBE."""
    return [(r["column_name"], r["column_type"]) for r in described]


def export(db: Database | str | Path, out_dir: str | Path, fmt: str = "parquet") -> dict[str, Any]:
    """Write the database to ``out_dir`` for other tools (Parquet or CSV), read-only; returns what was
    written. Refuses a non-empty folder unless it holds an earlier export, which is then replaced (the new
    export is written beside it first, so a failed export leaves the earlier one as it was)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    out = Path(out_dir)
    replacing = _check_target(out)
    if not isinstance(db, Database) and not Path(db).exists():
        raise ValueError(f"{db}: no such database")
    database = Database.of(db)  # one read-only connection: the counts and the files are of the same state
    parent = out.resolve().parent  # the new export is written beside the target, then moved into it
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.export-", dir=parent))
    try:
        exported_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        held = info(database)
        tables, dictionary = _write_tables(database, work, fmt)
        version = {
            "tool": TOOL, "version": __version__, "exported_at": exported_at.isoformat(), "format": fmt,
            "database": database.name,
            "synthetic": held["synthetic"],
            "records": {k: held[k] for k in ("arrests", "summonses", "quarantined", "first_date", "last_date")},
            "sources": [{k: s.get(k) for k in ("source_id", "file_name", "sha256", "bytes", "dataset", "edition",
                                               "synthetic", "rows_read", "rows_loaded", "rows_rejected",
                                               "rows_duplicate", "conflicts", "first_date", "last_date",
                                               "ingested_at", "tool_version") if k in s}
                        for s in held["sources"]],
            "tables": tables,
            "population_source": population.SOURCES,
            "cells": {"law_dates": {k: v.isoformat() for k, v in cells.law_dates().items()},
                      "version": cells.VERSION},
        }
        (work / DICTIONARY).write_bytes(_csv(dictionary, ["table", "file", "column", "type", "label", "meaning",
                                                          "unit"]))
        (work / VERSION).write_text(json.dumps(version, indent=2, default=str) + "\n", encoding="utf-8")
        (work / TERMS).write_text(lawbook.data_terms(), encoding="utf-8")
        _put_in_place(work, out, replacing)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if database is not db:
            database.close()
    return {"out": str(out), "format": fmt, "exported_at": version["exported_at"], "replaced": replacing,
            "synthetic": held["synthetic"], "tables": tables, "columns": len(dictionary),
            "files": [DICTIONARY, VERSION, TERMS], "sources": len(version["sources"])}


def _write_tables(db: Database, work: Path, fmt: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every table into ``work``: (table → path, rows, partitioning) and the dictionary's rows."""
    tables: dict[str, Any] = {}
    dictionary: list[dict[str, Any]] = []

    def describe(table: str, kind: str, pattern: str, columns: list[tuple[str, str]]) -> None:
        for column, type_ in columns:
            label, meaning, unit = column_entry(kind, column)
            dictionary.append({"table": table, "file": pattern, "column": column, "type": type_, "label": label,
                               "meaning": meaning, "unit": unit})

    with reading(db) as con:
        for name, spec in DATASETS.items():
            rows = store.execute(con, "export/records", {"path": str(work / name)}, format=fmt, table=spec.table,
                                 date=spec.date).fetchone()[0]
            pattern = f"{name}/year=*/*.{fmt}"
            tables[name] = {"path": pattern, "rows": int(rows), "partitioned_by": ["year"]}
            describe(name, "records", pattern, _columns(store.fetch_dicts(con, "export/records_columns",
                                                                          table=spec.table, date=spec.date)))
        single = {"quarantine": ("quarantine", "quarantine"),
                  **{cells.TABLES[d]: (cells.relation(con, d), "cells") for d in DATASETS}}
        for table, (source, kind) in single.items():
            rows = store.execute(con, "export/table", {"path": str(work / f"{table}.{fmt}")}, table=source,
                                 format=fmt).fetchone()[0]
            tables[table] = {"path": f"{table}.{fmt}", "rows": int(rows)}
            describe(table, kind, f"{table}.{fmt}", _columns(store.fetch_dicts(con, "export/table_columns",
                                                                               table=source)))
        for table, frame in _population_frames().items():
            con.register(_FRAME, frame)
            try:
                rows = store.execute(con, "export/table", {"path": str(work / f"{table}.{fmt}")}, table=_FRAME,
                                     format=fmt).fetchone()[0]
                describe(table, "population", f"{table}.{fmt}",
                         _columns(store.fetch_dicts(con, "export/table_columns", table=_FRAME)))
            finally:
                con.unregister(_FRAME)
            tables[table] = {"path": f"{table}.{fmt}", "rows": int(rows)}
    return tables, dictionary


def _put_in_place(work: Path, out: Path, replacing: bool) -> None:
    """Move the finished export from ``work`` to ``out``, first removing an earlier export's own entries
    (in either format; anything else in the folder stays)."""
    if not out.exists():
        work.rename(out)
        return
    if replacing:
        for name in {*_entries("parquet"), *_entries("csv")}:
            old = out / name
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            elif old.exists() or old.is_symlink():
                old.unlink()
    for entry in work.iterdir():
        entry.rename(out / entry.name)
