"""One parameter declaration per view, read by the command line and the dashboard alike.

A :class:`View` lists its :class:`Param` s: the name (the URL parameter, the widget key and, with ``-`` for
``_``, the CLI option), the default, the allowed values and a help line. ``nyc_cannabis.cli.options`` builds
the click options from it; the dashboard's pages bind the same parameters to the URL (``ui/state.py``). So the
two cannot drift: the same names, the same choices, the same defaults (the idea of CodeForPhilly's chime,
whose one ``ARGS`` list builds both its argparse options and its sidebar).

Dates default to the database's own range (``None`` here; a page fills in the range it shows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from nyc_cannabis.core.datasets import AGE_BANDS, DATASETS
from nyc_cannabis.law import crosswalk, regimes
from nyc_cannabis.projection.project import GROUPINGS
from nyc_cannabis.stats import population

_TEXT = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class Param:
    """One parameter of a view. ``kind``: choice, date, bool, int or text; ``choices`` are the allowed values
    of a choice (a tuple, or a function returning one, read when used), or ``(min, max)`` of a date or int."""

    key: str
    default: Any
    kind: str = "choice"
    choices: tuple | Callable[[], tuple] = field(default=())
    label: str = ""
    help: str = ""

    @property
    def values(self) -> tuple:
        return self.choices() if callable(self.choices) else self.choices

    @property
    def option(self) -> str:
        """The command-line option: ``--buyer-age`` for ``buyer_age``."""
        return "--" + self.key.replace("_", "-")

    def replace(self, **changes: Any) -> "Param":
        return dataclasses.replace(self, **changes)

    def parse(self, raw: str) -> Any:
        """A value from its text (URL or command line); ValueError with a reason when it is not allowed."""
        if self.kind == "choice":
            for c in self.values:
                if str(c) == raw:
                    return c
            shown = self.values[:8]
            raise ValueError(f"not one of {', '.join(map(str, shown))}{' …' if len(self.values) > 8 else ''}")
        # Python's own messages repeat the raw text; these name the expected form instead (a notice shows the
        # raw text once, escaped: ui/state.py)
        if self.kind == "date":
            try:
                value = dt.date.fromisoformat(raw)
            except ValueError:
                raise ValueError("not a date (YYYY-MM-DD)") from None
        elif self.kind == "int":
            try:
                value = int(raw)
            except ValueError:
                raise ValueError("not a whole number") from None
        elif self.kind == "text":
            if not _TEXT.fullmatch(raw):  # fullmatch: `$` would let a final line break through
                raise ValueError("not a record key (letters, digits, - and _, at most 40)")
            return raw
        elif self.kind == "bool":
            if raw not in ("1", "0", "true", "false"):
                raise ValueError("not 1 or 0")
            return raw in ("1", "true")
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(self.kind)
        if self.values and not (self.values[0] <= value <= self.values[1]):
            raise ValueError(f"outside {self.values[0]} – {self.values[1]}")
        return value

    def dump(self, value: Any) -> str:
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "bool":
            return "1" if value else "0"
        return str(value)


@dataclass(frozen=True)
class View:
    """A view of the data shared by a CLI command and a dashboard page."""

    name: str
    command: str   # the CLI command
    page: str      # the dashboard page (its url_path)
    params: tuple[Param, ...]

    def __getitem__(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
                return p
        raise KeyError(f"{self.name} has no parameter {key!r}")

    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.params)


def _catalogue() -> tuple[str, ...]:
    return tuple(regimes.catalogue())


AS_CHARGED = "as charged"
DATASET = Param("dataset", "arrests", choices=tuple(DATASETS), help="Arrests or criminal-court summonses.")
START = Param("start", None, "date", help="First record date (inclusive); default: the first in the database.")
END = Param("end", None, "date", help="Last record date (inclusive); default: the last in the database.")
REFERENCE = Param("reference", "White", choices=tuple(population.GROUP_VARIABLES),
                  help="Reference group of the rate ratios.")
SCOPE = Param("scope", "all", choices=("all", "low-level"),
              help="low-level = possession and public-use sections only (221.05, 221.10, 222.05, 222.10), the "
                   "offences a summons can replace.")
BOUND = Param("bound", "central", choices=("low", "central", "high"),
              help="Which bound of the re-applied law to count.")
ASSUMPTION_HELP = {
    "amount": "A2, the central amount: the wider part of the consistent range, or its low or high end.",
    "age_18_24": "A4, the age of a person in the 18-24 band in the central case.",
    "buyer_age": "A5, the age of the buyer or recipient in the central case.",
    "conduct": "C1, the conduct preferred in the central case when several fit.",
}

PROJECTION = View("projection", "project", "projection", (
    DATASET, START, END,
    Param("regime", "mrta-2021", choices=_catalogue, help="The law to re-apply (an id; the CLI also takes a "
                                                          "reform YAML file)."),
    Param("by", "group", choices=tuple(GROUPINGS),
          help="period = the law in force on the record's date (old-1977, reform-2019, mrta-2021)."),
    *(Param(name, getattr(crosswalk.DEFAULT, name), choices=tuple(values), help=ASSUMPTION_HELP[name])
      for name, values in crosswalk.Assumptions.CHOICES.items()),
))

DISPARITY = View("disparity", "disparity", "disparities", (
    DATASET, START, END, REFERENCE, SCOPE,
    Param("by", "city", choices=("city", "borough", "precinct", "period"),
          help="Also per borough, precinct (Benjamini–Hochberg flags) or law period."),
    Param("regime", AS_CHARGED, choices=lambda: (AS_CHARGED, *_catalogue()),
          help="Count the criminal charges the records would be under this law instead of the records as "
               "charged (an id; the CLI also takes a reform YAML file)."),
    BOUND,
    Param("threshold", 10, "int", (1, 1000), help="Suppress rates below this count."),
))

TREND = View("trend", "trend", "trends", (
    DATASET, START, END, SCOPE,
    Param("reference", "White", choices=tuple(population.GROUP_VARIABLES),
          help="Reference group of the ratio models."),
    Param("seasonal", False, "bool", help="Add a yearly sine/cosine pair to every model."),
))

EXPLAIN = View("explain", "explain", "records", (
    Param("key", "", "text", help="ARREST_KEY or SUMMONS_KEY."),
    Param("regime", "mrta-2021", choices=_catalogue, help="The law to re-apply (an id; the CLI also takes a "
                                                          "reform YAML file)."),
))

CROSSWALK_AGE = Param("age", "UNKNOWN", choices=AGE_BANDS, help="The record's NYPD age band.")

VIEWS: dict[str, View] = {v.name: v for v in (PROJECTION, DISPARITY, TREND, EXPLAIN)}
