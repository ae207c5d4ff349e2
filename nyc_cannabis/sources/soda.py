"""The Socrata side of the downloader (:mod:`nyc_cannabis.sources.socrata`): SoQL and HTTP.

* SODA3 query: ``POST /api/v3/views/<id>/query.json`` with the SoQL text in a JSON body,
  ``{"query": "SELECT ...", "includeSynthetic": false}``; pages by key
  (``WHERE :id > '<last :id>' ORDER BY :id ASC LIMIT n``), never by deep offsets.
* SODA3 export: ``GET /api/v3/views/<id>/export.csv``, a whole dataset as one CSV stream.
* SODA 2.1: ``GET /resource/<id>.json`` with ``$where``, ``$order``, ``$limit``, ``$offset``.

Every request goes through :meth:`Client.request`: the app token as ``X-App-Token``,
retries on HTTP 429 and 5xx, connection errors, timeouts and bodies that are cut off or
unreadable, with exponential backoff or ``Retry-After`` (capped at 60 s). A 401/403 fails at
once with one line that says how to get an app token and where to put it (``SODA_APP_TOKEN``).
When a probing SODA3 request answers 404, 405 or 501, :class:`Soda3Unavailable` tells the
caller to fall back to SODA 2.1. The records become CSV values in
:mod:`nyc_cannabis.sources.soda_rows` (:func:`record_to_row` for JSON records,
:func:`export_record` for export CSV rows: the same CSV text for the same row).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import email.utils
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, TypeVar

import requests

from nyc_cannabis.sources.soda_rows import export_record, field_name, record_to_row

SODA3 = "soda3"
SODA21 = "soda2.1"
PROTOCOLS: tuple[str, ...] = ("auto", SODA3, SODA21)
TOKEN_ENV = "SODA_APP_TOKEN"
#: SODA3 answers that mean "this portal has no SODA3 endpoint": fall back to SODA 2.1.
FALLBACK_STATUSES = frozenset({404, 405, 501})
RETRY_AFTER_CAP = 60.0

T = TypeVar("T")


class FetchError(Exception):
    """A download failed. ``str(error)`` is one line, meant to be shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class Soda3Unavailable(Exception):
    """The SODA3 endpoint answered 404/405/501 (no SODA3), or 401/403 without a token, to the first
    request of a download."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Retryable(Exception):
    """A 2xx answer whose body is unusable (cut off, not JSON, short CSV): try again."""


def token_help(base_url: str) -> str:
    """How to get a free app token and where to put it (one sentence)."""
    return (
        f"This portal wants an app token in {TOKEN_ENV}: sign in on {base_url}, open your "
        f"profile's developer settings ({base_url}/profile/edit/developer_settings), create an "
        f"app token (free), then run `export {TOKEN_ENV}=<your token>` and rerun."
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


def server_message(response: requests.Response) -> str:
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


def parse_json(content: bytes) -> Any:
    """Decode a body; numbers keep their exact JSON text (the CSV must hold what the API gave)."""
    try:
        return json.loads(content, parse_float=str, parse_int=str)
    except ValueError as exc:
        raise Retryable(f"invalid JSON in response (truncated?): {exc}") from None


_RETRYABLE_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    Retryable,
)


@dataclass
class Client:
    session: requests.Session
    base_url: str
    token: str | None = field(repr=False)
    timeout: float
    max_retries: int
    backoff_base: float
    sleep: Callable[[float], None]
    log: logging.Logger
    headers: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.headers = {"Accept": "application/json"}
        if self.token:  # sent as a header only: never in a URL, file or log line
            self.headers["X-App-Token"] = self.token

    def request(self, method: str, path: str, what: str, handle: Callable[[requests.Response], T],
                *, probe: bool = False, stream: bool = False, accept: str | None = None,
                **kwargs: Any) -> T:
        """Send a request with retries and return ``handle(response)`` for the first 2xx.

        ``probe``: a 404/405/501, or a 401/403 to a request without a token, raises
        :class:`Soda3Unavailable` instead of failing.
        """
        url = f"{self.base_url}{path}"
        headers = dict(self.headers, **({"Accept": accept} if accept else {}))
        problem = "no attempt made"
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                with self.session.request(method, url, headers=headers, timeout=self.timeout,
                                          stream=stream, **kwargs) as response:
                    status = response.status_code
                    if status < 300:
                        return handle(response)
                    if probe and (status in FALLBACK_STATUSES or (status in (401, 403) and not self.token)):
                        # no SODA3 here, or SODA3 refuses anonymous requests: SODA 2.1 may still serve them
                        raise Soda3Unavailable(status, server_message(response))
                    if status == 429 or status >= 500:
                        problem = f"HTTP {status} {response.reason or ''}".strip()
                        retry_after = _retry_after(response)
                    else:
                        raise FetchError(self._client_error(what, url, response))
            except _RETRYABLE_ERRORS as exc:
                problem = str(exc) if isinstance(exc, Retryable) else f"{type(exc).__name__}: {exc}"
            if attempt == self.max_retries:
                break
            delay = (min(retry_after, RETRY_AFTER_CAP) if retry_after is not None
                     else self.backoff_base * 2**attempt)
            self.log.warning("%s: %s; retry %d/%d in %.1fs", what, problem, attempt + 1,
                             self.max_retries, delay)
            self.sleep(delay)
        raise FetchError(
            f"{what}: gave up after {self.max_retries + 1} attempts ({problem}). "
            "Completed pages are kept; rerun the same command to resume."
        )

    def _client_error(self, what: str, url: str, response: requests.Response) -> str:
        status = response.status_code
        message = f"{what}: HTTP {status} from {url}: {server_message(response)}"
        if status in (401, 403):
            if not self.token:
                return f"{message}. {token_help(self.base_url)}"
            return f"{message} (check the app token in {TOKEN_ENV})"
        return message

    # protocol calls -----------------------------------------------------------

    def resource(self, dataset_id: str, params: Mapping[str, str], what: str) -> Any:
        """SODA 2.1: ``GET /resource/<id>.json``; the decoded body."""
        return self.request("GET", f"/resource/{dataset_id}.json", what,
                            lambda r: parse_json(r.content), params=dict(params))

    def query(self, dataset_id: str, soql: str, what: str, *, probe: bool = False) -> Any:
        """SODA3: ``POST /api/v3/views/<id>/query.json``; the decoded body."""
        body = {"query": soql, "includeSynthetic": False}
        return self.request("POST", f"/api/v3/views/{dataset_id}/query.json", what,
                            lambda r: parse_json(r.content), probe=probe, json=body)

    def export(self, dataset_id: str, what: str,
               consume: Callable[[Iterator[list[str]]], T]) -> T:
        """SODA3: ``GET /api/v3/views/<id>/export.csv`` streamed; ``consume(csv rows)``.

        ``consume`` may raise :class:`Retryable` (e.g. the stream ended early) to retry."""
        return self.request("GET", f"/api/v3/views/{dataset_id}/export.csv", what,
                            lambda r: consume(_csv_rows(r)), stream=True,
                            accept="text/csv")


def _lines(response: requests.Response) -> Iterator[str]:
    """The body as text lines, each with its ``\\n``, decoded as it arrives."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    for chunk in response.iter_content(chunk_size=1 << 16):
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        yield from (line + "\n" for line in complete)
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _csv_rows(response: requests.Response) -> Iterator[list[str]]:
    try:
        yield from csv.reader(_lines(response))
    except csv.Error as exc:
        raise Retryable(f"unreadable CSV (cut off?): {exc}") from None


# --------------------------------------------------------------------------- queries


def soql_string(value: str) -> str:
    """Quote ``value`` as a SoQL string literal (single quotes, doubled inside)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Query:
    """Everything that decides which rows land in which page of one source."""

    dataset: str
    source: str
    dataset_id: str
    where: str | None
    key: str  # the dataset's record key (SODA 2.1 orders by it)
    date_field: str  # the dataset's date field (export dates are normalised)
    page_size: int
    columns: tuple[str, ...]
    protocol: str = SODA3
    export: bool = False  # SODA3 export.csv of the whole dataset instead of pages

    @property
    def order(self) -> str:
        return ":id" if self.protocol == SODA3 else f"{self.key},:id"  # :id breaks ties

    def identity(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "dataset_id": self.dataset_id,
            "where": self.where,
            "order": self.order,
            "page_size": self.page_size,
            "columns": list(self.columns),
            "protocol": self.protocol,
            "export": self.export,
        }

    @property
    def hash(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    @property
    def label(self) -> str:
        return f"{self.dataset} {self.source} ({self.dataset_id})"

    def for_protocol(self, protocol: str) -> Query:
        return dataclasses.replace(self, protocol=protocol, export=self.export and protocol == SODA3)

    # SODA 2.1 parameters
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

    # SODA3 query text
    def count_soql(self) -> str:
        return "SELECT count(*) AS count" + (f" WHERE {self.where}" if self.where else "")

    def page_soql(self, after: str | None) -> str:
        """Keyset paging: the page after the row whose ``:id`` is ``after`` (None: the first)."""
        terms = [f"({self.where})"] if self.where else []
        if after is not None:
            terms.append(f":id > {soql_string(after)}")
        where = f" WHERE {' AND '.join(terms)}" if terms else ""
        return f"SELECT *, :id{where} ORDER BY :id ASC LIMIT {self.page_size}"


def expected_count(client: Client, query: Query, probe: bool = False) -> int:
    """The server's ``count(*)`` for ``query`` (``probe``: see :meth:`Client.request`)."""
    what = f"{query.label} count"
    if query.protocol == SODA3:
        body = client.query(query.dataset_id, query.count_soql(), what, probe=probe)
    else:
        body = client.resource(query.dataset_id, query.count_params(), what)
    try:
        (row,) = body
        (value,) = row.values()
        count = int(str(value))
    except (TypeError, ValueError, AttributeError):
        raise FetchError(f"{query.label}: unexpected count response: {str(body)[:200]}") from None
    if count < 0:
        raise FetchError(f"{query.label}: negative count {count} from server")
    return count


def fetch_page(client: Client, query: Query, page: int, after: str | None) -> list[dict[str, Any]]:
    """Page ``page`` (0-based): SODA3 rows after the ``:id`` ``after``, SODA 2.1 by offset."""
    if query.protocol == SODA3:
        what = f"{query.label} page {page + 1} (after :id {after!r})"
        rows = client.query(query.dataset_id, query.page_soql(after), what)
    else:
        what = f"{query.label} page {page + 1} (offset {page * query.page_size})"
        rows = client.resource(query.dataset_id, query.page_params(page), what)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"{what}: expected a JSON array of objects, got {str(rows)[:200]}")
    if len(rows) > query.page_size:
        raise FetchError(f"{what}: server sent {len(rows)} rows for a limit of {query.page_size}")
    if query.protocol == SODA3 and rows and not isinstance(rows[-1].get(":id"), str):
        raise FetchError(f"{what}: the rows carry no :id, so the next page cannot be asked "
                         "for (protocol='soda2.1' pages by offset instead)")
    return rows


def stream_export(client: Client, query: Query, expected: int,
           write: Callable[[Iterator[list[str]]], int]) -> int:
    """Stream SODA3 export.csv; ``write`` gets the rows as CSV values in ``query.columns``
    order and returns how many it wrote. The whole stream is retried when it breaks off,
    has a row of the wrong width or ends before ``expected`` rows."""

    def consume(rows: Iterator[list[str]]) -> int:
        header = [field_name(h) for h in next(rows, [])]

        def converted() -> Iterator[list[str]]:
            count = 0
            for values in rows:
                if len(values) != len(header):
                    raise Retryable(f"export.csv row {count + 1} has {len(values)} fields, "
                                    f"the header {len(header)} (cut off?)")
                yield record_to_row(export_record(header, values, query.date_field), query.columns)
                count += 1
            if count < expected:
                raise Retryable(f"export.csv ended after {count} of {expected} rows (cut off?)")

        return write(converted())

    return client.export(query.dataset_id, f"{query.label} export.csv", consume)
