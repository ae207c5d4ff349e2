"""Figures for the disparity statistics (rates, rate ratios, counterfactual ratios, enforcement mode, monthly
series, precinct map), each with a one-sentence alt text. No Streamlit; palette and layout from
:mod:`nyc_cannabis.present.charts`, so a group has the same colour here as on every other chart."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from nyc_cannabis.core import events
from nyc_cannabis.core.resources import resource_path
from nyc_cannabis.law import regimes
from nyc_cannabis.present.charts import NEUTRAL_GREY, OKABE_ITO, fmt, group_color, layout, shared
from nyc_cannabis.stats import population

GEOJSON = resource_path("core", "reference", "geo", "police_precincts.geojson")
COLORSCALE = "Cividis"  # perceptually uniform and colour-blind safe
LAW_DATES = tuple((e.date.isoformat(), e.label) for e in events.breaks())  # core/events.yaml


def _ratio_text(g: dict[str, Any]) -> str:
    if g.get("rate_ratio") is None:
        return "–"
    if g.get("ci_low") is None:
        return f"{g['rate_ratio']:.2f}"
    return f"{g['rate_ratio']:.2f} ({g['ci_low']:.2f}–{g['ci_high']:.2f})"


def _shown(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for g in result["groups"] if g.get("population") is not None]


def _when(result: dict[str, Any]) -> str:
    return f"{result['start']} to {result['end']}" if result.get("start") else "(no records)"


@shared
def rates_figure(result: dict[str, Any], source: str | None = None) -> go.Figure:
    """Rate per 100,000 residents per year by group with 95% intervals; suppressed groups marked."""
    groups = _shown(result)
    names = [g["group"] for g in groups]
    rates = [g["rate_per_100k"] or 0 for g in groups]
    fig = go.Figure()
    fig.add_bar(x=names, y=rates, marker_color=[group_color(n) for n in names], showlegend=False,
                error_y={"type": "data", "symmetric": False, "color": "#333333",
                         "array": [(g["rate_ci_high"] - g["rate_per_100k"]) if g["rate_per_100k"] is not None else 0
                                   for g in groups],
                         "arrayminus": [(g["rate_per_100k"] - g["rate_ci_low"]) if g["rate_per_100k"] is not None
                                        else 0 for g in groups]},
                hovertemplate="%{x}: %{y:,.1f} per 100,000 a year<extra></extra>")
    # each value written above its interval's upper end, where the error bar cannot cross it
    fig.add_scatter(x=names, y=[(g["rate_ci_high"] or g["rate_per_100k"]) if g["rate_per_100k"] is not None else 0
                       for g in groups],
                    mode="text", textposition="top center", showlegend=False, hoverinfo="skip", cliponaxis=False,
                    text=[fmt(g["rate_per_100k"]) if g["rate_per_100k"] is not None else "suppressed"
                          for g in groups])
    fig.update_yaxes(title_text="per 100,000 residents a year", tickformat=",")
    title = f"Cannabis {result['measure']}: rate per 100,000 residents, {_when(result)}"
    fig = layout(fig, title, source, barmode="group")
    return fig


def rates_alt(result: dict[str, Any]) -> str:
    parts = "; ".join(f"{g['group']} {fmt(g['rate_per_100k'])}" if g["rate_per_100k"] is not None
                      else f"{g['group']} suppressed ({fmt(g['count'])} records)" for g in _shown(result))
    return (f"Bar chart of the yearly rate of cannabis {result['measure']} per 100,000 residents by group, "
            f"{_when(result)}, with 95% intervals: {parts}.")


@shared
def ratio_figure(result: dict[str, Any], source: str | None = None) -> go.Figure:
    """Rate ratio against the reference group with 95% intervals, log scale, a line at 1."""
    groups = [g for g in _shown(result) if g["group"] != result["reference"]]
    fig = go.Figure()
    for g in groups:
        if g.get("rate_ratio") is None:
            continue
        fig.add_scatter(x=[g["rate_ratio"]], y=[g["group"]], mode="markers", showlegend=False,
                        marker={"size": 12, "color": group_color(g["group"])},
                        error_x={"type": "data", "symmetric": False, "color": "#333333",
                                 "array": [(g["ci_high"] or g["rate_ratio"]) - g["rate_ratio"]],
                                 "arrayminus": [g["rate_ratio"] - (g["ci_low"] or g["rate_ratio"])]},
                        hovertemplate=f"{g['group']}: {_ratio_text(g)} ({g['ci_method']})<extra></extra>")
    fig.add_vline(x=1, line_dash="dash", line_color=NEUTRAL_GREY)
    # an annotation on a log axis is placed at the log10 of its value: 0 is the line at 1×
    fig.add_annotation(x=0, xref="x", y=1, yref="paper", yanchor="bottom", xanchor="left", xshift=4, showarrow=False,
                       text=f"same rate as {result['reference']}", font={"color": "#555555"})
    fig.update_xaxes(type="log", title_text=f"rate ratio vs {result['reference']} (log scale; 95% CI)",
                     tickvals=[0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200], ticktext=[
                         "0.1×", "0.2×", "0.5×", "1×", "2×", "5×", "10×", "20×", "50×", "100×", "200×"])
    fig.update_yaxes(categoryorder="array", categoryarray=[g["group"] for g in reversed(groups)])
    title = f"How many times the {result['reference']} rate: cannabis {result['measure']}, {_when(result)}"
    return layout(fig, title, source)


def ratio_alt(result: dict[str, Any]) -> str:
    parts = "; ".join(f"{g['group']} {_ratio_text(g)}" for g in _shown(result)
                      if g["group"] != result["reference"] and g.get("rate_ratio") is not None)
    return (f"Dot plot of rate ratios against {result['reference']} residents with 95% confidence intervals on a "
            f"log scale, cannabis {result['measure']}, {_when(result)}: {parts or 'no ratio could be computed'}.")


@shared
def counterfactual_figure(result: dict[str, Any], source: str | None = None) -> go.Figure:
    """Rate ratio of criminal charges as charged and under the target law at each bound, per group."""
    reference = result["reference"]
    rows = [r for r in result["counterfactual"] if r["group"] != reference
            and r["as_charged"].get("rate_ratio") is not None]
    fig = go.Figure()
    styles = (("as_charged", "as charged", NEUTRAL_GREY), ("low", "low bound", OKABE_ITO["sky_blue"]),
              ("central", "central case", OKABE_ITO["blue"]), ("high", "high bound", OKABE_ITO["vermillion"]))
    for key, name, color in styles:
        xs, ys = [], []
        for r in rows:
            if r[key].get("rate_ratio") is not None:
                xs.append(r["group"])
                ys.append(r[key]["rate_ratio"])
        fig.add_bar(x=xs, y=ys, name=name, marker_color=color,
                    hovertemplate="%{x}: %{y:.2f}× the " + reference + " rate (" + name + ")<extra></extra>")
    fig.add_hline(y=1, line_dash="dash", line_color=NEUTRAL_GREY)
    fig.update_yaxes(title_text=f"rate ratio of criminal charges vs {reference}")
    title = f"Disparity in criminal charges as charged and under {regimes.label(result['regime'])}, {_when(result)}"
    fig = layout(fig, title, source, barmode="group")
    return fig


def counterfactual_alt(result: dict[str, Any]) -> str:
    def r(x: dict[str, Any]) -> str:
        return "–" if x.get("rate_ratio") is None else f"{x['rate_ratio']:.2f}"

    parts = "; ".join(f"{row['group']}: {r(row['as_charged'])} as charged, {r(row['low'])} / {r(row['central'])} / "
                      f"{r(row['high'])} under {regimes.label(result['regime'])}" for row in result["counterfactual"]
                      if row["group"] != result["reference"] and row["as_charged"].get("rate_ratio") is not None)
    return (f"Grouped bars of rate ratios of criminal charges against {result['reference']} residents, as charged "
            f"and under {regimes.label(result['regime'])} (low, central, high bound), {_when(result)}: {parts}.")


@shared
def mode_figure(mode: dict[str, Any], source: str | None = None) -> go.Figure:
    """Share of low-level enforcement that was an arrest, by law period and group, 95% intervals."""
    fig = go.Figure()
    groups = [g for g in dict.fromkeys(r["group"] for r in mode["rows"]) if g != "Unknown"]
    for group in groups:
        rows = [r for r in mode["rows"] if r["group"] == group and r["arrest_share"] is not None
                and r["arrests"] + r["summonses"] >= 10]
        fig.add_bar(x=[r["period_label"] for r in rows], y=[100 * r["arrest_share"] for r in rows], name=group,
                    marker_color=group_color(group),
                    error_y={"type": "data", "symmetric": False, "color": "#333333",
                             "array": [100 * (r["ci_high"] - r["arrest_share"]) for r in rows],
                             "arrayminus": [100 * (r["arrest_share"] - r["ci_low"]) for r in rows]},
                    hovertemplate=group + ", %{x}: %{y:.1f}% arrests<extra></extra>")
    fig.update_yaxes(title_text="% of enforcement that was an arrest", ticksuffix="%")
    fig = layout(fig, "Arrest or summons? Share of cannabis enforcement that was a custodial arrest", source,
                 barmode="group")
    return fig


def mode_alt(mode: dict[str, Any]) -> str:
    parts = "; ".join(f"{r['group']} in {r['period_label']}: {100 * r['arrest_share']:.1f}%" for r in mode["rows"]
                      if r["group"] in ("Black", "Hispanic", "White") and r["arrest_share"] is not None)
    return (f"Grouped bars of the share of {mode['scope']} cannabis enforcement that was an arrest rather than a "
            f"criminal-court summons, by law period and group, with 95% intervals: {parts}.")


@shared
def trend_figure(trend: dict[str, Any], source: str | None = None) -> go.Figure:
    """Monthly counts by group with the law dates marked (built in one step: traces, lines and labels)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for m in trend["monthly"]:
        by_group.setdefault(m["group"], []).append(m)
    traces = [{"type": "scatter", "x": [m["month"] for m in pts], "y": [m["count"] for m in pts], "mode": "lines",
               "name": group, "line": {"color": group_color(group), "width": 2},
               "hovertemplate": group + " %{x|%b %Y}: %{y:,}<extra></extra>"} for group, pts in by_group.items()]
    months = [m["month"] for m in trend["monthly"]]
    shown = [(i, day, label) for i, (day, label) in enumerate(LAW_DATES)
             if months and min(months) <= day <= max(months)]
    fig = go.Figure(data=traces, layout={
        "shapes": [{"type": "line", "x0": day, "x1": day, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                    "line": {"dash": "dot", "color": "#444444"}} for _, day, _ in shown],
        "annotations": [{"x": day, "y": 1.0 - 0.07 * i, "yref": "paper", "text": label, "showarrow": False,
                         "xanchor": "left", "font": {"size": 11}, "bgcolor": "rgba(255,255,255,0.8)"}
                        for i, day, label in shown]})
    fig.update_yaxes(title_text=f"{trend['dataset']} per month", tickformat=",")
    fig = layout(fig, f"Cannabis {trend['dataset']} per month by group", source)
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0}, height=560,
                      margin={"b": 110})
    return fig


def trend_alt(trend: dict[str, Any]) -> str:
    totals: dict[str, int] = {}
    for m in trend["monthly"]:
        totals[m["group"]] = totals.get(m["group"], 0) + m["count"]
    parts = "; ".join(f"{g} {fmt(n)}" for g, n in sorted(totals.items(), key=lambda kv: -kv[1])[:4])
    return (f"Line chart of cannabis {trend['dataset']} per month by group from {trend.get('first_month')} to "
            f"{trend.get('last_month')}, with the 2018 NYPD policy, the 2019 law and the MRTA marked. "
            f"Totals: {parts}.")


@lru_cache(maxsize=1)
def precinct_outlines() -> dict[int, tuple[list[float | None], list[float | None]]]:
    """Precinct → its rings as x (longitude) / y (latitude) lists, rings separated by None (read once;
    treat as read-only)."""
    with open(GEOJSON, encoding="utf-8") as f:
        geo = json.load(f)
    out = {}
    for feature in geo["features"]:
        g = feature["geometry"]
        polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for polygon in polygons:
            for ring in polygon:
                xs += [p[0] for p in ring] + [None]
                ys += [p[1] for p in ring] + [None]
        out[int(feature["properties"]["precinct"])] = (xs, ys)
    return out


def precinct_rows(result: dict[str, Any], group: str) -> list[dict[str, Any]]:
    """One row per precinct for ``group``: count, population, rate, ratio, CI, suppressed, BH flag."""
    rows = []
    for area in result.get("areas", []):
        if not str(area["area"]).isdigit():
            continue
        g = next((x for x in area["groups"] if x["group"] == group), None)
        if g is None:
            continue
        rows.append({"precinct": int(area["area"]), "group": group, "records": area["records"],
                     **{k: g.get(k) for k in ("count", "population", "rate_per_100k", "rate_ratio", "ci_low",
                                              "ci_high", "suppressed", "q_value", "significant", "note")}})
    return rows


def borough_rows(result: dict[str, Any], group: str) -> list[dict[str, Any]]:
    """For a by-borough result: one row per precinct carrying its borough's figures for ``group`` (a borough
    choropleth drawn with the precinct outlines)."""
    by_boro = {a["area"]: a for a in result.get("areas", [])}
    rows = []
    for precinct in precinct_outlines():
        area = by_boro.get(population.precinct_borough(precinct) or "")
        g = next((x for x in area["groups"] if x["group"] == group), None) if area else None
        if g is not None:
            rows.append({"precinct": precinct, "borough": area["label"], "group": group, "records": area["records"],
                         **{k: g.get(k) for k in ("count", "population", "rate_per_100k", "rate_ratio", "ci_low",
                                                  "ci_high", "suppressed", "q_value", "significant", "note")}})
    return rows


def area_rows(result: dict[str, Any], group: str) -> list[dict[str, Any]]:
    return borough_rows(result, group) if result.get("by") == "borough" else precinct_rows(result, group)


@shared
def precinct_map(result: dict[str, Any], group: str, measure: str = "rate_per_100k",
                 source: str | None = None) -> go.Figure:
    """Choropleth of one group's rate (or rate ratio) by precinct; suppressed precincts grey.

    Drawn as filled outlines on plain axes (longitude × latitude, aspect corrected for 40.7° N): no map tiles
    and no topojson download, so it renders offline and exports to PNG / SVG like every other chart."""
    rows = {r["precinct"]: r for r in area_rows(result, group) if r[measure] is not None}
    label = "rate per 100,000 a year" if measure == "rate_per_100k" else f"rate ratio vs {result['reference']}"
    values = [r[measure] for r in rows.values()]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    shades = dict(zip(rows, sample_colorscale(COLORSCALE, [(v - lo) / (hi - lo) if hi > lo else 0.5
                                                           for v in values]))) if values else {}
    traces = []
    for precinct, (xs, ys) in sorted(precinct_outlines().items()):
        r = rows.get(precinct)
        if r is None:
            color, text = "#dddddd", f"Precinct {precinct}: suppressed or no records"
        else:
            color = shades[precinct]
            where = r["borough"] if "borough" in r else f"Precinct {precinct}"
            text = (f"{where}: {fmt(r[measure])} ({label})<br>{fmt(r['count'])} records"
                    + (f"<br>significant after BH: {'yes' if r.get('significant') else 'no'}"
                       if measure == "rate_ratio" else ""))
        traces.append({"type": "scatter", "x": xs, "y": ys, "fill": "toself", "fillcolor": color, "mode": "lines",
                       "showlegend": False, "line": {"color": "white", "width": 0.6}, "hoveron": "fills",
                       "text": text, "hoverinfo": "text"})
    traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "showlegend": False,
                   "hoverinfo": "skip", "marker": {"colorscale": COLORSCALE, "cmin": lo, "cmax": hi, "color": [lo],
                                                   "colorbar": {"title": {"text": label}}, "showscale": True}})
    fig = go.Figure(data=traces)  # built at once: a quarter of the time of 78 add_scatter calls
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(40.7)))
    title = f"{group}: cannabis {result['measure']}, {label} by {result.get('by', 'precinct')}, {_when(result)}"
    fig = layout(fig, title, source)
    fig.update_layout(height=680, margin={"l": 10, "r": 10, "t": 100, "b": 20}, plot_bgcolor="white")
    return fig


def precinct_map_alt(result: dict[str, Any], group: str, measure: str = "rate_per_100k") -> str:
    if result.get("by") == "borough":
        rows = [r for r in borough_rows(result, group) if r[measure] is not None]
        seen = {r["borough"]: r for r in rows}
        top = "; ".join(f"{b} {fmt(r[measure])}" for b, r in sorted(seen.items(), key=lambda kv: -kv[1][measure]))
        return (f"Map of the five boroughs shaded by the {measure.replace('_per_100k', ' per 100,000 residents a year').replace('_', ' ')} "
                f"of cannabis {result['measure']} for {group} residents, {_when(result)}: {top or 'all suppressed'}.")
    rows = [r for r in precinct_rows(result, group) if r[measure] is not None]
    rows.sort(key=lambda r: -r[measure])
    top = "; ".join(f"precinct {r['precinct']} {fmt(r[measure])}" for r in rows[:3])
    hidden = len(precinct_rows(result, group)) - len(rows)
    what = "rate per 100,000 residents a year" if measure == "rate_per_100k" else f"rate ratio vs {result['reference']}"
    return (f"Map of NYPD precincts shaded by the {what} of cannabis {result['measure']} for {group} residents, "
            f"{_when(result)}. Highest: {top or 'none'}. {hidden} precincts suppressed (small numbers) are grey.")
