"""Chart-only renderings for embedding a view in an article: ``/?embed=true&chart=<id>&<the view's parameters>``.

Streamlit's ``embed=true`` drops the app's chrome; the router (``app.py``) hands a request with ``chart=`` to
:func:`render`, which draws only that chart of that exact view (the same parameters, defaults and cached
queries as its page), its source line and alt text, the synthetic-data notice where it applies, and a link
back to the full view. :func:`snippet` is the ``<iframe>`` a reporter pastes (full width, height by ratio).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

import streamlit as st

from nyc_cannabis.law import crosswalk
from nyc_cannabis.present import charts, views
from nyc_cannabis.present import disparity_charts as dc
from nyc_cannabis.ui import data, exports, state


@dataclass(frozen=True)
class Embeddable:
    """A chart of a page that can be embedded: its view, the page it links back to, and how to draw it."""

    view: views.View
    draw: Callable[[data.Db, dict[str, Any], str], tuple[Any, str]]  # (db, values, source) → (figure, alt)
    complete_year: bool = False  # the page opens on a complete year (rate pages)


def _projection(db: data.Db, v: dict[str, Any], source: str) -> tuple[Any, str]:
    assume = crosswalk.Assumptions(**{n: v[n] for n in crosswalk.Assumptions.CHOICES})
    result = data.projection(db.path, db.mtime, v["dataset"], v["regime"], v["start"], v["end"], v["by"], assume)
    return charts.projection_figure(result, source=source), charts.projection_alt(result)


def _disparity(db: data.Db, v: dict[str, Any]) -> dict[str, Any]:
    regime = None if v["regime"] == views.AS_CHARGED else v["regime"]
    return data.disparity(db.path, db.mtime, v["dataset"], regime, v["bound"], v["reference"], v["start"], v["end"],
                          None if v["by"] == "city" else v["by"], v["scope"], v["threshold"])


def _ratios(db: data.Db, v: dict[str, Any], source: str) -> tuple[Any, str]:
    result = _disparity(db, v)
    return dc.ratio_figure(result, source), dc.ratio_alt(result)


def _rates(db: data.Db, v: dict[str, Any], source: str) -> tuple[Any, str]:
    result = _disparity(db, v)
    return dc.rates_figure(result, source), dc.rates_alt(result)


def _trend(db: data.Db, v: dict[str, Any], source: str) -> tuple[Any, str]:
    lo, hi = data.date_span(db)
    result = data.trend(db.path, db.mtime, v["dataset"], v["reference"], v["scope"], v["seasonal"],
                        None if v["start"] == lo else v["start"], None if v["end"] == hi else v["end"])
    return dc.trend_figure(result, source), dc.trend_alt(result)


#: every embeddable chart by id; a page's chart is found by its file-name stem (see :func:`chart_id`)
CHARTS: dict[str, Embeddable] = {
    "projection": Embeddable(views.PROJECTION, _projection),
    "ratios": Embeddable(views.DISPARITY, _ratios, complete_year=True),
    "rates": Embeddable(views.DISPARITY, _rates, complete_year=True),
    "trend": Embeddable(views.TREND, _trend),
}


def chart_id(name: str) -> str | None:
    """The embed id of a page's chart from its file name (``disparity-arrests-…-ratios`` → ``ratios``)."""
    if name.startswith("projection-"):
        return "projection"
    if name.startswith("disparity-") and name.endswith(("-ratios", "-rates")):
        return name.rsplit("-", 1)[1]
    if name.startswith("trend-"):
        return "trend"
    return None


def snippet(chart: exports.Chart, permalink: str) -> str | None:
    """The ``<iframe>`` that embeds ``chart`` as the view at ``permalink`` shows it (None: not embeddable)."""
    cid = chart_id(chart.name)
    if cid is None:
        return None
    parts = urlsplit(permalink)
    base = permalink[: len(permalink) - len(parts.path) - (len(parts.query) + 1 if parts.query else 0)]
    src = f"{base}/?" + urlencode({"embed": "true", "chart": cid}) + (f"&{parts.query}" if parts.query else "")
    title = html.escape(re.sub(r"\s+", " ", chart.alt)[:140], quote=True)
    return (f'<iframe src="{html.escape(src, quote=True)}" title="{title}" loading="lazy" '
            f'style="width:100%;aspect-ratio:4/3;border:0"></iframe>')


def _values(item: Embeddable, db: data.Db) -> tuple[dict[str, Any], list[str]]:
    """The view's parameters from the URL, with the page's defaults; notices for values that were refused."""
    lo, hi = data.date_span(db)
    dataset = views.DATASET.default
    raw_dataset = st.query_params.get("dataset")
    if raw_dataset in views.DATASET.values:
        dataset = raw_dataset
    period = data.default_period(db, dataset) if item.complete_year else None
    values, notices = {}, []
    for p in state.view_params(item.view, lo, hi, period):
        raw = st.query_params.get(p.key)
        try:
            values[p.key] = p.parse(raw) if raw else p.default
        except (ValueError, TypeError) as exc:
            notices.append(f"{state.shown(f'{p.key}={raw}')} is not valid ({state.plain(str(exc))})")
            values[p.key] = p.default
    if values.get("start") and values.get("end") and values["start"] > values["end"]:
        values["start"], values["end"] = values["end"], values["start"]
    return values, notices


def render() -> None:
    """Draw the one chart the URL names (called by the router instead of the navigation)."""
    cid = st.query_params.get("chart")
    item = CHARTS.get(cid or "")
    if item is None:
        st.error(f"No embeddable chart called '{state.plain(cid or '')}': one of {', '.join(CHARTS)}.")
        return
    db = data.current()
    info = data.load_info(db)
    if info is None:
        return
    if info["synthetic"]:
        st.caption(":material/science: **Synthetic demo data**, not NYPD records: no finding here describes New York.")
    values, notices = _values(item, db)
    if notices:
        st.caption("Settings this link had that the view cannot use, shown with defaults: " + "; ".join(notices))
    source = f"Source: {exports.data_version(info)[:110]}"
    figure, alt = item.draw(db, values, source)
    st.plotly_chart(figure, width="stretch", key=f"embed-{cid}", config={"displaylogo": False})
    query = {k: st.query_params[k] for k in st.query_params if k not in ("embed", "chart")}
    link = state.permalink(item.view.page, query)
    st.caption(f"{alt}  \n[Open the full view, its data and its method]({link}) · NY marijuana enforcement "
               f"dashboard")
