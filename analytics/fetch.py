"""Download NYPD arrest and summons records from NYC Open Data (Socrata SODA 2.x).

Design
------
One call to :func:`fetch` downloads one dataset ("arrests" or "summonses") from one or
both of its sources ("historic", "ytd") into one CSV file per source. For each source:

1. **Query.** A SoQL ``$where`` is built from fixed text only: the marijuana filter
   (Penal Law articles 221 and 222, selected by law code, never by description) unless
   ``all_offenses`` is set, and date bounds built from validated ``datetime.date`` values
   (``until`` is inclusive: the bound is ``< until + 1 day``). Literals are quoted per
   SoQL (single quotes, doubled inside). Nothing else is ever interpolated.
2. **Count.** ``$select=count(*)`` with the same ``$where`` gives the expected row count.
3. **Pages.** Rows are paged with ``$order=<key>,:id``, ``$limit=page_size`` and ``$offset``
   advancing by ``page_size`` until a short page comes back. Each page is written
   atomically (temp file, fsync, rename) as its own CSV part under
   ``out_dir/.partial/<dataset>-<source>-<query hash>/`` together with a ``manifest.json``
   (query, page size, expected count, rows per completed page).
4. **Resume.** The query hash covers everything that decides the rows of a page (dataset
   id, ``$where``, ``$order``, page size, columns), so a rerun of the same query finds
   the same directory and downloads only the pages that are missing. If the server's
   count changed since the interrupted run, the dataset was republished and the old
   pages are discarded, because offsets no longer line up.
5. **Assemble.** The parts are concatenated (one header) into
   ``out_dir/<dataset>-<source>-<since|start>-<until|end>.csv`` through a temp file and a
   rename. The number of data rows must equal the expected count; otherwise
   :class:`FetchError` is raised, no final file is written and the parts are kept.
   On success the partial directory is removed.

Every HTTP request is retried on HTTP 429 and 5xx, on connection errors, timeouts,
bodies cut off mid-transfer and bodies that are not valid JSON, with exponential backoff
``backoff_base * 2**attempt`` (or ``Retry-After`` seconds, capped at 60). Other 4xx
answers fail at once with the server's message. Sleeping goes through the module-level
``_sleep`` so tests can replace it.

Part and final CSVs hold the API field names (lowercase) of the dataset in a fixed order
(:data:`COLUMNS`), with every value as the text the JSON gave (``"104.0"`` stays
``104.0``, dates stay ``2020-11-19T00:00:00.000``); the GeoJSON point becomes WKT
``POINT (lon lat)``, and unknown fields such as ``:@computed_region_*`` are dropped.

The app token, if any, is passed in by the caller (``os.environ.get("SODA_APP_TOKEN")``)
and sent only as the ``X-App-Token`` header; it is never written to disk or logs.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TextIO

import requests
from tqdm import tqdm

__all__ = ["COLUMNS", "DATASETS", "FetchError", "build_where", "fetch", "soql_string"]

log = logging.getLogger(__name__)

DATASETS: dict[str, dict[str, str]] = {
    "arrests": {
        "historic": "8h9b-rp9u",
        "ytd": "uip8-fykc",
        "key": "arrest_key",
        "date": "arrest_date",
        "code": "law_code",
    },
    "summonses": {
        "historic": "sv2w-rv3k",
        "ytd": "mv4k-y93f",
        "key": "summons_key",
        "date": "summons_date",
        "code": "law_section_number",
    },
}

SOURCES: tuple[str, ...] = ("historic", "ytd")

#: Canonical column order of the part and final CSV files (API field names).
COLUMNS: dict[str, tuple[str, ...]] = {
    "arrests": (
        "arrest_key", "arrest_date", "pd_cd", "pd_desc", "ky_cd", "ofns_desc", "law_code",
        "law_cat_cd", "arrest_boro", "arrest_precinct", "jurisdiction_code", "age_group",
        "perp_sex", "perp_race", "x_coord_cd", "y_coord_cd", "latitude", "longitude",
        "geocoded_column",
    ),
    "summonses": (
        "summons_key", "summons_date", "offense_description", "law_section_number",
        "law_description", "summons_category_type", "age_group", "sex", "race",
        "jurisdiction_code", "boro", "precinct_of_occur", "x_coordinate_cd",
        "y_coordinate_cd", "latitude", "longitude", "geocoded_column",
    ),
}

#: The output geo column and the API names it has had (first present wins).
GEO_COLUMN = "geocoded_column"
GEO_ALIASES: tuple[str, ...] = ("geocoded_column", "new_georeferenced_column", "lon_lat")

#: Law-code prefixes of Penal Law articles 221 (marijuana) and 222 (cannabis, 2021-03-31+).
MARIJUANA_PREFIXES: dict[str, tuple[str, ...]] = {
    "arrests": ("PL 221", "PL 222"),
    "summonses": ("221.", "222."),
}

PARTIAL_DIRNAME = ".partial"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
RETRY_AFTER_CAP = 60.0

#: Sleep used between retries; tests replace it so they never wait.
_sleep: Callable[[float], None] = time.sleep


class FetchError(Exception):
    """A download failed. ``str(error)`` is one line, meant to be shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# --------------------------------------------------------------------------- query


def soql_string(value: str) -> str:
    """Quote ``value`` as a SoQL string literal (single quotes, doubled inside)."""
    return "'" + value.replace("'", "''") + "'"


def _check_date(name: str, value: date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date or None, not {type(value).__name__}")
    return value


def _timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def build_where(
    dataset: str, since: date | None = None, until: date | None = None, all_offenses: bool = False
) -> str | None:
    """Return the SoQL ``$where`` for ``dataset``, or None when nothing is filtered.

    ``since`` and ``until`` are inclusive calendar dates.
    """
    spec = _dataset_spec(dataset)
    since, until = _check_date("since", since), _check_date("until", until)
    if since and until and since > until:
        raise FetchError(f"since ({since}) is after until ({until})")
    parts: list[str] = []
    if not all_offenses:
        code = spec["code"]
        terms = [f"{code} like {soql_string(p + '%')}" for p in MARIJUANA_PREFIXES[dataset]]
        parts.append("(" + " OR ".join(terms) + ")")
    if since is not None:
        parts.append(f"{spec['date']} >= {soql_string(_timestamp(since))}")
    if until is not None and until < date.max:
        parts.append(f"{spec['date']} < {soql_string(_timestamp(until + timedelta(days=1)))}")
    return " AND ".join(parts) or None


@dataclass(frozen=True)
class Query:
    """Everything that decides which rows land in which page of one source."""

    dataset: str
    source: str
    dataset_id: str
    where: str | None
    order: str
    page_size: int
    columns: tuple[str, ...]

    def identity(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "dataset_id": self.dataset_id,
            "where": self.where,
            "order": self.order,
            "page_size": self.page_size,
            "columns": list(self.columns),
        }

    @property
    def hash(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    @property
    def label(self) -> str:
        return f"{self.dataset} {self.source} ({self.dataset_id})"

    def count_params(self) -> dict[str, str]:
        params = {"$select": "count(*)"}
        if self.where:
            params["$where"] = self.where
        return params

    def page_params(self, page: int) -> dict[str, str]:
        params = {
            "$order": self.order,
            "$limit": str(self.page_size),
            "$offset": str(page * self.page_size),
        }
        if self.where:
            params["$where"] = self.where
        return params


def _dataset_spec(dataset: str) -> dict[str, str]:
    try:
        return DATASETS[dataset]
    except KeyError:
        raise FetchError(
            f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}"
        ) from None


def build_query(
    dataset: str,
    source: str,
    *,
    since: date | None = None,
    until: date | None = None,
    all_offenses: bool = False,
    page_size: int = 50_000,
) -> Query:
    spec = _dataset_spec(dataset)
    if source not in SOURCES:
        raise FetchError(f"unknown source {source!r}; choose from: {', '.join(SOURCES)}")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, not {page_size!r}")
    return Query(
        dataset=dataset,
        source=source,
        dataset_id=spec[source],
        where=build_where(dataset, since, until, all_offenses),
        order=f"{spec['key']},:id",  # :id breaks ties: a key can repeat (summons 148968083)
        page_size=page_size,
        columns=COLUMNS[dataset],
    )


# --------------------------------------------------------------------------- HTTP


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (number or HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _server_message(response: requests.Response) -> str:
    """The ``message`` of a Socrata error body, else the start of the body text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "errorCode", "code"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    text = " ".join(response.text.split())
    return text[:300] or response.reason or "no message"


def _parse_json(content: bytes) -> Any:
    # Numbers are kept as their exact JSON text: the CSV must hold what the API gave.
    return json.loads(content, parse_float=str, parse_int=str)


_RETRYABLE_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass
class _Client:
    session: requests.Session
    base_url: str
    headers: dict[str, str]
    timeout: float
    max_retries: int
    backoff_base: float

    def get_json(self, dataset_id: str, params: Mapping[str, str], what: str) -> Any:
        """GET ``/resource/<id>.json`` with retries; return the decoded body."""
        url = f"{self.base_url}/resource/{dataset_id}.json"
        problem = "no attempt made"
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                response = self.session.get(
                    url, params=dict(params), headers=self.headers, timeout=self.timeout
                )
            except _RETRYABLE_ERRORS as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    problem = f"HTTP {status} {response.reason or ''}".strip()
                    retry_after = _retry_after(response)
                elif status >= 400:
                    raise FetchError(
                        f"{what}: HTTP {status} from {url}: {_server_message(response)}"
                    )
                else:
                    try:
                        return _parse_json(response.content)
                    except ValueError as exc:
                        problem = f"invalid JSON in response (truncated?): {exc}"
            if attempt == self.max_retries:
                break
            delay = (
                min(retry_after, RETRY_AFTER_CAP)
                if retry_after is not None
                else self.backoff_base * 2**attempt
            )
            log.warning("%s: %s; retry %d/%d in %.1fs", what, problem, attempt + 1,
                        self.max_retries, delay)
            _sleep(delay)
        raise FetchError(
            f"{what}: gave up after {self.max_retries + 1} attempts ({problem}). "
            "Completed pages are kept; rerun the same command to resume."
        )


def _expected_count(client: _Client, query: Query) -> int:
    body = client.get_json(query.dataset_id, query.count_params(), f"{query.label} count")
    try:
        (row,) = body
        (value,) = row.values()
        count = int(str(value))
    except (TypeError, ValueError, AttributeError):
        raise FetchError(f"{query.label}: unexpected count response: {str(body)[:200]}") from None
    if count < 0:
        raise FetchError(f"{query.label}: negative count {count} from server")
    return count


def _fetch_page(client: _Client, query: Query, page: int) -> list[dict[str, Any]]:
    what = f"{query.label} page {page + 1} (offset {page * query.page_size})"
    rows = client.get_json(query.dataset_id, query.page_params(page), what)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"{what}: expected a JSON array of objects, got {str(rows)[:200]}")
    if len(rows) > query.page_size:
        raise FetchError(f"{what}: server sent {len(rows)} rows for $limit={query.page_size}")
    return rows


# --------------------------------------------------------------------------- rows


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


def _csv_writer(fh: TextIO) -> Any:
    return csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


# --------------------------------------------------------------------------- files


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Callable[[TextIO], Any]) -> Any:
    """Write ``path`` via a temp file, fsync and rename; if ``write`` raises, nothing changes."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return result


def _page_path(part_dir: Path, page: int) -> Path:
    return part_dir / f"page-{page:06d}.csv"


def _write_page(part_dir: Path, page: int, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    def write(fh: TextIO) -> None:
        writer = _csv_writer(fh)
        writer.writerow(columns)
        writer.writerows(record_to_row(r, columns) for r in rows)

    _atomic_write(_page_path(part_dir, page), write)


def _new_manifest(query: Query, expected: int) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "query_hash": query.hash,
        "query": query.identity(),
        "page_size": query.page_size,
        "expected_rows": expected,
        "pages": {},
    }


def _load_manifest(part_dir: Path, query: Query) -> dict[str, Any] | None:
    """The manifest of an earlier run of the same query, or None if absent or unusable."""
    try:
        manifest = json.loads((part_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("version") != MANIFEST_VERSION
        or manifest.get("query_hash") != query.hash
        or not isinstance(manifest.get("pages"), dict)
        or not isinstance(manifest.get("expected_rows"), int)
    ):
        return None
    return manifest


def _save_manifest(part_dir: Path, manifest: dict[str, Any]) -> None:
    _atomic_write(
        part_dir / MANIFEST_NAME,
        lambda fh: fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n"),
    )


def _completed_pages(part_dir: Path, manifest: dict[str, Any]) -> dict[int, int]:
    """Page index -> row count for pages the manifest lists and whose file exists."""
    pages: dict[int, int] = {}
    for key, rows in manifest["pages"].items():
        if str(key).isdigit() and isinstance(rows, int) and _page_path(part_dir, int(key)).is_file():
            pages[int(key)] = rows
    return pages


def _prepare_partial(part_dir: Path, query: Query, expected: int) -> dict[str, Any]:
    """Reuse the manifest of an interrupted run of this query, or start a fresh one."""
    manifest = _load_manifest(part_dir, query)
    if manifest is not None and manifest["expected_rows"] != expected:
        log.warning(
            "%s: server count changed from %d to %d since the interrupted download; "
            "starting over", query.label, manifest["expected_rows"], expected,
        )
        manifest = None
    if manifest is None:
        if part_dir.exists():
            shutil.rmtree(part_dir)
        part_dir.mkdir(parents=True)
        manifest = _new_manifest(query, expected)
        _save_manifest(part_dir, manifest)
    return manifest


def _assemble(part_dir: Path, pages: int, final_path: Path, query: Query, expected: int) -> int:
    """Concatenate pages ``0..pages-1`` into ``final_path``; return the data row count."""

    def write(fh: TextIO) -> int:
        writer = _csv_writer(fh)
        writer.writerow(query.columns)
        count = 0
        for page in range(pages):
            with open(_page_path(part_dir, page), encoding="utf-8", newline="") as part:
                reader = csv.reader(part)
                if tuple(next(reader, ())) != query.columns:
                    raise FetchError(f"{query.label}: page file {page} has an unexpected header")
                for row in reader:
                    writer.writerow(row)
                    count += 1
        if count != expected:
            raise FetchError(
                f"{query.label}: downloaded {count} rows but the server's count was {expected}; "
                f"the pages are kept in {part_dir}"
            )
        return count

    return _atomic_write(final_path, write)


def _remove_partial(part_dir: Path) -> None:
    shutil.rmtree(part_dir, ignore_errors=True)
    try:
        part_dir.parent.rmdir()  # only succeeds when no other download is pending
    except OSError:
        pass


def final_name(dataset: str, source: str, since: date | None, until: date | None,
               all_offenses: bool = False) -> str:
    since, until = _check_date("since", since), _check_date("until", until)
    start = since.isoformat() if since else "start"
    end = until.isoformat() if until else "end"
    scope = "-all-offenses" if all_offenses else ""
    return f"{dataset}-{source}{scope}-{start}-{end}.csv"


# --------------------------------------------------------------------------- driver


def _download_pages(
    client: _Client, query: Query, part_dir: Path, manifest: dict[str, Any], progress: bool
) -> tuple[int, int]:
    """Download missing pages until a short page; return (pages, resumed pages)."""
    done = _completed_pages(part_dir, manifest)
    expected = manifest["expected_rows"]
    page, resumed, seen = 0, 0, 0
    with tqdm(
        total=expected,
        initial=sum(done.values()),
        desc=f"{query.dataset} {query.source}",
        unit="rows",
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        while True:
            if page in done:
                rows = done[page]
                resumed += 1
            else:
                records = _fetch_page(client, query, page)
                _write_page(part_dir, page, records, query.columns)
                rows = len(records)
                manifest["pages"][str(page)] = rows
                _save_manifest(part_dir, manifest)
                bar.update(rows)
            seen += rows
            page += 1
            # A short page ends the listing. Stop also when the server sends more rows
            # than its own count, so a server that ignores $offset cannot loop forever.
            if rows < query.page_size or seen > expected:
                return page, resumed


def _fetch_source(
    client: _Client,
    query: Query,
    out_dir: Path,
    final_path: Path,
    progress: bool,
) -> dict[str, Any]:
    expected = _expected_count(client, query)
    part_dir = out_dir / PARTIAL_DIRNAME / f"{query.dataset}-{query.source}-{query.hash}"
    manifest = _prepare_partial(part_dir, query, expected)
    pages, resumed = _download_pages(client, query, part_dir, manifest, progress)
    rows = _assemble(part_dir, pages, final_path, query, expected)
    _remove_partial(part_dir)
    return {
        "source": query.source,
        "dataset_id": query.dataset_id,
        "path": str(final_path),
        "rows": rows,
        "expected_rows": expected,
        "pages": pages,
        "resumed_pages": resumed,
    }


def _request_headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["X-App-Token"] = token
    return headers


def fetch(
    dataset: str,
    out_dir: Path,
    *,
    since: date | None = None,
    until: date | None = None,
    all_offenses: bool = False,
    sources: tuple[str, ...] = ("historic", "ytd"),
    base_url: str = "https://data.cityofnewyork.us",
    page_size: int = 50_000,
    token: str | None = None,
    max_retries: int = 6,
    backoff_base: float = 1.0,
    timeout: float = 120,
    progress: bool = True,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Download ``dataset`` ("arrests" or "summonses") from each of ``sources`` into ``out_dir``.

    Returns ``{"dataset": ..., "files": [{"source", "dataset_id", "path", "rows",
    "expected_rows", "pages", "resumed_pages"}, ...]}``. Raises :class:`FetchError` with a
    one-line message on any failure; completed pages stay on disk and a rerun with the
    same arguments resumes from the first missing page.
    """
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    if isinstance(sources, str):
        sources = (sources,)
    queries = [
        build_query(dataset, source, since=since, until=until, all_offenses=all_offenses,
                    page_size=page_size)
        for source in dict.fromkeys(sources)
    ]
    if not queries:
        raise FetchError("no sources to fetch")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_session = session is None
    client = _Client(
        session=session if session is not None else requests.Session(),
        base_url=base_url.rstrip("/"),
        headers=_request_headers(token),
        timeout=timeout,
        max_retries=max_retries,
        backoff_base=backoff_base,
    )
    try:
        files = [
            _fetch_source(
                client, query, out_dir,
                out_dir / final_name(dataset, query.source, since, until, all_offenses), progress,
            )
            for query in queries
        ]
    finally:
        if own_session:
            client.session.close()
    return {"dataset": dataset, "files": files}
