"""The reform builder: each preset builds as a law file and classifies facts as a table derived by hand from
the 2019 law says; changed rules are marked as a proposal and keep their sources; URL parameters round-trip;
the YAML loads with ``regimes.load`` and ``project --regime FILE.yaml`` applies it unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from conftest import cli_json

from nyc_cannabis.law import builder, crosswalk, regimes
from nyc_cannabis.law.builder import Change, ReformSpec, SpecError
from nyc_cannabis.law.regimes import Fact
from nyc_cannabis.projection.project import project

OZ = 28.3495
PRESETS = builder.presets()
BASE = regimes.load("reform-2019")

#: preset, fact, (class, fine) under the preset, (class, fine) under the 2019 law as enacted; read off
#: reform-2019.yaml and old-1977.yaml: 221.05 violation $50 up to 1 oz, 221.10 violation $200 above 1 oz,
#: 221.15 class A misdemeanor above 2 oz, 221.35 gift up to 2 g class B, 221.40 sale class A
TABLE = [
    ("possession-3oz-2019", Fact("possess_public", 28.35, 56.7), ("lawful", 0), ("violation", 200)),
    ("possession-3oz-2019", Fact("possess_public", 28.35, 56.7, "18_20"), ("violation", 200), ("violation", 200)),
    ("possession-3oz-2019", Fact("possess_public", 28.35, 56.7, "under_18"), ("violation", 200), ("violation", 200)),
    ("possession-3oz-2019", Fact("possess_public", 99, 100), ("a_misdemeanor", 1000), ("a_misdemeanor", 1000)),
    ("possession-3oz-2019", Fact("possess_home", 60, 80), ("lawful", 0), ("a_misdemeanor", 1000)),
    ("possession-3oz-2019", Fact("possess_private", 2, 25), ("lawful", 0), ("violation", 50)),
    ("possession-3oz-2019", Fact("smoke_restricted", 2, 25), ("violation", 50), ("violation", 50)),
    ("possession-3oz-2019", Fact("sell", 2, 25), ("a_misdemeanor", 1000), ("a_misdemeanor", 1000)),
    ("possession-3oz-2019", Fact("gift", 0, 2), ("b_misdemeanor", 500), ("b_misdemeanor", 500)),
    ("smoking-civil-2019", Fact("smoke_restricted", 2, 25), ("civil", 25), ("violation", 50)),
    ("smoking-civil-2019", Fact("smoke_restricted", 2, 25, "under_18"), ("civil", 25), ("violation", 50)),
    ("smoking-civil-2019", Fact("possess_public", 2, 25), ("violation", 50), ("violation", 50)),
    ("smoking-civil-2019", Fact("smoke_restricted", 30, 50), ("violation", 200), ("violation", 200)),
    ("smoking-civil-2019", Fact("smoke_restricted", 60, 80), ("a_misdemeanor", 1000), ("a_misdemeanor", 1000)),
    ("expunge-more-2019", Fact("possess_public", 2, 25), ("violation", 50), ("violation", 50)),
    ("expunge-more-2019", Fact("sell", 2, 25), ("a_misdemeanor", 1000), ("a_misdemeanor", 1000)),
]


def outcome(regime: regimes.Regime, fact: Fact) -> tuple[str, float]:
    o = regime.classify(fact)
    return o.klass, o.fine_max


def test_the_three_asks_are_offered():
    assert set(PRESETS) == {"expunge-more-2019", "smoking-civil-2019", "possession-3oz-2019"}
    assert all(p.spec.base == "reform-2019" and p.title and p.why for p in PRESETS.values())
    assert builder.to_params(PRESETS["possession-3oz-2019"].spec) == {"oz": "3"}


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_each_preset_builds_as_a_law_file(key):
    spec = PRESETS[key].spec
    doc = builder.overlay(spec)
    regime = regimes.build(f"{key}.yaml", doc)
    assert regime.id == doc["id"] == builder.reform_id(spec) and regime.id.startswith("custom-")
    assert doc["base"] == "reform-2019" and doc["effective"] == {"event": "reform-2019"}
    assert (regime.effective_from, regime.effective_until) == (BASE.effective_from, BASE.effective_until)
    assert regime.name.startswith("Reform: the 2019 law with ")
    base_sources = {r.section: {s for b in BASE.rules if b.section == r.section for s in b.sources} for r in regime.rules}
    for rule in regime.rules:
        assert set(rule.sources) <= base_sources[rule.section]  # a proposal has no text of its own
        if rule in BASE.rules:
            continue
        changed = rule.unknown is not None and rule.unknown.startswith(builder.PROPOSAL)
        assert changed == (rule.note or "").startswith("proposed:"), rule
        if changed:
            assert not rule.verified


@pytest.mark.parametrize("key, fact, expected, base", TABLE,
                         ids=[f"{k}-{f.conduct}-{f.above_g:g}-{f.up_to_g:g}-{f.actor_age}" for k, f, _, _ in TABLE])
def test_presets_classify_as_the_hand_derived_table(key, fact, expected, base):
    assert outcome(BASE, fact) == base
    assert outcome(builder.build(PRESETS[key].spec), fact) == expected


def test_possession_threshold_legalises_adult_possession_up_to_it_and_nothing_else():
    mine = builder.build(PRESETS["possession-3oz-2019"].spec)
    mrta = regimes.load("mrta-2021")
    for fact in crosswalk.fact_space(BASE, mine, mrta):
        small = fact.up_to_g is not None and fact.up_to_g <= 3 * OZ + 1e-6
        if fact.conduct in builder.POSSESSION and fact.actor_age == "21_plus" and small:
            assert mine.classify(fact).klass == "lawful" == mrta.classify(fact).klass, fact
        else:
            assert outcome(mine, fact) == outcome(BASE, fact), fact
    legal = [r for r in mine.rules if r.klass == "lawful"]
    assert {r.section for r in legal} == {"221.05", "221.10", "221.15"}
    assert all(r.actor_age == {"21_plus"} and r.conduct == builder.POSSESSION and not r.verified for r in legal)
    under_21 = next(r for r in mine.rules if r.section == "221.05" and "21_plus" not in r.actor_age)
    assert under_21.verified and under_21.klass == "violation"  # an unchanged part keeps the base's status


def test_smoking_preset_is_the_shipped_overlay():
    mine = builder.build(PRESETS["smoking-civil-2019"].spec)
    shipped = regimes.load("public-smoking-civil-2019")
    assert all(outcome(mine, f) == outcome(shipped, f) for f in crosswalk.fact_space(BASE, mine, shipped))
    [smoking] = [r for r in mine.rules if r.klass == "civil"]
    assert smoking.conduct == {"smoke_restricted"} and smoking.fine_max == 25
    assert smoking.note.startswith("proposed: a civil fine (up to $25) instead of a violation (up to $50)")


def test_expungement_preset_is_the_mrta_list_on_the_2019_law():
    mine = builder.build(PRESETS["expunge-more-2019"].spec)
    assert mine.expunge_sections == regimes.load("expunge-more-2019").expunge_sections
    assert mine.rules == BASE.rules and not builder.overlay(PRESETS["expunge-more-2019"].spec)["rules"]
    assert [s.url for s in mine.expunge_sources] == [s.url for s in BASE.expunge_sources]
    assert all(s.supports.startswith("proposed list") for s in mine.expunge_sources)


def test_a_section_outcome_replaces_every_rule_of_the_section():
    spec = ReformSpec("old-1977", sections={"221.10": Change("violation", 100), "221.40": Change("civil", 0)})
    mine, old = builder.build(spec), regimes.load("old-1977")
    assert outcome(mine, Fact("possess_public", 2, 20)) == ("violation", 100)      # 221.10(1): class B before
    assert outcome(mine, Fact("possess_private", 26, 28)) == ("violation", 100)    # 221.10(2)
    assert outcome(mine, Fact("possess_private", 2, 20)) == outcome(old, Fact("possess_private", 2, 20))
    assert outcome(mine, Fact("sell", 2, 20)) == ("civil", 0)                      # 221.40, no fine stated
    assert outcome(mine, Fact("sell", 30, 40)) == ("e_felony", 0)                  # 221.45 unchanged
    rules = {r.label: r for r in mine.rules if r.section == "221.10"}
    assert set(rules) == {"221.10(1)", "221.10(2)"} and all(r.jail_max_days is None for r in rules.values())
    gift = next(r for r in mine.rules if r.section == "221.40" and r.conduct == {"gift"})
    assert gift.unknown.startswith("a proposal, not enacted law; as in the base law: no text was read")
    lines = builder.changed_rules(spec)
    assert {(r["section"], r["before"], r["after"]) for r in lines} >= {
        ("221.10(1)", "a class B misdemeanor (up to $500)", "a violation (up to $100)"),
        ("221.40", "a class A misdemeanor (up to $1,000)", "a civil fine")}
    assert builder.describe(spec) == ["§221.10 a violation (up to $100)", "§221.40 a civil fine"]


def test_the_spec_is_canonical():
    assert ReformSpec(sections={"221.05": Change("violation", 50)}) == ReformSpec()  # the outcome it has
    assert ReformSpec(expunge=("221.10", "221.05")) == ReformSpec()                  # the base's list
    assert ReformSpec(possession_oz=0) == ReformSpec() and Change("lawful", 25).fine is None
    assert ReformSpec(expunge=()).expunge == () and builder.to_params(ReformSpec(expunge=())) == {"expunge": "none"}
    ids = {builder.reform_id(p.spec) for p in PRESETS.values()} | {builder.reform_id(ReformSpec())}
    assert len(ids) == 4 and builder.reform_id(ReformSpec(possession_oz=3)) == builder.reform_id(
        PRESETS["possession-3oz-2019"].spec)
    for bad in (lambda: ReformSpec("old-2099"), lambda: ReformSpec(sections={"222.05": Change("lawful")}),
                lambda: ReformSpec(smoking={"221.35": Change("civil", 5)}), lambda: Change("felony"),
                lambda: Change("civil", -1), lambda: ReformSpec(possession_oz=1000),
                lambda: ReformSpec(expunge=("999.99",))):
        with pytest.raises(SpecError):
            bad()


SPECS = [*(p.spec for p in PRESETS.values()), ReformSpec(),
         ReformSpec("old-1977", sections={"221.10": Change("violation", 100), "221.55": Change("e_felony")},
                    smoking={"221.10": Change("civil", 25.5)}, possession_oz=2.5, expunge=()),
         ReformSpec("mrta-2021", sections={"CL 132(4)": Change("lawful"), "222.45": Change("civil", 250)},
                    possession_oz=16, expunge=("221.05", "222.10", "222.45"))]


@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_url_params_round_trip_exactly(spec):
    params = builder.to_params(spec)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in params.items())
    assert builder.from_params(params) == spec
    assert builder.to_params(builder.from_params(params)) == params
    assert builder.reform_id(builder.from_params(params)) == builder.reform_id(spec)


def test_url_params_name_sections_and_values_plainly():
    params = builder.to_params(SPECS[-1])
    assert params == {"base": "mrta-2021", "law_222_45": "civil", "fine_222_45": "250", "law_cl_132_4": "lawful",
                      "oz": "16", "expunge": "221.05,222.10,222.45"}
    assert builder.to_params(SPECS[-2])["smoke_fine_221_10"] == "25.5"


@pytest.mark.parametrize("params, named", [
    ({"base": "old-2099"}, "base=old-2099"), ({"law_221_05": "shoe"}, "law_221_05=shoe"),
    ({"law_221_05": "civil", "fine_221_05": "-5"}, "fine_221_05=-5"), ({"oz": "lots"}, "oz=lots"),
    ({"oz": "nan"}, "oz=nan"), ({"expunge": "999.99"}, "999.99"), ({"expunge": ","}, "expunge"),
    ({"law_222_05": "lawful"}, "law_222_05"), ({"zzz": "1"}, "zzz")])
def test_bad_url_params_are_refused_in_one_line(params, named):
    with pytest.raises(SpecError, match=named.replace(".", r"\.")):
        builder.from_params(params)


@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_to_yaml_loads_with_regimes_load(tmp_path, spec):
    text = builder.to_yaml(spec)
    assert text.startswith("# A reform built with the reform builder") and "not enacted law" in text
    assert yaml.safe_load(text) == builder.overlay(spec)
    path = tmp_path / f"{builder.reform_id(spec)}.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = regimes.load(path)
    built = builder.build(spec)
    assert (loaded.id, loaded.name, loaded.rules, loaded.expunge_sections) == (
        built.id, built.name, built.rules, built.expunge_sections)


def test_cli_applies_the_yaml_unchanged(tmp_path, demo_db):
    totals = {}
    for key, preset in PRESETS.items():
        path = tmp_path / f"{builder.reform_id(preset.spec)}.yaml"
        path.write_text(builder.to_yaml(preset.spec), encoding="utf-8")
        out = cli_json("project", "--db", demo_db, "--dataset", "summonses", "--regime", path,
                       "--start", "2018-01-01", "--end", "2021-12-31")
        direct = project(demo_db, "summonses", str(path), start=dt.date(2018, 1, 1), end=dt.date(2021, 12, 31))
        assert out["regime"] == builder.reform_id(preset.spec) and out["regime_name"] == builder.title(preset.spec)
        assert out["groups"] == json.loads(json.dumps(direct["groups"]))
        totals[key] = {k: sum(g[k] for g in out["groups"]) for k in ("criminal_central", "expungeable_target",
                                                                   "expungeable", "fines_high")}
    enacted = cli_json("project", "--db", demo_db, "--dataset", "summonses", "--regime", "reform-2019",
                       "--start", "2018-01-01", "--end", "2021-12-31")
    base = {k: sum(g[k] for g in enacted["groups"]) for k in totals["expunge-more-2019"]}
    assert totals["expunge-more-2019"]["criminal_central"] == base["criminal_central"]
    assert totals["expunge-more-2019"]["expungeable_target"] >= base["expungeable_target"]
    assert totals["possession-3oz-2019"]["criminal_central"] <= base["criminal_central"]
    assert totals["smoking-civil-2019"]["fines_high"] <= base["fines_high"]
