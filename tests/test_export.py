"""PNG / SVG export through kaleido and the system Chromium: a real PNG, and a stuck renderer that bounds every
later export instead of queueing them behind it. Skipped when no Chromium is installed."""

from __future__ import annotations

import threading

import plotly.graph_objects as go
import pytest

from analytics import charts

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
