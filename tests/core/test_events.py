"""The law and policy dates have one home (core/events.yaml): every reader takes them from there."""

from __future__ import annotations

import datetime as dt

import pytest

from nyc_cannabis.core import events


def test_events_are_cited_ordered_and_the_law_periods_contiguous():
    assert [e.id for e in events.events()] == ["old-1977", "nypd-2018", "reform-2019", "mrta-2021"]
    assert all(s["quote"] and s["url"].startswith("https://") or s["url"].startswith("http://")
               for e in events.events() for s in e.sources)
    periods = events.law_periods()
    assert [(p.regime, p.start, p.end) for p in periods] == [
        ("old-1977", None, dt.date(2019, 8, 27)), ("reform-2019", dt.date(2019, 8, 28), dt.date(2021, 3, 30)),
        ("mrta-2021", dt.date(2021, 3, 31), None)]
    assert [events.law_on(d) for d in (dt.date(2019, 8, 27), dt.date(2019, 8, 28), dt.date(2021, 3, 31))] == [
        "old-1977", "reform-2019", "mrta-2021"]


def test_every_reader_takes_the_dates_from_the_events():
    from nyc_cannabis.ingest import cells
    from nyc_cannabis.law import regimes
    from nyc_cannabis.present import disparity_charts
    from nyc_cannabis.sources import demo
    from nyc_cannabis.stats import disparity, trend

    law = {p.regime: p for p in events.law_periods()}
    assert {r.id: (r.effective_from, r.effective_until) for r in regimes.load_all().values()} == {
        k: (p.start, p.end) for k, p in law.items()}
    assert cells.law_dates() == {"reform_from": law["reform-2019"].start, "mrta_from": law["mrta-2021"].start}
    assert [d for d, _ in trend.BREAKS] == [dt.date(2018, 9, 1), dt.date(2019, 8, 28), dt.date(2021, 3, 31)]
    assert [d for d, _ in disparity_charts.LAW_DATES] == ["2018-09-01", "2019-08-28", "2021-03-31"]
    assert disparity.PERIOD_LABELS["reform-2019"] == "2019 law (2019-08-28 to 2021-03-30)"
    assert [r for r, _, _ in demo.REGIMES] == list(law) and demo.REGIMES[1][1:] == (law["reform-2019"].start,
                                                                                    law["reform-2019"].end)


def test_a_reform_names_an_event_or_dates_not_both(tmp_path):
    import yaml

    from nyc_cannabis.law.regimes import RegimeError, load
    doc = {"id": "x-reform", "name": "x", "base": "reform-2019", "effective": {"event": "mrta-2022"}}
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(RegimeError, match="no law event 'mrta-2022'"):
        load(path)
    doc["effective"] = {"event": "reform-2019", "from": "2020-01-01"}
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(RegimeError, match="give an event or dates"):
        load(path)


def test_age_bands_and_precincts_have_one_home():
    from nyc_cannabis.core import datasets
    from nyc_cannabis.law import crosswalk
    from nyc_cannabis.sources import demo
    from nyc_cannabis.stats import population

    assert tuple(crosswalk.AGE_BANDS) == datasets.AGE_BANDS == demo.AGE_GROUPS
    assert population.PRECINCT_SUCCESSOR is datasets.PRECINCT_SUCCESSOR == {116: 105}
    assert [datasets.precinct_borough(p) for p in (1, 40, 75, 116, 123, 200)] == ["M", "B", "K", "Q", "S", None]
