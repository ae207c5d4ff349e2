"""Many readers at once: the real server, N concurrent sessions over Streamlit's own websocket protocol.

    python -m bench.load_bench [--db PATH] [--records 10000000] [--sessions 1,10,50] [--think 2,5] [--seed 7]

Starts ``python -m nyc_cannabis.ui.serve`` (what ``make run`` runs) in a subprocess on a demo database of
``--records`` records (built once as app_bench builds it and kept in ``data/load-bench/`` for later runs, unless
``--db`` is given), then, for each level of ``--sessions``, on a fresh server:

* one warm-up reader goes through every page and every scripted change, alone and unmeasured in the
  percentiles (its times are kept in the JSON as ``warmup``): the shared query caches are then warm, as on a
  server that has had readers before, so every level measures the same thing (each session's own work and
  the contention between sessions), not how many cold queries it happened to hit first;
* N readers connect (start times staggered uniformly over ``--ramp`` seconds), each like a browser tab, with
  no browser: a websocket to ``/_stcore/stream`` (subprotocol ``streamlit``, as the frontend asks), a
  ``BackMsg.rerun_script`` (``ClientState``: query string, page, widget states) per interaction, and the
  ``ForwardMsg`` s read until that run's ``script_finished``;
* each reader opens its first page by its URL (a new session: ``open``), then every other page through the
  navigation (``page``), in its own seeded order; on each page it makes that page's scripted widget changes
  (``bench.app_bench.CHANGES``: the same ones the single-session benchmark times; ``change``). Between two
  interactions it reads the page for a think time drawn uniformly from ``--think`` (seconds, seeded per
  reader).

A widget change is what the frontend sends when a reader picks an option: the widget's id and options are
read from the page's own ``ForwardMsg`` deltas (the element's proto), the new value goes into
``widget_states`` as the option's label (``string_value``: Streamlit 1.67 sends a selectbox's formatted
option), along with the page's other changed widgets, and the query string the server last set
(``page_info_changed``), as the browser's URL would be.

Latency = from sending the ``BackMsg`` to receiving that run's ``script_finished`` ForwardMsg. Errors are
counted, never hidden: an ``exception`` element, an ``st.error`` alert, a finish status other than success, a
disconnect, a timeout (``--timeout``), a scripted widget missing from the page, or a change the server did not
apply (the page's URL, which every page writes from its widgets, must then hold the new value, or leave it out
when the value is the default). A run that ends ``FINISHED_EARLY_FOR_RERUN`` because the script asked for a
rerun is followed to its final ``script_finished`` and counted in ``reruns``.

Server memory: the sum of ``VmRSS`` over the server's process tree, sampled every 0.25 s, peak per level.
Server CPU: user + system seconds of the tree over the level. ``machine.python_loop_10m_s`` and the load
average (``os.getloadavg``) before and after each level: the machine is shared, so read figures against them.

Writes bench/results/load.json and prints a Markdown table. Exits 1 if any interaction had an error (after
writing the results); asserts the database's record count when it built the database. Timings are reported,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl

from bench.app_bench import CHANGES, build_demo_db, count_records, machine_speed, pct

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "load.json"
CACHE = ROOT / "data" / "load-bench"  # data/* is not committed
KINDS = ("open", "page", "change")
TARGETS = {"p95_s": 1.0, "p95_vs_one_session": 2.0, "rss_mb": 1536, "errors": 0}


# ------------------------------------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_mb(pids: list[int]) -> float:
    """Sum of VmRSS (MB) over ``pids`` (processes gone in between count 0)."""
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (their own, not their waited-for children's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


class Server:
    """``python -m nyc_cannabis.ui.serve`` on ``db`` at a free local port, until :meth:`stop`; ``argv`` is the
    whole command when given (e.g. another entry point taking the same Streamlit options)."""

    def __init__(self, db: Path, argv: list[str] | None = None, env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = argv or [sys.executable, "-m", "nyc_cannabis.ui.serve"]
        cmd = [*cmd, "--server.headless", "true", "--server.port", str(self.port),
               "--server.address", "127.0.0.1"]
        environ = {**os.environ, "ANALYTICS_DB": str(db), "PYTHONPATH": str(ROOT), **(env or {})}
        self.log = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.started = time.perf_counter()
        self._wait_healthy()
        self.ready_s = time.perf_counter() - self.started
        self.peak_rss_mb = 0.0
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    def _wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode} before it was ready")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the server did not answer /_stcore/health")

    def pids(self) -> list[int]:
        return tree(self.proc.pid)

    def rss_mb(self) -> float:
        return rss_mb(self.pids())

    def cpu_s(self) -> float:
        return cpu_s(self.pids())

    def sample(self) -> None:
        """Start sampling the tree's RSS (peak kept in :attr:`peak_rss_mb`) until :meth:`stop_sampling`."""
        self.peak_rss_mb = self.rss_mb()
        self._sampling.clear()

        def run() -> None:
            while not self._sampling.wait(0.25):
                self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
        self._sampler = threading.Thread(target=run, daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> float:
        self._sampling.set()
        if self._sampler:
            self._sampler.join()
        self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
        return self.peak_rss_mb

    def stop(self) -> None:
        self._sampling.set()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own process group (start_new_session): the server
            try:                                      # and any worker it started, nothing else
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------------------- a reader

@dataclasses.dataclass
class Interaction:
    kind: str            # open | page | change
    page: str
    what: str            # the page, or "key=value"
    seconds: float | None
    ok: bool
    error: str = ""
    reruns: int = 0
    elements: int = 0    # new elements in the run's deltas
    bytes: int = 0       # ForwardMsg bytes received for the run


class ProtocolError(Exception):
    pass


def _labels(key: str, value: str) -> list[str]:
    """The labels a selectbox of ``key`` may show for ``value`` (Streamlit sends the formatted option, and a
    few of the app's selectboxes format theirs): the value itself, a law's name, the pages' wordings. The
    first one among the widget's options is picked; a wrong pick would show as an unapplied change."""
    out = [value]
    if key == "regime":
        from nyc_cannabis.law import regimes

        out.append("no law: the records as charged" if value == "as charged" else regimes.load(value).name)
    out += {"scope": {"all": ["all cannabis"], "low-level": ["possession / public use"]},
            "measure": {"rate_per_100k": ["rate per 100,000"], "rate_ratio": ["rate ratio"]},
            "by": {"city": ["citywide"], "borough": ["by borough"], "precinct": ["by precinct"],
                   "period": ["by law period"]}}.get(key, {}).get(value, [])
    return out


class Reader:
    """One browser tab's session, driven over the websocket."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.base_url = base_url
        self.timeout = timeout
        self.ws: Any = None
        self.pages: dict[str, str] = {}        # url_path -> page_script_hash (from the navigation message)
        self.page_hash = ""
        self.page = ""
        self.query = ""                         # what the browser's URL query would be
        self.widgets: dict[str, Any] = {}       # user key -> the widget's proto (this page, last run)
        self.states: dict[str, Any] = {}        # widget id -> WidgetState this reader set on this page
        self.connect_s: float | None = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        t = time.perf_counter()
        self.ws = await asyncio.wait_for(connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                                 open_timeout=self.timeout, ping_interval=None), self.timeout)
        self.connect_s = time.perf_counter() - t

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _client_state(self, page_name: str = "", page_hash: str = "") -> Any:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = page_hash
        cs.page_name = page_name
        cs.widget_states.widgets.extend(self.states.values())
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "America/New_York", 300, "en-US"
        ci.url = f"{self.base_url}/{page_name or self.page}" + (f"?{self.query}" if self.query else "")
        ci.color_scheme = "light"
        return msg

    async def _run(self, msg: Any, kind: str, page: str, what: str) -> Interaction:
        """Send ``msg``, read until the run's ``script_finished``."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        done = ForwardMsg.ScriptFinishedStatus
        widgets: dict[str, Any] = {}
        errors: list[str] = []
        reruns = elements = size = 0
        t = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
            deadline = t + self.timeout
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError
                raw = await asyncio.wait_for(self.ws.recv(), left)
                size += len(raw)
                fm = ForwardMsg()
                fm.ParseFromString(raw)
                which = fm.WhichOneof("type")
                if which == "new_session":
                    self.page_hash = fm.new_session.page_script_hash
                    widgets = {}  # a new run (also after an early finish for a rerun) sends every element again
                elif which == "navigation":
                    self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                    self.page_hash = fm.navigation.page_script_hash or self.page_hash
                elif which == "page_info_changed":
                    self.query = fm.page_info_changed.query_string
                elif which == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    elements += 1
                    etype = el.WhichOneof("type")
                    if etype == "exception":
                        errors.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
                    elif etype == "alert" and el.alert.format == Alert.ERROR:
                        errors.append(f"st.error: {el.alert.body[:200]}")
                    elif etype in ("selectbox", "radio", "multiselect", "checkbox", "number_input"):
                        widget = getattr(el, etype)
                        if widget.id.count("-") >= 2:  # "$$ID-<hash>-<key>": a widget with a user key
                            widgets[widget.id.split("-", 2)[2]] = widget
                elif which == "script_finished":
                    status = fm.script_finished
                    if status == done.FINISHED_EARLY_FOR_RERUN:
                        reruns += 1
                        continue
                    if status != done.FINISHED_SUCCESSFULLY:
                        errors.append(f"script_finished {done.Name(status)}")
                    break
                elif which == "page_not_found":
                    errors.append("page_not_found")
        except TimeoutError:
            return Interaction(kind, page, what, None, False, f"timeout after {self.timeout:g} s", reruns, elements,
                               size)
        except Exception as exc:  # noqa: BLE001 - a disconnect or protocol failure is a counted error
            return Interaction(kind, page, what, None, False, f"{type(exc).__name__}: {exc}"[:300], reruns,
                               elements, size)
        took = time.perf_counter() - t
        self.widgets = widgets
        return Interaction(kind, page, what, took, not errors, "; ".join(errors), reruns, elements, size)

    async def open(self, page: str, kind: str) -> Interaction:
        """Open ``page``: by its URL (``kind`` open: the first run of the session) or through the navigation."""
        from nyc_cannabis.ui.nav import PAGES

        self.states, self.query = {}, ""
        url_name = "" if any(p.default and p.url_path == page for p in PAGES) else page  # the default page is "/"
        if kind == "open" or url_name not in self.pages:
            msg = self._client_state(page_name=url_name)
        else:
            msg = self._client_state(page_hash=self.pages[url_name])
        self.page = page
        return await self._run(msg, kind, page, page)

    async def change(self, key: str, value: str, default: Any) -> Interaction:
        """Pick ``value`` in the selectbox of ``key``, as the frontend sends it; check the URL took it."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        what = f"{key}={value}"
        widget = self.widgets.get(key)
        if widget is None:
            return Interaction("change", self.page, what, None, False, f"no widget {key!r} on the page")
        label = next((x for x in _labels(key, value) if x in widget.options), None)
        if label is None:
            return Interaction("change", self.page, what, None, False,
                               f"{value!r} not among {key!r}'s options {list(widget.options)[:8]}")
        state = WidgetState(id=widget.id, string_value=label)
        self.states = {i: s for i, s in self.states.items() if i in {w.id for w in self.widgets.values()}}
        self.states[widget.id] = state
        result = await self._run(self._client_state(page_hash=self.page_hash), "change", self.page, what)
        if result.ok:
            shown = dict(parse_qsl(self.query)).get(key)
            if not (shown == value or (shown is None and value == default)):
                result.ok, result.error = False, f"not applied: the URL has {key}={shown!r}"
        return result


def defaults() -> dict[tuple[str, str], Any]:
    """(page, key) -> the parameter's default, for the pages' selectboxes in CHANGES (present/views.py, and
    the pages' own parameters): a change to the default leaves the key out of the URL."""
    from nyc_cannabis.present import views

    out: dict[tuple[str, str], Any] = {}
    for view in views.VIEWS.values():
        for p in view.params:
            out[(view.page, p.key)] = p.default
    # the pages' own parameters (ui/screens/records.py, geography.py, law.py): the default of each is its
    # first option, except geography's group (Black) and reference (White)
    out.update({("records", "group"): "any", ("records", "section"): "any", ("law", "regime"): "mrta-2021",
                ("geography", "group"): "Black", ("geography", "reference"): "White",
                ("geography", "measure"): "rate_per_100k", ("geography", "level"): "precinct",
                ("geography", "dataset"): "arrests"})
    return out


@dataclasses.dataclass
class Plan:
    pages: list[str]
    changes: dict[str, list[tuple[str, str]]]
    think: tuple[float, float]


async def reader(i: int, base_url: str, plan: Plan, seed: int, start_at: float, timeout: float,
                 out: list[Interaction], dflt: dict[tuple[str, str], Any], order: bool = True) -> None:
    """Reader ``i``: wait until ``start_at`` (loop time), open every page in its own seeded order, make each
    page's changes, thinking between interactions."""
    rng = random.Random(seed * 1_000_003 + i)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start_at - loop.time()))
    pages = list(plan.pages)
    if order:
        rng.shuffle(pages)
    r = Reader(base_url, timeout)
    try:
        await r.connect()
    except Exception as exc:  # noqa: BLE001 - a refused connection is a counted error
        out.append(Interaction("open", pages[0], pages[0], None, False, f"connect: {type(exc).__name__}: {exc}"))
        return
    try:
        for n, page in enumerate(pages):
            if n:
                await asyncio.sleep(rng.uniform(*plan.think))
            res = await r.open(page, "open" if n == 0 else "page")
            out.append(res)
            if res.error.startswith(("timeout", "Connection")) or r.ws.state.name != "OPEN":
                return  # the session is gone; what it did not do is not counted as done
            for key, value in plan.changes.get(page, []):
                await asyncio.sleep(rng.uniform(*plan.think))
                res = await r.change(key, value, dflt.get((page, key)))
                out.append(res)
                if res.error.startswith("timeout") or r.ws.state.name != "OPEN":
                    return
    finally:
        await r.close()


def start_times(n: int, ramp: float, seed: int) -> list[float]:
    """When each of ``n`` readers opens its first page: seconds after the level starts, uniform over ``ramp``,
    seeded, sorted. (One generator for all of them: until 2026-12-07 a new ``Random(seed)`` per reader gave
    every reader the same start, so all the readers of a level opened at the same instant.)"""
    rng = random.Random(seed)
    return sorted(rng.uniform(0, ramp) for _ in range(n)) if n > 1 else [0.0]


def run_level(base_url: str, n: int, plan: Plan, seed: int, ramp: float, timeout: float,
              order: bool = True) -> tuple[list[Interaction], float]:
    """``n`` readers at once; returns every interaction and the wall seconds."""
    dflt = defaults()
    out: list[Interaction] = []

    async def main() -> None:
        t0 = asyncio.get_running_loop().time()
        starts = start_times(n, ramp, seed)
        await asyncio.gather(*(reader(i, base_url, plan, seed, t0 + starts[i], timeout, out, dflt, order)
                               for i in range(n)))

    t = time.perf_counter()
    asyncio.run(main())
    return out, time.perf_counter() - t


# ------------------------------------------------------------------------------------------- figures

def summary(items: list[Interaction]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in (*KINDS, "all"):
        sel = [x for x in items if kind in ("all", x.kind)]
        ok = [x.seconds for x in sel if x.ok and x.seconds is not None]
        out[kind] = {"count": len(sel), "errors": sum(not x.ok for x in sel),
                     "p50_s": _r(pct(ok, 0.5)), "p95_s": _r(pct(ok, 0.95)), "max_s": _r(max(ok, default=None)),
                     "mean_s": _r(statistics.fmean(ok) if ok else None)}
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def expected(n: int, plan: Plan) -> int:
    """Interactions ``n`` readers make when nothing fails."""
    return n * (len(plan.pages) + sum(len(plan.changes.get(p, [])) for p in plan.pages))


def table(levels: list[dict[str, Any]]) -> str:
    rows = [("| sessions | interactions | errors | open p50 / p95 s | page p50 / p95 s | change p50 / p95 / max s "
             "| all p95 s | server peak RSS MB | server CPU s / wall s |"),
            "|---:|---:|---:|---|---|---|---:|---:|---|"]
    for lv in levels:
        s = lv["summary"]

        def pp(k: str, s: dict = s) -> str:
            return f"{s[k]['p50_s']} / {s[k]['p95_s']}"
        rows.append(f"| {lv['sessions']} | {s['all']['count']} | {s['all']['errors']} | {pp('open')} | {pp('page')} "
                    f"| {pp('change')} / {s['change']['max_s']} | {s['all']['p95_s']} | {lv['server_peak_rss_mb']} "
                    f"| {lv['server_cpu_s']} / {lv['wall_s']} |")
    return "\n".join(rows)


def plan_for(pages: list[str] | None, max_changes: int | None, think: tuple[float, float]) -> Plan:
    from nyc_cannabis.ui.nav import PAGES

    chosen = pages or [p.url_path for p in PAGES]
    changes = {}
    for page in chosen:
        flat = [(k, v) for k, values in CHANGES.get(page, []) for v in values]
        changes[page] = flat[:max_changes] if max_changes is not None else flat
    return Plan(chosen, changes, think)


def measure(db: Path, levels: list[int], plan: Plan, *, seed: int = 7, ramp: float = 10.0, timeout: float = 60.0,
            warmup: bool = True, server_argv: list[str] | None = None, server_env: dict[str, str] | None = None,
            log_dir: Path | None = None, progress: bool = True, warm_readers: int = 1) -> list[dict[str, Any]]:
    """Each level on a fresh server: the warm-up (``warm_readers`` readers at once, one per server process
    behind serve's proxy, which sends each new reader to the process with the fewest), then the level's
    readers. Returns one dict per level."""
    results = []
    for n in levels:
        log = (log_dir / f"server-{n}.log") if log_dir else None
        with Server(db, server_argv, server_env, log) as server:
            warm: list[Interaction] = []
            if warmup:
                warm, _ = run_level(server.url, warm_readers, dataclasses.replace(plan, think=(0.0, 0.0)), seed, 0.0,
                                    timeout, order=False)
            rss_before = server.rss_mb()
            load_before = os.getloadavg()
            cpu0 = server.cpu_s()
            harness0 = time.process_time()
            server.sample()
            items, wall = run_level(server.url, n, plan, seed, ramp if n > 1 else 0.0, timeout)
            peak = server.stop_sampling()
            level = {"sessions": n, "wall_s": round(wall, 1), "interactions_expected": expected(n, plan),
                     "summary": summary(items), "warmup": summary(warm) if warmup else None,
                     "warmup_errors": [dataclasses.asdict(x) for x in warm if not x.ok][:20],
                     "server_ready_s": round(server.ready_s, 2), "server_rss_before_mb": round(rss_before),
                     "server_peak_rss_mb": round(peak), "server_cpu_s": round(server.cpu_s() - cpu0, 1),
                     "harness_cpu_s": round(time.process_time() - harness0, 1),
                     "loadavg_before": [round(x, 2) for x in load_before],
                     "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                     "errors": [dataclasses.asdict(x) for x in items if not x.ok][:50],
                     "reruns": sum(x.reruns for x in items),
                     "bytes_received": sum(x.bytes for x in items),
                     "per_change_p95_s": _per_what(items)}
        results.append(level)
        if progress:
            s = level["summary"]["all"]
            print(f"{n} sessions: {s['count']} interactions ({level['interactions_expected']} planned), "
                  f"{s['errors']} errors, p50 {s['p50_s']} s, p95 {s['p95_s']} s, peak RSS {level['server_peak_rss_mb']} MB",
                  file=sys.stderr, flush=True)
    return results


def _per_what(items: list[Interaction]) -> dict[str, float | None]:
    by: dict[str, list[float]] = {}
    for x in items:
        if x.ok and x.seconds is not None:
            by.setdefault(f"{x.kind}:{x.page}:{x.what}" if x.kind == "change" else f"{x.kind}:{x.page}",
                          []).append(x.seconds)
    return {k: _r(pct(v, 0.95)) for k, v in sorted(by.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="an existing database (default: a demo database of --records, built once)")
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--sessions", default="1,10,50", help="concurrent readers per level, comma-separated")
    ap.add_argument("--think", default="2,5", help="think time between interactions: min,max seconds (uniform)")
    ap.add_argument("--ramp", type=float, default=10.0, help="readers start uniformly over this many seconds")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before an interaction counts as failed")
    ap.add_argument("--pages", help="comma-separated url paths (default: every page of the navigation)")
    ap.add_argument("--max-changes", type=int, help="at most this many scripted changes per page")
    ap.add_argument("--no-warmup", action="store_true", help="no unmeasured warm-up reader before each level")
    ap.add_argument("--workers", type=int, default=1, help="server processes behind serve's proxy (serve --workers)")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="one more argument for the server (repeat; e.g. --server-arg=--server.fileWatcherType "
                         "--server-arg=auto to measure with Streamlit's file watcher, as before)")
    ap.add_argument("--label", default="", help="a name for this run in the JSON (e.g. before / after)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    build_s = None
    if args.db:
        db = Path(args.db)
    else:
        db = CACHE / f"demo-{args.records}.duckdb"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            print(f"building {db} ({args.records:,} records)…", file=sys.stderr, flush=True)
            build_s = build_demo_db(db, args.records, CACHE / f"csv-{args.records}")
    records = count_records(db)
    if not args.db:
        assert records == args.records, f"the demo database holds {records} records, not {args.records}"
    think = tuple(float(x) for x in args.think.split(","))
    plan = plan_for(args.pages.split(",") if args.pages else None, args.max_changes, think)
    speed, load_start = machine_speed(), os.getloadavg()
    server_argv = [sys.executable, "-m", "nyc_cannabis.ui.serve", "--workers", str(args.workers), *args.server_arg]
    levels = measure(db, [int(x) for x in args.sessions.split(",")], plan, seed=args.seed, ramp=args.ramp,
                     timeout=args.timeout, warmup=not args.no_warmup, server_argv=server_argv,
                     warm_readers=args.workers)
    one = next((lv for lv in levels if lv["sessions"] == 1), None)
    for lv in levels:
        p95 = lv["summary"]["all"]["p95_s"]
        base = one["summary"]["all"]["p95_s"] if one else None
        lv["p95_vs_one_session"] = round(p95 / base, 2) if p95 and base else None
        lv["meets_targets"] = bool(p95 is not None and p95 < TARGETS["p95_s"] and lv["summary"]["all"]["errors"] == 0
                                   and lv["server_peak_rss_mb"] < TARGETS["rss_mb"]
                                   and (lv["p95_vs_one_session"] is None
                                        or lv["p95_vs_one_session"] <= TARGETS["p95_vs_one_session"]))
    payload = {"label": args.label, "records": records, "db": str(db) if args.db else "demo (data/load-bench)",
               "db_bytes": db.stat().st_size, "build_s": round(build_s, 1) if build_s else None,
               "params": {"sessions": args.sessions, "think_s": think, "ramp_s": args.ramp, "seed": args.seed,
                          "timeout_s": args.timeout, "warmup": not args.no_warmup, "pages": plan.pages,
                          "changes_per_reader": sum(len(v) for v in plan.changes.values()),
                          "workers": args.workers, "server_args": args.server_arg},
               "targets": TARGETS, "levels": levels,
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "python_loop_10m_s": speed, "python_loop_10m_s_after": machine_speed(),
                           "loadavg_start": [round(x, 2) for x in load_start]},
               "measured_at": time.strftime("%Y-%m-%d %H:%M")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=2) + "\n")
    print(table(levels))
    errors = sum(lv["summary"]["all"]["errors"] for lv in levels)
    missing = sum(lv["interactions_expected"] - lv["summary"]["all"]["count"] for lv in levels)
    if errors or missing:
        print(f"{errors} interactions failed, {missing} not made (see {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
