"""``python -m nyc_cannabis.ui.serve [streamlit run options]``: ``streamlit run`` of the package's ``ui/app.py``, with the app's one-time start-up done
before the server listens (``process.preload``: importing pandas, plotly, DuckDB and the engine, about
0.65 s), so the first visitor does not wait for it. ``make run`` uses this; plain
``streamlit run app.py`` still works and pays the same start-up on its first session instead.

The app is served as an ``st.App`` (Streamlit's ASGI application, which ``streamlit run`` finds in this file
as :data:`app`) so that one small middleware can go in front of it, :class:`PageBase`; what readers see is
the same app. Flags that ``streamlit run`` would not set by itself are in :data:`FLAGS`.

``--workers N`` (or ``$ANALYTICS_WORKERS``) runs N such servers on internal ports behind the small sticky
reverse proxy of :mod:`nyc_cannabis.ui.proxy`, on the address and port asked for: one process gives the
readers one core (docs/scaling.md), N processes give them N.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from nyc_cannabis.core.resources import resource_path
from nyc_cannabis.ui import process

APP = resource_path("ui", "app.py")

#: readers get the app, not the developer toolbar (no "Deploy" button); a civic tool sends nothing home; body
#: text a shade darker than Streamlit's #2f2d2b, so that captions (body text at 60 % opacity: 3.9:1 on white
#: by default) reach WCAG AA's 4.5:1 (tests/ui/test_a11y.py); the dark theme is left as it is; no watching of
#: the app's source files: a server for readers does not offer to rerun on a code change, and the watcher
#: costs every session (one watcher per session, and after every run a walk of ``sys.modules`` resolving each
#: module's path, on the server's one event loop: at 10 concurrent sessions about half of the event loop's
#: busy time, and 3.5 s instead of 0.8 s for a new session's first page; docs/scaling.md). A developer who
#: wants it back passes ``--server.fileWatcherType auto`` (later flags win) or runs ``streamlit run app.py``;
#: and no full garbage collection after every script run (``runner.postScriptGC``, Streamlit's default): each
#: pass walks every object of every session still alive, so its cost grows with the readers and it runs once
#: per interaction, on the one core the process has: at 50 readers 440 passes of 115 ms each, 58 % of the
#: server's CPU (docs/scaling.md). Python's own generational collection still frees what is garbage, and
#: ``process.settle`` keeps the long-lived heap out of its way
FLAGS = ["--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false",
         "--theme.light.textColor", "#161514", "--server.fileWatcherType", "none", "--runner.postScriptGC", "false"]

#: set before Streamlit's own script runs: the server is at the page's URL minus the page
_BASE_SCRIPT = (b'<script>window.__streamlit = window.__streamlit || {BACKEND_BASE_URL: location.origin'
                b' + location.pathname.replace(/\\/+$/, "").replace(/\\/[^/]*$/, "") + "/"};</script>')


class PageBase:
    """Tell the browser where the server is when it opens a page's own URL (``/projection?…``).

    Without this, Streamlit's frontend cannot tell an app page from a base URL path: it first asks
    ``/projection/_stcore/health`` and ``/projection/_stcore/host-config`` (two 404s in the console of every
    page opened from a link, and a retry after them) before it tries ``/_stcore/health``
    (streamlit/streamlit#7074). The page's HTML here carries ``window.__streamlit.BACKEND_BASE_URL``, the
    setting an embedding host uses for the same purpose: the page's URL without its last segment, so the
    app also works behind a proxy that serves it under a prefix. The app's root and every other response
    pass through untouched.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not self._is_page(scope):
            await self.app(scope, receive, send)
            return
        # the page's HTML uncompressed and in one piece, so the script can go into its <head>
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"],
                 "extensions": {k: v for k, v in (scope.get("extensions") or {}).items()
                                if k != "http.response.pathsend"}}
        start: dict | None = None
        body: list[bytes] = []

        async def inject(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if (message["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html")
                        and b"content-encoding" not in headers):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                html = b"".join(body).replace(b"<head>", b"<head>" + _BASE_SCRIPT, 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
                await send({"type": "http.response.body", "body": html})
                return
            await send(message)

        await self.app(scope, receive, inject)

    @staticmethod
    def _is_page(scope: dict) -> bool:
        """A GET of ``/<page>`` (under the base URL path, if any): the HTML Streamlit serves for every page."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        base = (config.get_option("server.baseUrlPath") or "").strip("/")
        path = scope["path"].strip("/")
        if base:
            if not path.startswith(base + "/"):
                return False
            path = path[len(base) + 1:]
        return bool(path) and "/" not in path and "." not in path  # not /_stcore/…, /static/…, /favicon.png


#: what ``streamlit run`` serves when it is given this file (``main`` below does that)
app = st.App(APP, middleware=[Middleware(PageBase)])


def main() -> None:
    workers, args = _workers(sys.argv[1:])
    if workers > 1:
        _serve_workers(workers, args)
        return
    process.preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", __file__, *FLAGS, *args]
    cli.main()


def _option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """The value of ``--name V`` or ``--name=V`` in ``args`` (the last one), and ``args`` without it."""
    value, rest, it = None, [], iter(args)
    for a in it:
        if a == name:
            value = next(it, None)
        elif a.startswith(name + "="):
            value = a.split("=", 1)[1]
        else:
            rest.append(a)
    return value, rest


def _workers(args: list[str]) -> tuple[int, list[str]]:
    """``--workers N`` (or ``$ANALYTICS_WORKERS``; default 1) and the other arguments."""
    value, rest = _option(args, "--workers")
    n = int(value or os.environ.get("ANALYTICS_WORKERS") or 1)
    if n < 1:
        raise SystemExit("--workers must be at least 1")
    return n, rest


def _serve_workers(n: int, args: list[str]) -> None:
    """``n`` servers on free local ports, each ``python -m nyc_cannabis.ui.serve`` with ``args``, behind
    :mod:`nyc_cannabis.ui.proxy` on the address and port asked for (``--server.address``, ``--server.port``;
    default all interfaces, 8501). Runs until interrupted or terminated; then stops the servers."""
    import asyncio
    import signal
    import socket
    import subprocess
    import time

    from nyc_cannabis.ui import proxy

    port, args = _option(args, "--server.port")
    address, args = _option(args, "--server.address")
    internal = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            internal.append(s.getsockname()[1])
    env = {**os.environ, "ANALYTICS_WORKERS": "1"}
    children = [subprocess.Popen([sys.executable, "-m", "nyc_cannabis.ui.serve", *args, "--server.port", str(p),
                                  "--server.address", "127.0.0.1"], env=env) for p in internal]
    try:
        for child, p in zip(children, internal):  # listening = started (uvicorn binds after its start-up)
            deadline = time.monotonic() + 120
            while True:
                if child.poll() is not None:
                    raise SystemExit(f"a dashboard worker exited with {child.returncode}")
                try:
                    socket.create_connection(("127.0.0.1", p), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("a dashboard worker did not start within 120 s") from None
                    time.sleep(0.2)

        async def run() -> None:
            task = asyncio.ensure_future(proxy.serve(address or None, int(port or 8501),
                                                     [("127.0.0.1", p) for p in internal]))
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            print(f"  {n} dashboard workers behind http://{address or 'localhost'}:{port or 8501}", flush=True)
            with contextlib.suppress(asyncio.CancelledError):
                await task
        asyncio.run(run())
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
