"""Regimes as data: the shipped YAML loads and classifies conduct as the statutes say; bad YAML is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from nyc_cannabis.law import regimes
from nyc_cannabis.law.regimes import Fact, RegimeError

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
    assert all(r.citation.startswith("http") and r.sources[0].quote for r in outcome.rules)
    if "quote" in case:  # a corrected rule carries the sentence it rests on
        assert any(case["quote"] in s.quote for r in outcome.rules for s in r.sources), case["law"]


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


SOURCE = {"url": "https://www.nysenate.gov/legislation/laws/PEN/221.05", "kind": "statute",
          "quote": "a violation punishable only by a fine"}
VALID_RULE = {"section": "221.05", "name": "x", "conduct": ["possess_private"], "amount_g": {"above": 0, "up_to": 25},
              "class": "violation", "sources": [SOURCE]}


def write_regime(tmp_path, rules, **extra) -> Path:
    doc = {"id": "test", "name": "test regime", "effective": {"from": "2020-01-01", "until": None}, "rules": rules}
    doc.update(extra)
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


@pytest.mark.parametrize("change, message", [
    # the three slips of issue 14: each loaded wrongly or crashed later
    ({"verified": "false", "unknown": "x"}, "rule 1 (221.05): verified: Input should be a valid boolean (got 'false')"),
    ({"fine_max": "fifty"}, "rule 1 (221.05): fine_max: Input should be a valid number (got 'fifty')"),
    ({"amount_g": 5}, "rule 1 (221.05): amount_g: Input should be a valid dictionary"),
    # sources a lawyer accepts
    ({"sources": None}, "rule 1 (221.05): sources: missing"),
    ({"sources": []}, "rule 1 (221.05): sources: List should have at least 1 item"),
    ({"sources": [SOURCE | {"url": "see the statute"}]}, "sources.0.url: String should match pattern"),
    ({"sources": [SOURCE | {"url": "https://en.wikipedia.org/wiki/Cannabis_in_New_York"}]},
     "'en.wikipedia.org' is not an official source of New York law nor a known mirror"),
    ({"sources": [SOURCE | {"url": "https://www.newyorkcriminallawyer-blog.com/x"}]}, "not an official source"),
    ({"sources": [SOURCE | {"url": "https://nysentencing.com/app/pl221.htm"}]},
     "a statute source must be on an official host, not 'nysentencing.com' (use kind: mirror)"),
    ({"sources": [SOURCE | {"url": "https://cetient.com/case/1/people-v-x", "kind": "case_law"}]},
     "a case_law source must be on an official host, not 'cetient.com' (use kind: mirror)"),
    ({"sources": [SOURCE | {"kind": "mirror"}]}, "'www.nysenate.gov' is official"),
    ({"sources": [SOURCE | {"kind": "blog"}]}, "sources.0.kind: Input should be"),
    ({"sources": [{k: v for k, v in SOURCE.items() if k != "quote"}]}, "sources.0.quote: missing"),
    ({"verified": False}, "an unverified rule must say what is unknown"),
    ({"unknown": "the class"}, "a verified rule has nothing unknown"),
    # fields typed and range-checked
    ({"section": "221.5"}, "rule 1 (221.5): section: String should match pattern"),
    ({"class": "felony"}, "class: Input should be 'lawful'"),
    ({"conduct": ["possess_private", "juggle"]}, "conduct.1: Input should be 'possess_private'"),
    ({"conduct": []}, "conduct: List should have at least 1 item"),
    ({"actor_age": ["adult"]}, "actor_age.0: Input should be 'under_18'"),
    ({"amount_g": {"above": 25, "up_to": 10}}, "empty or inverted amount band"),
    ({"amount_g": {"above": -1}}, "amount_g.above: Input should be greater than or equal to 0"),
    ({"amount_g": {"above": "5"}}, "amount_g.above: Input should be a valid number"),
    ({"fine_max": -50}, "fine_max: Input should be greater than or equal to 0"),
    ({"jail_max_days": 400}, "jail_max_days: Input should be less than or equal to 366"),
    ({"jail_max_days": 30.5}, "jail_max_days: Input should be a valid integer"),
    ({"subdivision": "2"}, "subdivision: Input should be a valid integer"),
    ({"with_priors": [{"priors": 0, "fine_max": 200}]}, "with_priors.0.priors: Input should be greater than or equal to 1"),
    ({"readings": [{"class": "lawful"}]}, "readings.0.because: missing"),
    ({"weight": 3}, "rule 1 (221.05): weight: unknown key"),
    ({"citation": "https://www.nysenate.gov/x"}, "citation: unknown key"),
])
def test_invalid_rule_is_refused_in_one_line(tmp_path, change, message):
    rule = {k: v for k, v in (VALID_RULE | change).items() if v is not None}
    with pytest.raises(RegimeError) as err:
        regimes.load(write_regime(tmp_path, [rule]))
    text = str(err.value)
    assert text.startswith("test.yaml") and message in text and "\n" not in text, text


@pytest.mark.parametrize("extra, message", [
    ({"effective": {"from": "next year"}}, "test.yaml: effective.from: Input should be a valid date"),
    ({"effective": {"from": "2021-01-01", "until": "2020-01-01"}}, "ends (2020-01-01) before it starts (2021-01-01)"),
    ({"id": "Bad Id"}, "test.yaml: id: String should match pattern"),
    ({"colour": "red"}, "test.yaml: colour: unknown key"),
    ({"expunge": {"sections": ["221.05"]}}, "test.yaml: expunge.sources: missing"),
    ({"expunge": {"sections": ["2210"], "sources": [SOURCE]}}, "expunge.sections.0: String should match pattern"),
    ({"replace_sections": ["221.05"]}, "replace_sections needs a base regime"),
])
def test_invalid_regime_is_refused_in_one_line(tmp_path, extra, message):
    with pytest.raises(RegimeError) as err:
        regimes.load(write_regime(tmp_path, [VALID_RULE], **extra))
    assert message in str(err.value), str(err.value)


def test_dates_may_be_written_as_strings_or_yaml_dates(tmp_path):
    path = write_regime(tmp_path, [VALID_RULE])
    assert regimes.load(path).effective_from == dt.date(2020, 1, 1)


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
    from nyc_cannabis.law.regimes import class_name
    assert [class_name(k) for k in ("lawful", "civil", "violation", "b_misdemeanor", "e_felony")] == [
        "lawful", "civil", "violation", "class B misdemeanor", "class E felony"]


# ---------------------------------------------------------------------------------- issue 14's checks

LAW_FILES = sorted((Path(regimes.HERE)).glob("*.yaml")) + sorted((Path(regimes.HERE) / "reforms").glob("*.yaml"))
OFFICIAL = ("www.nysenate.gov", "legislation.nysenate.gov", "nyassembly.gov", "assembly.state.ny.us", "nycourts.gov",
            "www.nycourts.gov")


def _sources(doc: dict) -> list[tuple[str, dict]]:
    """Every source of a parsed law file with where it sits (read from the YAML, not through the loader)."""
    out = [("effective", s) for s in (doc.get("effective") or {}).get("sources", [])]
    out += [("expunge", s) for s in (doc.get("expunge") or {}).get("sources", [])]
    out += [(f"rule {r['section']}", s) for r in doc.get("rules", []) for s in r.get("sources", [])]
    return out


@pytest.mark.parametrize("path", LAW_FILES, ids=lambda p: p.name)
def test_every_citation_is_official_or_a_labelled_mirror_and_quoted(path):
    from urllib.parse import urlparse
    doc = yaml.safe_load(path.read_text())
    assert all(r.get("sources") for r in doc.get("rules", [])), "every rule has a source"
    for where, s in _sources(doc):
        host = urlparse(s["url"]).hostname
        assert s.get("quote") and len(s["quote"]) >= 8, (where, s)
        assert not any(bad in host for bad in ("wikipedia", "blog", "lawyer", "law.net", "420magazine",
                                                 "electofyahweh", "studylib", "informnny", "cgmbesq", "fiskelaw",
                                                 "cleanslate")), (where, host)
        if host not in OFFICIAL:
            assert s["kind"] == "mirror", (where, host, "an unofficial host must be labelled a mirror")
    for rule in doc.get("rules", []):
        if rule.get("verified") is False:
            assert rule.get("unknown"), rule["section"]


def test_crosswalk_1977_to_mrta_follows_the_statute():
    """The issue's checks on `crosswalk --from old-1977 --to mrta-2021` (JSON), every age band."""
    from conftest import cli_json
    sales = ("222.45", "222.50(1)", "222.55(1)", "222.60", "222.65")
    for age in ("<18", "18-24", "25-44", "UNKNOWN"):
        out = {r["charged"]: r for r in cli_json("crosswalk", "--from", "old-1977", "--to", "mrta-2021", "--age", age)["sections"]}
        gift = out["221.35"]  # a gift of 2 g or less is never a sale under article 222
        assert not any(s in sales for b in ("low", "central", "high") for s in gift[f"{b}_sections"]), (age, gift)
        assert out["221.25"]["low_class"] == "lawful" and out["221.25"]["low_sections"] == ["222.15(5)"], age
        assert out["221.25"]["high_class"] in regimes.CRIMINAL, age
        for r in out.values():  # class A misdemeanors: at most 364 days (PL 70.15(1))
            for b in ("low", "central", "high"):
                if r[f"{b}_class"] == "a_misdemeanor":
                    assert r[f"{b}_jail_max_days"] == 364, (age, r["charged"], b)
    assert all(r.jail_max_days != 365 for rid in regimes.REGIME_IDS for r in regimes.load(rid).rules)


def test_the_1977_fifteen_days_need_two_priors():
    rule = next(r for r in regimes.load("old-1977").rules if r.section == "221.05")
    assert (rule.fine_max, rule.jail_max_days) == (100, None)
    assert rule.with_priors == ((1, 200, None), (2, 250, 15))


def test_unverified_fine_widens_the_range_not_narrows_it():
    mrta = regimes.load("mrta-2021")
    fact = at("possess_private", 100)
    assert [mrta.classify(fact, r).fine_max for r in ("low", "central", "high")] == [125, 125, 250]
    # the 222.50(2) defence: a 21+ giver to an 18-20-year-old may commit no offence at all
    gift = at("gift", 10, "21_plus", "18_20")
    assert [mrta.classify(gift, r).klass for r in ("low", "central", "high")] == ["lawful", "a_misdemeanor", "a_misdemeanor"]
    assert "less than three years older" in mrta.classify(gift, "low").because[0]


def test_the_documented_example_and_the_schema_load(tmp_path):
    import json
    import re
    text = (Path(__file__).parents[2] / "docs" / "law-files.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example)
    assert regimes.load(path).expunge_sections >= {"221.15", "221.40"}
    from conftest import cli
    code, out, _ = cli("law-schema")
    schema = json.loads(out)
    assert code == 0 and schema["additionalProperties"] is False and "rules" in schema["properties"]
