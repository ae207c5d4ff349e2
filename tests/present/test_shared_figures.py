"""Figures kept and handed out again (present/charts.shared): the same figure for the same inputs, whoever asks,
equal to a fresh build; a new figure for any other input; at most SHARED_FIGURES kept; and no page, embed,
export or report changes a figure it was handed (every later reader would see the change)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from nyc_cannabis.core.db import Database
from nyc_cannabis.ingest.loader import info as read_info
from nyc_cannabis.present import charts, report
from nyc_cannabis.present import disparity_charts as dc
from nyc_cannabis.stats.disparity import disparity
from nyc_cannabis.ui import embed, exports
from nyc_cannabis.ui.nav import PAGES as NAV


def forget() -> None:
    charts._shared.clear()
    charts._as_built.clear()


@pytest.fixture(scope="module")
def precincts(demo_db):
    with Database(str(demo_db), read_only=True) as db:
        return disparity(db, "arrests", reference="White", start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31),
                         by="precinct", scope="all")


def test_same_inputs_same_figure_equal_to_a_fresh_build(precincts):
    first = dc.precinct_map(precincts, "Black", "rate_per_100k", "Source: test")
    # another session's copy of the same cached result (st.cache_data hands out copies): equal, not identical
    again = dc.precinct_map(copy.deepcopy(precincts), "Black", "rate_per_100k", "Source: test")
    assert again is first
    assert first.to_json() == dc.precinct_map.uncached(precincts, "Black", "rate_per_100k", "Source: test").to_json()


def test_any_other_input_builds_another_figure(precincts):
    base = dc.precinct_map(precincts, "Black", "rate_per_100k", "Source: test")
    assert dc.precinct_map(precincts, "White", "rate_per_100k", "Source: test") is not base
    assert dc.precinct_map(precincts, "Black", "rate_ratio", "Source: test") is not base
    assert dc.precinct_map(precincts, "Black", "rate_per_100k", "Source: other") is not base
    changed = copy.deepcopy(precincts)
    changed["areas"][0]["groups"][0]["count"] += 1  # one count differs: the figure must be rebuilt
    assert dc.precinct_map(changed, "Black", "rate_per_100k", "Source: test") is not base
    # a keyword argument is an argument like any other
    assert dc.rates_figure(precincts, source="a") is not dc.rates_figure(precincts, source="b")
    assert dc.rates_figure(precincts, source="a") is dc.rates_figure(precincts, source="a")


def test_at_most_shared_figures_are_kept(precincts):
    first = dc.rates_figure(precincts, source="Source 0")
    for i in range(1, charts.SHARED_FIGURES + 5):
        dc.rates_figure(precincts, source=f"Source {i}")
    assert len(charts._shared) == charts.SHARED_FIGURES
    again = dc.rates_figure(precincts, source="Source 0")  # dropped as the least recently used: built anew
    assert again is not first and again.to_json() == first.to_json()
    assert dc.rates_figure(precincts, source="Source 0") is again  # and kept again


def test_an_argument_pickle_refuses_is_built_every_time(precincts):
    odd = dict(precincts, measure=precincts["measure"], hook=lambda: None)  # a lambda cannot be pickled
    assert dc.rates_figure(odd) is not dc.rates_figure(odd)


@pytest.fixture
def checked(monkeypatch):
    """The check on, on an empty store, and the store emptied afterwards whatever the test did (a changed
    figure must not be handed to the next test)."""
    monkeypatch.setenv("ANALYTICS_SHARED_CHECK", "1")
    forget()
    yield
    forget()


def test_the_check_sees_a_changed_figure(checked, precincts):
    fig = dc.ratio_figure(precincts, "Source: check")
    assert charts.changed() == []
    fig.update_layout(title_text="changed by a caller")
    assert "nyc_cannabis.present.disparity_charts.ratio_figure" in charts.changed()


#: per page, widget changes (key, values) made after its first run: every chart's inputs move
CHANGES = {"projection": [("by", ["borough", "precinct"]), ("regime", ["old-1977", "expunge-more-2019"]),
                          ("dataset", ["summonses"])],
           "reform": [("dataset", ["summonses"])],
           "disparities": [("reference", ["Black"]), ("by", ["borough", "period"]), ("regime", ["mrta-2021"]),
                           ("dataset", ["summonses"])],
           "trends": [("reference", ["Black"]), ("dataset", ["summonses"])],
           "geography": [("group", ["White"]), ("measure", ["rate_ratio"]), ("level", ["borough"])]}


def test_no_page_export_or_report_changes_a_figure_it_was_handed(monkeypatch, checked, demo_db):
    """Every page, then its widget changes, twice over (the second pass is served from the kept figures), every
    embeddable chart, every kept figure's HTML export and the reporter pack of the Overview's view, and the HTML
    report, with the check on: each kept figure is still as it was built. (The Reform page used to rename the
    bars of the comparison figure it was handed: the Overview's figure for the same records would have said
    "this reform".)"""
    monkeypatch.setattr(charts, "SHARED_FIGURES", 10_000)  # none dropped, so every one is checked
    monkeypatch.setenv("ANALYTICS_DB", str(demo_db))
    pages = {p.url_path: p.file for p in NAV}
    for _ in range(2):
        for page, file in pages.items():
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
            at.switch_page(file).run()
            assert not at.exception, (page, at.exception)
            for key, values in CHANGES.get(page, []):
                for value in values:
                    at.selectbox(key=key).select(value).run()
                    assert not at.exception, (page, key, value, at.exception)
    for chart in embed.CHARTS:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params.update({"embed": "true", "chart": chart})
        assert not at.run().exception, chart
    report.build(demo_db)
    kept = list(charts._shared.values())
    assert len(kept) > 5 and len(charts._as_built) == len(kept)
    for fig in kept:
        charts.figure_html(fig, "alt text")
    with Database(str(demo_db), read_only=True) as db:
        info = read_info(db)
    overview = exports.View("overview", "Overview", "http://x/", {}, charts=[
        exports.Chart(f"c{i}", fig, "alt") for i, fig in enumerate(kept[:3])])
    exports.reporter_pack(overview, info, images=False)
    assert charts.changed() == []


# ------------------------------------------------------------------------------------ what the charts say

def test_the_ratio_chart_labels_its_line_at_one_not_at_ten(precincts):
    """On a log axis plotly places an annotation at the log10 of its x: the label of the line at 1× is at
    x = 0 (it was at x = 1, which is drawn at 10×, beside the largest ratios)."""
    fig = dc.ratio_figure.uncached(precincts, "Source: test")
    assert fig.layout.xaxis.type == "log"
    [line] = fig.layout.shapes
    assert (line.x0, line.x1) == (1, 1)
    [label] = [a for a in fig.layout.annotations if a.text == "same rate as White"]
    assert label.x == 0 and label.xref == "x"


def test_the_rate_chart_writes_each_value_above_its_interval(precincts):
    fig = dc.rates_figure.uncached(precincts, "Source: test")
    bars, labels = fig.data
    assert labels.mode == "text" and labels.textposition == "top center"
    shown = {g["group"]: g for g in precincts["groups"] if g["group"] in bars.x}
    for name, y, text in zip(labels.x, labels.y, labels.text):
        g = shown[name]
        if g["rate_per_100k"] is None:
            assert (y, text) == (0, "suppressed")
        else:
            assert y == g["rate_ci_high"] >= g["rate_per_100k"]  # above the error bar's cap, not on it
            assert text == charts.fmt(g["rate_per_100k"])
