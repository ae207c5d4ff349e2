"""Explain one record: its code → the section on its date → the facts consistent with it → the outcome
under another law at each bound, with every rule's citation and the assumptions used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nyc_cannabis.core import store
from nyc_cannabis.core.db import Database, reading
from nyc_cannabis.law import crosswalk, regimes


def _rule(rule: regimes.Rule) -> dict[str, Any]:
    """A rule with what a reader needs to check it: its sources (kind, URL, the sentence quoted) and,
    when it is not confirmed by primary text, what is unknown."""
    return {"section": rule.label, "name": rule.name, "class": rule.klass, "fine_max": rule.fine_max,
            "jail_max_days": rule.jail_max_days,
            "with_priors": [{"priors": p, "fine_max": f, "jail_max_days": j} for p, f, j in rule.with_priors],
            "citation": rule.citation, "verified": rule.verified, "unknown": rule.unknown,
            "sources": [{"url": s.url, "kind": s.kind, "official": s.official, "quote": s.quote,
                         "supports": s.supports} for s in rule.sources]}


def _outcome(outcome: regimes.Outcome) -> dict[str, Any]:
    jail = [r.jail_max_days for r in outcome.rules if r.jail_max_days]
    return {"class": outcome.klass, "criminal": outcome.criminal, "fine_max": outcome.fine_max,
            "jail_max_days": max(jail) if jail else None, "because": list(outcome.because),
            "rules": [_rule(r) for r in outcome.rules]}


def explain(db_path: Database | str | Path, key: str, regime: str) -> dict[str, Any]:
    """The reasoning chain for the record with ``key`` re-applied to ``regime`` (an id or a YAML file)."""
    target = regimes.load(regime)
    with reading(db_path) as con:
        found = store.fetch_dicts(con, "explain/record", {"key": key})
    if not found:
        raise ValueError(f"no arrest or summons with key {key!r} in {db_path}")
    record = found[0]
    charged = regimes.regime_on(record["event_date"])
    result: dict[str, Any] = {
        "record": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()},
        "charged_regime": {"id": charged.id, "name": charged.name},
        "target_regime": {"id": target.id, "name": target.name},
    }
    section, subdivision = record["law_section"], record["law_subdivision"]
    rules = [r for r in charged.rules if r.section == section]
    # as in project: the subdivision's own rules where the law has them, else the whole section
    if subdivision is not None and any(r.subdivision == subdivision for r in rules):
        rules = [r for r in rules if r.subdivision == subdivision]
    else:
        subdivision = None
    if not rules:
        result["meaning_on_date"] = None
        result["conclusion"] = (f"code {record['code']!r} is not a cannabis section of {charged.id} on "
                                f"{record['event_date']}: nothing to re-apply")
        return result
    result["meaning_on_date"] = [_rule(r) for r in rules]
    b = crosswalk.bounds(charged, section, subdivision, record["age_band"], target)
    if b is None:  # e.g. a sale-to-a-minor charge (seller 18+) against a person under 18
        result["conclusion"] = (f"no facts fit {section} under {charged.id} for age band {record['age_band']}: "
                                f"nothing to re-apply")
        return result
    facts = b.facts
    uppers = [f.up_to_g for f in facts]
    result["consistent_facts"] = {
        "count": len(facts),
        "conduct": sorted({f.conduct for f in facts}),
        "amount_g": {"above": min(f.above_g for f in facts),
                     "up_to": None if None in uppers else max(uppers)},
        "actor_age": sorted({f.actor_age for f in facts}),
        "other_age": sorted({f.other_age for f in facts}),
    }
    result["outcome"] = {k: _outcome(getattr(b, k)) for k in ("low", "central", "high")}
    result["assumptions"] = crosswalk.ASSUMPTIONS
    result["expungeable"] = {"2019_rules": section in regimes.load("reform-2019").expunge_sections,
                             "target_rules": section in target.expunge_sections}
    return result
