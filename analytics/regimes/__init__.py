"""New York's marijuana penalty regimes as data, and the classification of conduct under each.

Each regime is a YAML file beside this module (``old-1977``, ``reform-2019``, ``mrta-2021``): its
effective dates and a list of rules. A rule is one way to commit one Penal Law section (or the Cannabis
Law's civil possession rule): the conduct, the amount band in grams, the ages involved, the offence class,
fines and jail, and a citation — every rule must cite its source. A regime can build on another
(``base`` + ``replace_sections``), the way the 2019 law amended two sections of the 1977 law.

:func:`Regime.classify` answers "what did this conduct amount to under this law?": the most serious rule
that matches (a record's code is taken to be the top charge, assumption A1 of the law reference). Conduct
no rule covers is lawful. The record-level engine (docs/design-regime-engine.md) builds on this: the facts
consistent with a record are those its own regime classifies as the charged section.

Loading validates every file and raises :class:`RegimeError` with a one-line reason: unknown keys, an
unknown section, conduct, age or class, an empty or inverted amount band, a missing citation, or two rules
of one section that overlap.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

HERE = Path(__file__).resolve().parent
REGIME_IDS = ("old-1977", "reform-2019", "mrta-2021")

CONDUCTS = ("possess_private", "possess_public", "smoke_restricted", "sell", "gift")
AGES = ("under_18", "18_20", "21_plus")
#: offence classes from least to most serious; criminal = misdemeanour or felony
CLASSES = ("lawful", "civil", "violation", "b_misdemeanor", "a_misdemeanor", "e_felony", "d_felony", "c_felony")
CRIMINAL = frozenset(CLASSES[3:])


def class_name(klass: str) -> str:
    """An offence class as the Penal Law writes it: "class B misdemeanor", "violation", "lawful"."""
    grade, _, kind = klass.partition("_")
    return f"class {grade.upper()} {kind}" if kind else klass

_SECTION = re.compile(r"^(\d{3}\.\d{2}|CL \d+\(\d+\))$")
_RULE_KEYS = {"section", "subdivision", "name", "conduct", "amount_g", "actor_age", "other_age", "class",
              "fine_max", "fine_max_with_priors", "jail_max_days", "citation", "verified", "note"}
_REGIME_KEYS = {"id", "name", "effective", "base", "replace_sections", "rules", "expunge_sections",
                "expunge_citation", "description"}


class RegimeError(ValueError):
    """A regime file is not valid; the message names the file and the problem."""


def severity(klass: str) -> int:
    return CLASSES.index(klass)


@dataclass(frozen=True)
class Fact:
    """One point of the fact space: what was done, how much (a band in grams), and the ages involved."""

    conduct: str
    above_g: float          # the amount is more than this ...
    up_to_g: float | None   # ... and at most this (None: no upper limit)
    actor_age: str = "21_plus"
    other_age: str = "21_plus"  # the buyer or recipient (sale, gift); unrecorded, central: an adult (A5)


@dataclass(frozen=True)
class Rule:
    section: str
    subdivision: int | None
    name: str
    conduct: frozenset[str]
    above_g: float
    up_to_g: float | None
    actor_age: frozenset[str]
    other_age: frozenset[str]
    klass: str
    citation: str
    fine_max: float | None = None
    fine_max_with_priors: float | None = None
    jail_max_days: int | None = None
    verified: bool = True
    note: str | None = None

    @property
    def label(self) -> str:
        return self.section + (f"({self.subdivision})" if self.subdivision is not None else "")

    @property
    def criminal(self) -> bool:
        return self.klass in CRIMINAL

    def matches(self, fact: Fact) -> bool:
        """True when the whole amount band of ``fact`` lies inside this rule's band."""
        if (fact.conduct not in self.conduct or fact.actor_age not in self.actor_age
                or fact.other_age not in self.other_age):
            return False
        if fact.above_g < self.above_g:
            return False
        if self.up_to_g is None:
            return True
        return fact.up_to_g is not None and fact.up_to_g <= self.up_to_g

    def overlaps(self, other: Rule) -> bool:
        def meet(a: float, b: float | None, c: float, d: float | None) -> bool:
            return (b is None or c < b) and (d is None or a < d)
        return (bool(self.conduct & other.conduct) and bool(self.actor_age & other.actor_age)
                and bool(self.other_age & other.other_age)
                and meet(self.above_g, self.up_to_g, other.above_g, other.up_to_g))


@dataclass(frozen=True)
class Outcome:
    """What a fact amounts to under a regime: the most serious matching rules (ties: several)."""

    klass: str
    rules: tuple[Rule, ...] = field(default=())

    @property
    def criminal(self) -> bool:
        return self.klass in CRIMINAL

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.rules)

    @property
    def fine_max(self) -> float:
        """The largest fine the matching rules allow (0 when none is set, e.g. lawful conduct)."""
        return max((r.fine_max or 0 for r in self.rules), default=0)

    @property
    def rank(self) -> tuple[int, float]:
        """Order of seriousness: the class first, then the fine (two violations: $200 above $50)."""
        return severity(self.klass), self.fine_max


@dataclass(frozen=True)
class Regime:
    id: str
    name: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    rules: tuple[Rule, ...]
    #: records charged under these sections are expunged automatically under this law
    expunge_sections: frozenset[str] = frozenset()
    expunge_citation: str | None = None

    def __post_init__(self) -> None:
        # a regime is a cache key (crosswalk, bounds): hash its fields once, not on every lookup
        object.__setattr__(self, "_hash", hash((self.id, self.name, self.effective_from, self.effective_until,
                                                 self.rules, self.expunge_sections, self.expunge_citation)))

    def __hash__(self) -> int:
        return self._hash

    def in_force(self, day: dt.date) -> bool:
        return ((self.effective_from is None or day >= self.effective_from)
                and (self.effective_until is None or day <= self.effective_until))

    def classify(self, fact: Fact) -> Outcome:
        matching = [r for r in self.rules if r.matches(fact)]
        if not matching:
            return Outcome("lawful")
        top = max(severity(r.klass) for r in matching)
        return Outcome(CLASSES[top], tuple(r for r in matching if severity(r.klass) == top))

    def thresholds(self) -> set[float]:
        return {r.above_g for r in self.rules} | {r.up_to_g for r in self.rules if r.up_to_g is not None}


# ------------------------------------------------------------------------------------------- loading

def load(name_or_path: str | Path) -> Regime:
    """A shipped regime by id (``old-1977``) or a regime YAML file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        if str(name_or_path) not in REGIME_IDS:
            raise RegimeError(f"unknown regime {name_or_path!r}: choose {', '.join(REGIME_IDS)} or a .yaml file")
        return _shipped(str(name_or_path))
    return _load_path(path.resolve())


@lru_cache(maxsize=None)
def _shipped(regime_id: str) -> Regime:
    return _load_path((HERE / f"{regime_id}.yaml").resolve())


#: how sentences, chart titles and legends name the enacted laws (their ids stay in URLs, files and JSON)
LABELS = {"old-1977": "the 1977 law", "reform-2019": "the 2019 law", "mrta-2021": "the MRTA (2021)"}


def label(regime_id: str) -> str:
    """A regime as a reader knows it: "the 2019 law"; a custom reform as "reform <id>"."""
    return LABELS.get(regime_id, f"reform {regime_id}")


def load_all() -> dict[str, Regime]:
    return {rid: load(rid) for rid in REGIME_IDS}


def regime_on(day: dt.date) -> Regime:
    """The enacted regime in force on a day (the law that gives a record's code its meaning)."""
    for regime in load_all().values():
        if regime.in_force(day):
            return regime
    raise RegimeError(f"no regime in force on {day}")  # pragma: no cover - the shipped dates are contiguous


@lru_cache(maxsize=None)
def _load_path(path: Path) -> Regime:
    if not path.is_file():
        raise RegimeError(f"{path}: no such regime file")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegimeError(f"{path.name}: not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    return _build(path, doc)


def _build(path: Path, doc: Any) -> Regime:
    where = path.name
    if not isinstance(doc, dict):
        raise RegimeError(f"{where}: expected a mapping with id, name, effective and rules")
    _no_unknown(where, doc, _REGIME_KEYS)
    for key in ("id", "name", "effective", "rules"):
        if key not in doc:
            raise RegimeError(f"{where}: missing '{key}'")
    effective = doc["effective"] or {}
    own = [_rule(f"{where} rule {i + 1}", raw) for i, raw in enumerate(doc["rules"] or [])]
    rules: list[Rule] = []
    if doc.get("base"):
        base = load(doc["base"])
        replaced = set(doc.get("replace_sections") or [])
        unknown = replaced - {r.section for r in base.rules}
        if unknown:
            raise RegimeError(f"{where}: replace_sections names {sorted(unknown)} not in {base.id}")
        rules = [r for r in base.rules if r.section not in replaced]
    rules += own
    _check_overlaps(where, rules)
    base = load(doc["base"]) if doc.get("base") else None
    expunge = doc.get("expunge_sections", sorted(base.expunge_sections) if base else [])
    if any(not _SECTION.match(str(x)) for x in expunge):
        raise RegimeError(f"{where}: unknown section in expunge_sections {expunge}")
    expunge_citation = doc.get("expunge_citation", base.expunge_citation if base else None)
    if expunge and not str(expunge_citation or "").startswith(("http://", "https://")):
        raise RegimeError(f"{where}: missing citation for expunge_sections (expunge_citation)")
    return Regime(str(doc["id"]), str(doc["name"]), _date(where, effective.get("from")),
                  _date(where, effective.get("until")), tuple(rules), frozenset(map(str, expunge)),
                  expunge_citation)


def _rule(where: str, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise RegimeError(f"{where}: expected a mapping")
    _no_unknown(where, raw, _RULE_KEYS)
    section = str(raw.get("section", ""))
    if not _SECTION.match(section):
        raise RegimeError(f"{where}: unknown section {section!r} (expected e.g. '221.10' or 'CL 132(4)')")
    where = f"{where} ({section})"
    citation = raw.get("citation")
    if not isinstance(citation, str) or not citation.startswith(("http://", "https://")):
        raise RegimeError(f"{where}: missing citation (every rule cites its source as a URL)")
    klass = raw.get("class")
    if klass not in CLASSES:
        raise RegimeError(f"{where}: unknown class {klass!r} (one of {', '.join(CLASSES)})")
    amount = raw.get("amount_g") or {}
    above, up_to = float(amount.get("above", 0)), amount.get("up_to")
    if above < 0 or (up_to is not None and float(up_to) <= above):
        raise RegimeError(f"{where}: empty or inverted amount band {amount}")
    return Rule(
        section=section, subdivision=raw.get("subdivision"), name=str(raw.get("name", section)),
        conduct=_subset(where, "conduct", raw.get("conduct"), CONDUCTS, required=True),
        above_g=above, up_to_g=None if up_to is None else float(up_to),
        actor_age=_subset(where, "actor_age", raw.get("actor_age"), AGES),
        other_age=_subset(where, "other_age", raw.get("other_age"), AGES),
        klass=klass, citation=citation, fine_max=raw.get("fine_max"),
        fine_max_with_priors=raw.get("fine_max_with_priors"), jail_max_days=raw.get("jail_max_days"),
        verified=bool(raw.get("verified", True)), note=raw.get("note"))


def _subset(where: str, key: str, values: Iterable[str] | None, allowed: tuple[str, ...],
            required: bool = False) -> frozenset[str]:
    if values is None:
        if required:
            raise RegimeError(f"{where}: missing '{key}'")
        return frozenset(allowed)
    unknown = set(values) - set(allowed)
    if unknown or not values:
        raise RegimeError(f"{where}: unknown {key} {sorted(unknown) or '[]'} (one of {', '.join(allowed)})")
    return frozenset(values)


def _check_overlaps(where: str, rules: list[Rule]) -> None:
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            if a.label == b.label and a.overlaps(b):
                raise RegimeError(f"{where}: overlapping bands: two rules for {a.label} cover the same conduct, "
                                  f"amount and ages")


def _no_unknown(where: str, mapping: dict, allowed: set[str]) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise RegimeError(f"{where}: unknown key(s) {sorted(unknown)}")


def _date(where: str, value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RegimeError(f"{where}: not a date: {value!r}") from None
