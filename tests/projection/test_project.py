"""The projection over the records, checked against hand-written SQL on the real extracts and on invariants."""

from __future__ import annotations

import pytest
from conftest import cli, cli_json, query

BOUNDS = ("low", "central", "high")


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    from conftest import REAL, REAL_FILES
    if not all((REAL / f).is_file() for f in REAL_FILES.values()):
        pytest.skip(f"real extracts not present in {REAL}")
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    cli_json("ingest", *(REAL / f for f in REAL_FILES.values()), "--db", db)
    return db


def by_group(out):
    return {g["group"]: g for g in out["groups"]}


def check_invariants(out):
    for g in out["groups"]:
        assert g["criminal_low"] <= g["criminal_central"] <= g["criminal_high"], g
        for b in BOUNDS:
            assert g[f"criminal_{b}"] + g[f"violation_{b}"] + g[f"legal_{b}"] + g["unmatched"] == g["records"], g
        assert g["fines_low"] <= g["fines_high"]


@pytest.mark.real
def test_2017_arrests_under_the_2019_law_match_a_hand_query(real_db):
    out = cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "reform-2019",
                   "--start", "2017-01-01", "--end", "2017-12-31")
    check_invariants(out)
    # Independent: NYPD's own LAW_CAT_CD says what was criminal as charged; under the 2019 law only
    # 221.05 and 221.10 stop being crimes (they become violations), every other section is unchanged.
    hand = {g: (n, crim, kept, viol) for g, n, crim, kept, viol in query(real_db, """
        SELECT race_group, count(*),
               count(*) FILTER (WHERE law_cat_cd IN ('M', 'F')),
               count(*) FILTER (WHERE law_code NOT LIKE 'PL 22105%' AND law_code NOT LIKE 'PL 22110%'),
               count(*) FILTER (WHERE law_code LIKE 'PL 22105%' OR law_code LIKE 'PL 22110%')
        FROM arrests WHERE law_code LIKE 'PL 221%' AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31'
        GROUP BY 1""")}
    got = by_group(out)
    assert set(got) == set(hand)
    for group, (n, criminal, kept, violations) in hand.items():
        g = got[group]
        assert (g["records"], g["criminal_as_charged"]) == (n, criminal)
        assert g["criminal_low"] == g["criminal_high"] == kept
        assert g["violation_low"] == g["violation_high"] == g["expungeable"] == violations
    assert sum(g["records"] for g in got.values()) == 1_414  # nyc-open-data.md §7.4


@pytest.mark.real
def test_2020_summonses_under_the_1977_law_match_a_hand_query(real_db):
    out = cli_json("project", "--db", real_db, "--dataset", "summonses", "--regime", "old-1977")
    check_invariants(out)
    # Independent: a 2020 "221.10" summons (more than 1 oz) was 221.10(2), a B misdemeanor, in 1977 at
    # any bound; a 2020 "221.05" (up to 1 oz, any place) was a violation if private and under 25 g, a
    # misdemeanor if in public view: low = violation, high = misdemeanor.
    hand = {g: (n, n10) for g, n, n10 in query(real_db, """
        SELECT race_group, count(*), count(*) FILTER (WHERE law_section = '221.10')
        FROM summonses WHERE is_cannabis GROUP BY 1""")}
    got = by_group(out)
    for group, (n, n10) in hand.items():
        g = got[group]
        assert (g["records"], g["criminal_as_charged"]) == (n, 0)
        assert (g["criminal_low"], g["criminal_high"]) == (n10, n), group
    assert got["Black"]["records"] == 1_961 and got["Hispanic"]["records"] == 1_357


def test_project_by_borough_and_bad_input(tmp_path):
    db = tmp_path / "d.duckdb"
    cli_json("demo", "--out", tmp_path / "demo", "--arrests", "3000", "--summonses", "2000", "--db", db)
    out = cli_json("project", "--db", db, "--dataset", "arrests", "--regime", "mrta-2021", "--by", "borough")
    check_invariants(out)
    assert {g["group"] for g in out["groups"]} <= {"B", "K", "M", "Q", "S", "Unknown"}
    total = query(db, "SELECT count(*) FROM arrests WHERE is_cannabis")[0][0]
    assert sum(g["records"] for g in out["groups"]) == total
    code, _, err = cli("project", "--db", tmp_path / "none.duckdb", "--dataset", "arrests", "--regime", "old-1977")
    assert code == 1 and "no such database" in err


REFORMS = "nyc_cannabis/law/regimes/reforms"


@pytest.mark.real
def test_custom_reform_widening_expungement(real_db):
    from conftest import ROOT
    out = cli_json("project", "--db", real_db, "--dataset", "arrests", "--start", "2017-01-01", "--end", "2017-12-31",
                   "--regime", ROOT / REFORMS / "expunge-more-2019.yaml")
    hand = dict(query(real_db, """
        SELECT race_group, count(*) FILTER (WHERE law_section IN ('221.05', '221.10', '221.15', '221.20', '221.35', '221.40'))
        FROM arrests WHERE is_cannabis AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31' GROUP BY 1"""))
    got = by_group(out)
    assert {g: got[g]["expungeable_target"] for g in got} == hand
    assert all(got[g]["expungeable_target"] >= got[g]["expungeable"] for g in got)
    enacted = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "reform-2019",
                                "--start", "2017-01-01", "--end", "2017-12-31"))
    for g in got:  # penalties unchanged by this overlay
        assert [got[g][f"criminal_{b}"] for b in BOUNDS] == [enacted[g][f"criminal_{b}"] for b in BOUNDS]


@pytest.mark.real
def test_custom_reform_making_public_smoking_civil(real_db):
    from conftest import ROOT
    out = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime",
                            ROOT / REFORMS / "public-smoking-civil-2019.yaml"))
    # 221.10 arrests could now be civil at the low bound: subdivision 1 (public view or burning, up to 2 oz)
    # and subdivision 2 (25 g to 2 oz, which includes smoking 25-28 g where tobacco is banned); 221.05
    # (private) and everything heavier stay violations or crimes. A hand count of the two codes:
    hand = dict(query(real_db, """SELECT race_group, count(*) FROM arrests
                                  WHERE law_code IN ('PL 2211001', 'PL 2211002') GROUP BY 1"""))
    for group, n in hand.items():
        assert out[group]["legal_low"] == n


def test_projection_chart_shows_civil_fines_as_legal(real_db):
    """The chart's legend must say what its bars count: a civil fine is counted as legal (by_group.sql)."""
    from conftest import ROOT

    from nyc_cannabis.present import charts
    from nyc_cannabis.projection import project
    result = project.project(real_db, "arrests", str(ROOT / REFORMS / "public-smoking-civil-2019.yaml"))
    fig = charts.projection_figure(result)
    legal = next(t for t in fig.data if t.name == "legal or civil fine")
    assert not any("civil" in t.name for t in fig.data if t is not legal)
    shown = {group: y for group, bound, y in zip(*legal.x, legal.y) if bound == "low"}
    hand = dict(query(real_db, """SELECT race_group, count(*) FROM arrests
                                  WHERE law_code IN ('PL 2211001', 'PL 2211002') GROUP BY 1"""))
    for group, n in hand.items():
        if group in shown:
            assert shown[group] == n, group


OVERLAY = """id: bad-reform
name: a reform with one slip
effective: {from: 2019-08-28, until: 2021-03-30}
base: reform-2019
replace_sections: ["221.05"]
rules:
  - section: "221.05"
    name: possession
    conduct: [possess_private]
    amount_g: {above: 0, up_to: 28.3495}
    class: violation
    fine_max: 50
    sources: [{url: "https://www.nysenate.gov/legislation/laws/PEN/221.05", kind: statute, quote: "a violation punishable"}]
"""


@pytest.mark.parametrize("slip, message", [
    ("    verified: \"false\"\n    unknown: the fine\n", "rule 1 (221.05): verified: Input should be a valid boolean (got 'false')"),
    ("    fine_max: \"fifty\"\n", "rule 1 (221.05): fine_max: Input should be a valid number (got 'fifty')"),
    ("    amount_g: 5\n", "rule 1 (221.05): amount_g: Input should be a valid dictionary"),
    ("    sources: []\n", "rule 1 (221.05): sources: List should have at least 1 item"),
    ("    sources: [{url: \"https://en.wikipedia.org/wiki/Cannabis\", kind: statute, quote: \"is legal in New York\"}]\n",
     "not an official source of New York law nor a known mirror"),
    ("    colour: red\n", "rule 1 (221.05): colour: unknown key"),
])
def test_bad_reform_file_is_one_line(tmp_path, slip, message):
    """Issue 14: each slip exits non-zero with one line naming the file, the rule and the field, no traceback."""
    text = OVERLAY
    key = slip.split(":")[0].strip()
    if key in ("fine_max", "amount_g", "sources"):  # replace the rule's own line
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(key + ":")) + "\n"
    bad = tmp_path / "r.yaml"
    bad.write_text(text + slip)
    db = tmp_path / "d.duckdb"
    cli_json("demo", "--out", tmp_path / "demo", "--arrests", "100", "--summonses", "100", "--db", db)
    for args in (("project", "--db", db, "--dataset", "arrests", "--regime", bad),
                 ("crosswalk", "--from", "old-1977", "--to", bad)):
        code, _, err = cli(*args)
        assert code == 1 and "r.yaml" in err and message in err and err.count("\n") == 1, err
        assert "Traceback" not in err


@pytest.mark.real
def test_explain_a_2017_possession_arrest_under_the_mrta(real_db):
    out = cli_json("explain", "--db", real_db, "--key", "173130602", "--regime", "mrta-2021")
    assert out["record"]["code"] == "PL 2210500" and out["record"]["event_date"] == "2017-12-31"
    assert out["charged_regime"]["id"] == "old-1977"
    assert [m["section"] for m in out["meaning_on_date"]] == ["221.05"]
    assert out["consistent_facts"]["conduct"] == ["possess_home", "possess_private"]
    assert out["consistent_facts"]["amount_g"] == {"above": 0.0, "up_to": 25.0}
    assert [out["outcome"][b]["class"] for b in BOUNDS] == ["lawful"] * 3
    assert out["expungeable"] == {"2019_rules": True, "target_rules": True}
    assert all(r["citation"].startswith("http") for b in BOUNDS for r in out["outcome"][b]["rules"])


@pytest.mark.real
def test_explain_the_conflicting_summons_under_the_1977_law(real_db):
    out = cli_json("explain", "--db", real_db, "--key", "148968083", "--regime", "old-1977")
    assert out["record"]["line"] == 5900 and out["charged_regime"]["id"] == "reform-2019"
    assert [out["outcome"][b]["class"] for b in BOUNDS] == ["violation", "violation", "b_misdemeanor"]
    code, text, _ = cli("explain", "--db", real_db, "--key", "148968083", "--regime", "old-1977")
    assert code == 0 and "on that date the law was reform-2019" in text


@pytest.mark.real
def test_explain_non_cannabis_and_unknown_keys(real_db):
    out = cli_json("explain", "--db", real_db, "--key", "172958858", "--regime", "mrta-2021")  # PL 1553502
    assert out["meaning_on_date"] is None and "not a cannabis section" in out["conclusion"]
    code, _, err = cli("explain", "--db", real_db, "--key", "nope", "--regime", "mrta-2021")
    assert code == 1 and "no arrest or summons with key 'nope'" in err


@pytest.mark.real
def test_2017_arrests_under_the_mrta_match_a_hand_query(real_db):
    """Hand-derived from the statute text (docs/law.md). Criminal at every bound: more than 10 lb (221.30 →
    222.40: no home exception above 5 lb) and sales or gifts of more than 16 oz (221.55: a gift is the giver's
    possession, 222.30, a class A misdemeanor). Possession of 16 oz-10 lb (221.25) may be lawful at home up to
    5 lb (PL 222.15(5)); sales of more than 4 oz (221.50) may be gifts, which are 222.25 possession, a
    violation (PL 222.00(3): "sell" means for compensation). Criminal at the high bound: those, 221.45 (a
    222.50(1) sale of more than 3 oz at any age), and small sales and gifts (221.35, 221.40) by someone who may
    be 21 or older to a person under 21 (222.50(2)). Possession up to 16 oz (221.05-221.20) never is."""
    out = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "mrta-2021",
                            "--start", "2017-01-01", "--end", "2017-12-31"))
    hand = {g: rest for g, *rest in query(real_db, """
        SELECT race_group,
               count(*) FILTER (WHERE law_section IN ('221.30', '221.55')),
               count(*) FILTER (WHERE law_section IN ('221.25', '221.30', '221.45', '221.50', '221.55')
                                   OR (law_section IN ('221.35', '221.40') AND age_band <> '<18')),
               count(*) FILTER (WHERE law_section IN ('221.05', '221.10', '221.15', '221.20')),
               count(*) FILTER (WHERE law_section = '221.30'),
               count(*) FILTER (WHERE law_section IN ('221.30', '221.50', '221.55'))
        FROM arrests WHERE is_cannabis AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31' GROUP BY 1""")}
    for group, (low, high, never, floor, ceiling) in hand.items():
        g = out[group]
        assert (g["criminal_low"], g["criminal_high"]) == (low, high), group
        assert floor <= g["criminal_low"] <= ceiling, group  # issue 14's check
        assert g["criminal_low"] <= g["records"] - never
        assert g["net_change_high"] == high - g["criminal_as_charged"]
    shares = [g["share_of_criminal_central"] for g in out.values() if g["share_of_criminal_central"] is not None]
    assert abs(sum(shares) - 1) < 1e-3


@pytest.mark.real
def test_by_period_splits_records_by_the_law_of_their_date(real_db):
    out = by_group(cli_json("project", "--db", real_db, "--dataset", "summonses", "--regime", "mrta-2021",
                            "--by", "period"))
    assert set(out) == {"reform-2019"} and out["reform-2019"]["records"] == 3_615
    years = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "mrta-2021",
                              "--by", "year"))
    assert {k: v["records"] for k, v in years.items()} == {"2017": 1_414}


@pytest.mark.real
def test_switching_the_buyer_age_assumption(real_db):
    args = ("project", "--db", real_db, "--dataset", "arrests", "--regime", "mrta-2021",
            "--start", "2017-01-01", "--end", "2017-12-31")
    plain = by_group(cli_json(*args))
    minors = cli_json(*args, "--assume", "buyer_age=18_20")
    assert "buyer_age=18_20" in minors["assumptions"]["settings"]
    # hand count: small sales and gifts by a seller who may be 21+ become 222.50(2) misdemeanors
    extra = dict(query(real_db, """SELECT race_group, count(*) FROM arrests
        WHERE law_section IN ('221.35', '221.40', '221.45') AND age_band <> '<18'
          AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31' GROUP BY 1"""))
    for group, g in by_group(minors).items():
        assert g["criminal_central"] == plain[group]["criminal_central"] + extra.get(group, 0), group
        assert (g["criminal_low"], g["criminal_high"]) == (plain[group]["criminal_low"], plain[group]["criminal_high"])
    code, _, err = cli(*args, "--assume", "buyer_age=toddler")
    assert code == 1 and "buyer_age must be one of" in err


@pytest.mark.real
def test_records_resting_on_unverified_rules_are_counted(real_db):
    # Hand-derived from the law files' verified flags (docs/law.md): under the 2019 law the former article 221
    # sections read only in secondary sources (221.15, .20, .30, .35, .40, .45, .50) are unverified; 221.05 and
    # 221.10 (2019 text), 221.25 and 221.55 (court opinions) are not.
    plain = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "reform-2019",
                              "--start", "2017-01-01", "--end", "2017-12-31"))
    hand = dict(query(real_db, """SELECT race_group, count(*) FILTER (WHERE law_section IN
                                  ('221.15', '221.20', '221.30', '221.35', '221.40', '221.45', '221.50')) FROM arrests
                                  WHERE is_cannabis AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31' GROUP BY 1"""))
    assert {g: v["on_unverified_rules"] for g, v in plain.items()} == hand
    # under the MRTA: bounds that reach 222.25 (fine), 222.30/.35/.40 (class) or 222.45 (the whole section);
    # 221.35 reaches only 222.05(1)(b), CL 132(4) and 222.50(2), and 221.05/221.10 only lawful or civil outcomes
    mrta = by_group(cli_json("project", "--db", real_db, "--dataset", "arrests", "--regime", "mrta-2021",
                             "--start", "2017-01-01", "--end", "2017-12-31"))
    hand = dict(query(real_db, """SELECT race_group, count(*) FILTER (WHERE law_section IN
                                  ('221.15', '221.20', '221.25', '221.30', '221.40', '221.45', '221.50', '221.55'))
                                  FROM arrests WHERE is_cannabis AND arrest_date BETWEEN '2017-01-01' AND '2017-12-31'
                                  GROUP BY 1"""))
    assert {g: v["on_unverified_rules"] for g, v in mrta.items()} == hand
