"""A small local server that speaks the Socrata SODA 2.x ``/resource/<id>.json`` API.

It serves in-memory rows per dataset id and implements the SoQL subset the downloader
uses: ``$where`` (``like`` with ``%``/``_`` wildcards, case-sensitive; ``=``, ``!=``,
``<``, ``<=``, ``>``, ``>=``; ``AND``, ``OR``, ``NOT``, parentheses), ``$select=count(*)``,
``$order`` by one field (optionally ``ASC``/``DESC``), ``$limit`` and ``$offset``.
``$where`` is parsed by a tokenizer and a recursive-descent parser, never ``eval``.

Tests inject faults and inspect a log of every request::

    with SocrataServer({"8h9b-rp9u": rows}) as server:
        server.inject(Fault.http(429, retry_after="3"), None, Fault.drop())
        server.fail_after(5)                  # the 6th request and later all fail
        fetch("arrests", tmp, base_url=server.base_url, sources=("historic",))
        server.page_offsets("8h9b-rp9u")      # [0, 1000, ...]
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

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


class SocrataServer:
    """Threaded HTTP server on 127.0.0.1 with a random free port."""

    def __init__(self, datasets: Mapping[str, Iterable[Mapping[str, Any]]] | None = None) -> None:
        self.state = _State({k: [dict(r) for r in v] for k, v in (datasets or {}).items()})
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
            self.state.datasets[dataset_id] = [dict(r) for r in rows]

    def override_count(self, dataset_id: str, count: int | None) -> None:
        """Make ``count(*)`` answer ``count`` whatever the rows say (None: undo)."""
        with self.state.lock:
            if count is None:
                self.state.count_overrides.pop(dataset_id, None)
            else:
                self.state.count_overrides[dataset_id] = count

    def set_count_field(self, name: str) -> None:
        self.state.count_field = name

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


class _Handler(BaseHTTPRequestHandler):
    state: _State  # set on the per-server subclass
    protocol_version = "HTTP/1.0"  # one request per connection: no keep-alive to manage

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        with self.state.lock:
            number = len(self.state.log) + 1
            fault = self._pick_fault(number)
            self.state.log.append(
                RecordedRequest(number, split.path, params,
                                {k.lower(): v for k, v in self.headers.items()}, fault)
            )
        if fault is not None and fault.kind == "http":
            self._send_json(fault.status, _error_body("injected", fault.message), fault.retry_after)
            return
        status, body = self._answer(split.path, params)
        if fault is None:
            self._send_json(status, body)
        else:
            self._send_partial(body, with_length=fault.kind == "drop")

    def _pick_fault(self, number: int) -> Fault | None:
        state = self.state
        if state.fail_from is not None and number >= state.fail_from:
            return state.fail_fault
        if number in state.at:
            return state.at.pop(number)
        if state.queue:
            return state.queue.popleft()
        return None

    def _answer(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        match = re.fullmatch(r"/resource/([a-z0-9]{4}-[a-z0-9]{4})\.json", path)
        if not match:
            return 404, _error_body("not_found", f"No such path: {path}")
        dataset_id = match.group(1)
        with self.state.lock:
            rows = self.state.datasets.get(dataset_id)
            override = self.state.count_overrides.get(dataset_id)
            count_field = self.state.count_field
        if rows is None:
            return 404, _error_body("dataset.missing", f"Cannot find view with id {dataset_id}")
        try:
            return 200, _run_query(rows, params, override, count_field)
        except SoQLError as exc:
            return 400, _error_body("query.compiler.malformed", f"Could not parse SoQL query: {exc}")

    def _send_json(self, status: int, body: Any, retry_after: str | None = None) -> None:
        data = _dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def _send_partial(self, body: Any, *, with_length: bool) -> None:
        data = _dumps(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
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
    return selected[offset : offset + limit]


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sort by comma-separated fields, each optionally ASC/DESC; ``:id`` is the row's position (the
    system row id Socrata offers as a tie-breaker)."""
    keyed = list(enumerate(rows))
    for term in reversed([t.strip() for t in order.split(",")]):
        parts = term.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise SoQLError(f"unsupported $order {order!r}")
        name = parts[0]
        descending = len(parts) == 2 and parts[1].upper() == "DESC"
        if name == ":id":
            keyed.sort(key=lambda ir: ir[0], reverse=descending)
        else:  # NULLs first, like Socrata's ascending order
            keyed.sort(key=lambda ir: (ir[1].get(name) is not None, str(ir[1].get(name) or "")),
                       reverse=descending)
    return [r for _, r in keyed]


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise SoQLError(f"{name} must be a non-negative integer, not {raw!r}")
    return int(raw)
