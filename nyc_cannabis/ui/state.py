"""Shareable state: every filter and choice of a page lives in the URL's query parameters.

A page declares its parameters (:class:`Param` of ``present/views.py``: URL name = widget key, default,
allowed values; the pages that have a CLI counterpart take their view's parameters, so both agree) and calls

1. :func:`bind` before its widgets: when the URL was set from outside (first load, a pasted or linked URL),
   the URL values are parsed into ``st.session_state`` so the widgets show them; an invalid or unknown value
   falls back to the default and a visible ``st.warning`` says which; never an exception.
2. the widgets, created with ``key=param.key`` and no value of their own (session state holds it);
3. :func:`publish` after them: the widgets' values are written back to the URL (defaults left out, so the
   URL stays short), and remembered, so a later rerun knows the URL has not been changed from outside.

Streamlit's own ``bind="query-params"`` drops invalid values silently, hence this small module.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

import streamlit as st

from nyc_cannabis.present.views import Param, View

_LAST = "_qp_last::"
DEFAULT_BASE_URL = "http://localhost:8501"


def _url() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


def peek(page: str, param: Param) -> Any:
    """The value ``param`` will have in this run, before :func:`bind` (for choices that depend on it)."""
    url = _url()
    last = st.session_state.get(_LAST + page)
    if last is not None and url == last and param.key in st.session_state:
        return st.session_state[param.key]
    try:
        return param.parse(url[param.key]) if url.get(param.key) else param.default
    except (ValueError, TypeError):
        return param.default


def bind(page: str, params: Sequence[Param]) -> list[str]:
    """URL → session state for the page's widgets. Returns the notices shown (invalid or unknown values)."""
    url = _url()
    last: dict[str, str] | None = st.session_state.get(_LAST + page)
    external = last is None or url != last
    notices: list[str] = []
    known = {p.key for p in params}
    if external:
        unknown = sorted(set(url) - known)
        notices.extend(f"unknown parameter {shown(key)} ignored" for key in unknown[:MAX_NOTICES])
        if len(unknown) > MAX_NOTICES:
            notices.append(f"{len(unknown) - MAX_NOTICES} more unknown parameters ignored")
    for p in params:
        raw = url.get(p.key)
        if not external and p.key in st.session_state:
            continue
        if raw is None or raw == "":
            value = p.default
        else:
            try:
                value = p.parse(raw)
            except (ValueError, TypeError) as exc:
                notices.append(f"{shown(f'{p.key}={raw}')} is not valid ({plain(str(exc))}); using the default "
                               f"{shown(p.dump(p.default))}")
                value = p.default
        if external or p.key not in st.session_state:
            st.session_state[p.key] = value
    for p in params:  # a choice that no longer exists (e.g. another dataset's section) falls back quietly
        if p.kind == "choice" and st.session_state.get(p.key) not in p.choices:
            st.session_state[p.key] = p.default
    if notices:
        st.warning("**This link had settings the dashboard cannot use.** " + "; ".join(notices) + ".",
                   icon=":material/warning:")
    return notices


#: unknown parameters named one by one in a notice; more are counted
MAX_NOTICES = 8
#: characters of a URL value a notice shows
SHOWN_CHARS = 80
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&^])")


def shown(raw: str) -> str:
    """A value from the URL as a notice shows it: a Markdown code span, so nothing in it is Markdown (no link,
    emphasis or icon), with its backticks (which would end the span) as ``'``, its invisible and control
    characters (line breaks, NUL, right-to-left overrides, zero-width spaces) escaped as ``\\x00`` …, and cut
    to :data:`SHOWN_CHARS` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw).replace("`", "'")
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return f"`{text}`" if text.strip() else "`''`"


def plain(text: str) -> str:
    """Text that may hold URL values (an error's reason), shown as itself in Markdown: invisible and control
    characters escaped, Markdown punctuation backslash-escaped, cut to 200 characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > 200:
        text = text[:199] + "…"
    return _MARKDOWN.sub(r"\\\1", text)


def publish(page: str, params: Sequence[Param]) -> dict[str, str]:
    """Session state → URL (non-default values only). Returns the parameters written."""
    out: dict[str, str] = {}
    for p in params:
        value = st.session_state.get(p.key, p.default)
        if value != p.default and value is not None:
            out[p.key] = p.dump(value)
    if _url() != out:
        st.query_params.from_dict(out)
    st.session_state[_LAST + page] = out
    return out


def view_params(view: View, lo: dt.date, hi: dt.date, period: tuple[dt.date, dt.date] | None = None,
                **overrides: dict[str, Any]) -> list[Param]:
    """A view's parameters for a page: its dates range over the database's ``lo``–``hi`` and default to
    ``period`` (the whole range when None); ``overrides`` change a parameter's fields."""
    start, end = period or (lo, hi)
    out = []
    for p in view.params:
        if p.kind == "date":
            p = p.replace(default=start if p.key == "start" else end, choices=(lo, hi))
        elif p.kind == "choice" and callable(p.choices):
            p = p.replace(choices=p.values)
        out.append(p.replace(**overrides.get(p.key, {})))
    return out


def current(params: Sequence[Param]) -> dict[str, Any]:
    """The values of the page's parameters now (after the widgets ran)."""
    return {p.key: st.session_state.get(p.key, p.default) for p in params}


def base_url() -> str:
    """The app's address in the user's browser (``st.context.url``), else $ANALYTICS_PUBLIC_URL or localhost."""
    import os

    url = None
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode)
        url = None
    return (url or os.environ.get("ANALYTICS_PUBLIC_URL") or DEFAULT_BASE_URL).rstrip("/")


def permalink(url_path: str, query: dict[str, str]) -> str:
    """A full URL that reopens ``url_path`` with ``query`` (the view's non-default parameters)."""
    base = base_url()
    from nyc_cannabis.ui.nav import PAGES

    for known in (f"/{p.url_path}" for p in PAGES):  # st.context.url may hold the page
        if base.endswith(known):
            base = base[: -len(known)]
    from nyc_cannabis.ui.nav import PAGES

    if any(p.default and p.url_path == url_path for p in PAGES):
        url_path = ""  # the default page lives at the app's root
    return f"{base}/{url_path}" + (f"?{urlencode(query)}" if query else "")


Formatter = Callable[[Any], str]
