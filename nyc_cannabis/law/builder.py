"""The reform builder: a bill's changes to an enacted law as a small spec, and the law file they make.

A :class:`ReformSpec` says what a proposal changes in one enacted law (``base``: old-1977, reform-2019 or
mrta-2021): per section, a new outcome (:class:`Change`: legal, a civil fine, a violation with a fine, or a
misdemeanour or felony class), for all its conduct or for *smoking where tobacco smoking is banned* alone (the
2019 221.05 covers possession and smoking alike) — the section's rules are replaced by copies with the new
class and fine, same conduct, amounts and ages; a **possession threshold**, "possession legal for adults up to
N oz" — every possession rule of the base is split at N and the part up to N becomes lawful for persons 21 or
older (other ages, the part above N and other conduct keep their class); and the **expungement list**.

:func:`overlay` makes the law-file document (docs/law-files.md: an overlay on the base, validated by
:func:`nyc_cannabis.law.regimes.build`); :func:`to_yaml` writes it for ``project --regime FILE.yaml``. A
proposal has no enacted text: every generated rule keeps its base rule's sources, and one whose outcome changed
is ``verified: false`` with ``unknown: a proposal, not enacted law`` and a ``note`` saying what is proposed.
:func:`to_params` / :func:`from_params` carry the spec in a URL (exactly); :func:`presets` are the advocates'
classic asks (``regimes/reforms/presets/*.yaml``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from nyc_cannabis.law import regimes
from nyc_cannabis.law.regimes import AGES, CLASSES, CONDUCTS, Rule

OZ_G = 28.3495
POSSESSION = frozenset({"possess_private", "possess_home", "possess_public"})
SMOKING = "smoke_restricted"
ADULT = "21_plus"
SAME = "same"
#: a section's outcome choices: ``same`` (as the base law) or a class
OUTCOMES = (SAME, *CLASSES)
PROPOSAL = "a proposal, not enacted law"
DEFAULT_BASE = "reform-2019"
MAX_OZ = 160.0          # 10 lb
MAX_FINE = 1_000_000    # the law-file format's ceiling
BASE, OUNCES, EXPUNGE = "base", "oz", "expunge"

CONDUCT_WORDS = {"possess_private": "possession away from home, not in public view",
                 "possess_home": "possession at home", "possess_public": "possession in public view",
                 SMOKING: "smoking where tobacco smoking is banned", "sell": "sale", "gift": "gift"}
AGE_WORDS = {"under_18": "under 18", "18_20": "18 to 20", ADULT: "21 or older"}


class SpecError(ValueError):
    """A reform spec or its URL parameters are not valid; the message says which value and why."""


def _amount(what: str, value: Any, ceiling: float) -> float | None:
    """A fine or threshold checked: a number from 0 to ``ceiling``; 0 is none (None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= ceiling:
        raise SpecError(f"{what} {value!r}: a number from 0 to {ceiling:,g}")
    return float(value) or None


@dataclass(frozen=True)
class Change:
    """A proposed outcome: a class (``lawful`` … ``c_felony``) and its maximum fine (None: none stated)."""

    klass: str
    fine: float | None = None

    def __post_init__(self) -> None:
        if self.klass not in CLASSES:
            raise SpecError(f"outcome {self.klass!r}: not one of {', '.join(CLASSES)}")
        fine = _amount("fine", self.fine, MAX_FINE)
        object.__setattr__(self, "fine", None if self.klass == "lawful" else fine)

    def words(self) -> str:
        money = f" (up to ${self.fine:,.0f})" if self.fine else ""
        names = {"lawful": "legal", "civil": "a civil fine", "violation": "a violation"}  # lawful has no fine
        return names.get(self.klass, f"a {regimes.class_name(self.klass)}") + money


def _outcome(rule: Rule) -> Change:
    return Change(rule.klass, rule.fine_max)


@dataclass(frozen=True)
class ReformSpec:
    """What a proposal changes in an enacted law. Canonical once built: changes sorted, a change that gives a
    section the outcome it already has dropped, an expungement list equal to the base's kept as None."""

    base: str = DEFAULT_BASE
    #: (section, new outcome) for all conduct of the section
    sections: tuple[tuple[str, Change], ...] = ()
    #: (section, new outcome) for smoking where tobacco smoking is banned only
    smoking: tuple[tuple[str, Change], ...] = ()
    #: possession legal for adults (21+) up to this many ounces (None: no threshold)
    possession_oz: float | None = None
    #: the sections expunged automatically (None: as the base law)
    expunge: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.base not in regimes.REGIME_IDS:
            raise SpecError(f"base {self.base!r}: not one of {', '.join(regimes.REGIME_IDS)}")
        base = regimes.load(self.base)
        set_ = object.__setattr__.__get__(self)  # the dataclass is frozen
        set_("sections", _changes(base, self.sections, smoking=False))
        set_("smoking", _changes(base, self.smoking, smoking=True))
        set_("possession_oz", _amount("possession threshold (oz)", self.possession_oz, MAX_OZ))
        if self.expunge is not None:
            listed = tuple(sorted(set(self.expunge)))
            wrong = [s for s in listed if s not in expungeable()]
            if wrong:
                raise SpecError(f"expunge: {', '.join(map(str, wrong))} not a section of the enacted laws")
            set_("expunge", None if listed == tuple(sorted(base.expunge_sections)) else listed)


def _changes(base: regimes.Regime, given: Any, smoking: bool) -> tuple[tuple[str, Change], ...]:
    out: dict[str, Change] = {}
    for section, change in dict(given).items():
        if not isinstance(change, Change):
            raise SpecError(f"{section}: expected a Change, not {change!r}")
        rules = [r for r in base.rules if r.section == section and (not smoking or SMOKING in r.conduct)]
        if not rules:
            raise SpecError(f"{base.id} has no section {section}" + (" covering smoking" if smoking else ""))
        if any(_outcome(r) != change for r in rules):  # the outcome it already has is no change
            out[section] = change
    return tuple(sorted(out.items()))


@lru_cache(maxsize=1)
def expungeable() -> tuple[str, ...]:
    """Every section a record can carry: the enacted laws' sections and those their expungement lists name."""
    found = {r.section for g in regimes.load_all().values() for r in g.rules}
    found |= {s for g in regimes.load_all().values() for s in g.expunge_sections}
    return tuple(sorted(found))


def sections_of(base: str, smoking: bool = False) -> tuple[str, ...]:
    """The base law's sections, sorted (with ``smoking``: those with a rule covering smoking)."""
    return tuple(sorted({r.section for r in regimes.load(base).rules if not smoking or SMOKING in r.conduct}))


# ------------------------------------------------------------------------------------------- URL parameters

def _key(section: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", section.lower()).strip("_")  # 221.05 → 221_05, CL 132(4) → cl_132_4


def outcome_param(section: str, smoking: bool = False) -> str:
    return ("smoke_" if smoking else "law_") + _key(section)


def fine_param(section: str, smoking: bool = False) -> str:
    return ("smoke_fine_" if smoking else "fine_") + _key(section)


def dump_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def parse_number(name: str, raw: str, ceiling: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SpecError(f"{name}={raw}: not a number") from None
    if not math.isfinite(value) or not 0 <= value <= ceiling:
        raise SpecError(f"{name}={raw}: outside 0 – {ceiling:g}")
    return value


def dump_sections(sections: Iterable[str]) -> str:
    return ",".join(sorted(set(sections))) or "none"


def parse_sections(raw: str) -> list[str]:
    """``221.05,221.10`` → the sections (``none``: an empty list); each must be a section of the enacted laws."""
    listed = [] if raw.strip() == "none" else [s.strip() for s in raw.split(",") if s.strip()]
    wrong = [s for s in listed if s not in expungeable()]
    if wrong or not (listed or raw.strip() == "none"):
        raise SpecError(f"{EXPUNGE}={raw}: {', '.join(wrong) or 'empty'} not a section of the enacted laws "
                        f"(write none for no expungement)")
    return sorted(set(listed))


def to_params(spec: ReformSpec) -> dict[str, str]:
    """The spec as URL parameters (values that differ from the defaults only); :func:`from_params` reads them back."""
    out: dict[str, str] = {} if spec.base == DEFAULT_BASE else {BASE: spec.base}
    for smoking, changes in ((False, spec.sections), (True, spec.smoking)):
        for section, change in changes:
            out[outcome_param(section, smoking)] = change.klass
            if change.fine is not None:
                out[fine_param(section, smoking)] = dump_number(change.fine)
    if spec.possession_oz:
        out[OUNCES] = dump_number(spec.possession_oz)
    if spec.expunge is not None:
        out[EXPUNGE] = dump_sections(spec.expunge)
    return out


def from_params(params: Mapping[str, str]) -> ReformSpec:
    """A spec from URL parameters; :class:`SpecError` names the first value that is not valid."""
    rest = dict(params)
    base = rest.pop(BASE, "") or DEFAULT_BASE
    if base not in regimes.REGIME_IDS:
        raise SpecError(f"{BASE}={base}: not one of {', '.join(regimes.REGIME_IDS)}")
    found: dict[bool, dict[str, Change]] = {False: {}, True: {}}
    for smoking in (False, True):
        for section in sections_of(base, smoking):
            name = outcome_param(section, smoking)
            klass = rest.pop(name, "") or SAME
            raw_fine = rest.pop(fine_param(section, smoking), "")
            if klass not in OUTCOMES:
                raise SpecError(f"{name}={klass}: not one of {', '.join(OUTCOMES)}")
            fine = parse_number(fine_param(section, smoking), raw_fine, MAX_FINE) if raw_fine else None
            if klass != SAME:
                found[smoking][section] = Change(klass, fine)
    raw_oz = rest.pop(OUNCES, "")
    raw_expunge = rest.pop(EXPUNGE, "")
    if rest:
        raise SpecError(f"{', '.join(sorted(rest))}: not a setting of a reform of {base}")
    return ReformSpec(base, tuple(found[False].items()), tuple(found[True].items()),
                      parse_number(OUNCES, raw_oz, MAX_OZ) if raw_oz else None,
                      tuple(parse_sections(raw_expunge)) if raw_expunge else None)


# ------------------------------------------------------------------------------------------- the overlay

def reform_id(spec: ReformSpec) -> str:
    canonical = json.dumps({BASE: spec.base, **to_params(spec)}, sort_keys=True)
    return "custom-" + hashlib.sha256(canonical.encode()).hexdigest()[:10]


def describe(spec: ReformSpec) -> list[str]:
    """What the spec changes, one phrase each ("§221.05 a civil fine (up to $25)")."""
    out = [f"§{s} {c.words()}" for s, c in spec.sections]
    out += [f"smoking where tobacco smoking is banned (§{s}) {c.words()}" for s, c in spec.smoking]
    if spec.possession_oz:
        out.append(f"possession legal for adults (21 or older) up to {spec.possession_oz:g} oz")
    if spec.expunge is not None:
        out.append(f"automatic expungement of {', '.join(spec.expunge)}" if spec.expunge
                   else "no automatic expungement")
    return out


def title(spec: ReformSpec) -> str:
    changes = describe(spec)
    return _clip(f"Reform: {regimes.label(spec.base)} " + (f"with {'; '.join(changes)}" if changes else "unchanged"))


def _clip(text: str, n: int = 600) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _retarget(rule: Rule, change: Change, name: str | None = None, **fields: Any) -> Rule:
    """A copy of ``rule`` (narrowed by ``fields``) with the outcome ``change``; maxima that belonged to the old
    outcome (jail when the class changes, higher maxima with priors, other readings) are dropped."""
    if _outcome(rule) == change:
        return dataclasses.replace(rule, **fields)
    return dataclasses.replace(rule, **fields, name=name or rule.name, klass=change.klass, fine_max=change.fine,
                               jail_max_days=rule.jail_max_days if change.klass == rule.klass else None,
                               with_priors=(), readings=())


def _split_smoking(rule: Rule, change: Change) -> list[Rule]:
    if SMOKING not in rule.conduct or _outcome(rule) == change:
        return [rule]
    rest = rule.conduct - {SMOKING}
    return ([dataclasses.replace(rule, conduct=rest)] if rest else []) + [
        _retarget(rule, change, f"{rule.name}: smoking where tobacco smoking is banned", conduct=frozenset({SMOKING}))]


def _split_possession(rule: Rule, cut_g: float, oz: float) -> list[Rule]:
    held = rule.conduct & POSSESSION
    if not held or ADULT not in rule.actor_age or rule.above_g >= cut_g or rule.klass == "lawful":
        return [rule]
    out = [dataclasses.replace(rule, conduct=rule.conduct - held)] if rule.conduct - held else []
    if rule.actor_age - {ADULT}:
        out.append(dataclasses.replace(rule, conduct=held, actor_age=rule.actor_age - {ADULT}))
    above = rule.up_to_g is None or rule.up_to_g > cut_g
    out.append(_retarget(rule, Change("lawful"), f"{rule.name}: adults, up to {oz:g} oz", conduct=held,
                         actor_age=frozenset({ADULT}), up_to_g=cut_g if above else rule.up_to_g))
    if above:
        out.append(dataclasses.replace(rule, conduct=held, actor_age=frozenset({ADULT}), above_g=cut_g))
    return out


def _mark(part: Rule, original: Rule) -> Rule:
    """A part whose outcome changed says so: unverified, what is unknown, and what is proposed."""
    before, after = _outcome(original), _outcome(part)
    if before == after:
        return part
    unknown = PROPOSAL + (f"; as in the base law: {original.unknown}" if original.unknown else "")
    note = (f"proposed: {after.words()} instead of {before.words()}; a proposal has no enacted text, so the "
            f"sources are the base law's")
    return dataclasses.replace(part, verified=False, unknown=_clip(unknown), note=_clip(note))


def plan(spec: ReformSpec) -> list[tuple[Rule, list[Rule]]]:
    """Each rule of the base with the rules that replace it (``[rule]`` itself when untouched)."""
    base = regimes.load(spec.base)
    sections, smoking = dict(spec.sections), dict(spec.smoking)
    cut = round(spec.possession_oz * OZ_G, 4) if spec.possession_oz else None
    out = []
    for rule in base.rules:
        parts = [_retarget(rule, sections[rule.section])] if rule.section in sections else [rule]
        if rule.section in smoking:
            parts = [q for p in parts for q in _split_smoking(p, smoking[rule.section])]
        if cut is not None:
            parts = [q for p in parts for q in _split_possession(p, cut, spec.possession_oz)]
        out.append((rule, [_mark(p, rule) for p in parts]))
    return out


def overlay(spec: ReformSpec) -> dict[str, Any]:
    """The law-file document of the reform: an overlay on the base (``replace_sections`` and the rules that
    replace them, the expungement list when it differs), in force when the base was."""
    steps = plan(spec)
    touched = sorted({rule.section for rule, parts in steps if parts != [rule]})
    changes = describe(spec)
    doc: dict[str, Any] = {
        "id": reform_id(spec), "name": title(spec),
        "description": _clip(f"A proposal built with the reform builder on {regimes.label(spec.base)}"
                             + (f": {'; '.join(changes)}" if changes else "") + ". Not enacted law: each changed "
                             "rule keeps the base rule's sources and is marked unverified."),
        "effective": {"event": spec.base}, "base": spec.base}
    if touched:
        doc["replace_sections"] = touched
    if spec.expunge is not None:
        doc["expunge"] = {"sections": list(spec.expunge), "sources": _expunge_sources(spec.base)}
    doc["rules"] = [rule_doc(p) for section in touched for rule, parts in steps if rule.section == section
                    for p in parts]
    return doc


def _expunge_sources(base_id: str) -> list[dict[str, Any]]:
    """The base's expungement sources (the 2019 law's if none), as the enacted text the proposal would change."""
    sources = regimes.load(base_id).expunge_sources or regimes.load("reform-2019").expunge_sources
    return [_source_doc(s) | {"supports": _clip("proposed list; this is the enacted provision it would change"
                                                + (f" ({s.supports})" if s.supports else ""))} for s in sources]


def _source_doc(source: regimes.Source) -> dict[str, Any]:
    return source.model_dump(mode="json", by_alias=True, exclude_none=True)


def _num(x: float | None) -> float | int | None:
    return int(x) if x is not None and float(x).is_integer() else x


def _kept(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None and v != []}


def rule_doc(r: Rule) -> dict[str, Any]:
    """A rule as the law-file format writes it (docs/law-files.md); keys with nothing to say are left out."""
    def ages(held: frozenset[str]) -> list[str] | None:
        return None if set(held) == set(AGES) else [a for a in AGES if a in held]

    return _kept({
        "section": r.section, "subdivision": r.subdivision, "paragraph": r.paragraph, "name": _clip(r.name),
        "conduct": [c for c in CONDUCTS if c in r.conduct],
        "amount_g": _kept({"above": _num(r.above_g), "up_to": _num(r.up_to_g)}),
        "actor_age": ages(r.actor_age), "other_age": ages(r.other_age), "class": r.klass,
        "fine_max": _num(r.fine_max), "jail_max_days": r.jail_max_days,
        "with_priors": [_kept({"priors": p, "fine_max": _num(f), "jail_max_days": j}) for p, f, j in r.with_priors],
        "sources": [_source_doc(s) for s in r.sources], "verified": r.verified, "unknown": r.unknown,
        "readings": [_kept({"class": o.klass, "fine_max": _num(o.fine_max), "because": o.because})
                     for o in r.readings],
        "note": r.note})


def to_yaml(spec: ReformSpec) -> str:
    """The reform as a law file: ``python -m nyc_cannabis project --regime FILE.yaml`` applies it unchanged."""
    params = "&".join(f"{k}={v}" for k, v in to_params(spec).items()) or "(the base law unchanged)"
    header = ("# A reform built with the reform builder (nyc_cannabis/law/builder.py): a proposal, not enacted law.\n"
              "# Each changed rule keeps the base rule's sources and is marked verified: false.\n"
              f"# Builder settings: {params}\n")
    return header + yaml.safe_dump(overlay(spec), sort_keys=False, allow_unicode=True, width=110)


def build(spec: ReformSpec) -> regimes.Regime:
    """The reform as the engine reads it (validated as a law file is)."""
    return regimes.build(f"{reform_id(spec)}.yaml", overlay(spec))


# ------------------------------------------------------------------------------------------- in words

def amount_words(above: float, up_to: float | None) -> str:
    def weight(g: float) -> str:  # in ounces when a quarter ounce is near, else grams
        quarters = g / OZ_G * 4
        return f"{round(quarters) / 4:g} oz" if abs(quarters - round(quarters)) < 0.01 else f"{g:g} g"

    lower = f"more than {weight(above)}" if above else ""
    upper = f"up to {weight(up_to)}" if up_to is not None else ""
    return " ".join(filter(None, (lower, upper))) or "any amount"


def conduct_words(conduct: frozenset[str]) -> str:
    """"possession anywhere, smoking where …" (possession in every place named once)."""
    if POSSESSION <= conduct:
        return ", ".join(["possession anywhere", *(CONDUCT_WORDS[c] for c in CONDUCTS if c in conduct - POSSESSION)])
    return ", ".join(CONDUCT_WORDS[c] for c in CONDUCTS if c in conduct)


def age_words(ages: frozenset[str]) -> str:
    if set(ages) == set(AGES):
        return "any age"
    if set(ages) == {"under_18", "18_20"}:
        return "under 21"
    return " or ".join(AGE_WORDS[a] for a in AGES if a in ages)


def changed_rules(spec: ReformSpec) -> list[dict[str, str]]:
    """The rules whose outcome the spec changes, in words: section, conduct, amount, ages, before, after."""
    return [{"section": part.label, "name": original.name, "conduct": conduct_words(part.conduct),
             "amount": amount_words(part.above_g, part.up_to_g), "ages": age_words(part.actor_age),
             "before": _outcome(original).words(), "after": _outcome(part).words()}
            for original, parts in sorted(plan(spec), key=lambda step: step[0].section)
            for part in parts if _outcome(part) != _outcome(original)]


# ------------------------------------------------------------------------------------------- presets

@dataclass(frozen=True)
class Preset:
    title: str
    why: str
    spec: ReformSpec


@lru_cache(maxsize=1)
def presets() -> dict[str, Preset]:
    """The advocates' classic asks (``regimes/reforms/presets/*.yaml``: a title, why, and the builder's URL
    parameters), by file name."""
    out = {}
    for path in sorted(Path(regimes.HERE / "reforms" / "presets").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[path.stem] = Preset(doc["title"], " ".join(doc["why"].split()), from_params(doc["params"]))
    return out
