"""The Data & methods page's "Update from NYC Open Data" (ui/writes.update_copy) against the local Socrata
server: it adds what is new on a copy and swaps it in; a second click finds nothing new; a server that wants a
token on both protocols gives one clear line and leaves the database exactly as it was; the demo database is
never updated."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))

from conftest import ROOT, query, snapshot  # noqa: E402
from socrata_server import no_token_in_environment, server, sleeps  # noqa: E402,F401 - fixtures
from streamlit.testing.v1 import AppTest  # noqa: E402
from test_fetch import ARRESTS_YTD  # noqa: E402
from test_update import arrests, is_mj, last_day, serve, world  # noqa: E402

from nyc_cannabis.ingest.update import update  # noqa: E402
from nyc_cannabis.ui import writes  # noqa: E402


def methods_page(monkeypatch, db: Path, base_url: str) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    monkeypatch.setattr(writes, "OPEN_DATA_URL", base_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("nyc_cannabis/ui/screens/methods.py")
    return at.run()


def test_update_button_adds_what_is_new_then_nothing(monkeypatch, tmp_path, server):
    data = world()
    serve(server, data)
    db = tmp_path / "nypd.duckdb"
    update(db, base_url=server.base_url, page_size=100, progress=False)
    before = query(db, "SELECT count(*) FROM arrests")[0][0]
    # the city publishes ten more arrests after the last day the database holds (eight of them marijuana)
    last = date.fromisoformat(last_day(data[ARRESTS_YTD]))
    fresh = arrests(10, 290_000_000, last + timedelta(days=1), 5)
    server.set_rows(ARRESTS_YTD, data[ARRESTS_YTD] + fresh)
    at = methods_page(monkeypatch, db, server.base_url)
    at.button(key="update").click().run()
    assert not at.exception, at.exception
    added = sum(is_mj(r) for r in fresh)
    assert [s.value for s in at.success][0].startswith(f"Added {added} records")
    assert query(db, "SELECT count(*) FROM arrests")[0][0] == before + added
    at.button(key="update").click().run()  # at once again: nothing new, nothing changed
    assert any(i.value.startswith("Nothing new") for i in at.info)
    assert query(db, "SELECT count(*) FROM arrests")[0][0] == before + added


def test_no_token_is_one_clear_line_and_the_database_is_unchanged(monkeypatch, tmp_path, server):
    serve(server, world())
    db = tmp_path / "nypd.duckdb"
    update(db, base_url=server.base_url, page_size=100, progress=False, since="2021-06-01")
    server.configure(require_token=True, require_token_soda21=True, token_status=403)
    before = snapshot(db)
    at = methods_page(monkeypatch, db, server.base_url)
    at.button(key="update").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Not updated:") and "SODA_APP_TOKEN" in errors[0]
    assert "The database is unchanged." in errors[0] and snapshot(db) == before


def test_the_demo_database_is_not_updated(monkeypatch, demo_db, server):
    at = methods_page(monkeypatch, demo_db, server.base_url)
    assert not at.exception
    assert not [b for b in at.button if b.key == "update"]
    assert any("synthetic demo database" in m.value for m in at.markdown)
