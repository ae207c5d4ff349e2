"""The law-file format: a pydantic model of a regime or reform YAML file, checked field by field.

Every field is typed and range-checked and unknown keys are refused, so a reform author's slip
(``verified: "false"``, ``fine_max: "fifty"``, ``amount_g: 5``) is one clear line naming the file, the rule
and the field instead of a value that loads wrongly or a traceback later. ``docs/law-files.md`` documents
the format for reform authors; ``python -m nyc_cannabis law-schema`` prints it as JSON Schema.

Sources are held to the standard a lawyer accepts: each has an official URL (the statute page, the bill
text as enacted, a court's own guidance or reporter), its kind, and the sentence it rests on, quoted. A
statute, bill or court opinion read on an unofficial copy is allowed only from a known mirror host and must
say so (``kind: mirror``); blogs, encyclopaedias and law-firm pages are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError, model_validator

CONDUCTS = ("possess_private", "possess_home", "possess_public", "smoke_restricted", "sell", "gift")
AGES = ("under_18", "18_20", "21_plus")
#: offence classes from least to most serious; criminal = misdemeanour or felony
CLASSES = ("lawful", "civil", "violation", "b_misdemeanor", "a_misdemeanor", "e_felony", "d_felony", "c_felony")

#: hosts that publish New York law officially: the Senate's and Assembly's statute and bill pages, the courts
OFFICIAL_HOSTS = frozenset({
    "www.nysenate.gov", "nysenate.gov", "legislation.nysenate.gov", "nyassembly.gov", "www.nyassembly.gov",
    "assembly.state.ny.us", "www.assembly.state.ny.us", "nycourts.gov", "www.nycourts.gov", "ww2.nycourts.gov",
    "iapps.courts.state.ny.us", "www.courts.state.ny.us",
})
#: unofficial copies of statute, bill or opinion text, allowed only where no official copy could be read,
#: and then labelled as such (kind ``mirror``)
MIRROR_HOSTS = frozenset({
    "newyork.public.law", "nysentencing.com", "lexace.ai", "law.onecle.com", "github.com", "ecases.us",
    "cetient.com", "casetext.com", "www.courtlistener.com", "law.justia.com",
})
OFFICIAL_KINDS = ("statute", "bill", "court_guidance", "case_law")
KINDS = (*OFFICIAL_KINDS, "mirror")
#: how each kind of source is named beside a rule
KIND_NAMES = {"statute": "statute", "bill": "bill text as enacted", "court_guidance": "court guidance",
              "case_law": "court opinion", "mirror": "unofficial mirror (a copy of statute, bill or opinion text)"}

Grams = Annotated[float, Field(strict=True, ge=0)]
Dollars = Annotated[float, Field(strict=True, ge=0, le=1_000_000)]
Days = Annotated[StrictInt, Field(ge=1, le=366)]
Section = Annotated[StrictStr, Field(pattern=r"^(\d{3}\.\d{2}|CL \d+\(\d+\))$")]
Text = Annotated[StrictStr, Field(min_length=1, max_length=600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(_Strict):
    """Where a rule comes from: an official URL, the kind of source, and the sentence it rests on."""

    url: Annotated[StrictStr, Field(pattern=r"^https?://\S+$")]
    kind: Literal["statute", "bill", "court_guidance", "case_law", "mirror"]
    quote: Annotated[StrictStr, Field(min_length=8, max_length=600)]
    #: what this source establishes when a rule needs several (e.g. "threshold", "class", "fine")
    supports: Text | None = None

    @property
    def host(self) -> str:
        return (urlparse(self.url).hostname or "").lower()

    @property
    def official(self) -> bool:
        return self.host in OFFICIAL_HOSTS

    @model_validator(mode="after")
    def _host_fits_kind(self) -> "Source":
        if self.host not in OFFICIAL_HOSTS | MIRROR_HOSTS:
            raise ValueError(f"{self.host!r} is not an official source of New York law nor a known mirror "
                             f"(blogs, encyclopaedias and law-firm pages are not sources)")
        if self.kind in OFFICIAL_KINDS and not self.official:
            raise ValueError(f"a {self.kind} source must be on an official host, not {self.host!r} (use kind: mirror)")
        if self.kind == "mirror" and self.official:
            raise ValueError(f"{self.host!r} is official: name the kind of source (statute, bill, court_guidance, "
                             f"case_law)")
        return self


class Amount(_Strict):
    """An amount band in grams: more than ``above``, at most ``up_to`` (open when absent)."""

    above: Grams = 0.0
    up_to: Grams | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> "Amount":
        if self.up_to is not None and self.up_to <= self.above:
            raise ValueError(f"empty or inverted amount band (above {self.above:g}, up to {self.up_to:g})")
        return self


class WithPriors(_Strict):
    """A higher maximum that applies only with prior convictions (records do not say how many)."""

    priors: Annotated[StrictInt, Field(ge=1, le=10)]
    fine_max: Dollars | None = None
    jail_max_days: Days | None = None


class Reading(_Strict):
    """Another outcome the same conduct may have: an unverified class or fine, or an unrecorded defence.
    The low bound takes the least serious reading, the high bound the most serious; the central case keeps
    the rule's own class."""

    klass: Literal[CLASSES] = Field(alias="class")  # type: ignore[valid-type]
    fine_max: Dollars | None = None
    because: Text


class RuleFile(_Strict):
    """One way to commit one section: conduct, amount, ages, outcome, sources."""

    section: Section
    subdivision: Annotated[StrictInt, Field(ge=1, le=20)] | None = None
    paragraph: Annotated[StrictStr, Field(pattern=r"^[a-z]$")] | None = None
    name: Text
    conduct: Annotated[list[Literal[CONDUCTS]], Field(min_length=1)]  # type: ignore[valid-type]
    amount_g: Amount = Amount()
    actor_age: Annotated[list[Literal[AGES]], Field(min_length=1)] = list(AGES)  # type: ignore[valid-type]
    other_age: Annotated[list[Literal[AGES]], Field(min_length=1)] = list(AGES)  # type: ignore[valid-type]
    klass: Literal[CLASSES] = Field(alias="class")  # type: ignore[valid-type]
    fine_max: Dollars | None = None
    jail_max_days: Days | None = None
    with_priors: list[WithPriors] = []
    sources: Annotated[list[Source], Field(min_length=1)]
    verified: StrictBool = True
    #: what exactly is not confirmed, required when ``verified`` is false
    unknown: Text | None = None
    readings: list[Reading] = []
    note: Text | None = None

    @model_validator(mode="after")
    def _honest(self) -> "RuleFile":
        if not self.verified and not self.unknown:
            raise ValueError("an unverified rule must say what is unknown (unknown: ...)")
        if self.verified and self.unknown:
            raise ValueError("a verified rule has nothing unknown: drop 'unknown' or set verified: false")
        if self.klass in CLASSES[3:] and self.fine_max is None and self.with_priors:
            raise ValueError("with_priors without a first-offence fine_max")
        return self


class ExpungeFile(_Strict):
    sections: list[Section]
    sources: Annotated[list[Source], Field(min_length=1)]


Day = Annotated[dt.date, Field(strict=False)]  # a YAML date, or the same date written as an ISO string


class Effective(_Strict):
    """When a law is (or would be) in force: an event of ``core/events.yaml`` (its law period, cited there),
    or dates (``from`` / ``until``, either open) for a reform of one's own."""

    event: Annotated[StrictStr, Field(pattern=r"^[a-z0-9-]+$")] | None = None
    from_: Day | None = Field(default=None, alias="from")
    until: Day | None = None
    sources: list[Source] = []

    @model_validator(mode="after")
    def _ordered(self) -> "Effective":
        if self.event and (self.from_ or self.until):
            raise ValueError("give an event or dates (from, until), not both")
        if self.from_ and self.until and self.until < self.from_:
            raise ValueError(f"ends ({self.until}) before it starts ({self.from_})")
        return self


class RegimeFile(_Strict):
    """A regime (an enacted law) or a reform overlay (``base`` + ``replace_sections`` + its own rules)."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")]
    name: Text
    description: Text | None = None
    effective: Effective
    base: StrictStr | None = None
    replace_sections: list[Section] = []
    expunge: ExpungeFile | None = None
    rules: list[RuleFile] = []

    @model_validator(mode="after")
    def _overlay(self) -> "RegimeFile":
        if self.replace_sections and not self.base:
            raise ValueError("replace_sections needs a base regime")
        if not self.base and not self.rules:
            raise ValueError("a regime without a base needs rules")
        return self


def describe_error(where: str, doc: object, exc: ValidationError) -> str:
    """One line for the first problem: the file, the rule (number and section) and the field."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    place = where
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        index = loc[1]
        section = ""
        if isinstance(doc, dict) and isinstance(doc.get("rules"), list) and index < len(doc["rules"]):
            raw = doc["rules"][index]
            section = f" ({raw.get('section')})" if isinstance(raw, dict) and raw.get("section") else ""
        place += f" rule {index + 1}{section}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "literal[", "tuple[")))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key (not part of the law-file format, see docs/law-files.md)"
    elif err["type"] == "missing":
        message = "missing"
    value = err.get("input")
    shown = f" (got {value!r})" if err["type"] not in ("missing",) and not isinstance(value, (dict, list)) \
        and value is not None and len(repr(value)) < 60 else ""
    return f"{place}{': ' + field if field else ''}: {message}{shown}"


def json_schema() -> dict:
    """The law-file format as JSON Schema (for editors and reform authors)."""
    return RegimeFile.model_json_schema(by_alias=True)
