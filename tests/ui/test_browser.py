"""The dashboard in a real Chromium against a real ``streamlit run`` (through ``ui.serve``, as ``make run``): every page renders without an exception,
charts are drawn, a share URL reproduces the view, downloads are valid files, a bad parameter shows the notice.
Screenshots of every page go to docs/screenshots/ (on the demo database). Skipped when chromium is absent."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import REAL, REAL_FILES, ROOT, cli_json

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: screenshots go to docs/screenshots only when asked (`make screenshots`); a test run leaves the tree clean
SHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS")
         else Path(tempfile.gettempdir()) / "analytics-screenshots")
PAGES = tuple(p.url_path for p in __import__("nyc_cannabis.ui.nav", fromlist=["PAGES"]).PAGES)  # every page of the app

if CHROMIUM is None:
    pytest.skip("no chromium on this machine (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, log: Path):
    port = free_port()
    env = {**os.environ, "ANALYTICS_DB": str(db), "BROWSER_PATH": CHROMIUM}
    # as `make run` serves it: `streamlit run app.py` with the app's start-up done first (nyc_cannabis/ui/serve.py)
    proc = subprocess.Popen([sys.executable, "-m", "nyc_cannabis.ui.serve", "--server.port",
                             str(port), "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false",
                             # no file watcher: events from the other test worker (or .venv) must not rerun
                             # the app mid-download
                             "--server.fileWatcherType", "none"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:  # poll the health endpoint: ready when it answers "ok"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)  # polling interval, not a synchronisation sleep
    return proc, url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _database(kind: str, tmp: Path) -> Path:
    db = tmp / f"{kind}.duckdb"
    if kind == "demo":
        cli_json("demo", "--out", tmp / "csv", "--arrests", "20000", "--summonses", "20000", "--db", db)
    else:
        files = [REAL / f for f in REAL_FILES.values()]
        if not all(f.is_file() for f in files):
            pytest.skip("real extracts not present in ../shared/data/real")
        cli_json("ingest", *files, "--db", db)
    return db


@pytest.fixture(scope="module", params=["demo", "real"])
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    db = _database(request.param, tmp)
    proc, url = serve(db, tmp / "streamlit.log")
    yield request.param, url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def open_page(browser, url: str, width: int = 1280, height: int = 900, page=None):
    """``url`` in a new page (or in ``page``, made by the caller to listen from the first request), once its
    title is drawn and Streamlit's running indicator is gone."""
    page = page or browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    return page


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(browser, server, name):
    kind, url = server
    path = "" if name == "overview" else name  # the default page is the app's root
    page = open_page(browser, f"{url}/{path}", height=2200 if kind == "demo" else 900)
    assert page.locator("[data-testid=stException]").count() == 0
    if kind == "demo":  # waited for: a warm server may not show its running indicator at all
        page.get_by_text("Synthetic demo data").first.wait_for(timeout=30_000)
    if name in ("overview", "projection", "disparities", "trends", "geography"):
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    ready = {"law": "[data-testid=stSelectbox] input", "projection": "[data-testid=stSelectbox] input",
             "records": "[data-testid=stSelectbox] input", "methods": "[data-testid=stFileUploader]",
             "disparities": "[data-testid=stSelectbox] input", "trends": "[data-testid=stSelectbox] input",
             "geography": "[data-testid=stSelectbox] input", "reform": "[data-testid=stSelectbox] input",
             "overview": "[data-testid=stPageLink]"}[name]
    page.locator(ready).first.wait_for(state="visible", timeout=30_000)
    page.locator("[data-testid=stDataFrame] canvas, [data-testid=stDataFrame] table").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stAppDeployButton").count() == 0  # .streamlit/config.toml: the viewer toolbar
    if kind == "demo":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        if name == "projection":
            phone = open_page(browser, f"{url}/{name}", width=390)
            assert phone.locator("[data-testid=stException]").count() == 0
            for field in ("[data-testid=stSelectbox] input", "[data-testid=stDateInput] input"):
                for i in range(2):  # the filters at the top; date inputs load lazily (grey skeletons until then)
                    phone.locator(field).nth(i).wait_for(state="visible", timeout=30_000)
            phone.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=False)
            phone.close()
    page.close()


def test_share_url_round_trips_and_bad_param_notice(browser, server):
    _, url = server
    page = open_page(browser, f"{url}/projection")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)  # the page has finished its first run
    page.get_by_test_id("stSelectbox").filter(has_text="Group by").locator("input").click()
    page.get_by_role("option", name="borough", exact=True).click()
    page.wait_for_url("**by=borough**", timeout=60_000)
    shared = page.url
    other = open_page(browser, shared)
    other.get_by_role("heading", name="By borough").wait_for(timeout=60_000)  # the view, not the default
    assert other.locator("[data-testid=stException]").count() == 0
    bad = open_page(browser, f"{url}/projection?regime=nope&start=yesterday")
    assert bad.get_by_text("This link had settings the dashboard cannot use").count() == 1
    assert bad.locator("[data-testid=stException]").count() == 0
    for p in (page, other, bad):
        p.close()


def test_downloads_are_valid_files(browser, server):
    _, url = server
    page = open_page(browser, f"{url}/projection?start=2017-06-01")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    with page.expect_download(timeout=60_000) as d:
        page.get_by_test_id("stDownloadButton").filter(has_text="PNG").first.click()
    assert Path(d.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download(timeout=60_000) as d:
        page.get_by_test_id("stDownloadButton").filter(has_text="CSV").first.click()
    rows = list(csv.DictReader(io.StringIO(Path(d.value.path()).read_text())))
    assert rows and "criminal_central" in rows[0]
    page.get_by_text("Cite or share this view").click()
    with page.expect_download(timeout=120_000) as d:
        page.get_by_test_id("stDownloadButton").filter(has_text="Reporter pack").click()
    with zipfile.ZipFile(d.value.path()) as z:
        assert "CITATION.txt" in z.namelist() and any(n.endswith(".csv") for n in z.namelist())
        assert "projection?start=2017-06-01" in z.read("CITATION.txt").decode()
    page.close()
