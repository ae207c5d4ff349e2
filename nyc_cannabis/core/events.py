"""The law and policy dates the analysis turns on, read once from ``events.yaml`` (their one home).

A *law* event starts a law period that lasts until the day before the next law event; the periods are what
a record's code means on its date. The *policy* event (the NYPD's September 2018 summons policy) is a trend
break but no law period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import yaml

from nyc_cannabis.core.resources import resource


@dataclass(frozen=True)
class Event:
    id: str
    kind: str                 # "law" or "policy"
    date: dt.date | None      # None: before the records (the 1977 law)
    label: str                # short, for chart markers and sentences ("2019 law")
    name: str                 # long, with the chapter
    sources: tuple[dict, ...]


@dataclass(frozen=True)
class Period:
    """A law in force: from its event's date to the day before the next law's (None: open)."""

    regime: str
    start: dt.date | None
    end: dt.date | None
    label: str

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def description(self) -> str:
        """"2019 law (2019-08-28 to 2021-03-30)"; "1977 law (to 2019-08-27)"; "MRTA (from 2021-03-31)"."""
        if self.start is None:
            return f"{self.label} (to {self.end})"
        return f"{self.label} ({self.start} to {self.end})" if self.end else f"{self.label} (from {self.start})"


@lru_cache(maxsize=1)
def events() -> tuple[Event, ...]:
    doc = yaml.safe_load(resource("core", "events.yaml").read_text(encoding="utf-8"))
    out = tuple(Event(e["id"], e["kind"], e["date"], e["label"], e["name"], tuple(e["sources"]))
                for e in doc["events"])
    dated = [e.date for e in out if e.date]
    if dated != sorted(dated) or not all(e.sources for e in out):
        raise ValueError("events.yaml: events must be in date order and each must cite a source")
    return out


def event(event_id: str) -> Event:
    for e in events():
        if e.id == event_id:
            return e
    raise KeyError(f"no event {event_id!r} in events.yaml")


@lru_cache(maxsize=1)
def law_periods() -> tuple[Period, ...]:
    laws = [e for e in events() if e.kind == "law"]
    return tuple(Period(e.id, e.date, (nxt.date - dt.timedelta(days=1)) if nxt else None, e.label)
                 for e, nxt in zip(laws, [*laws[1:], None]))


def period(regime_id: str) -> Period:
    for p in law_periods():
        if p.regime == regime_id:
            return p
    raise KeyError(f"no law event {regime_id!r} in events.yaml")


def law_on(day: dt.date) -> str:
    """The id of the law in force on a day."""
    return next(p.regime for p in law_periods() if p.contains(day))


def breaks() -> tuple[Event, ...]:
    """The dated events, law or policy, in order: the trend breaks and the charts' markers."""
    return tuple(e for e in events() if e.date)
