"""Many readers at once (issue 18, item 2): the load benchmark's harness against the real server.

``bench/load_bench.py`` starts ``python -m nyc_cannabis.ui.serve`` and drives sessions over Streamlit's own
websocket protocol; here two readers at once, on a small demo database, every page and a change on each page
that has one. What is asserted is what a reader would notice: every interaction got its ``script_finished``
(no timeout, no disconnect), none raised or showed an error, and every widget change reached the page (its URL
then holds the new value). Timings are recorded by the benchmark, never asserted here.
"""

from __future__ import annotations

import pytest

from bench import load_bench


@pytest.fixture(scope="module")
def two_readers(demo_db):
    plan = load_bench.plan_for(None, 1, (0.0, 0.05))
    (level,) = load_bench.measure(demo_db, [2], plan, seed=3, ramp=0.2, timeout=60, warmup=False, progress=False)
    return plan, level


def test_every_interaction_of_two_concurrent_readers_finishes_without_error(two_readers):
    plan, level = two_readers
    summary = level["summary"]
    assert level["errors"] == []
    assert summary["all"]["errors"] == 0
    # every planned interaction was made and timed: 2 readers × (every page + one change per page with changes)
    assert summary["all"]["count"] == level["interactions_expected"] == 2 * (len(plan.pages) + sum(
        len(v) for v in plan.changes.values()))
    assert summary["open"]["count"] == 2 and summary["page"]["count"] == 2 * (len(plan.pages) - 1)
    assert summary["change"]["count"] == 2 * sum(len(v) for v in plan.changes.values()) > 0
    assert level["server_peak_rss_mb"] > 0


def test_readers_start_spread_over_the_ramp():
    """Readers open their first page over the ramp, not all at once (they did until a new generator per
    reader was found to give every reader the same start)."""
    starts = load_bench.start_times(50, 10.0, seed=7)
    assert len(starts) == 50 and starts == sorted(starts)
    assert all(0.0 <= t <= 10.0 for t in starts)
    assert len(set(starts)) == 50
    assert starts[-1] - starts[0] > 8.0  # 50 uniform draws over 10 s span nearly all of it
    assert starts == load_bench.start_times(50, 10.0, seed=7) != load_bench.start_times(50, 10.0, seed=8)
    assert load_bench.start_times(1, 10.0, seed=7) == [0.0]


def test_a_change_the_page_does_not_have_is_an_error_not_a_success(demo_db):
    """The harness cannot pass by not doing the work: an option the widget does not offer is counted."""
    plan = load_bench.Plan(["projection"], {"projection": [("by", "no-such-grouping")]}, (0.0, 0.0))
    (level,) = load_bench.measure(demo_db, [1], plan, timeout=60, warmup=False, progress=False)
    assert level["summary"]["change"]["errors"] == 1
    assert "not among" in level["errors"][0]["error"]
    assert level["summary"]["open"]["errors"] == 0


SUMMARY_THEN_PROJECTION = """
from nyc_cannabis.ui import data

db = data.current()
data.info(db.path, db.mtime)  # computed by this session: ends on a read that takes one row and leaves the rest
data.projection(db.path, db.mtime, "arrests", "mrta-2021", None, None)  # registers its crosswalk frame
"""


def test_a_session_can_project_right_after_computing_the_summary(monkeypatch, demo_db):
    """What four concurrent readers hit (bench/load_bench.py): the session that computed the database summary
    found every other read cached and went straight to a projection, on the same cursor."""
    from streamlit.testing.v1 import AppTest

    from nyc_cannabis.ui import data

    monkeypatch.setenv("ANALYTICS_DB", str(demo_db))
    data.info.clear()
    data.projection.clear()
    at = AppTest.from_string(SUMMARY_THEN_PROJECTION, default_timeout=60).run()
    assert not at.exception, at.exception[0].message if at.exception else None


# ------------------------------------------------------------------------------- several workers behind one port

def test_the_proxy_keeps_a_browser_on_its_worker_and_sends_new_readers_to_the_least_busy():
    from nyc_cannabis.ui.proxy import Proxy

    p = Proxy([("127.0.0.1", 1), ("127.0.0.1", 2), ("127.0.0.1", 3)])
    head = b"GET /_stcore/stream HTTP/1.1\r\nHost: x\r\nCookie: a=b; nyc_worker=2; c=d\r\nUpgrade: websocket\r\n\r\n"
    assert p.choose(head) == (2, True)
    assert p.choose(head.replace(b"nyc_worker=2", b"nyc_worker=7"))[1] is False  # no such worker: a new choice
    p.sockets = [3, 1, 2]
    assert p.choose(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (1, False)
    p.sockets = [1, 1, 1]
    assert {p.choose(b"GET / HTTP/1.1\r\n\r\n")[0] for _ in range(3)} == {0, 1, 2}  # ties in turn


def test_two_workers_behind_the_proxy_serve_readers_without_error(demo_db):
    import sys
    import urllib.request

    plan = load_bench.plan_for(["overview", "projection", "disparities"], 1, (0.0, 0.05))
    with load_bench.Server(demo_db, [sys.executable, "-m", "nyc_cannabis.ui.serve", "--workers", "2"]) as server:
        assert len(server.pids()) == 3  # the proxy and its two servers
        with urllib.request.urlopen(server.url + "/projection") as r:  # a new browser is given its worker
            cookie = r.headers["Set-Cookie"]
            assert r.status == 200 and b"BACKEND_BASE_URL" in r.read()  # the page middleware still runs
        assert cookie.startswith("nyc_worker=")
        again = urllib.request.Request(server.url + "/", headers={"Cookie": cookie.split(";")[0]})
        with urllib.request.urlopen(again) as r:
            assert r.status == 200 and r.headers["Set-Cookie"] is None
        items, _ = load_bench.run_level(server.url, 2, plan, 5, 0.2, 60)
    summary = load_bench.summary(items)
    assert [x.error for x in items if not x.ok] == []
    assert summary["all"]["count"] == load_bench.expected(2, plan)
