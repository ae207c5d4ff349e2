"""Embeds: the cite box's snippet is an <iframe> of the chart alone, for the exact view; put into a local HTML
page and opened in Chromium, the chart renders inside it (with its source line and a link back).
The snippet itself is checked at the server with AppTest."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from nyc_cannabis.ui import embed, exports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_snippets_name_the_chart_and_carry_the_view(monkeypatch):
    chart = exports.Chart("disparity-arrests-as-charged-2018-01-01-2018-12-31-ratios", None, "Dot plot of rate ratios: x")
    code = embed.snippet(chart, "http://news.example:8501/disparities?dataset=summonses&by=borough")
    src = re.search(r'src="([^"]+)"', code).group(1).replace("&amp;", "&")
    assert src == "http://news.example:8501/?embed=true&chart=ratios&dataset=summonses&by=borough"
    assert 'style="width:100%;aspect-ratio:4/3;border:0"' in code and 'title="Dot plot of rate ratios: x"' in code
    assert embed.snippet(exports.Chart("overview-arrests-2018", None, "x"), "http://h/") is None
    assert [embed.chart_id(n) for n in ("projection-arrests-x", "trend-arrests-all", "disparity-a-rates")] == [
        "projection", "trend", "rates"]


@pytest.mark.parametrize("chart, params", [("projection", {"dataset": "summonses", "regime": "reform-2019"}),
                                           ("ratios", {"reference": "Hispanic"}), ("rates", {}),
                                           ("trend", {"scope": "low-level"}), ("nope", {})])
def test_the_embed_renders_the_chart_alone(monkeypatch, demo_db, chart, params):
    monkeypatch.setenv("ANALYTICS_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"embed": "true", "chart": chart, **params})
    at.run()
    assert not at.exception, at.exception
    if chart == "nope":
        assert "No embeddable chart called 'nope'" in at.error[0].value
        return
    assert len(at.get("plotly_chart")) == 1 and not at.title  # the chart alone, no page around it
    captions = " ".join(c.value for c in at.caption)
    assert "Synthetic demo data" in captions and "Open the full view" in captions


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_snippet_renders_the_chart_in_an_iframe(tmp_path, demo_db):
    from test_browser import serve
    sync_api = pytest.importorskip("playwright.sync_api")
    proc, url = serve(demo_db, tmp_path / "streamlit.log")
    try:
        code = embed.snippet(exports.Chart("disparity-arrests-x-ratios", None, "Rate ratios"),
                             f"{url}/disparities?reference=Hispanic")
        page_file = tmp_path / "article.html"
        page_file.write_text(f"<!doctype html><html><body><h1>A story</h1><p>Text.</p>{code}<p>More.</p></body></html>")
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.goto(page_file.as_uri())
            frame = page.frame_locator("iframe")
            frame.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert frame.locator("text=Open the full view").count() == 1
            box = page.locator("iframe").bounding_box()
            assert box["width"] > 850  # responsive: the article's full width
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_cite_box_offers_the_embed_snippet_of_the_view(monkeypatch, demo_db):
    monkeypatch.setenv("ANALYTICS_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("nyc_cannabis/ui/screens/projection.py")
    at.query_params.update({"regime": "reform-2019", "by": "borough"})
    at.run()
    codes = [c.value for c in at.code if "<iframe" in c.value]
    assert len(codes) == 1 and "chart=projection" in codes[0] and "regime=reform-2019" in codes[0]
    assert "by=borough" in codes[0] and "embed=true" in codes[0]
