"""Every page of the dashboard, read by axe-core and watched on the network, at a laptop width and a phone width.

- **Accessible**: axe-core (``tests/ui/node_modules``, pinned in ``tests/ui/package.json``: ``cd tests/ui && npm
  ci``) finds no violation of impact *serious* or *critical* (WCAG 2 A/AA and axe's best practices). Its
  results are saved as ``a11y-<page>-<width>.json`` beside the screenshots (docs/screenshots/ when
  ``UPDATE_SCREENSHOTS`` is set, else a temporary directory).
- **Offline**: loading a page asks no host but the app's own, gets no 4xx/5xx answer and logs no console error
  (no Google font or icon, no telemetry, no CDN: the dashboard works on a machine without internet).

Pages are those of ``nyc_cannabis.ui.nav.PAGES``; the server, the browser and the databases (demo; the real
extracts when present) are test_browser.py's. Skipped without Chromium or without axe-core.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from conftest import ROOT
from test_browser import SHOTS, browser, open_page, server  # noqa: F401 - fixtures, used by name

from nyc_cannabis.ui.nav import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = ROOT / "tests" / "ui" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.is_file():
    pytest.skip("axe-core is not installed (cd tests/ui && npm ci)", allow_module_level=True)

#: a laptop and a phone (an iPhone 12–15's CSS viewport)
SIZES = {1280: 900, 390: 844}
#: the app's own hosts; any other host a page asks is an outside request
OWN_HOSTS = {"127.0.0.1", "localhost"}
#: the impacts that fail the test (axe's scale: minor, moderate, serious, critical)
FAILING = {"serious", "critical"}
#: rules that fail at any impact: fixed once, kept fixed (headings go h1 → h2, never skip a level)
ALWAYS_FAILING = {"heading-order"}
#: violations axe reports in Streamlit's own markup that no setting or documented workaround removes, as
#: (rule id, CSS selector as axe prints it); listed in docs/dashboard.md. Keep this minimal.
EXCLUDED: set[tuple[str, str]] = set()

#: the page has settled: a script run has finished (Streamlit's own state attribute, which its end-to-end
#: tests wait on), nothing is loading, every chart shown is drawn and every table shown painted (those in
#: a closed expander are drawn when it opens)
SETTLED = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED')
    return false;
  if (!document.querySelector('h1') || document.querySelector('[data-testid=stSkeleton]')) return false;
  const drawn = (outer, inner) => [...document.querySelectorAll(outer)]
      .filter(e => e.checkVisibility()).every(e => e.querySelector(inner));
  return drawn('[data-testid=stPlotlyChart]', '.main-svg')
      && drawn('[data-testid=stDataFrame]', 'canvas, table');
}"""


class Visit:
    """One page at one size, loaded once for both tests: axe's results and what the page did on the network
    from its first request until axe has run (not what closing the page cancels)."""

    def __init__(self, browser, url: str, name: str, width: int) -> None:
        self.outside: list[str] = []   # requests to another host
        self.failed: list[str] = []    # requests without an answer (DNS, refused, blocked)
        self.errors: list[str] = []    # answers 4xx / 5xx
        self.console: list[str] = []   # console errors and uncaught exceptions
        self.watching = True
        page = browser.new_page(viewport={"width": width, "height": SIZES[width]})
        page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(r.url).hostname not in OWN_HOSTS and self._note(self.outside, r.url))
        page.on("requestfailed", lambda r: self._note(self.failed, f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self._note(self.errors, f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self._note(self.console, f"{m.text} at {m.location}"))
        page.on("pageerror", lambda e: self._note(self.console, f"uncaught: {e}"))
        try:
            path = self.path = "" if next(p for p in PAGES if p.url_path == name).default else name
            # as test_browser.py: the title is drawn and the running indicator gone; then everything else
            open_page(browser, f"{url}/{path}", width, SIZES[width], page=page)
            page.wait_for_function(SETTLED, timeout=60_000)
            self.exceptions = page.locator("[data-testid=stException]").all_inner_texts()
            page.add_script_tag(path=str(AXE))  # inlined by Playwright: no request
            self.axe = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        finally:
            self.watching = False
            page.close()

    def _note(self, log: list[str], what: str) -> None:
        if self.watching:
            log.append(what)

    def failing(self) -> list[dict]:
        """Serious and critical violations, and those of :data:`ALWAYS_FAILING`, each with only the nodes not
        excluded."""
        out = []
        for v in self.axe["violations"]:
            nodes = [n for n in v["nodes"] if (v["id"], " ".join(n["target"])) not in EXCLUDED]
            if (v["impact"] in FAILING or v["id"] in ALWAYS_FAILING) and nodes:
                out.append({**v, "nodes": nodes})
        return out


_visits: dict[tuple[str, str, int], Visit | Exception] = {}


@pytest.fixture
def visit(browser, server):
    """The (cached) visit of a page at a size on this server."""
    def get(name: str, width: int) -> Visit:
        key = (server[1], name, width)
        if key not in _visits:
            try:
                _visits[key] = Visit(browser, server[1], name, width)
            except Exception as e:  # the other test of this page fails the same way, without loading it again
                _visits[key] = e
        if isinstance(_visits[key], Exception):
            raise _visits[key]
        return _visits[key]
    return get


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']} ({v['help']}; {v['helpUrl']}):\n" + "\n".join(
        f"    {' '.join(n['target'])}: {n['failureSummary']}".replace("\n", " ") for n in v["nodes"][:5])
        for v in violations)


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", [p.url_path for p in PAGES])
def test_page_is_accessible(visit, server, name, width):
    kind, _ = server
    v = visit(name, width)
    assert not v.exceptions, f"/{name} shows an exception (axe would read the error, not the page): {v.exceptions}"
    if kind == "demo":  # the results beside the screenshots (the real extracts' only in the failure message)
        SHOTS.mkdir(parents=True, exist_ok=True)
        # without the time and the test server's port, so that a refresh changes the file only when a result does
        saved = {**{k: x for k, x in v.axe.items() if k != "timestamp"}, "url": f"/{v.path}"}
        (SHOTS / f"a11y-{name}-{width}.json").write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
    failing = v.failing()
    assert not failing, f"axe-core on /{name} at {width}px:\n{_describe(failing)}"


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", [p.url_path for p in PAGES])
def test_page_stays_offline(visit, name, width):
    v = visit(name, width)
    assert not v.outside, f"/{name} asks hosts other than the app's: {v.outside}"
    assert not v.failed, f"/{name}: requests that failed: {v.failed}"
    assert not v.errors, f"/{name}: error answers: {v.errors}"
    assert not v.console, f"/{name}: console errors: {v.console}"


def test_excluded_rules_are_documented():
    """Every exclusion is listed in docs/dashboard.md (section *Accessibility and layout*)."""
    text = (ROOT / "docs" / "dashboard.md").read_text()
    missing = [f"{rule} {selector}" for rule, selector in EXCLUDED if f"`{selector}`" not in text]
    assert not missing, f"exclusions not documented in docs/dashboard.md: {missing}"
