"""The dashboard at the server (streamlit.testing.v1.AppTest): every page, its widget paths, shared URLs,
bad query parameters, exports, the upload, and the report command. Known answers come from SQL written here."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from conftest import ARREST_HEADER, ROOT, arrest, cli, cli_json, query, snapshot, write_csv
from streamlit.testing.v1 import AppTest

from nyc_cannabis.ui.nav import PAGES as NAV

PAGES = {p.url_path: p.file for p in NAV}


def app(monkeypatch, db, page: str | None = None, **params: str) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(PAGES[page])
    at.query_params.update(params)
    return at.run() if (page or params) else at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.info, *at.success])


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


# ------------------------------------------------------------------------------------------------ every page

@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_with_synthetic_banner(monkeypatch, demo_db, page):
    at = app(monkeypatch, demo_db, page)
    assert not at.exception, at.exception
    assert not at.error
    assert any("Synthetic demo data" in w for w in warnings(at))
    # every table's headers are words, not machine names; the tooltip gives the CSV column a download has;
    for frame in at.dataframe:
        assert frame.proto.placeholder == "–"  # a missing value reads as a dash, not "None"
        config = json.loads(frame.proto.columns or "{}")
        for column in frame.value.columns:
            shown = config.get(column, {}).get("label") or column
            assert "_" not in shown, f"{page}: column {column!r} is shown as {shown!r}"
            if "_" in column:
                assert f"`{column}`" in config[column]["help"], (page, column)


@pytest.mark.parametrize("page", list(PAGES))
def test_missing_database_is_a_clear_error_on_every_page(monkeypatch, tmp_path, page):
    at = app(monkeypatch, tmp_path / "none.duckdb", page)
    assert not at.exception
    assert "No database at" in at.error[0].value


def test_real_database_has_no_banner_and_counts(monkeypatch, tmp_path, db):
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1"), arrest("2")]), "--db", db)
    at = app(monkeypatch, db, "methods")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Arrests (unique records)"] == "2"
    held = cli_json("info", "--db", db)
    assert f"**Records dated** {held['first_date']} to {held['last_date']}." in texts(at)
    assert not any("Synthetic" in w for w in warnings(at))


# ------------------------------------------------------------------------------------------------ overview

def test_overview_findings_match_sql(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    # independent count: criminal cannabis arrests of Black people in 2018 as charged (misdemeanor/felony code)
    [(charged,)] = query(demo_db, "SELECT count(*) FROM arrests WHERE is_cannabis AND race_group = 'Black' "
                                  "AND year(arrest_date) = 2018 AND law_cat_cd IN ('M', 'F')")
    [(cannabis,)] = query(demo_db, "SELECT count(*) FROM arrests WHERE is_cannabis")
    body = texts(at)
    assert f"of the {charged:,} criminal cannabis charges (arrests) against Black New Yorkers in 2018" in body
    assert f"Of the {cannabis:,} cannabis arrests in the database" in body
    # laws are named as a reader knows them, not by their file ids
    assert "Under the 2019 law" in body and "the MRTA (2021)" in body
    assert not any(f"under {rid}" in body.lower() for rid in ("reform-2019", "mrta-2021", "old-1977"))
    assert set(at.dataframe[0].value["regime"]) == {"2019 law", "MRTA (2021)"}  # the table names laws too
    links = [p for p in at.get("page_link")]
    assert len(links) >= 4
    assert any("regime=reform-2019" in str(p.proto) and "start=2018-01-01" in str(p.proto) for p in links)
    assert at.get("plotly_chart")
    # every finding's link opens the Projection with parameters it accepts (no "cannot use" notice)
    import urllib.parse
    for link in links:
        params = dict(urllib.parse.parse_qsl(link.proto.query_string))
        target = app(monkeypatch, demo_db, "projection", **params)
        assert not target.exception and not [w for w in warnings(target) if "cannot use" in w], params


# ------------------------------------------------------------------------------------------------ projection

def test_projection_from_url_and_widgets(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "projection", dataset="arrests", start="2018-01-01", end="2018-12-31",
             regime="reform-2019")
    assert not at.exception and not [w for w in warnings(at) if "cannot use" in w]
    [(records, charged)] = query(demo_db, "SELECT count(*), count(*) FILTER (WHERE law_cat_cd IN ('M','F')) "
                                          "FROM arrests WHERE is_cannabis AND arrest_date BETWEEN '2018-01-01' AND '2018-12-31'")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cannabis records"] == f"{records:,}"
    assert metrics["Criminal as charged"] == f"{charged:,}"
    assert at.selectbox(key="regime").value == "reform-2019"
    # a widget change is written back to the URL; an assumption switch too
    at.selectbox(key="by").select("borough").run()
    at.selectbox(key="buyer_age").select("18_20").run()
    assert not at.exception
    assert at.query_params["by"] == "borough" and at.query_params["buyer_age"] == "18_20"
    assert at.query_params["regime"] == "reform-2019" and at.query_params["start"] == "2018-01-01"
    boroughs = {r[0] for r in query(demo_db, "SELECT DISTINCT coalesce(boro_code, 'Unknown') FROM arrests "
                                             "WHERE is_cannabis AND year(arrest_date) = 2018")}
    assert set(at.dataframe[0].value["group"]) == boroughs


def test_projection_bad_params_warn_and_fall_back(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "projection", regime="mrta-2099", start="not-a-date", by="shoe", zzz="1",
             end="1900-01-01")
    assert not at.exception
    notice = next(w for w in warnings(at) if "cannot use" in w)
    for bad in ("regime=mrta-2099", "start=not-a-date", "by=shoe", "unknown parameter `zzz`", "end=1900-01-01"):
        assert bad in notice
    assert at.selectbox(key="regime").value == "mrta-2021"
    assert at.selectbox(key="by").value == "group"
    assert "regime" not in at.query_params and "zzz" not in at.query_params


def test_projection_start_after_end_is_swapped_with_notice(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "projection", start="2019-12-31", end="2018-01-01")
    assert not at.exception
    assert any("starts after it ends" in w for w in warnings(at))


def test_reform_overlay_regime(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "projection", regime="expunge-more-2019")
    assert not at.exception
    assert "expunge-more-2019" in at.dataframe[0].value.to_csv() or at.metric  # renders with the overlay
    assert any("expunge-more-2019" in m.label for m in at.metric)


# ------------------------------------------------------------------------------------------------ records

def test_record_explorer_filters_and_explain(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "records", start="2018-01-01", end="2018-12-31", group="Hispanic",
             section="221.10")
    assert not at.exception
    [(n,)] = query(demo_db, "SELECT count(*) FROM arrests WHERE is_cannabis AND race_group = 'Hispanic' AND "
                            "law_section = '221.10' AND arrest_date BETWEEN '2018-01-01' AND '2018-12-31'")
    assert f"**{n:,}** matching cannabis arrests" in texts(at)
    frame = at.dataframe[0].value
    assert len(frame) == min(n, 200) and set(frame["race_group"]) == {"Hispanic"}
    key = str(frame["record_key"].iloc[0])
    at.selectbox(key="key").select(key).run()
    assert not at.exception
    assert at.query_params["key"] == key
    assert "1. The law on that date" in texts(at) and "3. Under" in texts(at)


def test_record_explorer_unknown_key_and_bad_precinct(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "records", key="NOPE123", precinct="999")
    assert not at.exception
    assert any("precinct=999" in w for w in warnings(at))
    assert any("cannot be explained" in w for w in warnings(at))
    at = app(monkeypatch, demo_db, "records", key="'; DROP TABLE arrests;--")
    assert not at.exception and any("not a record key" in w for w in warnings(at))


def test_what_would_happen_to_me(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "records", me_charge="221.10(1)", me_date="2018-06-01", me_age="18-24")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "law" in d.value.columns)
    mrta = table[table["law"].str.startswith("2021")].iloc[0]
    assert mrta["high"] in ("lawful", "civil")  # public-view possession, up to 25 g: never a crime under the MRTA
    old = table[table["law"].str.startswith("1977")].iloc[0]
    assert old["low"] == "b_misdemeanor"
    at.selectbox(key="me_charge").select("222.05").run()  # not an offence code in 2018
    assert not at.exception and "not a cannabis offence under old-1977" in texts(at)


# ------------------------------------------------------------------------------------------------ law, methods

def test_law_page_tables_from_yaml(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "law", regime="reform-2019")
    assert not at.exception
    rules = at.dataframe[1].value
    assert set(rules["section"]) == {"221.05", "221.10", "221.15", "221.20", "221.25", "221.30", "221.35",
                                     "221.40", "221.45", "221.50(1)", "221.50(2)", "221.55"} or "221.05" in set(rules["section"])
    assert rules.loc[rules["section"] == "221.05", "fine max ($)"].iloc[0] == 50
    scen = at.dataframe[0].value
    public = scen[scen["situation"] == "Adult, 20 g in public view"].iloc[0]
    assert public.iloc[1].startswith("class B misdemeanor (221.10(1))") and public.iloc[3].startswith("lawful")
    home = scen[scen["situation"] == "Adult, 2 lb at home"].iloc[0]  # PL 222.15(5): up to 5 lb at home
    assert home.iloc[1].startswith("class D felony (221.25)") and home.iloc[3].startswith("lawful (222.15(5))")
    assert rules.loc[rules["section"] == "221.15", "jail max (days)"].iloc[0] == 364
    assert rules["quote"].str.len().min() >= 8 and set(rules["source kind"]) >= {"bill text as enacted"}


def test_methods_upload_ingests_into_copy_and_refuses_bad_files(monkeypatch, tmp_path, db):
    from nyc_cannabis.ui import data, writes

    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1")]), "--db", db)
    before = snapshot(db)
    bad = writes.ingest_upload(data.Db(str(db), 1.0), "broken.csv", b"\x00\x01 not a csv")
    assert bad["errors"] and not bad["replaced"] and snapshot(db) == before
    assert not list(tmp_path.glob(".test.duckdb.ingest-*"))
    good = writes.ingest_upload(data.Db(str(db), 1.0), "b.csv",
                              write_csv(tmp_path / "b.csv", ARREST_HEADER, [arrest("2"), arrest("3")]).read_bytes())
    assert good["replaced"] and good["files"][0]["rows_loaded"] == 2
    assert query(db, "SELECT count(*) FROM arrests") == [(3,)]
    monkeypatch.setattr(writes, "UPLOAD_LIMIT_MB", 0)
    with pytest.raises(writes.UploadRefused, match="limit"):
        writes.ingest_upload(data.Db(str(db), 1.0), "c.csv", b"x")


# ------------------------------------------------------------------------------------------------ exports, report

def test_reporter_pack_and_citation(demo_db):
    import pandas as pd

    from nyc_cannabis.ingest.loader import info
    from nyc_cannabis.present import charts
    from nyc_cannabis.projection import project
    from nyc_cannabis.ui import exports

    result = project.project(demo_db, "arrests", "mrta-2021")
    chart = exports.Chart("p", charts.projection_figure(result), charts.projection_alt(result))
    view = exports.View("projection", "T", "http://x/projection?regime=mrta-2021", {"regime": "mrta-2021"},
                        ["f"], [chart], {"groups": pd.DataFrame(charts.projection_table(result))})
    z = zipfile.ZipFile(io.BytesIO(exports.reporter_pack(view, info(demo_db), images=False)))
    names = set(z.namelist())
    assert {"tables/groups.csv", "charts/p.html", "METHODS.md", "CITATION.txt", "DATA-TERMS.md", "view.json"} <= names
    terms = z.read("DATA-TERMS.md").decode()  # the NYC Open Data terms, Census public domain, attribution
    assert "NYC Open Data Terms of Use" in terms and "public domain" in terms and "8h9b-rp9u" in terms
    cite = z.read("CITATION.txt").decode()
    assert "http://x/projection?regime=mrta-2021" in cite and "SYNTHETIC" in cite
    frame = pd.read_csv(io.BytesIO(z.read("tables/groups.csv")))
    assert frame["records"].sum() == query(demo_db, "SELECT count(*) FROM arrests WHERE is_cannabis")[0][0]
    assert "<script" in z.read("charts/p.html").decode()  # plotly.js inlined


def test_palette_is_one_mapping_of_the_seven_groups():
    from nyc_cannabis.core.datasets import RACE_GROUPS
    from nyc_cannabis.present import charts

    assert tuple(charts.GROUP_COLORS) == RACE_GROUPS
    assert len(set(charts.GROUP_COLORS.values())) == 7
    assert set(charts.GROUP_COLORS.values()) - {charts.NEUTRAL_GREY} <= set(charts.OKABE_ITO.values())


def test_report_command(demo_db, tmp_path):
    out = tmp_path / "r.html"
    payload = cli_json("report", "--db", demo_db, "--out", out, "--regime", "reform-2019")
    text = out.read_text()
    assert text.startswith("<!doctype html>") and "Synthetic demo data" in text
    assert "https://cdn" not in text.split("</script>")[-1] and text.count("plotly.js v") >= 1
    findings = next(s for s in payload["sections"] if s["id"] == "findings")["findings"]
    assert findings and all(f["sentence"] in text for f in findings)
    assert [s["id"] for s in payload["sections"]][:3] == ["findings", "comparison", "projection"]
    # table headers in words, each with its definition and CSV name as a tooltip
    assert '<th title="Records charged as a misdemeanor' in text and ">Criminal (low)</th>" in text
    assert ">criminal_low</th>" not in text
    code, _, err = cli("report", "--db", demo_db, "--out", out, "--regime", "nope")
    assert code == 1 and err.startswith("error: unknown regime") and err.count("\n") == 1
    code, _, err = cli("report", "--db", tmp_path / "none.duckdb", "--out", out)
    assert code == 1 and "no such database" in err
    assert json.loads(json.dumps(payload))  # serialisable


def test_the_database_swap_waits_for_queries_in_flight():
    """A swap (upload or rebuild) starts only when no query is open on the old file, and queries that arrive
    meanwhile wait for it: DuckDB would otherwise keep serving the old file under the new one's cache keys."""
    import threading

    from nyc_cannabis.ui.data import Gate

    writer_waiting, swapped, reader_after = threading.Event(), threading.Event(), threading.Event()
    gate = Gate(on_writer_waiting=writer_waiting.set)
    order: list[str] = []

    def swap():
        with gate.writing():
            order.append("swap")
            swapped.set()

    def late_reader():
        with gate.reading():
            order.append("late query")
            reader_after.set()

    with gate.reading():  # a query in flight
        writer = threading.Thread(target=swap)
        writer.start()
        assert writer_waiting.wait(30)  # the writer is waiting for this query...
        assert not swapped.is_set()  # ...and has not swapped
        late = threading.Thread(target=late_reader)
        late.start()
        order.append("query done")
    writer.join(30)
    late.join(30)
    assert order == ["query done", "swap", "late query"]


def test_projection_by_law_period_names_the_laws(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, "projection", by="period")
    assert not at.exception
    groups = set(at.dataframe[0].value["group"])
    assert groups <= {"1977 law", "2019 law", "MRTA (2021)"} and groups  # never the ids old-1977, reform-2019
