"""The three regimes (and the reform overlays) as tables for people: rules, what changed when, and what a
charge would mean under each law — the same YAML the engine uses, so the pages cannot drift from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nyc_cannabis.core.resources import resource
from nyc_cannabis.law import crosswalk, regimes
from nyc_cannabis.projection.explain import _outcome, _rule

OZ = 28.3495

#: typical situations, each a fact of the engine's fact space: what each law made of it
SCENARIOS: tuple[tuple[str, regimes.Fact], ...] = (
    ("Adult, 20 g at home", regimes.Fact("possess_home", 2, 25)),
    ("Adult, 20 g in a bag, not in view", regimes.Fact("possess_private", 2, 25)),
    ("Adult, 20 g in public view", regimes.Fact("possess_public", 2, 25)),
    ("Adult smoking 5 g where tobacco smoking is banned", regimes.Fact("smoke_restricted", 2, 25)),
    ("Adult, 1.5 oz in public view", regimes.Fact("possess_public", OZ, 2 * OZ)),
    ("Adult, 2.5 oz at home", regimes.Fact("possess_home", 2 * OZ, 3 * OZ)),
    ("Adult, 5 oz at home", regimes.Fact("possess_home", 4 * OZ, 8 * OZ)),
    ("Adult, 5 oz in a car", regimes.Fact("possess_private", 4 * OZ, 8 * OZ)),
    ("Adult, 2 lb at home", regimes.Fact("possess_home", 16 * OZ, 5 * 16 * OZ)),
    ("Aged 18–20, 20 g in public view", regimes.Fact("possess_public", 2, 25, actor_age="18_20")),
    ("Under 18, 20 g in public view", regimes.Fact("possess_public", 2, 25, actor_age="under_18")),
    ("Adult giving 2 g to an adult, no payment", regimes.Fact("gift", 0, 2)),
    ("Adult selling 20 g to an adult", regimes.Fact("sell", 2, 25)),
    ("Adult giving 5 oz to an adult, no payment", regimes.Fact("gift", 4 * OZ, 8 * OZ)),
    ("Aged 18–20, giving 2 g to a friend", regimes.Fact("gift", 0, 2, actor_age="18_20")),
)


def describe(regime: regimes.Regime) -> dict[str, Any]:
    return {"id": regime.id, "name": regime.name,
            "from": regime.effective_from.isoformat() if regime.effective_from else None,
            "until": regime.effective_until.isoformat() if regime.effective_until else None,
            "rules": len(regime.rules), "unverified_rules": sum(not r.verified for r in regime.rules),
            "expunge_sections": sorted(regime.expunge_sections), "expunge_citation": regime.expunge_citation}


def _amount(rule: regimes.Rule) -> str:
    def g(x: float) -> str:
        return f"{x / OZ:g} oz" if abs(x / OZ - round(x / OZ, 2)) < 1e-3 and x >= OZ else f"{x:g} g"
    if rule.up_to_g is None:
        return "any amount" if rule.above_g == 0 else f"more than {g(rule.above_g)}"
    return f"up to {g(rule.up_to_g)}" if rule.above_g == 0 else f"more than {g(rule.above_g)}, up to {g(rule.up_to_g)}"


def _with_priors(rule: regimes.Rule) -> str:
    parts = []
    for priors, fine, jail in rule.with_priors:
        maxima = " and ".join(x for x in (f"${fine:,.0f}" if fine else "", f"{jail} days" if jail else "") if x)
        parts.append(f"{priors} prior{'s' if priors > 1 else ''}: up to {maxima}")
    return "; ".join(parts)


def rules_table(regime: regimes.Regime) -> list[dict[str, Any]]:
    """One row per rule: section, name, class, conduct, amount, ages, fines and jail (with priors apart),
    whether it is verified and what is unknown, and its main source: kind, quoted sentence, URL."""
    ages = set(regimes.AGES)
    return [{"section": r.label, "name": r.name, "class": regimes.class_name(r.klass), "verified": r.verified,
             "quote": r.sources[0].quote, "source kind": source_kind(r.sources[0]), "citation": r.citation,
             "unknown": r.unknown or "", "other readings": "; ".join(o.because for o in r.readings),
             "conduct": ", ".join(c.replace("_", " ") for c in regimes.CONDUCTS if c in r.conduct),
             "amount": _amount(r),
             "actor age": "any" if r.actor_age == ages else ", ".join(a for a in regimes.AGES if a in r.actor_age),
             "fine max ($)": r.fine_max, "jail max (days)": r.jail_max_days,
             "with prior convictions": _with_priors(r), "more sources": len(r.sources) - 1, "note": r.note or ""}
            for r in regime.rules]


def source_kind(source: regimes.Source) -> str:
    """The kind of a source as a reader should weigh it: "statute", "court opinion", "unofficial mirror (…)"
    (every source on an unofficial host is a labelled mirror: ``lawfile.Source``)."""
    return regimes.KIND_NAMES[source.kind]


def sources_table(regime: regimes.Regime) -> list[dict[str, Any]]:
    """Every source of every rule (and of the dates and the expungement list), one row each."""
    rows = [{"section": "in force", "source kind": source_kind(s), "quote": s.quote, "supports": s.supports or "",
             "citation": s.url} for s in regime.effective_sources]
    rows += [{"section": r.label, "source kind": source_kind(s), "quote": s.quote, "supports": s.supports or "",
              "citation": s.url} for r in regime.rules for s in r.sources]
    rows += [{"section": "expungement", "source kind": source_kind(s), "quote": s.quote,
              "supports": s.supports or "", "citation": s.url} for s in regime.expunge_sources]
    return rows


def source_lines(regime: regimes.Regime) -> list[str]:
    """The law a view rests on, as lines a citation can carry: section, kind, quote, URL; unknowns named."""
    lines = []
    for r in regime.rules:
        s = r.sources[0]
        lines.append(f"§{r.label} {r.name} — {regimes.class_name(r.klass)}: {source_kind(s)}, "
                     f"\u201c{s.quote}\u201d <{s.url}>" + ("" if r.verified else f" [unverified: {r.unknown}]"))
    return lines


def scenario_table(ids: tuple[str, ...] = regimes.REGIME_IDS) -> list[dict[str, Any]]:
    """What each typical situation amounted to under each law (class, section, maximum fine)."""
    rows = []
    for label, fact in SCENARIOS:
        row: dict[str, Any] = {"situation": label}
        for rid in ids:
            o = regimes.load(rid).classify(fact)
            sections = "/".join(o.sections)
            fine = f", fine up to ${o.fine_max:,.0f}" if o.fine_max and not o.criminal else ""
            row[rid] = f"{regimes.class_name(o.klass)}{' (' + sections + ')' if sections else ''}{fine}"
        rows.append(row)
    return rows


def charges() -> list[str]:
    """Every section / subdivision label any enacted regime charges (the "what would happen to me" list)."""
    labels = {r.label for reg in regimes.load_all().values() for r in reg.rules}
    labels |= {r.section for reg in regimes.load_all().values() for r in reg.rules}
    return sorted(labels, key=lambda s: (s.startswith("CL"), s))


def parse_charge(label: str) -> tuple[str, int | None]:
    """``221.10(1)`` → ("221.10", 1); ``221.05`` → ("221.05", None)."""
    if label.endswith(")") and "(" in label and not label.startswith("CL"):
        section, _, sub = label[:-1].partition("(")
        return section, int(sub)
    return label, None


def what_if(label: str, day: dt.date, age_band: str, target_ids: tuple[str, ...] | None = None,
            assume: crosswalk.Assumptions = crosswalk.DEFAULT) -> dict[str, Any]:
    """A charge (section, subdivision) on a date for an age band, re-applied to every regime: the same
    reasoning chain as :func:`nyc_cannabis.projection.explain.explain`, without a record."""
    section, subdivision = parse_charge(label)
    charged = regimes.regime_on(day)
    rules = [r for r in charged.rules if r.section == section]
    if subdivision is not None and any(r.subdivision == subdivision for r in rules):
        rules = [r for r in rules if r.subdivision == subdivision]
    else:
        subdivision = None
    result: dict[str, Any] = {"charge": label, "date": day.isoformat(), "age_band": age_band,
                              "charged_regime": {"id": charged.id, "name": charged.name},
                              "meaning_on_date": [_rule(r) for r in rules], "targets": {}}
    if not rules:
        result["conclusion"] = (f"{label} is not a cannabis offence under {charged.id}, the law in force on "
                                f"{day.isoformat()}: nothing to re-apply")
        return result
    for tid in target_ids or tuple(regimes.catalogue()):
        target = regimes.load(tid)
        b = crosswalk.bounds(charged, section, subdivision, age_band, target, assume)
        if b is None:
            result["targets"][tid] = None
            continue
        result["targets"][tid] = {"name": target.name,
                                  "outcome": {k: _outcome(getattr(b, k)) for k in ("low", "central", "high")},
                                  "expungeable": section in target.expunge_sections}
        if "consistent_facts" not in result:
            uppers = [f.up_to_g for f in b.facts]
            result["consistent_facts"] = {
                "count": len(b.facts), "conduct": sorted({f.conduct for f in b.facts}),
                "amount_g": {"above": min(f.above_g for f in b.facts), "up_to": None if None in uppers else max(uppers)},
                "actor_age": sorted({f.actor_age for f in b.facts})}
    if "consistent_facts" not in result:
        result["conclusion"] = f"no facts fit {label} under {charged.id} for age band {age_band}"
    result["assumptions"] = assume.describe()
    return result



def data_terms() -> str:
    """The data terms and attribution (``present/DATA-TERMS.md``): the methods page, the reporter pack, README."""
    return resource("present", "DATA-TERMS.md").read_text(encoding="utf-8")


def changes_text() -> str:
    """"Changes to the law model": what was corrected against the statute text, why, and what it moved
    (``nyc_cannabis/law/regimes/CHANGES.md``, also linked from docs/law.md)."""
    return (regimes.HERE / "CHANGES.md").read_text(encoding="utf-8").split("\n", 2)[2]
