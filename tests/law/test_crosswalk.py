"""The derived crosswalk against hand-made tables (an independent source: the law reference's crosswalk tables,
corrected where the statute text disagrees, each correction named below with the sentence it rests on):
low / central / high class of a charged section under another regime."""

from __future__ import annotations

import pytest

from nyc_cannabis.law import regimes
from nyc_cannabis.law.crosswalk import bounds
from nyc_cannabis.law.regimes import severity

V, BM, AM, EF, DF, CF = "violation", "b_misdemeanor", "a_misdemeanor", "e_felony", "d_felony", "c_felony"
LAWFUL, CIVIL = "lawful", "civil"

# (charged regime, section, subdivision, age band, target) → (low, central, high), from the law reference
TABLE = [
    # §3.3 old-1977 records → reform-2019: only 221.05 / 221.10 change
    ("old-1977", "221.05", None, "25-44", "reform-2019", (V, V, V)),
    ("old-1977", "221.10", 1, "25-44", "reform-2019", (V, V, V)),
    ("old-1977", "221.10", 2, "25-44", "reform-2019", (V, V, V)),
    ("old-1977", "221.15", None, "25-44", "reform-2019", (AM, AM, AM)),
    ("old-1977", "221.20", None, "25-44", "reform-2019", (EF, EF, EF)),
    ("old-1977", "221.25", None, "25-44", "reform-2019", (DF, DF, DF)),
    ("old-1977", "221.30", None, "25-44", "reform-2019", (CF, CF, CF)),
    ("old-1977", "221.35", None, "25-44", "reform-2019", (BM, BM, BM)),
    ("old-1977", "221.45", None, "25-44", "reform-2019", (EF, EF, EF)),
    ("old-1977", "221.55", None, "25-44", "reform-2019", (CF, CF, CF)),
    # §3.3 old-1977 records → mrta-2021 (age unknown where the table's high bound is "under 21")
    ("old-1977", "221.05", None, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, CIVIL)),
    ("old-1977", "221.10", 1, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, CIVIL)),
    ("old-1977", "221.10", 2, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, CIVIL)),
    ("old-1977", "221.15", None, "25-44", "mrta-2021", (LAWFUL, V, V)),
    # PL 222.15(5): "a person may lawfully possess up to five pounds of cannabis in their private residence"
    # (the hand table, made before subdivision 5 was found, has V and AM low bounds here)
    ("old-1977", "221.20", None, "25-44", "mrta-2021", (LAWFUL, V, V)),
    ("old-1977", "221.25", None, "25-44", "mrta-2021", (LAWFUL, AM, EF)),
    ("old-1977", "221.25", None, "<18", "mrta-2021", (LAWFUL, AM, EF)),     # subd. 5 says "a person"
    ("old-1977", "221.30", None, "25-44", "mrta-2021", (DF, DF, DF)),        # more than 10 lb: no home exception
    ("old-1977", "221.35", None, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, AM)),
    # PL 222.00(3): "'sell' shall mean to sell, exchange or dispose of for compensation": a gift of more than
    # 4 oz (1977: a sale) is the giver's possession, 222.25, a violation (hand table: AM)
    ("old-1977", "221.50", None, "25-44", "mrta-2021", (V, AM, EF)),
    ("old-1977", "221.50", 1, "25-44", "mrta-2021", (V, AM, EF)),
    ("old-1977", "221.50", 2, "25-44", "mrta-2021", (AM, AM, EF)),           # 222.50(2) names giving
    # a gift of more than 16 oz is 222.30 possession, a class A misdemeanor (hand table: EF, 222.55(1))
    ("old-1977", "221.55", None, "25-44", "mrta-2021", (AM, EF, CF)),
    # §3.4 reform-2019 records
    ("reform-2019", "221.10", None, "25-44", "old-1977", (BM, BM, BM)),
    ("reform-2019", "221.05", None, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, CIVIL)),
    ("reform-2019", "221.10", None, "UNKNOWN", "mrta-2021", (LAWFUL, LAWFUL, CIVIL)),
]


@pytest.mark.parametrize("charged, section, sub, age, target, expected", TABLE,
                         ids=[f"{c}-{s}({d})-{a}->{t}" for c, s, d, a, t, _ in TABLE])
def test_matches_the_reference_table(charged, section, sub, age, target, expected):
    b = bounds(regimes.load(charged), section, sub, age, regimes.load(target))
    assert b is not None and b.classes() == expected


def test_central_sections_follow_the_named_assumptions():
    old, reform, mrta = (regimes.load(r) for r in regimes.REGIME_IDS)
    assert bounds(old, "221.10", 1, "25-44", reform).central.sections == ("221.05",)   # A3: small amounts
    assert bounds(old, "221.10", 2, "25-44", reform).central.sections == ("221.10",)   # A2: 1-2 oz is wider
    assert bounds(old, "221.25", None, "25-44", mrta).central.sections == ("222.30",)  # A2: heavy → low end


def test_deviations_from_the_reference_table_are_deliberate():
    """Three cells where deriving from the statutes gives a wider, defensible range than the hand table."""
    old, reform, mrta = (regimes.load(r) for r in regimes.REGIME_IDS)
    # 221.40 also covered gifts of more than 2 g ("sell" includes give); a gift between adults of up to
    # 3 oz is lawful under the MRTA, so the low bound is lawful, not the table's 222.45 violation.
    assert bounds(old, "221.40", None, "25-44", mrta).classes() == (LAWFUL, V, AM)
    # likewise 221.45 (sale of more than 25 g) covered gifts of 25 g to 3 oz between adults: table (V, V, AM)
    assert bounds(old, "221.45", None, "25-44", mrta).classes() == (LAWFUL, V, AM)
    # 2019's 221.05 covered public possession up to 1 oz, which was 221.10(1), a B misdemeanor, in 1977.
    assert bounds(reform, "221.05", None, "25-44", old).classes() == (V, V, BM)


@pytest.mark.parametrize("rid", regimes.REGIME_IDS)
def test_a_regime_applied_to_its_own_records_gives_back_the_charge(rid):
    regime = regimes.load(rid)
    for rule in regime.rules:
        if rule.klass in (LAWFUL,):
            continue
        b = bounds(regime, rule.section, rule.subdivision, "25-44", regime)
        if b is None:  # e.g. an under-21 rule with an adult age band
            continue
        assert severity(b.low.klass) <= severity(b.central.klass) <= severity(b.high.klass)
        assert b.central.klass == rule.klass, rule.label
        if not any(r.readings for r in regime.rules if r.label == rule.label):
            # a code with other readings (a defence, an unverified fine) widens its own range
            assert b.low.klass == b.high.klass == rule.klass, rule.label


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

from nyc_cannabis.law.crosswalk import AGE_BANDS  # noqa: E402

CELLS = [(c, r.section, r.subdivision) for c in regimes.REGIME_IDS for r in regimes.load(c).rules]


@settings(max_examples=150, deadline=None)
@given(cell=st.sampled_from(CELLS), age=st.sampled_from(sorted(AGE_BANDS)), target=st.sampled_from(regimes.REGIME_IDS),
       whole_section=st.booleans())
def test_bounds_are_always_ordered(cell, age, target, whole_section):
    charged, section, subdivision = cell
    b = bounds(regimes.load(charged), section, None if whole_section else subdivision, age, regimes.load(target))
    if b is None:
        return
    assert b.low.rank <= b.central.rank <= b.high.rank
    assert len(b.facts) > 0


def test_each_assumption_switches_the_central_case_only():
    from nyc_cannabis.law.crosswalk import Assumptions
    old, mrta = regimes.load("old-1977"), regimes.load("mrta-2021")
    cases = [  # (section, subdivision, age band, switch, default central, switched central)
        ("221.10", 1, "25-44", {"conduct": "smoke_restricted"}, LAWFUL, CIVIL),     # C1: smoking where banned
        ("221.25", None, "25-44", {"amount": "high"}, AM, EF),                       # A2: heavy range, high end
        ("221.40", None, "25-44", {"buyer_age": "18_20"}, V, AM),                    # A5: buyer under 21
        ("221.05", None, "18-24", {"age_18_24": "18_20"}, LAWFUL, CIVIL),            # A4: possessor under 21
        ("221.20", None, "25-44", {"conduct": "possess_home"}, V, LAWFUL),           # C1: at home (222.15(5))
    ]
    for section, sub, age, switch, default, switched in cases:
        plain = bounds(old, section, sub, age, mrta)
        other = bounds(old, section, sub, age, mrta, Assumptions(**switch))
        assert (plain.central.klass, other.central.klass) == (default, switched), switch
        assert (plain.low, plain.high) == (other.low, other.high)  # the range never depends on them


def test_assumptions_parse_and_refuse():
    from nyc_cannabis.law.crosswalk import Assumptions
    assert Assumptions.parse(["amount=low", "buyer_age=under_18"]) == Assumptions(amount="low", buyer_age="under_18")
    with pytest.raises(ValueError, match="unknown assumption 'weight'"):
        Assumptions.parse(["weight=3"])
    with pytest.raises(ValueError, match="amount must be one of wider, low, high"):
        Assumptions.parse(["amount=most"])
