"""Downloads for every chart and table, the reporter pack and the "cite this view" box.

The figure building and the image rendering are in :mod:`nyc_cannabis.present.charts` (no Streamlit there); this module
only puts them behind download buttons. PNG / SVG / ZIP bytes are built when the button is clicked (Streamlit's
deferred ``data=callable``), so an ordinary page run never starts a browser. Every table's CSV carries its data
dictionary (``<name>.dictionary.csv``: column, label, meaning, unit) and, for an estimate with a 95% interval,
``<estimate>_estimate / _lower / _upper`` columns (:mod:`nyc_cannabis.present.handoff`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nyc_cannabis import __version__
from nyc_cannabis.law.crosswalk import ASSUMPTIONS
from nyc_cannabis.present import charts, glossary, handoff, lawbook

PROJECT = "NY marijuana enforcement: charges and disparities under three laws"


@dataclass
class Chart:
    name: str  # file stem, e.g. "projection-arrests-mrta-2021"
    figure: go.Figure
    alt: str


@dataclass
class View:
    """What a page shows, for the citation, the reporter pack and the report."""

    page: str
    title: str
    permalink: str
    filters: dict[str, Any]
    figures: list[str] = field(default_factory=list)  # headline numbers as sentences
    charts: list[Chart] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    law: list[str] = field(default_factory=list)  # the rules the view rests on, with kind, quote and URL


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "export"


def data_version(info: dict[str, Any]) -> str:
    """The database's sources as ``file@sha256[:12]`` (what a citation needs to be reproducible)."""
    parts = [f"{s['file_name']}@{s['sha256'][:12]}" for s in info.get("sources", [])]
    kind = "SYNTHETIC demo data" if info.get("synthetic") else "NYPD open data"
    return f"{kind}; {len(parts)} file(s): " + ", ".join(parts) if parts else f"{kind}; no files"


def citation(view: View, info: dict[str, Any], today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    filters = "; ".join(f"{k}={v}" for k, v in view.filters.items()) or "defaults"
    return (f"{PROJECT} (nyc-cannabis-enforcement {__version__}). \"{view.title}\", filters: {filters}. "
            f"Data: {data_version(info)}; records {info.get('first_date')} to {info.get('last_date')}. "
            f"Retrieved {today.isoformat()} from {view.permalink}")


def methods_note(info: dict[str, Any]) -> str:
    lines = ["# Methods note", "",
             "Each cannabis record (Penal Law art. 221 / 222) is read as the law in force on its date defined "
             "it, the facts consistent with its code are listed (amount band, conduct, ages), and the target "
             "law is applied to them: the low bound is the least serious outcome, the high bound the most "
             "serious, the central case follows the named assumptions below. Counts are records (arrests or "
             "summonses), not people; a record's code is taken to be its top charge.", "",
             "## Assumptions", ""]
    lines += [f"- **{k}**: {v}" for k, v in ASSUMPTIONS.items()]
    lines += ["", "## Data", "", data_version(info),
              f"Records from {info.get('first_date')} to {info.get('last_date')}; "
              f"{info.get('arrests', 0):,} arrests, {info.get('summonses', 0):,} summonses, "
              f"{info.get('quarantined', 0):,} quarantined rows."]
    if info.get("synthetic"):
        lines += ["", "**These are synthetic demo records, not NYPD data.**"]
    return "\n".join(lines) + "\n"


def table_csv(frame: pd.DataFrame) -> bytes:
    """A table's CSV download: machine names, empty cells for missing values, and each estimate's interval
    also as ``<estimate>_estimate, _lower, _upper`` (for Datawrapper and the like)."""
    return handoff.with_intervals(frame).to_csv(index=False).encode("utf-8")


def dictionary_csv(frame: pd.DataFrame) -> bytes:
    """The data dictionary of :func:`table_csv`'s columns: column, label, meaning, unit."""
    return handoff.dictionary_csv(handoff.with_intervals(frame).columns)


def reporter_pack(view: View, info: dict[str, Any], images: bool = True) -> bytes:
    """ZIP: every table as CSV with its data dictionary beside it, every chart as HTML (and PNG + SVG when
    Chromium is there), the methods note, and CITATION.txt with the data version and the permalink."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in view.tables.items():
            z.writestr(f"tables/{slug(name)}.csv", table_csv(frame))
            z.writestr(f"tables/{slug(name)}.dictionary.csv", dictionary_csv(frame))
        notes = []
        for chart in view.charts:
            z.writestr(f"charts/{chart.name}.html", charts.figure_html(chart.figure, chart.alt))
            z.writestr(f"charts/{chart.name}.alt.txt", chart.alt + "\n")
            if images and charts.chromium():
                for fmt in ("png", "svg"):
                    try:
                        z.writestr(f"charts/{chart.name}.{fmt}", charts.figure_image(chart.figure, fmt))
                    except Exception as exc:  # noqa: BLE001 - a failed render must not lose the rest of the pack
                        notes.append(f"{chart.name}.{fmt}: not rendered ({' '.join(str(exc).split())[:200]})")
            elif images:
                notes.append(f"{chart.name}: PNG/SVG need Chromium, not installed on this server; HTML included")
        z.writestr("METHODS.md", methods_note(info))
        z.writestr("CITATION.txt", citation(view, info) + "\n")
        z.writestr("DATA-TERMS.md", lawbook.data_terms())
        if view.law:
            z.writestr("LAW.md", "# The law this view rests on\n\n" + "\n".join(f"- {line}" for line in view.law) + "\n")
        z.writestr("view.json", json.dumps({"page": view.page, "title": view.title, "permalink": view.permalink,
                                            "filters": view.filters, "figures": view.figures,
                                            "data_version": data_version(info), "notes": notes},
                                           indent=2, default=str))
    return buf.getvalue()


# --------------------------------------------------------------------------------------------- widgets

def chart(c: Chart, key: str) -> None:
    """The chart, its alt text as a caption, and its downloads (PNG, SVG, HTML)."""
    st.plotly_chart(c.figure, width="stretch", key=f"chart-{key}", config={"displaylogo": False})
    st.caption(c.alt)
    cols = st.columns(3)
    if charts.chromium():
        cols[0].download_button("PNG", data=lambda: charts.figure_image(c.figure, "png"), file_name=f"{c.name}.png",
                                mime="image/png", key=f"png-{key}", on_click="ignore", icon=":material/image:")
        cols[1].download_button("SVG", data=lambda: charts.figure_image(c.figure, "svg"), file_name=f"{c.name}.svg",
                                mime="image/svg+xml", key=f"svg-{key}", on_click="ignore", icon=":material/draw:")
    else:
        cols[0].caption("PNG / SVG need Chromium, not installed on this server: use the HTML file.")
    cols[2].download_button("HTML file", data=lambda: charts.figure_html(c.figure, c.alt), file_name=f"{c.name}.html",
                            mime="text/html", key=f"html-{key}", on_click="ignore", icon=":material/code:")


def table(frame: pd.DataFrame, name: str, key: str, **kwargs: Any) -> None:
    """A table with readable headers (:mod:`nyc_cannabis.present.glossary`), thousands separators and a dash for a
    missing value, its CSV download (machine names, empty cells, interval columns) and beside it the CSV's data
    dictionary, both built when clicked."""
    config = {c: st.column_config.NumberColumn(format="localized") for c in frame.columns
              if pd.api.types.is_integer_dtype(frame[c]) and not c.endswith(("precinct", "_key"))}
    # p- and q-values in two significant digits (3.1e-12, 0.047), never a flat "0.000"
    config.update({c: st.column_config.NumberColumn(format="%.2g") for c in ("p_value", "q_value")
                   if c in frame.columns})
    config.update(kwargs.pop("column_config", {}))
    config = {c: _labelled(c, config.get(c)) for c in frame.columns}
    # a missing value (suppressed, not estimable, no population) reads as a dash, not as the word "None"
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, placeholder="–", **kwargs)
    with st.container(horizontal=True, gap="small"):
        # built when clicked, not at every run of the page (bench/load_bench.py: about 8 % of a page's time)
        st.download_button("CSV", data=lambda: table_csv(frame), file_name=f"{slug(name)}.csv", mime="text/csv",
                           key=f"csv-{key}", on_click="ignore", icon=":material/table:")
        st.download_button("Dictionary", data=lambda: dictionary_csv(frame), file_name=f"{slug(name)}.dictionary.csv",
                           mime="text/csv", key=f"dictionary-{key}", on_click="ignore", type="tertiary",
                           icon=":material/menu_book:", help="What each column of the CSV means, with its unit")


def _labelled(column: str, config: dict[str, Any] | None) -> dict[str, Any]:
    """A column's display config with the glossary's header and tooltip, unless the page set its own; the
    CSV download keeps the machine name, which the tooltip gives."""
    config = dict(config or st.column_config.Column())
    config["label"] = config.get("label") or glossary.label(column)
    config["help"] = config.get("help") or glossary.describe(column)
    return config


def cite_box(view: View, info: dict[str, Any]) -> None:
    """"Cite this view": the figures, the filters, the permalink and the data version; and the reporter pack."""
    with st.expander("Cite or share this view", icon=":material/format_quote:"):
        st.markdown("**Permalink** (opens this view with these settings):")
        st.code(view.permalink, language=None, wrap_lines=True)
        st.markdown("**Citation:**")
        st.code(citation(view, info), language=None, wrap_lines=True)
        if view.figures:
            st.markdown("**Figures in this view:**\n" + "\n".join(f"- {f}" for f in view.figures))
        snippets = [(c, code) for c in view.charts if (code := _embed_snippet(c, view.permalink))]
        if snippets:
            st.markdown("**Embed** (paste into an article: the chart of this exact view, full width, with its "
                        "source line and a link back):")
            for c, code in snippets:
                st.caption(c.alt.split(":")[0])
                st.code(code, language="html", wrap_lines=True)
        if view.law:
            st.markdown("**The law this view rests on** (each rule's source, kind and the sentence quoted):")
            st.code("\n".join(view.law), language=None, wrap_lines=True)
        st.download_button("Reporter pack (ZIP: CSVs, charts, methods, citation)",
                           data=lambda: reporter_pack(view, info), file_name=f"{slug(view.title)}-pack.zip",
                           mime="application/zip", key=f"pack-{view.page}", on_click="ignore",
                           icon=":material/folder_zip:")


def _embed_snippet(chart: Chart, permalink: str) -> str | None:
    from nyc_cannabis.ui import embed

    return embed.snippet(chart, permalink)
