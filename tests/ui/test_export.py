"""Exports: PNG / SVG through kaleido and the system Chromium (real images from one Chromium kept open, and a stuck
renderer that bounds every later export instead of queueing them behind it; skipped when no Chromium is
installed), and the CSV downloads of every page's tables: each with its data dictionary, no column without a
meaning, and each estimate's interval as ``<estimate>_estimate / _lower / _upper``."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import ARREST_HEADER, ROOT, arrest, cli_json, write_csv
from streamlit.testing.v1 import AppTest

from nyc_cannabis.present import charts, glossary, handoff
from nyc_cannabis.ui import exports
from nyc_cannabis.ui.nav import PAGES as NAV

needs_chromium = pytest.mark.skipif(charts.chromium() is None, reason="no Chromium on this machine")


def _figure() -> go.Figure:
    return charts.layout(go.Figure(go.Bar(x=["Black", "White"], y=[3, 1])), "test", "Source: test")


@needs_chromium
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


@needs_chromium
def test_exports_share_one_chromium():
    first = charts.figure_image(_figure(), "png")
    running = _chromium_processes()
    assert running, "an export left no Chromium open to serve the next one"
    images = [charts.figure_image(_figure(), fmt) for fmt in ("svg", "png", "svg")]
    assert first[:8] == images[1][:8] == b"\x89PNG\r\n\x1a\n" and images[0].lstrip().startswith(b"<svg")
    assert _chromium_processes() == running  # no Chromium started (or left behind) per image


# ------------------------------------------------------------------------------------------ CSV downloads

PAGES = {p.url_path: p.file for p in NAV}
#: every page, and the settings that show the tables a page hides by default
VIEWS = [(page, {}) for page in PAGES] + [
    ("disparities", {"by": "precinct", "regime": "mrta-2021"}), ("disparities", {"by": "period"}),
    ("geography", {"level": "borough"}), ("trends", {"seasonal": "true"})]


def _render(monkeypatch, db, page: str, params: dict[str, str]) -> tuple[AppTest, list[tuple[str, pd.DataFrame]]]:
    """The page, and every table it offers for download: as a CSV button ("table …") or in its reporter pack
    ("pack …")."""
    shown: list[tuple[str, pd.DataFrame]] = []
    table, cite_box = exports.table, exports.cite_box

    def spy_table(frame, name, key, **kwargs):
        shown.append((f"table {name}", frame))
        return table(frame, name, key, **kwargs)

    def spy_cite(view, info):
        shown.extend((f"pack {name}", frame) for name, frame in view.tables.items())
        return cite_box(view, info)

    monkeypatch.setattr(exports, "table", spy_table)
    monkeypatch.setattr(exports, "cite_box", spy_cite)
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    shown.clear()  # the tables of the last run only: the first one drew the home page
    at.switch_page(PAGES[page])
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at, shown


def _dictionary(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(exports.dictionary_csv(frame)), keep_default_na=False)


@pytest.mark.parametrize("page, params", VIEWS, ids=[f"{p}-{'-'.join(q.values()) or 'default'}" for p, q in VIEWS])
def test_every_table_download_carries_a_dictionary_with_every_meaning(monkeypatch, demo_db, page, params):
    at, shown = _render(monkeypatch, demo_db, page, params)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Dictionary") == labels.count("CSV") == sum(k.startswith("table ") for k, _ in shown)
    assert shown or page == "records" and not params  # every other page shows tables
    for name, frame in shown:
        header = exports.table_csv(frame).decode("utf-8").splitlines()[0]
        dictionary = _dictionary(frame)
        assert list(dictionary.columns) == ["column", "label", "meaning", "unit"]
        assert dictionary["column"].tolist() == list(handoff.with_intervals(frame).columns), name
        assert header == ",".join(f'"{c}"' if "," in c else c for c in dictionary["column"]), name
        empty = list(dictionary.loc[dictionary["meaning"].str.strip() == "", "column"])
        assert not empty, f"{page} {name}: columns without a glossary entry: {empty}"


def test_the_methods_tables_have_their_dictionary(monkeypatch, tmp_path, db):
    """Quarantine, conflicts and unmapped labels appear only when the data has them."""
    rows = [arrest("1"), arrest("2", PERP_RACE="MARTIAN"), arrest("2", AGE_GROUP="UNKNOWN", PERP_RACE=""),
            arrest("3", ARREST_DATE="31/12/2017")]
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, rows), "--db", db)
    _, shown = _render(monkeypatch, db, "methods", {})
    assert {"table quarantine-reasons", "table conflicts", "table unmapped-labels"} <= {name for name, _ in shown}
    for name, frame in shown:
        dictionary = _dictionary(frame)
        assert (dictionary["meaning"].str.strip() != "").all(), (name, dictionary)


def test_estimates_with_intervals_get_datawrapper_columns():
    frame = pd.DataFrame({"group": ["Black", "White"], "rate_per_100k": [120.5, 20.1], "rate_ci_low": [110.0, 18.0],
                          "rate_ci_high": [131.0, 22.3], "rate_ratio": [6.0, None], "ci_low": [5.1, None],
                          "ci_high": [7.0, None]})
    out = pd.read_csv(io.BytesIO(exports.table_csv(frame)))
    assert list(out.columns[:7]) == list(frame.columns)  # nothing moved: earlier downloads still read the same
    for estimate, (low, high) in {"rate_per_100k": ("rate_ci_low", "rate_ci_high"),
                                  "rate_ratio": ("ci_low", "ci_high")}.items():
        assert out[f"{estimate}_estimate"].equals(out[estimate])
        assert out[f"{estimate}_lower"].equals(out[low]) and out[f"{estimate}_upper"].equals(out[high])
    assert "ratio_estimate" not in out  # one interval pair, one estimate
    trend = pd.DataFrame({"group": ["Black"], "ratio": [0.5], "ci_low": [0.4], "ci_high": [0.6]})
    assert {"ratio_estimate", "ratio_lower", "ratio_upper"} <= set(pd.read_csv(io.BytesIO(exports.table_csv(trend))))
    mode = pd.DataFrame({"group": ["Black"], "arrest_share": [0.3], "ci_low": [0.2], "ci_high": [0.4]})
    assert {"arrest_share_estimate", "arrest_share_lower", "arrest_share_upper"} <= set(
        pd.read_csv(io.BytesIO(exports.table_csv(mode))))
    plain = pd.DataFrame({"group": ["Black"], "records": [3]})
    assert list(pd.read_csv(io.BytesIO(exports.table_csv(plain))).columns) == ["group", "records"]
    # the glossary documents the mapping, and gives units
    rows = {r["column"]: r for r in glossary.dictionary(out.columns)}
    assert "`ci_low`" in rows["rate_ratio_lower"]["meaning"] and "rate_ratio_lower" in glossary.describe("ci_low")
    assert rows["rate_per_100k_upper"]["unit"] == rows["rate_per_100k"]["unit"] == "per 100,000 residents a year"
    assert rows["group"]["unit"] == "" and rows["rate_ratio"]["unit"] == "ratio"
