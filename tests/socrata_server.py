"""A small local server that speaks Socrata's SODA3 and SODA 2.1 APIs.

It serves in-memory rows per dataset id; every row gets a stable system ``:id``
(``row-xxxx.xxxx_n``, in an order unrelated to insertion or key order).

* SODA 2.1: ``GET /resource/<id>.json`` with ``$where``, ``$select=count(*)``, ``$order``
  (comma-separated fields, each optionally ``ASC``/``DESC``), ``$limit`` and ``$offset``.
* SODA3 query: ``POST /api/v3/views/<id>/query.json`` with a JSON body ``{"query": "SELECT
  ... [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n]", "page": {"pageNumber": n,
  "pageSize": m}, "includeSynthetic": bool}``; ``SELECT`` is ``*``, ``*, :id`` or
  ``count(*) [AS name]``. Rows carry ``:id`` only when selected or ``includeSynthetic``.
* SODA3 export: ``GET /api/v3/views/<id>/export.csv``, all rows as CSV, headers as API
  field names (``export_style="api"``) or as the portal's display names with
  ``MM/DD/YYYY`` dates (``"display"``).

A dataset too big to hold in memory (the update benchmark's millions of rows) can be a
:class:`FileRows`: an API-form CSV file on disk, read row by row for queries and streamed as
it is by export.csv.

``configure(soda3=False)`` makes the SODA3 paths answer 404 (``soda3_absent_status``), like
an older portal; ``configure(require_token=True)`` makes SODA3 answer ``token_status``
(403) to requests without an ``X-App-Token`` (or with one not in ``valid_tokens``).

The SoQL ``WHERE`` subset (``like`` with ``%``/``_`` wildcards, case-sensitive; ``=``,
``!=``, ``<``, ``<=``, ``>``, ``>=``; ``AND``, ``OR``, ``NOT``, parentheses) is parsed by a
tokenizer and a recursive-descent parser, never ``eval``.

Tests inject faults (on any path, both protocols) and inspect a log of every request::

    with SocrataServer({"8h9b-rp9u": rows}) as server:
        server.inject(Fault.http(429, retry_after="3"), None, Fault.drop())
        server.fail_after(5)                  # the 6th request and later all fail
        fetch("arrests", tmp, base_url=server.base_url, sources=("historic",))
        server.page_offsets("8h9b-rp9u")      # SODA 2.1: [0, 1000, ...]
        server.soda3_after("8h9b-rp9u")       # SODA3: [None, 'row-…', ...]
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

import pytest

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


class SoQLError(ValueError):
    """The query text is not in the supported SoQL subset."""


# --------------------------------------------------------------------------- $where

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<op>>=|<=|!=|<>|=|<|>)
  | (?P<paren>[()])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_:@][A-Za-z0-9_:@]*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "like"}
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?$")


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "number", "op", "paren", "ident", "keyword", "end"
    value: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise SoQLError(f"unexpected character {text[pos]!r} at position {pos}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group()
        if kind == "ws":
            continue
        if kind == "string":
            tokens.append(Token("string", value[1:-1].replace("''", "'")))
        elif kind == "word":
            lowered = value.lower()
            tokens.append(Token("keyword", lowered) if lowered in _KEYWORDS else Token("ident", value))
        else:
            tokens.append(Token(kind, value))
    tokens.append(Token("end", ""))
    return tokens


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


def _comparable(value: str) -> Any:
    """ISO timestamps compare as datetimes (so '...T00:00:00.000' equals '...T00:00:00')."""
    if _TIMESTAMP_RE.match(value):
        return datetime.fromisoformat(value)
    return value


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Parser:
    """expr := and (OR and)* ; and := unary (AND unary)* ; unary := NOT unary | atom ;
    atom := '(' expr ')' | ident LIKE string | ident NOT LIKE string | ident op literal"""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self, kind: str, value: str | None = None) -> Token:
        token = self.peek()
        if token.kind != kind or (value is not None and token.value != value):
            want = value or kind
            raise SoQLError(f"expected {want} but found {token.value or token.kind!r}")
        self.pos += 1
        return token

    def accept(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        if token.kind == kind and (value is None or token.value == value):
            self.pos += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.expr()
        self.take("end")
        return predicate

    def expr(self) -> Predicate:
        terms = [self.conjunction()]
        while self.accept("keyword", "or"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda row: any(t(row) for t in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while self.accept("keyword", "and"):
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda row: all(t(row) for t in terms))

    def unary(self) -> Predicate:
        if self.accept("keyword", "not"):
            inner = self.unary()
            return lambda row: not inner(row)
        return self.atom()

    def atom(self) -> Predicate:
        if self.accept("paren", "("):
            inner = self.expr()
            self.take("paren", ")")
            return inner
        name = self.take("ident").value
        negate = self.accept("keyword", "not")
        if self.accept("keyword", "like"):
            regex = _like_regex(self.take("string").value)

            def like(row: Row) -> bool:
                value = row.get(name)
                return isinstance(value, str) and (regex.fullmatch(value) is not None) != negate

            return like
        if negate:
            raise SoQLError("NOT must be followed by LIKE here")
        op = self.take("op").value
        literal = self.peek()
        if literal.kind not in ("string", "number"):
            raise SoQLError(f"expected a literal after {op}")
        self.pos += 1
        compare = _COMPARATORS[op]
        if literal.kind == "number":
            target: Any = float(literal.value)
            convert: Callable[[str], Any] = float
        else:
            target = _comparable(literal.value)
            convert = _comparable

        def comparison(row: Row) -> bool:
            value = row.get(name)
            if not isinstance(value, str):
                return False  # NULL compares false
            try:
                return compare(convert(value), target)
            except (TypeError, ValueError):
                return False

        return comparison


def compile_where(text: str) -> Predicate:
    return _Parser(text).parse()


# --------------------------------------------------------------------------- JSON


@dataclass(frozen=True)
class RawJSON:
    """A value written into the response verbatim, e.g. ``RawJSON("40.668920")`` gives the
    JSON number ``40.668920`` (which ``json.dumps`` of a float could not spell)."""

    text: str


_RAW_MARK = "\x00raw\x00"


def _dumps(body: Any) -> bytes:
    def default(value: Any) -> Any:
        if isinstance(value, RawJSON):
            return _RAW_MARK + value.text + _RAW_MARK
        raise TypeError(f"not JSON serializable: {type(value).__name__}")

    text = json.dumps(body, default=default)
    mark = json.dumps(_RAW_MARK)[1:-1]
    return re.sub(f'"{re.escape(mark)}(.*?){re.escape(mark)}"', lambda m: m.group(1), text).encode("utf-8")


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """What to do instead of answering normally.

    kind "http": answer ``status`` with a Socrata-style JSON error body (and
    ``Retry-After`` when given). "drop": send the real headers with the full
    Content-Length, half the body, then close. "truncate": like "drop" but without a
    Content-Length, so the client reads a complete but cut-off (invalid) JSON body.
    """

    kind: str
    status: int = 500
    retry_after: str | None = None
    message: str = "injected fault"

    @classmethod
    def http(cls, status: int, retry_after: str | int | None = None, message: str = "injected fault") -> Fault:
        return cls("http", status, None if retry_after is None else str(retry_after), message)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")

    @classmethod
    def truncate(cls) -> Fault:
        return cls("truncate")


@dataclass(frozen=True)
class RecordedRequest:
    number: int  # 1-based, in arrival order
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # keys lowercased
    fault: Fault | None
    method: str = "GET"
    body: Any = None  # the decoded JSON body of a POST


@dataclass
class Hold:
    """A request held open: ``arrived`` is set when it comes in; it is then left unanswered
    (the connection is closed) once ``release`` is set."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


# --------------------------------------------------------------------------- server


@dataclass
class _State:
    datasets: dict[str, list[dict[str, Any]]]
    count_overrides: dict[str, int] = field(default_factory=dict)
    count_field: str = "count"
    queue: deque[Fault | None] = field(default_factory=deque)
    at: dict[int, Fault] = field(default_factory=dict)
    fail_from: int | None = None
    fail_fault: Fault = Fault.http(500)
    log: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holds: dict[int, Hold] = field(default_factory=dict)
    # protocol switches (see configure())
    soda3: bool = True
    soda3_absent_status: int = 404
    require_token: bool = False
    require_token_soda21: bool = False  # SODA 2.1 also refuses requests without a token
    token_status: int = 403
    valid_tokens: frozenset[str] | None = None
    export_style: str = "api"


def row_id(dataset_id: str, index: int) -> str:
    """The system ``:id`` of row ``index``: stable, unique, and not in insertion order."""
    digest = hashlib.sha256(f"{dataset_id}/{index}".encode()).hexdigest()
    return f"row-{digest[:4]}.{digest[4:8]}_{index}"


class FileRows:
    """A dataset served from an API-form CSV file (header = API field names, values as the JSON text,
    the form the downloader writes) instead of from memory, for datasets of millions of rows.

    ``len()`` is the row count (``rows`` when given, else counted once); iterating reads the file row by
    row and yields each row as the API shows it (empty cells absent, ``:id`` by position). export.csv
    streams the file's bytes unchanged (whatever ``export_style``), without a Content-Length: the end of
    the body is the closed connection, as HTTP/1.0 allows. Queries work but scan the file; an
    unfiltered ``ORDER BY`` holds every row in memory, so page big files with a ``WHERE`` or use the
    export.
    """

    def __init__(self, path: str | Path, rows: int | None = None, dataset_id: str | None = None) -> None:
        self.path = Path(path)
        if rows is None:
            with open(self.path, encoding="utf-8", newline="") as fh:
                rows = max(0, sum(1 for _ in csv.reader(fh)) - 1)
        self.rows = rows
        self.dataset_id = dataset_id

    def with_ids(self, dataset_id: str) -> FileRows:
        return FileRows(self.path, self.rows, dataset_id)

    def __len__(self) -> int:
        return self.rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with open(self.path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            for i, values in enumerate(reader):
                row: dict[str, Any] = {k: v for k, v in zip(header, values) if v != ""}
                if self.dataset_id is not None:
                    row[":id"] = row_id(self.dataset_id, i)
                yield row

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        """Slices only (an unfiltered, unordered page): read up to the slice's end."""
        if not isinstance(index, slice):
            raise TypeError("FileRows supports slices only")
        return list(itertools.islice(iter(self), index.start, index.stop, index.step))

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            while chunk := fh.read(size):
                yield chunk


@dataclass(frozen=True)
class _Stream:
    """A body sent as it is produced (export.csv of a :class:`FileRows`)."""

    chunks: Iterator[bytes]


def _with_ids(dataset_id: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows, FileRows):
        return rows.with_ids(dataset_id)  # type: ignore[return-value] - a lazy sequence of rows
    return [{**row, ":id": row_id(dataset_id, i)} for i, row in enumerate(rows)]


class SocrataServer:
    """Threaded HTTP server on 127.0.0.1 with a random free port."""

    def __init__(self, datasets: Mapping[str, Iterable[Mapping[str, Any]]] | None = None) -> None:
        self.state = _State({k: _with_ids(k, v) for k, v in (datasets or {}).items()})
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # lifecycle
    def start(self) -> SocrataServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def __enter__(self) -> SocrataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    # data
    def set_rows(self, dataset_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        with self.state.lock:
            self.state.datasets[dataset_id] = _with_ids(dataset_id, rows)

    def override_count(self, dataset_id: str, count: int | None) -> None:
        """Make ``count(*)`` answer ``count`` whatever the rows say (None: undo)."""
        with self.state.lock:
            if count is None:
                self.state.count_overrides.pop(dataset_id, None)
            else:
                self.state.count_overrides[dataset_id] = count

    def set_count_field(self, name: str) -> None:
        self.state.count_field = name

    def row_ids(self, dataset_id: str) -> list[str]:
        with self.state.lock:
            return [r[":id"] for r in self.state.datasets[dataset_id]]

    # protocols
    _SWITCHES = ("soda3", "soda3_absent_status", "require_token", "require_token_soda21", "token_status", "valid_tokens",
                 "export_style")

    def configure(self, **switches: Any) -> None:
        """Set protocol switches: soda3 (bool), soda3_absent_status (404/405/501),
        require_token (bool), token_status (401/403), valid_tokens (set or None: any token),
        export_style ("api" or "display")."""
        with self.state.lock:
            for name, value in switches.items():
                if name not in self._SWITCHES:
                    raise TypeError(f"unknown switch {name!r}")
                if name == "valid_tokens" and value is not None:
                    value = frozenset(value)
                setattr(self.state, name, value)

    # faults
    def inject(self, *faults: Fault | None) -> None:
        """Queue faults for the next requests, one each in order (None = answer normally)."""
        with self.state.lock:
            self.state.queue.extend(faults)

    def inject_at(self, number: int, fault: Fault) -> None:
        """Fault for the request with this 1-based number (counted since start)."""
        with self.state.lock:
            self.state.at[number] = fault

    def fail_after(self, n: int, fault: Fault | None = None) -> None:
        """Answer the next ``n`` requests, then fail every later one (a crash mid-download)."""
        with self.state.lock:
            self.state.fail_from = len(self.state.log) + n + 1
            self.state.fail_fault = fault or Fault.http(500, message="server crashed")

    def hold_at(self, number: int) -> Hold:
        """Hold the request with this 1-based number open (see :class:`Hold`)."""
        hold = Hold()
        with self.state.lock:
            self.state.holds[number] = hold
        return hold

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.queue.clear()
            self.state.at.clear()
            self.state.fail_from = None

    # request log
    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.log)

    def page_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        """Data (non-count) requests for ``dataset_id``, from request index ``since`` on."""
        path = f"/resource/{dataset_id}.json"
        return [r for r in self.requests[since:] if r.path == path and "$select" not in r.params]

    def page_offsets(self, dataset_id: str, since: int = 0) -> list[int]:
        return [int(r.params.get("$offset", "0")) for r in self.page_requests(dataset_id, since)]

    def count_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        path = f"/resource/{dataset_id}.json"
        return [r for r in self.requests[since:] if r.path == path and "$select" in r.params]

    def soda3_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        """Every SODA3 request (query.json and export.csv) for ``dataset_id``."""
        prefix = f"/api/v3/views/{dataset_id}/"
        return [r for r in self.requests[since:] if r.path.startswith(prefix)]

    def soda3_page_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        return [r for r in self.soda3_requests(dataset_id, since)
                if r.path.endswith("/query.json") and not _is_count(r)]

    def soda3_count_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        return [r for r in self.soda3_requests(dataset_id, since)
                if r.path.endswith("/query.json") and _is_count(r)]

    def soda3_after(self, dataset_id: str, since: int = 0) -> list[str | None]:
        """The keyset position (``:id > '...'``) of each SODA3 page request; None: first page."""
        positions: list[str | None] = []
        for r in self.soda3_page_requests(dataset_id, since):
            match = re.search(r":id > '((?:[^']|'')*)'", str((r.body or {}).get("query", "")))
            positions.append(match.group(1).replace("''", "'") if match else None)
        return positions

    def export_requests(self, dataset_id: str, since: int = 0) -> list[RecordedRequest]:
        return [r for r in self.soda3_requests(dataset_id, since) if r.path.endswith("/export.csv")]


def _is_count(request: RecordedRequest) -> bool:
    query = str((request.body or {}).get("query", "")) if isinstance(request.body, dict) else ""
    return re.match(r"\s*select\s+count\(", query, re.I) is not None


class _Handler(BaseHTTPRequestHandler):
    state: _State  # set on the per-server subclass
    protocol_version = "HTTP/1.0"  # one request per connection: no keep-alive to manage

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle("GET", None)

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._handle("POST", body)

    def _handle(self, method: str, body: Any) -> None:
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.state.lock:
            number = len(self.state.log) + 1
            fault = self._pick_fault(number)
            hold = self.state.holds.pop(number, None)
            self.state.log.append(RecordedRequest(number, split.path, params, headers, fault, method, body))
        if hold is not None:
            hold.arrived.set()
            hold.release.wait(timeout=60)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "http":
            self._send_json(fault.status, _error_body("injected", fault.message), fault.retry_after)
            return
        status, payload, content_type = self._route(method, split.path, params, headers, body)
        if isinstance(payload, _Stream):
            self._send_stream(payload, content_type, fault)
            return
        data = payload if isinstance(payload, bytes) else _dumps(payload)
        if fault is None:
            self._send(status, data, content_type)
        else:
            self._send_partial(data, content_type, with_length=fault.kind == "drop")

    def _route(self, method: str, path: str, params: dict[str, str], headers: dict[str, str],
               body: Any) -> tuple[int, Any, str]:
        json_type = "application/json;charset=utf-8"
        v3 = re.fullmatch(r"/api/v3/views/([a-z0-9]{4}-[a-z0-9]{4})/(query\.json|export\.csv)", path)
        if v3:
            state = self.state
            if not state.soda3:
                return state.soda3_absent_status, _error_body("not_found", f"No such path: {path}"), json_type
            token = headers.get("x-app-token")
            if state.require_token and (not token or (state.valid_tokens is not None
                                                      and token not in state.valid_tokens)):
                return state.token_status, _error_body(
                    "authentication_required",
                    "Requests must be authenticated by a user or carry a valid app token"), json_type
            want = "POST" if v3.group(2) == "query.json" else "GET"
            if method != want:
                return 405, _error_body("method_not_allowed", f"{method} not allowed here"), json_type
            if v3.group(2) == "export.csv":
                status, answer = self._with_rows(v3.group(1), lambda rows, _o, _f: _export_csv(
                    rows, state.export_style))
                return status, answer, "text/csv;charset=utf-8" if status == 200 else json_type
            return (*self._with_rows(v3.group(1), lambda rows, over, name: _run_soql(
                rows, body, over, name)), json_type)
        match = re.fullmatch(r"/resource/([a-z0-9]{4}-[a-z0-9]{4})\.json", path)
        if not match or method != "GET":
            return 404, _error_body("not_found", f"No such path: {path}"), json_type
        if self.state.require_token_soda21 and not headers.get("x-app-token"):
            return self.state.token_status, _error_body(
                "authentication_required", "Requests must carry a valid app token"), json_type
        return (*self._with_rows(match.group(1), lambda rows, over, name: _run_query(
            rows, params, over, name)), json_type)

    def _with_rows(self, dataset_id: str, answer: Callable[[list[dict[str, Any]], int | None, str], Any]
                   ) -> tuple[int, Any]:
        with self.state.lock:
            rows = self.state.datasets.get(dataset_id)
            override = self.state.count_overrides.get(dataset_id)
            count_field = self.state.count_field
        if rows is None:
            return 404, _error_body("dataset.missing", f"Cannot find view with id {dataset_id}")
        try:
            return 200, answer(rows, override, count_field)
        except SoQLError as exc:
            return 400, _error_body("query.compiler.malformed", f"Could not parse SoQL query: {exc}")

    def _pick_fault(self, number: int) -> Fault | None:
        state = self.state
        if state.fail_from is not None and number >= state.fail_from:
            return state.fail_fault
        if number in state.at:
            return state.at.pop(number)
        if state.queue:
            return state.queue.popleft()
        return None

    def _send_json(self, status: int, body: Any, retry_after: str | None = None) -> None:
        self._send(status, _dumps(body), "application/json;charset=utf-8", retry_after)

    def _send(self, status: int, data: bytes, content_type: str, retry_after: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, stream: _Stream, content_type: str, fault: Fault | None) -> None:
        """200, then the chunks as they come, then close (no Content-Length). A "drop" or "truncate"
        fault sends half of the first chunk only."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        try:
            for chunk in stream.chunks:
                if fault is not None:
                    self.wfile.write(chunk[: max(1, len(chunk) // 2)])
                    break
                self.wfile.write(chunk)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (killed, or gave up)
        self.close_connection = True

    def _send_partial(self, data: bytes, content_type: str, *, with_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if with_length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: max(1, len(data) // 2)])
        self.wfile.flush()
        self.close_connection = True


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "error": True, "message": message}


_ALLOWED_PARAMS = {"$select", "$where", "$order", "$limit", "$offset"}


def _run_query(
    rows: list[dict[str, Any]], params: dict[str, str], count_override: int | None, count_field: str
) -> Any:
    unknown = set(params) - _ALLOWED_PARAMS
    if unknown:
        raise SoQLError(f"unsupported parameter(s) {sorted(unknown)}")
    selected = rows
    if params.get("$where"):
        predicate = compile_where(params["$where"])
        selected = [r for r in rows if predicate(r)]
    select = params.get("$select")
    if select is not None:
        if select.replace(" ", "").lower() != "count(*)":
            raise SoQLError(f"only $select=count(*) is supported, not {select!r}")
        count = len(selected) if count_override is None else count_override
        return [{count_field: str(count)}]
    if params.get("$order"):
        selected = _ordered(selected, params["$order"])
    offset = _non_negative(params, "$offset", 0)
    limit = _non_negative(params, "$limit", 1000)
    return [_public(r) for r in selected[offset : offset + limit]]


def _public(row: dict[str, Any], with_id: bool = False) -> dict[str, Any]:
    """The row as the API shows it: the system ``:id`` only when asked for."""
    return row if with_id else {k: v for k, v in row.items() if k != ":id"}


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sort by comma-separated fields, each optionally ASC/DESC (``:id`` is the system row id)."""
    keyed = list(enumerate(rows))
    for term in reversed([t.strip() for t in order.split(",")]):
        parts = term.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise SoQLError(f"unsupported $order {order!r}")
        name = parts[0]
        descending = len(parts) == 2 and parts[1].upper() == "DESC"
        if name == ":id":
            keyed.sort(key=lambda ir: ir[1][":id"], reverse=descending)
        else:  # NULLs first, like Socrata's ascending order
            keyed.sort(key=lambda ir: (ir[1].get(name) is not None, str(ir[1].get(name) or "")),
                       reverse=descending)
    return [r for _, r in keyed]


def _non_negative(params: dict[str, str], name: str, default: int | None) -> int | None:
    """A non-negative integer parameter or clause (``$limit``, ``LIMIT``), ``default`` when absent."""
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise SoQLError(f"{name} must be a non-negative integer, not {raw!r}")
    return int(raw)


# --------------------------------------------------------------------------- SODA3

_CLAUSES = ("SELECT", "WHERE", "ORDER BY", "LIMIT", "OFFSET")
_CLAUSE_RE = re.compile(r"\b(SELECT|WHERE|ORDER\s+BY|LIMIT|OFFSET)\b", re.IGNORECASE)
_STRING_RE = re.compile(r"'(?:[^']|'')*'")
_BODY_KEYS = {"query", "page", "includeSynthetic", "parameters", "timeout"}


def parse_soql(text: str) -> dict[str, str]:
    """Split ``SELECT ... [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n]`` into its clauses
    (keywords inside string literals do not count; clauses must come in this order)."""
    text = text.strip()
    masked = _STRING_RE.sub(lambda m: "'" + "x" * (len(m.group()) - 2) + "'", text)
    found = [(m.start(), m.end(), " ".join(m.group(1).upper().split())) for m in _CLAUSE_RE.finditer(masked)]
    if not found or found[0][0] != 0 or found[0][2] != "SELECT":
        raise SoQLError("the query must start with SELECT")
    names = [name for _, _, name in found]
    if len(set(names)) != len(names) or names != sorted(names, key=_CLAUSES.index):
        raise SoQLError(f"clauses out of order or repeated: {names}")
    clauses = {}
    for i, (_, end, name) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        clauses[name] = text[end:stop].strip()
        if not clauses[name]:
            raise SoQLError(f"empty {name}")
    return clauses


def _run_soql(rows: list[dict[str, Any]], body: Any, count_override: int | None, count_field: str) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise SoQLError('the body must be a JSON object with a "query" string')
    unknown = set(body) - _BODY_KEYS
    if unknown:
        raise SoQLError(f"unsupported body key(s) {sorted(unknown)}")
    clauses = parse_soql(body["query"])
    selected = rows
    if "WHERE" in clauses:
        predicate = compile_where(clauses["WHERE"])
        selected = [r for r in rows if predicate(r)]
    select = " ".join(clauses["SELECT"].split())
    count = re.fullmatch(r"count\(\s*\*\s*\)(?:\s+AS\s+([A-Za-z_][A-Za-z0-9_]*))?", select, re.IGNORECASE)
    if count:
        total = len(selected) if count_override is None else count_override
        return [{count.group(1) or count_field: str(total)}]
    if select.replace(" ", "") not in ("*", "*,:id"):
        raise SoQLError(f"only SELECT *, SELECT *, :id and count(*) are supported, not {select!r}")
    with_id = select.replace(" ", "") == "*,:id" or body.get("includeSynthetic") is True
    page = body.get("page")
    if "ORDER BY" in clauses:
        selected = _ordered(selected, clauses["ORDER BY"])
    elif page is not None:
        selected = _ordered(selected, ":id")  # paging imposes an order
    offset, limit = _non_negative(clauses, "OFFSET", None), _non_negative(clauses, "LIMIT", None)
    if page is not None:
        if not isinstance(page, dict) or set(page) != {"pageNumber", "pageSize"} or not all(
                isinstance(v, int) and v >= 1 for v in page.values()) or "LIMIT" in clauses:
            raise SoQLError(f"bad page {page!r} (pageNumber and pageSize >= 1, no LIMIT)")
        offset, limit = (offset or 0) + (page["pageNumber"] - 1) * page["pageSize"], page["pageSize"]
    start = offset or 0
    stop = None if limit is None else start + limit
    return [_public(r, with_id) for r in selected[start:stop]]


_DISPLAY_NAMES = {"latitude": "Latitude", "longitude": "Longitude", "geocoded_column": "Lon_Lat",
                  "new_georeferenced_column": "New Georeferenced Column"}
_JSON_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T00:00:00(?:\.000)?")


def _export_csv(rows: list[dict[str, Any]], style: str) -> bytes | _Stream:
    """All rows as CSV: every field any row has, in first-seen order (no ``:id``).

    style "api": API field names, values as the JSON gives them (numbers as their text,
    points as WKT). "display": the portal's display names and ``MM/DD/YYYY`` dates, CRLF.
    A :class:`FileRows` dataset streams its file as it is."""
    if style not in ("api", "display"):
        raise ValueError(f"unknown export style {style!r}")
    if isinstance(rows, FileRows):
        return _Stream(rows.chunks())
    columns = list(dict.fromkeys(k for r in rows for k in r if k != ":id"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n" if style == "api" else "\r\n")
    if style == "api":
        writer.writerow(columns)
    else:
        writer.writerow(_DISPLAY_NAMES.get(c, c.upper()) for c in columns)
    for row in rows:
        writer.writerow(_csv_value(row.get(c), style) for c in columns)
    return out.getvalue().encode("utf-8")


def _csv_value(value: Any, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, RawJSON):
        return value.text
    if isinstance(value, dict) and value.get("type") == "Point":
        lon, lat = (_csv_value(c, style) if isinstance(c, RawJSON) else json.dumps(c)
                    for c in value["coordinates"][:2])
        return f"POINT ({lon} {lat})"
    if isinstance(value, str):
        date = _JSON_DATE_RE.fullmatch(value)
        if style == "display" and date:
            return f"{date.group(2)}/{date.group(3)}/{date.group(1)}"
        return value
    return _dumps(value).decode("utf-8")


# --------------------------------------------------------------------------- pytest fixtures (both fetch suites)

@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replace the retry sleep with a recorder: tests never wait."""
    from nyc_cannabis.sources import socrata

    recorded: list[float] = []
    monkeypatch.setattr(socrata, "_sleep", recorded.append)
    return recorded


@pytest.fixture(autouse=True)
def no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """fetch() reads SODA_APP_TOKEN when no token is passed: keep the developer's out."""
    monkeypatch.delenv("SODA_APP_TOKEN", raising=False)


@pytest.fixture
def server() -> Iterator[SocrataServer]:
    with SocrataServer() as srv:
        yield srv
