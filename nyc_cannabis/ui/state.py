"""Shareable state: every filter and choice of a page lives in the URL's query parameters.

A page declares its parameters (:class:`Param`: URL name = widget key, default, allowed values) and calls

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
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

import streamlit as st

_LAST = "_qp_last::"
_TEXT = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
DEFAULT_BASE_URL = "http://localhost:8501"


@dataclass(frozen=True)
class Param:
    """One URL parameter / widget. ``kind``: choice, date, bool, int or text; ``choices`` for a choice, or
    ``(min, max)`` for a date or int."""

    key: str
    default: Any
    kind: str = "choice"
    choices: tuple = field(default=())
    label: str = ""

    def parse(self, raw: str) -> Any:
        if self.kind == "choice":
            for c in self.choices:
                if str(c) == raw:
                    return c
            raise ValueError(f"not one of {', '.join(map(str, self.choices[:8]))}{' …' if len(self.choices) > 8 else ''}")
        if self.kind == "date":
            value = dt.date.fromisoformat(raw)
        elif self.kind == "int":
            value = int(raw)
        elif self.kind == "text":
            if not _TEXT.match(raw):
                raise ValueError("not a record key (letters, digits, - and _, at most 40)")
            return raw
        elif self.kind == "bool":
            if raw not in ("1", "0", "true", "false"):
                raise ValueError("not 1 or 0")
            return raw in ("1", "true")
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(self.kind)
        if self.choices and not (self.choices[0] <= value <= self.choices[1]):
            raise ValueError(f"outside {self.choices[0]} – {self.choices[1]}")
        return value

    def dump(self, value: Any) -> str:
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "bool":
            return "1" if value else "0"
        return str(value)


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
        for key in sorted(set(url) - known):
            notices.append(f"unknown parameter `{key}` ignored")
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
                notices.append(f"`{p.key}={raw}` is not valid ({exc}); using the default "
                               f"`{p.dump(p.default)}`")
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
