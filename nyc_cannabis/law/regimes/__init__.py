"""New York's marijuana penalty regimes as data, and the classification of conduct under each.

Each regime is a YAML file beside this module (``old-1977``, ``reform-2019``, ``mrta-2021``): its
effective dates and a list of rules. A rule is one way to commit one Penal Law section (or the Cannabis
Law's civil possession rule): the conduct, the amount band in grams, the ages involved, the offence class,
fines and jail (and the higher maxima that need prior convictions), and its sources: an official URL, the
kind of source and the sentence it rests on, quoted. A rule that is not confirmed by primary text says what
is unknown, and may carry other *readings* (another class or fine, or an unrecorded defence): the low bound
takes the least serious reading and the high bound the most serious, so an open question widens the range
instead of being settled silently. A regime can build on another (``base`` + ``replace_sections``), the
way the 2019 law amended two sections of the 1977 law.

:func:`Regime.classify` answers "what did this conduct amount to under this law?": the most serious rule
that matches (a record's code is taken to be the top charge, assumption A1 of docs/law.md). Conduct no rule
covers is lawful. The record-level engine (docs/design-regime-engine.md) builds on this: the facts
consistent with a record are those its own regime classifies as the charged section.

Loading validates every file against the law-file format (:mod:`nyc_cannabis.law.regimes.lawfile`, documented in
docs/law-files.md) and raises :class:`RegimeError` with one line naming the file, the rule and the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nyc_cannabis.core import events
from nyc_cannabis.core.resources import resource_path
from nyc_cannabis.law.regimes.lawfile import (  # noqa: F401 - AGES, CONDUCTS, KIND_NAMES are re-exported
    AGES,
    CLASSES,
    CONDUCTS,
    KIND_NAMES,
    RegimeFile,
    RuleFile,
    Source,
    describe_error,
)

HERE = resource_path("law", "regimes")
REGIME_IDS = ("old-1977", "reform-2019", "mrta-2021")
CRIMINAL = frozenset(CLASSES[3:])
READINGS = ("central", "low", "high")


def class_name(klass: str) -> str:
    """An offence class as the Penal Law writes it: "class B misdemeanor", "violation", "lawful"."""
    grade, _, kind = klass.partition("_")
    return f"class {grade.upper()} {kind}" if kind else klass


class RegimeError(ValueError):
    """A regime file is not valid; the message names the file, the rule and the field."""


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
class Option:
    """One outcome a rule can give: its own class and fine, or another reading (with the reason)."""

    klass: str
    fine_max: float | None
    because: str | None = None

    @property
    def rank(self) -> tuple[int, float]:
        return severity(self.klass), self.fine_max or 0


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
    sources: tuple[Source, ...]
    fine_max: float | None = None
    jail_max_days: int | None = None
    #: higher maxima with prior convictions: ((priors, fine_max, jail_max_days), ...)
    with_priors: tuple[tuple[int, float | None, int | None], ...] = ()
    verified: bool = True
    unknown: str | None = None
    readings: tuple[Option, ...] = ()
    note: str | None = None
    paragraph: str | None = None

    @property
    def label(self) -> str:
        return (self.section + (f"({self.subdivision})" if self.subdivision is not None else "")
                + (f"({self.paragraph})" if self.paragraph else ""))

    @property
    def citation(self) -> str:
        """The URL of the rule's first (main) source."""
        return self.sources[0].url

    @property
    def criminal(self) -> bool:
        return self.klass in CRIMINAL

    def option(self, reading: str = "central") -> Option:
        """The outcome under a reading: ``central`` the rule's own; ``low`` / ``high`` the least / most
        serious of its own and its other readings."""
        own = Option(self.klass, self.fine_max)
        if reading == "central" or not self.readings:
            return own
        pick = min if reading == "low" else max
        return pick((own, *self.readings), key=lambda o: o.rank)

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
    #: the largest fine the matching rules allow under the reading taken (0 when none is set)
    fine_max: float = 0
    #: why another reading than the rules' own was taken (an unverified class or fine, a defence)
    because: tuple[str, ...] = ()

    @property
    def criminal(self) -> bool:
        return self.klass in CRIMINAL

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.rules)

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
    expunge_sources: tuple[Source, ...] = ()
    effective_sources: tuple[Source, ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        # a regime is a cache key (crosswalk, bounds): hash its fields once, not on every lookup
        object.__setattr__(self, "_hash", hash((self.id, self.name, self.effective_from, self.effective_until,
                                                 self.rules, self.expunge_sections, self.expunge_sources)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def expunge_citation(self) -> str | None:
        return self.expunge_sources[0].url if self.expunge_sources else None

    def in_force(self, day: dt.date) -> bool:
        return ((self.effective_from is None or day >= self.effective_from)
                and (self.effective_until is None or day <= self.effective_until))

    def classify(self, fact: Fact, reading: str = "central") -> Outcome:
        """The most serious matching rules; under ``low`` / ``high`` each rule gives its least / most
        serious reading (an unverified class, a possible defence) before the most serious is taken."""
        options = [(r, r.option(reading)) for r in self.rules if r.matches(fact)]
        if not options:
            return Outcome("lawful")
        top = max(severity(o.klass) for _, o in options)
        chosen = [(r, o) for r, o in options if severity(o.klass) == top]
        return Outcome(CLASSES[top], tuple(r for r, _ in chosen), max(o.fine_max or 0 for _, o in chosen),
                       tuple(o.because for _, o in chosen if o.because))

    def thresholds(self) -> set[float]:
        return {r.above_g for r in self.rules} | {r.up_to_g for r in self.rules if r.up_to_g is not None}


# ------------------------------------------------------------------------------------------- loading

def load(name_or_path: str | Path) -> Regime:
    """A regime of the catalogue by id (``old-1977``, ``public-smoking-civil-2019``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return _load_path(path.resolve())
    if str(name_or_path) in REGIME_IDS:
        return _shipped(str(name_or_path))
    reforms = _reform_files()
    if str(name_or_path) in reforms:
        return _load_path(reforms[str(name_or_path)])
    raise RegimeError(f"unknown regime {name_or_path!r}: choose {', '.join(catalogue())} or a .yaml file")


@lru_cache(maxsize=None)
def _shipped(regime_id: str) -> Regime:
    return _load_path(Path(HERE / f"{regime_id}.yaml").resolve())


@lru_cache(maxsize=1)
def _reform_files() -> dict[str, Path]:
    """The shipped example reforms (``reforms/*.yaml``) by id."""
    paths = sorted(Path(p).resolve() for p in Path(HERE / "reforms").glob("*.yaml"))
    return {_load_path(p).id: p for p in paths}


def catalogue() -> dict[str, Regime]:
    """Every regime a reader can choose by id, in order: the enacted laws, then the shipped reforms. Ids are
    what URLs, the CLI and JSON carry; a path never comes from a user."""
    return {**load_all(), **{rid: _load_path(p) for rid, p in _reform_files().items()}}


#: how sentences, chart titles and legends name the enacted laws (their ids stay in URLs, files and JSON)
LABELS = {"old-1977": "the 1977 law", "reform-2019": "the 2019 law", "mrta-2021": "the MRTA (2021)"}


def label(regime_id: str) -> str:
    """A regime as a reader knows it: "the 2019 law"; a custom reform as "reform <id>"."""
    return LABELS.get(regime_id, f"reform {regime_id}")


def short_name(regime_id: str) -> str:
    """A law as a table cell names it: "2019 law", "MRTA (2021)"; a reform by its name."""
    if regime_id in LABELS:
        text = LABELS[regime_id].removeprefix("the ")
        return text[0].upper() + text[1:]
    return load(regime_id).name


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
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RegimeError(f"{path.name}: not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    return build(path.name, doc)


def build(where: str, doc: Any) -> Regime:
    """A regime from a parsed YAML document (a file's contents, or a reform built in the app)."""
    if not isinstance(doc, dict):
        raise RegimeError(f"{where}: expected a mapping with id, name, effective and rules")
    try:
        spec = RegimeFile.model_validate(doc)
    except ValidationError as exc:
        raise RegimeError(describe_error(where, doc, exc)) from None
    own = [_rule(r) for r in spec.rules]
    rules: list[Rule] = []
    base = None
    if spec.base:
        base = load(spec.base)
        unknown = set(spec.replace_sections) - {r.section for r in base.rules}
        if unknown:
            raise RegimeError(f"{where}: replace_sections names {sorted(unknown)} not in {base.id}")
        rules = [r for r in base.rules if r.section not in spec.replace_sections]
    rules += own
    _check_overlaps(where, rules)
    expunge, expunge_sources = ((frozenset(spec.expunge.sections), tuple(spec.expunge.sources)) if spec.expunge
                                else (base.expunge_sections, base.expunge_sources) if base else (frozenset(), ()))
    start, end, in_force_sources = spec.effective.from_, spec.effective.until, tuple(spec.effective.sources)
    if spec.effective.event:
        try:
            period = events.period(spec.effective.event)
        except KeyError:
            raise RegimeError(f"{where}: effective.event: no law event {spec.effective.event!r} in core/events.yaml "
                              f"(one of {', '.join(p.regime for p in events.law_periods())})") from None
        start, end = period.start, period.end
        in_force_sources = in_force_sources or tuple(
            Source.model_validate(s) for s in events.event(spec.effective.event).sources if s["kind"] != "news")
    return Regime(spec.id, spec.name, start, end, tuple(rules), expunge, expunge_sources,
                  in_force_sources or (base.effective_sources if base else ()), spec.description)



def _rule(spec: RuleFile) -> Rule:
    return Rule(
        section=spec.section, subdivision=spec.subdivision, name=spec.name, conduct=frozenset(spec.conduct),
        above_g=float(spec.amount_g.above), up_to_g=None if spec.amount_g.up_to is None else float(spec.amount_g.up_to),
        actor_age=frozenset(spec.actor_age), other_age=frozenset(spec.other_age), klass=spec.klass,
        sources=tuple(spec.sources), fine_max=spec.fine_max, jail_max_days=spec.jail_max_days,
        with_priors=tuple((p.priors, p.fine_max, p.jail_max_days) for p in spec.with_priors),
        verified=spec.verified, unknown=spec.unknown, note=spec.note, paragraph=spec.paragraph,
        readings=tuple(Option(r.klass, r.fine_max if r.fine_max is not None
                              else (spec.fine_max if r.klass == spec.klass else None), r.because)
                       for r in spec.readings))


def _check_overlaps(where: str, rules: list[Rule]) -> None:
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            if a.label == b.label and a.overlaps(b):
                raise RegimeError(f"{where}: overlapping bands: two rules for {a.label} cover the same conduct, "
                                  f"amount and ages")
