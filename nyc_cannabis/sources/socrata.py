"""Download NYPD arrest and summons records from NYC Open Data (Socrata SODA3, else SODA 2.1).

One call to :func:`fetch` downloads one dataset ("arrests" or "summonses") from one or both of
its sources ("historic", "ytd") into one CSV file per source (``docs/fetch.md`` has the details):

1. **Query.** The SoQL filter is fixed text (Penal Law articles 221/222 by law code, unless
   ``all_offenses``) plus bounds from validated dates (``until`` inclusive); literals are
   SoQL-quoted and nothing else is ever interpolated.
2. **Protocol.** SODA3 first (``POST /api/v3/views/<id>/query.json``). If its first request
   answers 404, 405 or 501, the source comes from SODA 2.1 (``GET /resource/<id>.json``)
   instead, with a warning, and the result says ``"protocol": "soda2.1"``.
3. **Count, then pages.** ``count(*)`` gives the expected rows. SODA3 pages by key
   (``WHERE :id > '<last :id>' ORDER BY :id LIMIT n``), SODA 2.1 by ``$offset``; a short page
   ends the listing. An unfiltered download streams SODA3 ``export.csv`` instead. Each page is
   written atomically under ``out_dir/.partial/<dataset>-<source>-<query hash>/`` next to a
   ``manifest.json`` (rows per page and, for SODA3, each page's last ``:id``).
4. **Resume.** The hash covers everything that decides a page's rows, so a rerun of the same
   query downloads only the missing pages; a changed server count starts over.
5. **Assemble.** The parts become ``out_dir/<dataset>-<source>-<since|start>-<until|end>.csv``
   through a temp file and a rename, only if the row count equals the server's count.

This module builds the queries and file names and drives the download (protocol choice, pages
or export). The bookkeeping on disk (page files, ``manifest.json``, resume, assembly) is in
:mod:`nyc_cannabis.sources.partial`; retries, the app token (``SODA_APP_TOKEN``, sent as
``X-App-Token``) and SoQL text in :mod:`nyc_cannabis.sources.soda`; row conversion in
:mod:`nyc_cannabis.sources.soda_rows`. Retry sleeps go through ``_sleep`` (tests replace it).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

import requests
from tqdm import tqdm

from nyc_cannabis.core.datasets import DATASETS as RECORD_DATASETS
from nyc_cannabis.sources.partial import (
    PARTIAL_DIRNAME,
    assemble,
    atomic_write,
    completed_pages,
    csv_writer,
    page_path,
    prepare_partial,
    remove_partial,
    save_manifest,
    write_page,
)
from nyc_cannabis.sources.soda import (
    PROTOCOLS,
    SODA3,
    SODA21,
    TOKEN_ENV,
    Client,
    FetchError,
    Query,
    Soda3Unavailable,
    expected_count,
    fetch_page,
    soql_string,
    stream_export,
)

__all__ = ["COLUMNS", "DATASETS", "FetchError", "build_where", "fetch", "soql_string"]

log = logging.getLogger(__name__)

#: per dataset, what the downloader needs, from the one dataset description (``core/datasets.py``)
DATASETS: dict[str, dict[str, str]] = {
    name: {**d.socrata, "key": d.key, "date": d.date, "code": d.code} for name, d in RECORD_DATASETS.items()}
SOURCES: tuple[str, ...] = ("historic", "ytd")

#: Canonical column order of the part and final CSV files (API field names).
COLUMNS: dict[str, tuple[str, ...]] = {name: d.api_columns for name, d in RECORD_DATASETS.items()}

#: Law-code prefixes of Penal Law articles 221 (marijuana) and 222 (cannabis, 2021-03-31+).
MARIJUANA_PREFIXES: dict[str, tuple[str, ...]] = {
    "arrests": ("PL 221", "PL 222"),
    "summonses": ("221.", "222."),
}

#: Sleep used between retries; tests replace it so they never wait.
_sleep: Callable[[float], None] = time.sleep


# --------------------------------------------------------------------------- query


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
    protocol: str = SODA3,
    export: bool = False,
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
        key=spec["key"],
        date_field=spec["date"],
        page_size=page_size,
        columns=COLUMNS[dataset],
        protocol=protocol,
        export=export and protocol == SODA3,
    )


def final_name(dataset: str, source: str, since: date | None, until: date | None,
               all_offenses: bool = False) -> str:
    since, until = _check_date("since", since), _check_date("until", until)
    start = since.isoformat() if since else "start"
    end = until.isoformat() if until else "end"
    scope = "-all-offenses" if all_offenses else ""
    return f"{dataset}-{source}{scope}-{start}-{end}.csv"


# --------------------------------------------------------------------------- driver


def _bar(query: Query, expected: int, initial: int, progress: bool) -> tqdm:
    return tqdm(total=expected, initial=initial, desc=f"{query.dataset} {query.source}",
                unit="rows", file=sys.stderr, disable=not progress)


def _download_pages(
    client: Client, query: Query, part_dir: Path, manifest: dict[str, Any], progress: bool
) -> tuple[int, int]:
    """Download missing pages until a short page; return (pages, resumed pages)."""
    done = completed_pages(part_dir, manifest, query)
    cursors: dict[str, str] = manifest["after"]
    expected = manifest["expected_rows"]
    page, resumed, seen, after = 0, 0, 0, None
    with _bar(query, expected, sum(done.values()), progress) as bar:
        while True:
            if page in done:
                rows = done[page]
                resumed += 1
            else:
                records = fetch_page(client, query, page, after)
                write_page(part_dir, page, records, query.columns)
                rows = len(records)
                manifest["pages"][str(page)] = rows
                if query.protocol == SODA3 and records:
                    cursors[str(page)] = records[-1][":id"]
                save_manifest(part_dir, manifest)
                bar.update(rows)
            after = cursors.get(str(page), after)
            seen += rows
            page += 1
            # A short page ends the listing. Stop also when the server sends more rows
            # than its own count, so a server that ignores the paging cannot loop forever.
            if rows < query.page_size or seen > expected:
                return page, resumed


def _download_export(
    client: Client, query: Query, part_dir: Path, manifest: dict[str, Any], progress: bool
) -> tuple[int, int]:
    """Stream SODA3 export.csv into page 0; return (pages, resumed pages)."""
    if 0 in completed_pages(part_dir, manifest, query):
        return 1, 1
    expected = manifest["expected_rows"]

    def write(rows: Iterator[list[str]]) -> int:
        def write_file(fh: TextIO) -> int:
            writer = csv_writer(fh)
            writer.writerow(query.columns)
            count = 0
            with _bar(query, expected, 0, progress) as bar:
                for count, row in enumerate(rows, 1):
                    writer.writerow(row)
                    if count % 1000 == 0:
                        bar.update(1000)
                bar.update(count % 1000)
            return count

        return atomic_write(page_path(part_dir, 0), write_file)

    manifest["pages"]["0"] = stream_export(client, query, expected, write)
    save_manifest(part_dir, manifest)
    return 1, 0


def _download(client: Client, query: Query, expected: int, out_dir: Path, final_path: Path,
              progress: bool) -> dict[str, Any]:
    part_dir = out_dir / PARTIAL_DIRNAME / f"{query.dataset}-{query.source}-{query.hash}"
    manifest = prepare_partial(part_dir, query, expected)
    download = _download_export if query.export else _download_pages
    pages, resumed = download(client, query, part_dir, manifest, progress)
    rows = assemble(part_dir, pages, final_path, query, expected)
    remove_partial(part_dir)
    return {
        "source": query.source,
        "dataset_id": query.dataset_id,
        "path": str(final_path),
        "rows": rows,
        "expected_rows": expected,
        "pages": pages,
        "resumed_pages": resumed,
        "protocol": query.protocol,
        "export": query.export,
    }


def _fetch_source(client: Client, query: Query, out_dir: Path, final_path: Path, progress: bool,
                  state: dict[str, str]) -> dict[str, Any]:
    """SODA3 unless ``state["protocol"]`` says soda2.1; in "auto" a SODA3 404/405/501 to the count, or a
    401/403 without a token, falls back to SODA 2.1 for this and every later source."""
    unavailable: Soda3Unavailable | None = None
    if state["protocol"] != SODA21:
        soda3 = query.for_protocol(SODA3)
        try:
            expected = expected_count(client, soda3, probe=state["protocol"] == "auto")
        except Soda3Unavailable as exc:
            unavailable = exc
        else:
            state["protocol"] = SODA3
            return _download(client, soda3, expected, out_dir, final_path, progress)
    query = query.for_protocol(SODA21)
    try:
        expected = expected_count(client, query)
    except FetchError as exc:
        if unavailable is None:
            raise
        raise FetchError(f"{exc} (SODA3 query.json had answered {unavailable})") from exc
    if unavailable is not None:
        why = ("SODA3 needs an app token (set SODA_APP_TOKEN)" if unavailable.status in (401, 403)
               else "no SODA3 on this portal")
        log.warning("%s: %s (query.json answered HTTP %d); falling back to SODA 2.1 /resource/%s.json",
                    query.label, why, unavailable.status, query.dataset_id)
        state["protocol"] = SODA21
    return _download(client, query, expected, out_dir, final_path, progress)


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
    protocol: str = "auto",
    whole: bool | None = None,
) -> dict[str, Any]:
    """Download ``dataset`` ("arrests" or "summonses") from each of ``sources`` into ``out_dir``.

    ``token``: the app token; None reads ``$SODA_APP_TOKEN``, "" sends none. ``protocol``:
    "auto" (SODA3, falling back to SODA 2.1 where SODA3 is absent), "soda3" or "soda2.1".
    ``whole``: None streams SODA3 export.csv when nothing is filtered (``all_offenses`` and
    no dates), False always pages, True insists on export.csv (no filter allowed).

    Returns ``{"dataset": ..., "protocol": ..., "files": [{"source", "dataset_id", "path",
    "rows", "expected_rows", "pages", "resumed_pages", "protocol", "export"}, ...]}``.
    Raises :class:`FetchError` with a one-line message on any failure; completed pages stay
    on disk and a rerun with the same arguments resumes from the first missing page.
    """
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
    if isinstance(sources, str):
        sources = (sources,)
    queries = [
        build_query(dataset, source, since=since, until=until, all_offenses=all_offenses,
                    page_size=page_size)
        for source in dict.fromkeys(sources)
    ]
    if not queries:
        raise FetchError("no sources to fetch")
    unfiltered = queries[0].where is None
    if whole and not unfiltered:
        raise FetchError("whole=True downloads whole datasets: use all_offenses and no dates")
    if whole is not False and unfiltered:
        queries = [dataclasses.replace(q, export=True) for q in queries]
    if token is None:
        token = os.environ.get(TOKEN_ENV)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_session = session is None
    client = Client(
        session=session if session is not None else requests.Session(),
        base_url=base_url.rstrip("/"),
        token=token or None,
        timeout=timeout,
        max_retries=max_retries,
        backoff_base=backoff_base,
        sleep=lambda seconds: _sleep(seconds),  # looked up at call time: tests replace it
        log=log,
    )
    state = {"protocol": protocol}
    try:
        files = [
            _fetch_source(
                client, query, out_dir,
                out_dir / final_name(dataset, query.source, since, until, all_offenses),
                progress, state,
            )
            for query in queries
        ]
    finally:
        if own_session:
            client.session.close()
    return {"dataset": dataset, "protocol": state["protocol"], "files": files}
