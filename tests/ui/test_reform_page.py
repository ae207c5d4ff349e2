"""The Reform builder page (streamlit.testing.v1.AppTest): a reform built from a preset or from the widgets is
published in the URL, a fresh app opened on that URL shows the same reform and figures, the YAML it shows is
applied unchanged by ``project --regime FILE.yaml`` with the table's numbers, and bad URL values are a notice."""

from __future__ import annotations

import json

from conftest import ROOT, cli_json
from streamlit.testing.v1 import AppTest

from nyc_cannabis.law import builder
from nyc_cannabis.ui.nav import page_path

PERIOD = {"start": "2018-01-01", "end": "2021-12-31"}
COLUMNS = ["records", "criminal_as_charged", "criminal_low", "criminal_central", "criminal_high", "expungeable_target"]


def app(monkeypatch, db, **params: str) -> AppTest:
    monkeypatch.setenv("ANALYTICS_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page_path("reform"))
    at.query_params.update(params)
    return at.run()


def url(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.info])


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "cannot use" in w.value or "cannot be built" in w.value]


def law_file(at: AppTest) -> str:
    return next(c.value for c in at.code if c.proto.language == "yaml")


def shown(at: AppTest) -> tuple:
    return (law_file(at), at.dataframe[0].value.to_dict("records"), [(m.label, m.value) for m in at.metric])


def test_a_preset_is_published_and_a_copied_link_reopens_it(monkeypatch, demo_db, tmp_path):
    at = app(monkeypatch, demo_db, **PERIOD)
    assert not at.exception and not notices(at)
    assert "No change yet" in texts(at)  # the page opens on the 2019 law unchanged
    at.button(key="preset-possession-3oz-2019").click().run()
    assert not at.exception
    spec = builder.presets()["possession-3oz-2019"].spec
    assert url(at) == {**PERIOD, "oz": "3"} == {**PERIOD, **builder.to_params(spec)}
    rid = builder.reform_id(spec)
    body = texts(at)
    assert f"`{rid}`" in body and "Legal possession up to 3 oz (2019)" in body
    assert "**§221.10** Unlawful possession of marihuana 1st degree (more than 1 oz): possession anywhere, more " \
           "than 1 oz up to 3 oz, 21 or older: a violation (up to $200) → **legal**" in body
    table = at.dataframe[0].value
    assert list(table["regime"].unique()) == ["2019 law", "MRTA (2021)", "This reform"]
    # the chart's bars for the reform say "this reform" (passed to the shared figure's builder, not renamed on it)
    [chart] = at.get("plotly_chart")
    names = [t.get("name") for t in json.loads(chart.proto.spec)["data"]]
    assert "under this reform (central; bars: low–high)" in names, names
    assert any(b.proto.label.startswith("Download YAML") for b in at.get("download_button"))
    assert at.get("plotly_chart")

    fresh = app(monkeypatch, demo_db, **url(at))
    assert not fresh.exception and not notices(fresh)
    assert fresh.number_input(key="oz").value == 3 and fresh.selectbox(key="base").value == "reform-2019"
    assert shown(fresh) == shown(at)
    assert url(fresh) == url(at)

    # the law file shown is what the CLI applies, with the page's numbers
    path = tmp_path / f"{rid}.yaml"
    path.write_text(law_file(fresh), encoding="utf-8")
    out = cli_json("project", "--db", demo_db, "--dataset", "arrests", "--regime", path, *(
        x for k, v in PERIOD.items() for x in (f"--{k}", v)))
    assert out["regime"] == rid
    mine = table[table["regime"] == "This reform"].set_index("group")[COLUMNS]
    assert {g["group"]: [g[c] for c in COLUMNS] for g in out["groups"]} == {
        g: [int(x) for x in row] for g, row in mine.iterrows()}


def test_a_reform_built_with_the_widgets_lives_in_the_url(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, dataset="summonses", **PERIOD)
    at.selectbox(key="base").select("old-1977").run()
    at.selectbox(key="law_221_10").select("violation").run()
    at.number_input(key="fine_221_10").set_value(100).run()
    at.multiselect(key="expunge").set_value(["221.05", "221.10"]).run()
    at.number_input(key="oz").set_value(1.0).run()
    assert not at.exception and not notices(at)
    published = url(at)
    assert published == {"dataset": "summonses", **PERIOD, "base": "old-1977", "law_221_10": "violation",
                         "fine_221_10": "100", "expunge": "221.05,221.10", "oz": "1"}
    spec = builder.from_params({k: v for k, v in published.items() if k not in ("dataset", "start", "end")})
    assert spec == builder.ReformSpec("old-1977", sections={"221.10": builder.Change("violation", 100)},
                                      possession_oz=1, expunge=("221.05", "221.10"))
    assert f"`{builder.reform_id(spec)}`" in texts(at)
    assert set(at.dataframe[0].value["regime"]) == {"1977 law", "MRTA (2021)", "This reform"}

    fresh = app(monkeypatch, demo_db, **published)
    assert not fresh.exception and not notices(fresh)
    assert fresh.selectbox(key="law_221_10").value == "violation" and fresh.number_input(key="fine_221_10").value == 100
    assert fresh.multiselect(key="expunge").value == ["221.05", "221.10"]
    assert shown(fresh) == shown(at)

    # another base starts again from that law, unchanged
    fresh.selectbox(key="base").select("mrta-2021").run()
    assert not fresh.exception
    assert url(fresh) == {"dataset": "summonses", **PERIOD, "base": "mrta-2021"} and "No change yet" in texts(fresh)


def test_bad_url_params_give_a_notice_not_an_exception(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, base="old-2099", law_221_05="shoe", fine_221_10="-5", oz="lots",
             expunge="999.99", law_222_05="lawful", zzz="1")
    assert not at.exception and not at.error
    [notice] = [w for w in notices(at) if "cannot use" in w]
    for bad in ("base=old-2099", "law_221_05=shoe", "fine_221_10=-5", "oz=lots", "expunge=999.99",
                "unknown parameter `law_222_05`", "unknown parameter `zzz`"):
        assert bad in notice, bad
    assert at.selectbox(key="base").value == "reform-2019" and at.selectbox(key="law_221_05").value == "same"
    assert "No change yet" in texts(at) and at.dataframe  # the page still shows the 2019 law
    assert url(at) == {}
