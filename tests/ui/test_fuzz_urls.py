"""Every page, every URL parameter, fuzzed: a hostile link never breaks a page; a value it cannot use is named
in a visible notice and replaced by the default.

Each page is opened with Streamlit's ``AppTest`` (one fresh session per example, as a pasted link opens one)
on the small demo database, with query parameters built here: each declared parameter (the table
:data:`PAGES` below, written from the pages, not read from them) given a valid value or a hostile one (wrong
type, out-of-range and impossible dates, unknown choices, empty, very long, unicode, right-to-left and
zero-width characters, ``../``, NUL, SQL, Markdown, negative and huge numbers), a key given twice, and
unknown keys. The embed mode (``?embed=true&chart=…``) is fuzzed the same way.

Properties (:func:`check_page`, :func:`check_embed`):

* no exception element and no error element (a page has nothing to report as an error on a good database);
* every parameter whose (last) value is not valid — by the oracle :func:`valid`, written here from each
  parameter's declared kind and bounds, the date bounds read from the database by SQL — is named in the
  page's "cannot use" notice, and the page falls back to its default: the parameter is gone from the URL the
  page writes back (a page writes only non-default values); an unknown key is named (up to eight) and gone;
* a valid value is never named in the notice;
* a notice shows a hostile value inert: its Markdown is not Markdown (no link a reader could click).

Examples are few and derandomized (``tests/strategies.py``: ``NYC_CANNABIS_FUZZ_EXAMPLES=N`` for a long run);
a table of nasty values per kind (:data:`NASTY`) runs on every page as well.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import ROOT, query
from hypothesis import given
from hypothesis import strategies as st
from strategies import fuzz_settings, nasty_text
from streamlit.testing.v1 import AppTest

from nyc_cannabis.core.datasets import RACE_GROUPS
from nyc_cannabis.law import builder, crosswalk, regimes
from nyc_cannabis.present import lawbook
from nyc_cannabis.projection.project import GROUPINGS
from nyc_cannabis.stats import population
from nyc_cannabis.ui.nav import PAGES as NAV

FILES = {p.url_path: p.file for p in NAV}
NOTICE = "This link had settings the dashboard cannot use"
EMBED_NOTICE = "Settings this link had that the view cannot use"


@dataclass(frozen=True)
class Spec:
    """A URL parameter as the oracle sees it: ``kind`` and its allowed values or bounds."""

    kind: str                     # choice, date, int, bool, key, ounces, sections
    values: tuple = ()            # a choice's values
    lo: Any = None                # a date's or number's bounds (None for a date: the database's span)
    hi: Any = None


def choice(values) -> Spec:
    return Spec("choice", tuple(values))


DATE = Spec("date")
REGIMES = tuple(regimes.catalogue())
GROUPS = tuple(population.GROUP_VARIABLES)
DATASET = choice(("arrests", "summonses"))
ASSUME = {name: choice(values) for name, values in crosswalk.Assumptions.CHOICES.items()}

#: each page's URL parameters, from the pages' code (nyc_cannabis/ui/screens/*.py); the reform page's depend
#: on its base law (:func:`reform_specs`), the record explorer's section and precinct on the database
PAGES: dict[str, dict[str, Spec]] = {
    "overview": {},
    "methods": {},
    "law": {"regime": choice(REGIMES)},
    "projection": {"dataset": DATASET, "start": DATE, "end": DATE, "regime": choice(REGIMES),
                   "by": choice(GROUPINGS), **ASSUME},
    "disparities": {"dataset": DATASET, "start": DATE, "end": DATE, "reference": choice(GROUPS),
                    "scope": choice(("all", "low-level")), "by": choice(("city", "borough", "precinct", "period")),
                    "regime": choice(("as charged", *REGIMES)), "bound": choice(("low", "central", "high")),
                    "threshold": Spec("int", lo=1, hi=1000)},
    "trends": {"dataset": DATASET, "start": DATE, "end": DATE, "scope": choice(("all", "low-level")),
               "reference": choice(GROUPS), "seasonal": Spec("bool")},
    "geography": {"dataset": DATASET, "level": choice(("precinct", "borough")), "start": DATE, "end": DATE,
                  "group": choice(GROUPS), "measure": choice(("rate_per_100k", "rate_ratio")),
                  "reference": choice(GROUPS),
                  "precinct": choice(sorted(int(p) for p in population.precincts()))},
    "records": {"dataset": DATASET, "start": DATE, "end": DATE, "group": choice(("any", *RACE_GROUPS)),
                "section": Spec("section"), "precinct": Spec("precinct"), "key": Spec("key"),
                "regime": choice(REGIMES), "me_charge": choice(lawbook.charges()),
                "me_date": Spec("date", lo=dt.date(1978, 1, 1), hi=dt.date(2030, 12, 31)),
                "me_age": choice(crosswalk.AGE_BANDS)},
    "reform": {},  # reform_specs()
}
#: the embeddable charts and their views' parameters
EMBEDS = {"projection": "projection", "ratios": "disparities", "rates": "disparities", "trend": "trends"}


def reform_specs(base: str) -> dict[str, Spec]:
    out = {"dataset": DATASET, "start": DATE, "end": DATE, "base": choice(regimes.REGIME_IDS)}
    for smoking in (False, True):
        for section in builder.sections_of(base, smoking):
            out[builder.outcome_param(section, smoking)] = choice(builder.OUTCOMES)
            out[builder.fine_param(section, smoking)] = Spec("int", lo=0, hi=builder.MAX_FINE)
    return out | {"oz": Spec("ounces", lo=0.0, hi=builder.MAX_OZ), "expunge": Spec("sections")}


# ------------------------------------------------------------------------------------------------ oracle

@dataclass(frozen=True)
class Context:
    """What the oracle reads from the database, by SQL written here."""

    lo: dt.date
    hi: dt.date
    sections: dict[str, set[str]]
    precincts: dict[str, set[str]]


def valid(spec: Spec, raw: str, ctx: Context, dataset: str) -> bool:
    """Whether a page can use ``raw`` for a parameter of this kind (the rules of present/views.py's Param and
    law/builder.py, restated): a choice is one of its values, spelled exactly; a date is an ISO date (as
    Python's ``date.fromisoformat`` reads one) within its bounds, the database's first and last cannabis
    record for the period; a number is a whole number (Python's ``int``) or, for ounces, a finite decimal,
    within bounds; a record key is 1–40 letters, digits, ``-`` and ``_``; an expungement list is ``none`` or
    sections of the enacted laws separated by commas."""
    if spec.kind == "choice":
        return raw in {str(v) for v in spec.values}
    if spec.kind == "section":
        return raw == "any" or raw in ctx.sections[dataset]
    if spec.kind == "precinct":
        return raw == "any" or raw in ctx.precincts[dataset]
    if spec.kind == "date":
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            return False
        return (spec.lo or ctx.lo) <= day <= (spec.hi or ctx.hi)
    if spec.kind == "int":
        try:
            return spec.lo <= int(raw) <= spec.hi
        except ValueError:
            return False
    if spec.kind == "ounces":
        try:
            x = float(raw)
        except ValueError:
            return False
        return math.isfinite(x) and spec.lo <= x <= spec.hi
    if spec.kind == "bool":
        return raw in ("1", "0", "true", "false")
    if spec.kind == "key":
        return re.fullmatch(r"[A-Za-z0-9_-]{1,40}", raw) is not None
    if spec.kind == "sections":
        listed = [s.strip() for s in raw.split(",") if s.strip()]
        return raw.strip() == "none" or (bool(listed) and set(listed) <= set(builder.expungeable()))
    raise AssertionError(spec.kind)


@pytest.fixture(scope="module")
def ctx(demo_db) -> Context:
    [(lo, hi)] = query(demo_db, "SELECT min(d), max(d) FROM (SELECT arrest_date AS d FROM arrests WHERE is_cannabis "
                                "UNION ALL SELECT summons_date FROM summonses WHERE is_cannabis)")
    sections, precincts = {}, {}
    for dataset, precinct in (("arrests", "arrest_precinct"), ("summonses", "precinct_of_occur")):
        sections[dataset] = {s for (s,) in query(demo_db, f"SELECT DISTINCT law_section FROM {dataset} "
                                                          f"WHERE is_cannabis AND law_section IS NOT NULL")}
        precincts[dataset] = {str(int(p)) for (p,) in query(demo_db, f"SELECT DISTINCT {precinct} FROM {dataset} "
                                                                     f"WHERE is_cannabis AND {precinct} IS NOT NULL")}
    return Context(lo, hi, sections, precincts)


@pytest.fixture(scope="module")
def app_db(demo_db):
    """The demo database for every AppTest of this module (one environment variable, set once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYTICS_DB", str(demo_db))
        yield demo_db


def open_page(page: str | None, params: dict[str, Any]) -> AppTest:
    """A fresh session on ``page`` (None: the root URL) opened by a link with ``params`` (a list value: the key
    repeated)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page:
        at.switch_page(FILES[page])
    at.query_params.update(params)
    return at.run()


def last(value: Any) -> str:
    return value[-1] if isinstance(value, list) else value


def specs_of(page: str, params: dict[str, Any]) -> dict[str, Spec]:
    if page != "reform":
        return PAGES[page]
    base = last(params.get("base", "")) or builder.DEFAULT_BASE
    return reform_specs(base if base in regimes.REGIME_IDS else builder.DEFAULT_BASE)


def outside_code_spans(text: str) -> str:
    """The Markdown text a reader sees as Markdown: code spans removed by CommonMark's rule (a run of n backticks
    opens a span that the next run of exactly n backticks closes; a run with no partner is literal), and
    backslash-escaped characters removed."""
    out, parts, i = [], re.split(r"(\\.|`+)", text), 0
    while i < len(parts):
        part = parts[i]
        if part.startswith("`"):
            close = next((j for j in range(i + 2, len(parts), 2) if parts[j] == part), None)
            if close is not None:
                i = close + 1
                continue
        elif part.startswith("\\"):
            part = " "
        out.append(part)
        i += 1
    return "".join(out)


def no_markdown_escape(at: AppTest, params: dict[str, Any]) -> None:
    """No hostile value became a link a reader could click: outside code spans, every Markdown link target and
    bare web address (GitHub-flavoured Markdown links those) in the page's text is one the page wrote."""
    values = [v for v in map(last, params.values()) if isinstance(v, str)] + [k for k in params]
    for element in [*at.warning, *at.caption, *at.error, *at.markdown, *at.info]:
        text = outside_code_spans(element.value)
        for url in re.findall(r"\]\(\s*<?([^)\s>]+)", text) + re.findall(r"(?:https?://|www\.)[^\s)<]+", text):
            assert not any(url in v for v in values if len(url) > 3), (
                f"a URL value became a link: {url!r} in {element.value[:300]!r}")


def check_page(page: str, params: dict[str, Any], ctx: Context) -> AppTest:
    """Open ``page`` with ``params`` and check the module docstring's properties."""
    at = open_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    notice = " ".join(w.value for w in at.warning if NOTICE in w.value)
    specs = specs_of(page, params)
    dataset = last(params.get("dataset", "")) if page == "records" else "arrests"
    dataset = dataset if dataset in ("arrests", "summonses") else "arrests"
    url = at.query_params
    for key, value in params.items():
        raw = last(value)
        if key not in specs:
            if len([k for k in params if k not in specs]) <= 8:
                assert "unknown parameter `" in notice, (key, notice)
            assert key not in url, (key, url)
            continue
        if raw == "":  # an empty value is no value: the default, silently
            assert key not in url, (key, url)
            continue
        if valid(specs[key], raw, ctx, dataset):
            assert f"`{key}=" not in notice, f"valid {key}={raw!r} refused: {notice}"
        else:
            assert f"`{key}=" in notice, f"invalid {key}={raw!r} not named: {notice!r}"
            assert key not in url, f"invalid {key}={raw!r} kept in the URL: {url}"
    no_markdown_escape(at, params)
    return at


def check_embed(chart: str, params: dict[str, Any], ctx: Context) -> AppTest:
    """The embed of ``chart`` with ``params``: the chart alone, drawn; invalid values named in its caption."""
    at = open_page(None, {"embed": "true", "chart": chart, **params})
    assert not at.exception, [e.value for e in at.exception]
    if chart not in EMBEDS:
        assert at.error and "No embeddable chart called" in at.error[0].value
        no_markdown_escape(at, {"chart": chart})
        return at
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) == 1 and not at.title
    notice = " ".join(c.value for c in at.caption if EMBED_NOTICE in c.value)
    specs = PAGES[EMBEDS[chart]]
    for key, value in params.items():
        raw = last(value)
        if key in specs and raw != "":
            named = f"`{key}=" in notice
            assert named != valid(specs[key], raw, ctx, "arrests"), (key, raw, notice)
    no_markdown_escape(at, params)
    return at


# ------------------------------------------------------------------------------------------------ strategies

def hostile(spec: Spec, ctx: Context) -> st.SearchStrategy[str]:
    """Values for one parameter: valid ones, near misses of its kind, and hostile text of any kind."""
    lo, hi = spec.lo or ctx.lo, spec.hi or ctx.hi
    near: list[str] = ["", " ", "-1", "0", "1e3", "1.5", "99999999999999999999999", "NaN", "inf", "true"]
    good: list[str] = []
    if spec.kind == "choice":
        good = [str(v) for v in spec.values]
        near += [g.upper() for g in good[:3]] + [f" {g}" for g in good[:2]] + [f"{g}\x00" for g in good[:2]]
    elif spec.kind == "date":
        good = [lo.isoformat(), hi.isoformat()]
        near += [(lo - dt.timedelta(days=1)).isoformat(), (hi + dt.timedelta(days=1)).isoformat(), "2018-02-30",
                 "2018-13-01", "0001-01-01", "9999-12-31", "1899-12-31", "18-01-01", "2018/01/01", "01/31/2018",
                 "2018-01-01T00:00:00", "20180101", "２０１８-01-01"]
    elif spec.kind in ("int", "ounces"):
        good = [str(spec.lo), str(spec.hi)]
        near += [str(spec.hi + 1), str(spec.lo - 1), "٣", "1_0", "0x10", " 5 "]
    elif spec.kind == "bool":
        good = ["1", "0", "true", "false"]
        near += ["yes", "True", "2"]
    elif spec.kind == "key":
        good = ["238013474", "A-1_b"]
        near += ["abc\n", "a" * 41, "a b", "'; DROP TABLE arrests;--", "../../etc/passwd"]
    elif spec.kind == "sections":
        good = ["none", "221.05,221.10", "CL 132(4)"]
        near += [",", "221.05,,", "221.5", "none,221.05"]
    elif spec.kind in ("section", "precinct"):
        good = ["any", "221.10", "75"]
        near += ["75.0", "221.1", "ANY"]
    return st.one_of(st.sampled_from(good or [""]), st.sampled_from(near), nasty_text)


#: query keys the router reads itself (an embed): never fuzzed as unknown keys of a page
ROUTER_KEYS = {"embed", "chart", "embed_options"}
unknown_keys = st.text(min_size=1, max_size=12).filter(lambda k: k not in ROUTER_KEYS)


@st.composite
def page_params(draw, page: str, ctx: Context) -> dict[str, Any]:
    """Some of the page's parameters, each valid or hostile, one possibly given twice, plus unknown keys."""
    params: dict[str, Any] = {}
    if page == "reform" and draw(st.booleans()):
        params["base"] = draw(st.sampled_from([*regimes.REGIME_IDS, "../base", ""]))
    specs = specs_of(page, params)
    keys = sorted(specs)
    for key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)) if keys else []:
        params[key] = draw(hostile(specs[key], ctx))
        if draw(st.integers(0, 5)) == 0:  # the key twice: the last value counts
            params[key] = [draw(hostile(specs[key], ctx)), params[key]]
    for key in draw(st.lists(unknown_keys, max_size=2, unique=True)):
        params.setdefault(key, draw(nasty_text))
    return params


# ------------------------------------------------------------------------------------------------ properties

@pytest.mark.parametrize("page", list(PAGES))
@fuzz_settings(5)
@given(data=st.data())
def test_any_link_to_a_page_renders_with_notices(app_db, ctx, page, data):
    """Property (module docstring), for each page: any link opens it without an exception or an error; each
    unusable value is named and dropped, each usable one kept quiet."""
    check_page(page, data.draw(page_params(page, ctx), label="params"), ctx)


@pytest.mark.parametrize("chart", [*EMBEDS, "nope"])
@fuzz_settings(3)
@given(data=st.data())
def test_any_embed_link_renders_the_chart(app_db, ctx, chart, data):
    """Property, for each embeddable chart (and an unknown one): the chart alone, drawn, whatever the view's
    parameters; unusable ones named in its caption."""
    specs = PAGES[EMBEDS.get(chart, "projection")]
    params = data.draw(st.dictionaries(st.sampled_from(sorted(specs)), st.just(""), max_size=4), label="keys")
    params = {k: data.draw(hostile(specs[k], ctx), label=k) for k in params}
    check_embed(chart, params, ctx)


#: one nasty value of each sort, given to every parameter of a page at once (one run per page and value)
NASTY = ("../../etc/passwd", "x\x00y", "'; DROP TABLE arrests;--", "-1", "9999-12-31", "x` [click](https://evil.example) `",
         "\u202e" + "漢字🌿" * 300)


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("overview", "methods")])
@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_every_parameter_of_a_page_given_one_nasty_value(app_db, ctx, page, value):
    """The table: every declared parameter of the page set to the same nasty value, plus the same value as an
    unknown key: each is named in the notice and dropped; the page still renders."""
    params = {key: value for key in specs_of(page, {})} | {"zz_unknown": value}
    at = check_page(page, params, ctx)
    assert any(NOTICE in w.value for w in at.warning)


@pytest.mark.parametrize("page", ["overview", "methods"])
def test_pages_without_parameters_name_unknown_ones(app_db, ctx, page):
    """Pages that take no parameter: every key is unknown, named and dropped (many keys: counted)."""
    params = {f"k{i}": NASTY[i % len(NASTY)] for i in range(12)}
    at = check_page(page, params, ctx)
    notice = " ".join(w.value for w in at.warning if NOTICE in w.value)
    assert notice.count("unknown parameter `") == 8 and "4 more unknown parameters ignored" in notice


def test_nasty_embed_values_and_chart_ids(app_db, ctx):
    """The embed with every parameter of its view nasty, and chart ids that are not charts."""
    for chart in EMBEDS:
        check_embed(chart, {key: NASTY[5] for key in PAGES[EMBEDS[chart]]}, ctx)
    for chart in ("../trend", "x` [click](https://evil.example) `", "trend\x00", "TREND", "🌿" * 500):
        check_embed(chart, {}, ctx)


# ------------------------------------------------------------------------------------------------ regressions
# What the fuzzing found, minimised, fixed in ui/state.py, ui/embed.py, ui/screens/records.py, present/views.py.

def test_markdown_in_a_url_value_is_not_a_link(app_db, ctx):
    """Found by the table (``NASTY[5]``): ``?start=x` [click](https://evil.example) ``` closed the notice's
    code span and rendered a clickable link to any site, on the dashboard's own page, in its warning. Now the
    value stays in its code span (its backticks shown as ``'``) and the reason is escaped."""
    at = check_page("projection", {"start": "x` [click](https://evil.example) `"}, ctx)
    notice = next(w.value for w in at.warning if NOTICE in w.value)
    assert "`start=x' [click](https://evil.example) '` is not valid (not a date" in notice
    assert "https://evil.example" not in outside_code_spans(notice)


def test_record_key_with_a_final_line_break_is_refused(app_db, ctx):
    """``?key=abc%0A`` on the record explorer: the key pattern ended in ``$``, which also matches before a final
    line break, so the key was taken, looked up and written back to the URL. Now it is named and dropped."""
    at = check_page("records", {"key": "abc\n"}, ctx)
    assert "`key=abc\\n` is not valid" in " ".join(w.value for w in at.warning)
    assert "key" not in at.query_params


def test_an_unknown_record_key_does_not_show_the_database_path(app_db, ctx, demo_db):
    """``?key=NOPE123``: the notice said "no arrest or summons with key 'NOPE123' in Database('/srv/…/x.duckdb',
    read_only=True)": the server's path to its database, to any visitor. Now "in the database"."""
    at = check_page("records", {"key": "NOPE123"}, ctx)
    notice = next(w.value for w in at.warning if "cannot be explained" in w.value)
    assert "in the database" in notice and str(demo_db.parent) not in notice and "Database(" not in notice


def test_a_long_or_invisible_value_is_cut_and_shown(app_db, ctx):
    """A 5,000-character value was printed whole in the notice, and a right-to-left override (U+202E) or a NUL
    in it went to the page as they were (reversing the text after it). Now at most 80 characters, escaped."""
    at = check_page("trends", {"scope": "\u202e" + "y" * 5000, "reference": "a\x00b"}, ctx)
    notice = next(w.value for w in at.warning if NOTICE in w.value)
    assert "`scope=\\u202eyyy" in notice and "y" * 80 not in notice and "\u202e" not in notice
    assert "`reference=a\\x00b`" in notice and "\x00" not in notice
