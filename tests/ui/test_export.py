"""PNG / SVG export through kaleido and the system Chromium: real images from one Chromium kept open, and a stuck
renderer that bounds every later export instead of queueing them behind it. Skipped when no Chromium is installed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import plotly.graph_objects as go
import pytest

from nyc_cannabis.present import charts

pytestmark = pytest.mark.skipif(charts.chromium() is None, reason="no Chromium on this machine")


def _figure() -> go.Figure:
    return charts.layout(go.Figure(go.Bar(x=["Black", "White"], y=[3, 1])), "test", "Source: test")


def test_a_stuck_renderer_fails_the_next_exports_at_once_then_recovers(monkeypatch):
    release = threading.Event()
    blocker = charts._RENDERER.submit(release.wait)  # the one renderer thread is busy, as with a stuck Chromium
    monkeypatch.setattr(charts, "RENDER_TIMEOUT_S", 0.5)
    try:
        with pytest.raises(charts.RenderTimeout, match="did not finish"):
            charts.figure_image(_figure(), "png")  # queued behind the blocker: times out
        with pytest.raises(charts.RenderTimeout, match="still stuck"):
            charts.figure_image(_figure(), "svg")  # not queued behind it again
    finally:
        release.set()
        blocker.result()
    charts._stuck.result()  # the timed-out export ends once the renderer is free
    monkeypatch.setattr(charts, "RENDER_TIMEOUT_S", 120)
    assert charts.figure_image(_figure(), "png")[:8] == b"\x89PNG\r\n\x1a\n"


def _chromium_processes() -> set[int]:
    """Chromium processes descending from this one (read from /proc)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    def name(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return ""
    return {pid for pid in parent if ours(pid) and "chrom" in name(pid)}


def test_exports_share_one_chromium():
    first = charts.figure_image(_figure(), "png")
    running = _chromium_processes()
    assert running, "an export left no Chromium open to serve the next one"
    images = [charts.figure_image(_figure(), fmt) for fmt in ("svg", "png", "svg")]
    assert first[:8] == images[1][:8] == b"\x89PNG\r\n\x1a\n" and images[0].lstrip().startswith(b"<svg")
    assert _chromium_processes() == running  # no Chromium started (or left behind) per image
