"""Regimes as data: the shipped YAML loads and classifies conduct as the statutes say; bad YAML is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from analytics import regimes
from analytics.regimes import Fact, RegimeError

SCENARIOS = yaml.safe_load((Path(__file__).parent / "regimes" / "scenarios.yaml").read_text())


def at(conduct: str, grams: float, actor_age: str = "21_plus", other_age: str = "21_plus") -> Fact:
    """A fact with exactly ``grams`` (a band just below it, so 'more than 25 g' is false at 25 g)."""
    return Fact(conduct, grams - 1e-9, grams, actor_age, other_age)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: f"{c['regime']}-{c['conduct']}-{c['grams']}g-{c.get('other_age', '')}")
def test_scenario(case):
    regime = regimes.load(case["regime"])
    outcome = regime.classify(at(case["conduct"], case["grams"], case.get("actor_age", "21_plus"),
                                 case.get("other_age", "21_plus")))
    assert outcome.klass == case["expect"]["class"], case["law"]
    assert sorted(outcome.sections) == sorted(case["expect"]["sections"]), case["law"]
    assert all(r.citation.startswith("http") for r in outcome.rules)


def test_thresholds_are_exclusive_at_the_boundary():
    old = regimes.load("old-1977")
    assert old.classify(at("possess_private", 25)).sections == ("221.05",)        # 25 g is not "more than 25 g"
    assert old.classify(at("possess_private", 25.01)).sections == ("221.10(2)",)
    reform = regimes.load("reform-2019")
    assert reform.classify(at("possess_private", 28.3495)).sections == ("221.05",)  # exactly 1 oz


def test_effective_dates_are_contiguous_and_pick_the_law_of_the_day():
    chain = [regimes.load(r) for r in regimes.REGIME_IDS]
    for earlier, later in zip(chain, chain[1:]):
        assert earlier.effective_until + dt.timedelta(days=1) == later.effective_from
    assert regimes.regime_on(dt.date(2019, 8, 27)).id == "old-1977"
    assert regimes.regime_on(dt.date(2019, 8, 28)).id == "reform-2019"
    assert regimes.regime_on(dt.date(2021, 3, 30)).id == "reform-2019"
    assert regimes.regime_on(dt.date(2021, 3, 31)).id == "mrta-2021"


def test_reform_2019_replaces_only_two_sections():
    old, reform = regimes.load("old-1977"), regimes.load("reform-2019")
    untouched = {r.label for r in old.rules} - {"221.05", "221.10(1)", "221.10(2)"}
    assert untouched <= {r.label for r in reform.rules}
    assert {r.label for r in reform.rules if r.section in ("221.05", "221.10")} == {"221.05", "221.10"}


VALID_RULE = {"section": "221.05", "name": "x", "conduct": ["possess_private"], "amount_g": {"above": 0, "up_to": 25},
              "class": "violation", "citation": "https://example.org/statute"}


def write_regime(tmp_path, rules, **extra) -> Path:
    doc = {"id": "test", "name": "test regime", "effective": {"from": "2020-01-01", "until": None}, "rules": rules}
    doc.update(extra)
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("change, message", [
    ({"citation": None}, "missing citation"),
    ({"citation": "see the statute"}, "missing citation"),
    ({"section": "221.5"}, "unknown section '221.5'"),
    ({"class": "felony"}, "unknown class 'felony'"),
    ({"conduct": ["possess_private", "juggle"]}, "unknown conduct ['juggle']"),
    ({"actor_age": ["adult"]}, "unknown actor_age ['adult']"),
    ({"amount_g": {"above": 25, "up_to": 10}}, "empty or inverted amount band"),
    ({"weight": 3}, "unknown key(s) ['weight']"),
])
def test_invalid_rule_is_refused(tmp_path, change, message):
    rule = {k: v for k, v in (VALID_RULE | change).items() if v is not None}
    with pytest.raises(RegimeError, match=r".*") as err:
        regimes.load(write_regime(tmp_path, [rule]))
    assert message in str(err.value) and "test.yaml" in str(err.value)


def test_overlapping_bands_are_refused(tmp_path):
    second = VALID_RULE | {"amount_g": {"above": 20, "up_to": 28}}
    with pytest.raises(RegimeError, match="overlapping bands: two rules for 221.05"):
        regimes.load(write_regime(tmp_path, [VALID_RULE, second]))


def test_same_section_on_disjoint_conduct_is_fine(tmp_path):
    second = VALID_RULE | {"conduct": ["sell"]}
    regime = regimes.load(write_regime(tmp_path, [VALID_RULE, second]))
    assert regime.classify(at("sell", 3)).klass == "violation"


def test_unknown_regime_and_base(tmp_path):
    with pytest.raises(RegimeError, match="unknown regime 'new-2030'"):
        regimes.load("new-2030")
    with pytest.raises(RegimeError, match=r"replace_sections names \['999.99'\]"):
        regimes.load(write_regime(tmp_path, [VALID_RULE], base="old-1977", replace_sections=["999.99"]))


def test_offence_classes_read_as_the_penal_law_writes_them():
    from analytics.regimes import class_name
    assert [class_name(k) for k in ("lawful", "civil", "violation", "b_misdemeanor", "e_felony")] == [
        "lawful", "civil", "violation", "class B misdemeanor", "class E felony"]
