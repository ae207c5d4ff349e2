"""Socrata records as CSV values: the row conversion of the downloader (:mod:`nyc_cannabis.sources.socrata`).

:func:`record_to_row` turns a JSON record (SODA3 ``query.json`` or SODA 2.1 ``/resource``) into CSV
values in a fixed column order; :func:`export_record` turns a row of SODA3 ``export.csv`` (its header
mapped to API names by :func:`field_name`, its US-style dates made ISO) into such a record, so both give
the same CSV text for the same row. Numbers keep their exact JSON text, geo points become WKT
``POINT (lon lat)`` under :data:`GEO_COLUMN` whatever API name (:data:`GEO_ALIASES`) they came under.
The HTTP and SoQL side is :mod:`nyc_cannabis.sources.soda`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from nyc_cannabis.core.datasets import API_GEO_COLUMN

#: The output geo column and the API names it has had (first present wins).
GEO_COLUMN = API_GEO_COLUMN
GEO_ALIASES: tuple[str, ...] = ("geocoded_column", "new_georeferenced_column", "lon_lat")


def _number_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _geo_text(value: Any) -> str:
    """GeoJSON point (or legacy Socrata location) as WKT ``POINT (lon lat)``."""
    if isinstance(value, dict):
        coords = value.get("coordinates")
        if (
            str(value.get("type", "")).lower() == "point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):
            return f"POINT ({_number_text(coords[0])} {_number_text(coords[1])})"
        if "longitude" in value and "latitude" in value:
            return f"POINT ({_number_text(value['longitude'])} {_number_text(value['latitude'])})"
    return _value_text(value)


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def record_to_row(record: Mapping[str, Any], columns: Iterable[str]) -> list[str]:
    """One JSON record as CSV values in ``columns`` order (absent keys -> "")."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    row: list[str] = []
    for column in columns:
        if column == GEO_COLUMN:
            geo = next((lowered[a] for a in GEO_ALIASES if a in lowered), None)
            row.append(_geo_text(geo) if geo is not None else "")
        else:
            row.append(_value_text(lowered.get(column)))
    return row


_US_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?: (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?)?")


def _iso_timestamp(value: str) -> str:
    """``MM/DD/YYYY[ hh:mm:ss AM]`` (export style) as the JSON's ``YYYY-MM-DDThh:mm:ss.000``."""
    match = _US_DATE.fullmatch(value.strip())
    if not match:
        return value
    month, day, year, hour, minute, second, half = match.groups()
    h = int(hour or 0)
    if half:
        h = h % 12 + (12 if half == "PM" else 0)
    return f"{year}-{month}-{day}T{h:02d}:{minute or '00'}:{second or '00'}.000"


def field_name(header: str) -> str:
    """An export header (``ARREST_KEY``, ``New Georeferenced Column``) as an API field name."""
    return re.sub(r"[^a-z0-9@:]+", "_", header.strip().lower()).strip("_")


def export_record(header: list[str], values: list[str], date_field: str) -> dict[str, str]:
    """One export CSV row as a record for :func:`record_to_row` (empty cells are absent)."""
    record = {name: value for name, value in zip(header, values) if value != ""}
    if date_field in record:
        record[date_field] = _iso_timestamp(record[date_field])
    return record
