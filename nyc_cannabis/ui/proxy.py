"""Several dashboard processes behind one port: a small sticky reverse proxy (``serve --workers N``).

One Streamlit process runs every session's script in its own thread, but Python runs one thread at a time (the
GIL): however many cores the machine has, one server process gives the readers about one core. ``serve
--workers N`` starts N ordinary servers on internal ports and this proxy on the public one, so N cores serve.

Each reader stays on one process, which holds its session (widget state, its download files): the proxy
reads the first request's headers of each connection, sends it to the process named in the ``nyc_worker``
cookie, or, without one, to the process with the fewest open websockets (a new reader), and adds a
``Set-Cookie`` to the response so the browser's later requests (the websocket, a file download) go to the same
process. After the headers it only relays bytes, both ways (HTTP keep-alive and the websocket alike). A
reader whose process changes (a worker restarted) loses nothing that matters: every page keeps its settings
in the URL (``ui/state.py``).

The processes share nothing but the database file, which they open read-only: each has its own query caches
and DuckDB buffers, so N processes need up to N times one's memory (docs/scaling.md has the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re

COOKIE = "nyc_worker"
_COOKIE_RE = re.compile(rb"(?:^|;)\s*" + COOKIE.encode() + rb"=(\d+)")
_HEAD_LIMIT = 64 * 1024


class Proxy:
    """Relay ``host:port`` to ``backends`` (``(host, port)`` each), sticky per browser by cookie."""

    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self.sockets = [0] * len(backends)   # open websockets per backend (the readers it holds)
        self._next = itertools.count()

    def choose(self, head: bytes) -> tuple[int, bool]:
        """The backend for a connection whose first request has ``head``; True if the browser named it."""
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"cookie":
                m = _COOKIE_RE.search(value)
                if m and int(m.group(1)) < len(self.backends):
                    return int(m.group(1)), True
        least = min(self.sockets)
        tied = [i for i, n in enumerate(self.sockets) if n == least]
        return tied[next(self._next) % len(tied)], False

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend_w = None
        websocket = False
        i = 0
        try:
            try:
                head = await client_r.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            i, named = self.choose(head)
            websocket = b"\r\nupgrade: websocket" in head.lower()
            if websocket:
                self.sockets[i] += 1
            backend_r, backend_w = await asyncio.open_connection(*self.backends[i], limit=_HEAD_LIMIT)
            backend_w.write(head)
            pipes = [asyncio.ensure_future(self._pipe(client_r, backend_w)),
                     asyncio.ensure_future(self._pipe(backend_r, client_w, None if named else i))]
            _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)  # one side closed
            for task in pending:
                task.cancel()
        except (ConnectionError, OSError):
            pass
        finally:
            if websocket:
                self.sockets[i] -= 1
            for w in (client_w, backend_w):
                if w is not None:
                    w.close()
                    with contextlib.suppress(Exception):
                        await w.wait_closed()

    @staticmethod
    async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, cookie: int | None = None) -> None:
        """Copy ``r`` to ``w`` until EOF; with ``cookie``, add the Set-Cookie to the first response's head."""
        try:
            if cookie is not None:
                try:
                    head = await r.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    head = exc.partial
                if head.startswith(b"HTTP/"):
                    status, _, rest = head.partition(b"\r\n")
                    head = (status + b"\r\nSet-Cookie: " + f"{COOKIE}={cookie}; Path=/; SameSite=Lax".encode()
                            + b"\r\n" + rest)
                w.write(head)
            while data := await r.read(1 << 16):
                w.write(data)
                await w.drain()
        except (ConnectionError, OSError, asyncio.LimitOverrunError):
            pass


async def serve(host: str, port: int, backends: list[tuple[str, int]],
                started: asyncio.Event | None = None) -> None:
    """Listen on ``host:port`` until cancelled."""
    proxy = Proxy(backends)
    server = await asyncio.start_server(proxy.handle, host, port, limit=_HEAD_LIMIT, backlog=1024)
    async with server:
        if started is not None:
            started.set()
        await server.serve_forever()
