"""What a charged section could mean under another regime: low / central / high, with the assumptions named.

A record gives a section (``221.10`` subdivision 1), the regime in force on its date, and an age band; it
does not give the weight, the place, or the buyer's age. So:

1. The **fact space** is every combination of conduct, amount band (between every threshold any regime
   uses), actor age and other party's age.
2. The **consistent facts** are those the charging regime classifies as exactly the charged section
   (the code is the top charge: assumption A1), narrowed by the record's age band (A4).
3. Under the target regime, ``low`` is the least serious outcome over the consistent facts and ``high``
   the most serious; ``central`` is the outcome at one fact chosen by the named assumptions below.

Assumptions (ids as in docs/law.md), each visible in the output:

* **A2** amount: the outcome covering the wider part of the consistent amount range; for a heavy
  (1 lb wide or more) or open-ended range, the outcome at its low end (weights cluster near the threshold).
  Ties go to the less serious outcome (A3: 221.10(1) records are small personal amounts).
* **A4** age: ``<18`` → under 18; ``18-24`` → 18–20 or 21+, central 21+; older bands → 21+.
* **A5** other party (buyer, recipient): central an adult (21+).
* **C1** conduct: the first consistent conduct in the order private possession (not at home: a bag, a
  car), possession at home, public possession, smoking where tobacco is banned, sale, gift (e.g. 221.10(1)
  → public view, not a smoke-free place). Home possession matters only under the MRTA (PL 222.15(5): up
  to 5 lb lawful at home), where the low bound takes it whenever the record allows it.
* **Readings**: a rule whose class or fine is not confirmed, or that a defence the record cannot show may
  excuse, carries other readings; the low bound takes the least serious, the high bound the most serious,
  the central case the rule's own class.

Each of A2, A4 (for 18-24), A5 and C1 is switchable through :class:`Assumptions`
(``python -m nyc_cannabis project --assume amount=low --assume buyer_age=18_20``).

The result is a small table (a few hundred rows) that the SQL engine joins to the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nyc_cannabis.law.regimes import AGES, CONDUCTS, Fact, Outcome, Regime

HEAVY_G = 453.592  # a consistent amount range 1 lb wide or wider is "heavy" (A2)

#: NYPD age band → the actor ages it allows (A4) and the central one
AGE_BANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "<18": (("under_18",), "under_18"),
    "18-24": (("18_20", "21_plus"), "21_plus"),
    "25-44": (("21_plus",), "21_plus"),
    "45-64": (("21_plus",), "21_plus"),
    "65+": (("21_plus",), "21_plus"),
    "UNKNOWN": (AGES, "21_plus"),
}

ASSUMPTIONS = {
    "A1": "the law code is the most serious charge, so the facts are those its own regime files under that section",
    "A2": "central amount: the outcome over the wider part of the amount range; heavy or open-ended ranges: the low end",
    "A3": "ties go to the less serious outcome (221.10(1) records are small personal amounts)",
    "A4": "age band <18 → under 18; 18-24 → 18-20 or 21+ (central 21+); 25+ → 21+",
    "A5": "the buyer or recipient is an adult (21+) in the central case",
    "C1": "central conduct: private possession away from home, then at home, then public possession, then smoking "
          "where tobacco is banned, sale, gift",
    "R1": "where a rule's class or fine is unverified, or an unrecorded defence may apply, the low bound takes the "
          "least serious reading and the high bound the most serious",
}


@dataclass(frozen=True)
class Assumptions:
    """The switchable choices behind the central case (low and high never depend on them)."""

    #: A2: how the central amount is chosen: "wider" part of the range (heavy/open-ended: low end),
    #: or always the "low" or "high" end of the consistent range
    amount: str = "wider"
    #: A4: the actor's age for the ambiguous 18-24 band: "21_plus" or "18_20"
    age_18_24: str = "21_plus"
    #: A5: the buyer's or recipient's age: "21_plus", "18_20" or "under_18"
    buyer_age: str = "21_plus"
    #: C1: conduct preferred when several fit: e.g. "possess_public" (public view, the default order)
    #: or "smoke_restricted" (smoking where tobacco is banned)
    conduct: str = "possess_private"

    CHOICES = {"amount": ("wider", "low", "high"), "age_18_24": ("21_plus", "18_20"),
               "buyer_age": AGES, "conduct": CONDUCTS}

    @classmethod
    def parse(cls, pairs: list[str] | tuple[str, ...]) -> "Assumptions":
        """From ``["amount=low", "buyer_age=18_20"]``; unknown names or values raise ValueError."""
        values: dict[str, str] = {}
        for pair in pairs:
            name, _, value = pair.partition("=")
            if name not in cls.CHOICES:
                raise ValueError(f"unknown assumption {name!r}: one of {', '.join(cls.CHOICES)}")
            if value not in cls.CHOICES[name]:
                raise ValueError(f"assumption {name} must be one of {', '.join(cls.CHOICES[name])}, not {value!r}")
            values[name] = value
        return cls(**values)

    def describe(self) -> dict[str, str]:
        return {**ASSUMPTIONS, "settings": ", ".join(f"{k}={getattr(self, k)}" for k in self.CHOICES)}


DEFAULT = Assumptions()


@dataclass(frozen=True)
class Bounds:
    """Outcomes of one charged section under a target regime."""

    low: Outcome
    central: Outcome
    high: Outcome
    facts: tuple[Fact, ...]  # the fact points consistent with the charge (A1, A4)

    def classes(self) -> tuple[str, str, str]:
        return self.low.klass, self.central.klass, self.high.klass


def _cuts(*regimes: Regime) -> frozenset[float]:
    return frozenset().union(*(r.thresholds() for r in regimes))


def _bands(cuts: frozenset[float]) -> list[tuple[float, float | None]]:
    edges = [0.0, *sorted(cuts - {0.0})]
    return [(lo, hi) for lo, hi in zip(edges, [*edges[1:], None])]


def amount_bands(*regimes: Regime) -> list[tuple[float, float | None]]:
    """Bands between every threshold the regimes use: (0, 2], (2, 25], … (45359.2, None)."""
    return _bands(_cuts(*regimes))


def fact_space(*regimes: Regime) -> list[Fact]:
    return list(_space_for(_cuts(*regimes)))


@lru_cache(maxsize=64)
def _space_for(cuts: frozenset[float]) -> tuple[Fact, ...]:
    return tuple(Fact(conduct, lo, hi, actor, other)
                 for conduct in CONDUCTS for lo, hi in _bands(cuts) for actor in AGES for other in AGES)


def consistent_facts(charged: Regime, section: str, subdivision: int | None, age_band: str,
                     cuts: frozenset[float]) -> list[Fact]:
    """Facts of the space cut at ``cuts`` that ``charged`` files under ``section`` (and subdivision, when the
    record has one), A1."""
    ages, _ = AGE_BANDS.get(age_band, AGE_BANDS["UNKNOWN"])
    filed = _filed_under(charged, cuts).get((section, subdivision), frozenset())
    return [f for i, f in enumerate(_space_for(cuts)) if i in filed and f.actor_age in ages]


@lru_cache(maxsize=64)
def _filed_under(charged: Regime, cuts: frozenset[float]) -> dict[tuple[str, int | None], frozenset[int]]:
    """Positions in the fact space of the facts ``charged`` files under each (section, subdivision) and under
    each section whatever the subdivision (key (section, None)): every fact is classified once per regime,
    not once per section × subdivision × age band asked about."""
    index: dict[tuple[str, int | None], set[int]] = {}
    for i, fact in enumerate(_space_for(cuts)):
        for r in charged.classify(fact).rules:
            index.setdefault((r.section, r.subdivision), set()).add(i)
            index.setdefault((r.section, None), set()).add(i)
    return {code: frozenset(positions) for code, positions in index.items()}


@lru_cache(maxsize=65536)
def bounds(charged: Regime, section: str, subdivision: int | None, age_band: str, target: Regime,
           assume: Assumptions = DEFAULT) -> Bounds | None:
    """Low / central / high outcome under ``target`` of a record charged as ``section``; None if no fact fits."""
    facts = consistent_facts(charged, section, subdivision, age_band, space_cuts(charged, target))
    if not facts:
        return None
    # R1: each bound takes the widening reading; among equal outcomes, one that needs no other reading
    low = min((target.classify(f, "low") for f in facts), key=lambda o: (o.rank, len(o.because)))
    high = max((target.classify(f, "high") for f in facts), key=lambda o: (o.rank, -len(o.because)))
    return Bounds(low, _central(facts, age_band, target, assume), high, tuple(facts))


def _central(facts: list[Fact], age_band: str, target: Regime, assume: Assumptions) -> Outcome:
    _, central_age = AGE_BANDS.get(age_band, AGE_BANDS["UNKNOWN"])
    if age_band == "18-24":
        central_age = assume.age_18_24                                                   # A4
    order = [assume.conduct, *(c for c in CONDUCTS if c != assume.conduct)]
    conduct = next(c for c in order if any(f.conduct == c for f in facts))               # C1
    pool = [f for f in facts if f.conduct == conduct]
    for key, value in (("actor_age", central_age), ("other_age", assume.buyer_age)):    # A4, A5
        narrowed = [f for f in pool if getattr(f, key) == value]
        pool = narrowed or pool
    pool.sort(key=lambda f: f.above_g)
    if assume.amount in ("low", "high"):                                                 # A2 switched
        return target.classify(pool[0] if assume.amount == "low" else pool[-1])
    open_ended = pool[-1].up_to_g is None
    width = (pool[-1].up_to_g or pool[-1].above_g) - pool[0].above_g
    if open_ended or width >= HEAVY_G - 1e-6:                                            # A2, heavy
        return target.classify(pool[0])
    by_outcome: dict[tuple[str, tuple[str, ...]], tuple[float, Outcome]] = {}
    for f in pool:                                                                       # A2, widest part
        outcome = target.classify(f)
        key = (outcome.klass, outcome.sections)
        by_outcome[key] = (by_outcome.get(key, (0.0, outcome))[0] + f.up_to_g - f.above_g, outcome)
    widest = max(w for w, _ in by_outcome.values())
    tied = [o for w, o in by_outcome.values() if abs(w - widest) < 1e-6]
    return min(tied, key=lambda o: o.rank)                                               # A3


def space_cuts(charged: Regime, target: Regime) -> frozenset[float]:
    """The thresholds the fact space is cut at: every threshold of the shipped regimes and of the two in
    hand (the space itself is built once per set of thresholds)."""
    from nyc_cannabis.law import regimes
    return _cuts(*regimes.load_all().values(), charged, target)


__all__ = ["ASSUMPTIONS", "AGE_BANDS", "Assumptions", "Bounds", "amount_bands", "bounds", "consistent_facts",
           "fact_space", "space_cuts"]
