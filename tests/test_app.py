"""The minimal dashboard page: renders the loaded counts, and says so when the data are synthetic."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import ARREST_HEADER, ROOT, arrest, cli_json, write_csv


def run_app(monkeypatch, db) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()


def test_counts_of_a_real_database(monkeypatch, tmp_path, db):
    cli_json("ingest", write_csv(tmp_path / "a.csv", ARREST_HEADER, [arrest("1"), arrest("2")]), "--db", db)
    at = run_app(monkeypatch, db)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Arrests (unique records)"] == "2"
    assert metrics["Criminal-court summonses"] == "0"
    assert not any("Synthetic demo data" in w.value for w in at.warning)


def test_synthetic_banner(monkeypatch, tmp_path, db):
    cli_json("demo", "--out", tmp_path / "demo", "--arrests", "500", "--summonses", "400", "--db", db)
    at = run_app(monkeypatch, db)
    assert not at.exception
    assert any("Synthetic demo data" in w.value for w in at.warning)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Arrests (unique records)"] == "500"


def test_missing_database_is_a_clear_error(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "none.duckdb")
    assert not at.exception
    assert "no such database" in at.error[0].value
