"""Figures for the dashboard and the report: one palette, plotly figures built from engine results, a one-line
alt text for each, and the static exports (PNG / SVG through kaleido and Debian's Chromium, self-contained HTML).

No Streamlit here: the dashboard (``ui/``) and ``python -m nyc_cannabis report`` both call these functions.

Colours are the Okabe–Ito palette (safe for the common forms of colour blindness); every race group has one
colour everywhere (:data:`GROUP_COLORS`), and the outcomes of a projection have theirs (:data:`OUTCOME_COLORS`).
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import os
import pickle
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from nyc_cannabis.core.datasets import RACE_GROUPS
from nyc_cannabis.law import regimes

#: Okabe & Ito (2008), "Color Universal Design": the eight colours, by name
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000"}
NEUTRAL_GREY = "#999999"  # the grey Okabe & Ito pair with the palette, for "unknown"

#: the seven groups of nyc_cannabis.core.datasets.RACE_GROUPS → one colour each, the same on every chart
GROUP_COLORS: dict[str, str] = dict(zip(RACE_GROUPS, (
    OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
    OKABE_ITO["vermillion"], OKABE_ITO["sky_blue"], NEUTRAL_GREY)))

#: what a record amounts to under a law → colour (criminal stands out; legal is calm)
OUTCOMES = ("criminal", "violation", "legal", "not re-applied")
OUTCOME_COLORS = {"criminal": OKABE_ITO["vermillion"], "violation": OKABE_ITO["sky_blue"],
                  "legal": OKABE_ITO["bluish_green"], "not re-applied": NEUTRAL_GREY}
#: legend names: a civil fine (Cannabis Law §132(4), PL §222.10) counts as legal, as on the methods page
OUTCOME_NAMES = {"violation": "violation (non-criminal)", "legal": "legal or civil fine"}
BOUNDS = ("low", "central", "high")
BOUND_NAMES = {"as charged": "as charged", "low": "low bound (fewest criminal)", "central": "central case",
               "high": "high bound (most criminal)"}
FONT = "Arial, Helvetica, sans-serif"
MAX_BARS = 15  # groups drawn in one chart (precincts: the 15 with most records; the table has all)


def fmt(n: float | int | None) -> str:
    """A number for print: thousands separators, no trailing .0."""
    if n is None:
        return "–"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def group_color(group: str) -> str:
    return GROUP_COLORS.get(group, NEUTRAL_GREY)


#: every figure of the project is drawn on plotly_white. Set as plotly's default once: a figure then starts on
#: it, where `update_layout(template=...)` copied and validated the whole template into each figure (15 ms of
#: the 28 ms layout() took; three charts on a page made that a tenth of a widget change).
pio.templates.default = "plotly_white"


#: built figures kept for reuse, most recently used last (:func:`shared`); at most :data:`SHARED_FIGURES` of them
_shared: OrderedDict[tuple[str, bytes], go.Figure] = OrderedDict()
_shared_lock = threading.Lock()
SHARED_FIGURES = max(0, int(os.environ.get("ANALYTICS_SHARED_FIGURES", "48")))
#: with ``ANALYTICS_SHARED_CHECK`` set (the test suite), each shared figure's JSON as built, for :func:`changed`
_as_built: dict[tuple[str, bytes], str] = {}


def shared(build: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """``build`` with its figures kept and handed out again for the same arguments: the same object, so every
    caller treats a figure it was given as read-only (none of the project changes one after it is built).

    The dashboard re-runs a page's script for every reader's every interaction; its queries are cached, but
    turning a cached result into a plotly figure took most of a page's time (the precinct map 46 ms of the
    geography page's 88 ms: plotly validates each of its 78 outlines point by point). The key is the builder
    and a digest of its arguments as pickled (about 0.4 ms for a precinct result), so a figure is reused only
    for exactly the same inputs, whoever asks; arguments that cannot be pickled are built every time.
    ``build.uncached`` is the builder itself."""
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def cached(*args: Any, **kwargs: Any) -> go.Figure:
        try:
            digest = hashlib.blake2b(pickle.dumps((args, sorted(kwargs.items())), protocol=5),
                                     digest_size=20).digest()
        except Exception:  # noqa: BLE001 - an argument pickle refuses: build it, uncached
            return build(*args, **kwargs)
        key = (name, digest)
        with _shared_lock:
            fig = _shared.get(key)
            if fig is not None:
                _shared.move_to_end(key)
                return fig
        fig = build(*args, **kwargs)  # outside the lock: two first callers may both build, one is kept
        built = fig.to_json() if os.environ.get("ANALYTICS_SHARED_CHECK") else None
        with _shared_lock:
            if key not in _shared and built is not None:
                _as_built[key] = built
            fig = _shared.setdefault(key, fig)
            _shared.move_to_end(key)
            while len(_shared) > SHARED_FIGURES:
                _as_built.pop(_shared.popitem(last=False)[0], None)
        return fig

    cached.uncached = build  # type: ignore[attr-defined]
    return cached


def changed() -> list[str]:
    """The builders whose kept figure is no longer as it was built (recorded with ``ANALYTICS_SHARED_CHECK``
    set): a caller changed a figure every later caller would be handed. Empty when all are as built."""
    with _shared_lock:
        return sorted({key[0] for key, fig in _shared.items() if key in _as_built and fig.to_json() != _as_built[key]})


def layout(fig: go.Figure, title: str, source: str | None, barmode: str = "stack") -> go.Figure:
    """Title with the source as its subtitle (it travels with every PNG / SVG), legend on top, axes that make
    room for long group names."""
    title_spec: dict[str, Any] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}}
    if source:
        title_spec["subtitle"] = {"text": source, "font": {"size": 11, "color": "#555555"}}
    fig.update_layout(
        title=title_spec, font={"family": FONT, "size": 13, "color": "#222222"},
        margin={"l": 60, "r": 20, "t": 120, "b": 40}, barmode=barmode, height=520,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"})
    fig.update_xaxes(automargin=True)
    return fig


def _top(groups: list[dict[str, Any]], n: int = MAX_BARS) -> list[dict[str, Any]]:
    ordered = sorted(groups, key=lambda g: -g["records"])[:n]
    if all(str(g["group"]) in GROUP_COLORS for g in ordered):  # race groups: the palette's order
        ordered.sort(key=lambda g: RACE_GROUPS.index(str(g["group"])))
    return ordered


def projection_outcomes(g: dict[str, Any], bound: str) -> dict[str, int]:
    """Records of one group by outcome at one bound (``as charged``: criminal or not, as the records say)."""
    if bound == "as charged":
        unmatched = g.get("unmatched", 0)
        return {"criminal": g["criminal_as_charged"], "violation": g["records"] - g["criminal_as_charged"] - unmatched,
                "legal": 0, "not re-applied": unmatched}
    out = {"criminal": g[f"criminal_{bound}"], "violation": g[f"violation_{bound}"], "legal": g[f"legal_{bound}"]}
    out["not re-applied"] = g["records"] - sum(out.values())
    return out


@shared
def projection_figure(result: dict[str, Any], source: str | None = None,
                      bounds: Iterable[str] = ("as charged", *BOUNDS)) -> go.Figure:
    """Stacked bars per group: criminal / violation / legal as charged and at the low, central, high bound."""
    bounds = tuple(bounds)
    groups = _top(result["groups"])
    xs = [[group_name(result, g) for g in groups for _ in bounds], [b for _ in groups for b in bounds]]
    fig = go.Figure()
    for outcome in OUTCOMES:
        ys = [projection_outcomes(g, b)[outcome] for g in groups for b in bounds]
        if outcome == "not re-applied" and not any(ys):
            continue
        name = OUTCOME_NAMES.get(outcome, outcome)
        fig.add_bar(x=xs, y=ys, name=name, marker_color=OUTCOME_COLORS[outcome],
                    hovertemplate="%{x}<br>" + name + ": %{y:,}<extra></extra>")
    fig.update_yaxes(title_text="records", tickformat=",")
    title = (f"{result['dataset'].capitalize()} re-applied to {regimes.label(result['regime'])}: "
             f"outcome by {result['by']}, as charged and at each bound")
    return layout(fig, title, source)


def projection_alt(result: dict[str, Any]) -> str:
    """One sentence that says what the projection chart shows, with its largest groups' numbers."""
    groups = sorted(result["groups"], key=lambda g: -g["records"])
    total = sum(g["records"] for g in groups)
    charged = sum(g["criminal_as_charged"] for g in groups)
    low, high = (sum(g[f"criminal_{b}"] for g in groups) for b in ("low", "high"))
    period = _period(result)
    parts = "; ".join(f"{group_name(result, g)}: {fmt(g['criminal_as_charged'])} → "
                      f"{_range(g['criminal_low'], g['criminal_high'])}"
                      for g in groups[:3])
    return (f"Stacked bars of {fmt(total)} cannabis {result['dataset']} {period} by {result['by']}: criminal charges "
            f"as charged and re-applied to {regimes.label(result['regime'])} at the low, central and high bound. "
            f"In all, {fmt(charged)} criminal charges as charged become {_range(low, high)}. Largest groups: {parts}.")


def group_name(result: dict[str, Any], g: dict[str, Any]) -> str:
    """A group as readers name it: by law period, the law ("2019 law"), not its id."""
    return regimes.short_name(str(g["group"])) if result.get("by") == "period" else str(g["group"])


def _range(a: int, b: int) -> str:
    return fmt(a) if a == b else f"{fmt(a)}–{fmt(b)}"


def _period(result: dict[str, Any]) -> str:
    start, end = result.get("start"), result.get("end")
    if start and end:
        return f"from {start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"up to {end}"
    return "(all dates)"


def projection_table(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The projection as tidy rows for a table / CSV: one row per group, every bound in columns."""
    cols = ["group", "records", "unmatched", "criminal_as_charged", "criminal_low", "criminal_central",
            "criminal_high", "violation_low", "violation_central", "violation_high", "legal_low", "legal_central",
            "legal_high", "net_change_low", "net_change_central", "net_change_high", "share_of_criminal_low",
            "share_of_criminal_central", "share_of_criminal_high", "fines_low", "fines_high", "expungeable",
            "expungeable_target", "on_unverified_rules"]
    return [{c: group_name(result, g) if c == "group" else g.get(c) for c in cols} for g in result["groups"]]


@shared
def comparison_figure(results: dict[str, dict[str, Any]], source: str | None = None,
                      labels: dict[str, str] | None = None) -> go.Figure:
    """Criminal charges by group as charged and under each regime (central, with the low–high range as error
    bars): the Overview's one chart. ``results``: regime id → a project() result over the same records;
    ``labels``: regime id → the name its bars go by, where not the regime's label (the Reform page's "this
    reform")."""
    first = next(iter(results.values()))
    groups = _top(first["groups"])
    names = [str(g["group"]) for g in groups]
    fig = go.Figure()
    fig.add_bar(x=names, y=[g["criminal_as_charged"] for g in groups], name="as charged",
                marker_color=NEUTRAL_GREY, hovertemplate="%{x}: %{y:,} as charged<extra></extra>")
    colors = [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["reddish_purple"], OKABE_ITO["orange"]]
    for (regime, res), color in zip(results.items(), colors):
        by = {str(g["group"]): g for g in res["groups"]}
        central = [by.get(n, {}).get("criminal_central", 0) for n in names]
        low = [by.get(n, {}).get("criminal_low", 0) for n in names]
        high = [by.get(n, {}).get("criminal_high", 0) for n in names]
        fig.add_bar(x=names, y=central, name=f"under {_named(regime, labels)} (central; bars: low–high)", marker_color=color,
                    error_y={"type": "data", "symmetric": False, "array": [h - c for h, c in zip(high, central)],
                             "arrayminus": [c - lo for c, lo in zip(central, low)], "color": "#333333"},
                    hovertemplate="%{x}: %{y:,} (central)<extra></extra>")
    fig.update_yaxes(title_text="criminal charges", tickformat=",")
    title = f"Criminal cannabis {first['dataset']} {_period(first)}: as charged and under each law"
    fig = layout(fig, title, source, barmode="group")
    return fig


def _named(regime: str, labels: dict[str, str] | None) -> str:
    """A regime as :func:`comparison_figure` and :func:`comparison_alt` name it: its label unless ``labels``
    gives another name."""
    return (labels or {}).get(regime) or regimes.label(regime)


def comparison_alt(results: dict[str, dict[str, Any]], labels: dict[str, str] | None = None) -> str:
    first = next(iter(results.values()))
    charged = sum(g["criminal_as_charged"] for g in first["groups"])
    parts = "; ".join(f"under {_named(r, labels)}: {_range(sum(g['criminal_low'] for g in res['groups']), sum(g['criminal_high'] for g in res['groups']))}"
                      for r, res in results.items())
    return (f"Grouped bars by race group of criminal cannabis {first['dataset']} {_period(first)}: "
            f"{fmt(charged)} as charged; {parts} (low–high bounds shown as error bars).")


# ------------------------------------------------------------------------------------------------ exports

def chromium() -> str | None:
    """The Chromium kaleido will drive: $BROWSER_PATH, else Debian's ``chromium`` on PATH. Never downloads one."""
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and os.access(path, os.X_OK) else None


#: one export at a time (each drives a Chromium), and never longer than this: a stuck Chromium must not hang a
#: download or a reporter pack, which then say the image was not rendered and still deliver the rest
_RENDERER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaleido")
RENDER_TIMEOUT_S = float(os.environ.get("ANALYTICS_RENDER_TIMEOUT_S", "45"))


#: the last export that timed out while it still runs: the one renderer thread is busy with it, so a new
#: export would only queue behind it and time out in turn (a reporter pack of four images took 4 × 45 s)
_stuck: concurrent.futures.Future | None = None


class RenderTimeout(RuntimeError):
    """A PNG / SVG export took longer than :data:`RENDER_TIMEOUT_S`."""


class NoChromium(RuntimeError):
    """PNG / SVG export needs a Chromium; none is installed (``apt-get install chromium``)."""


def figure_image(fig: go.Figure, fmt: str = "png", width: int = 1000, height: int = 560, scale: float = 2) -> bytes:
    """The figure as PNG or SVG through kaleido 1.x and the system Chromium (choreographer reads BROWSER_PATH)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown image format {fmt!r}: png or svg")
    path = chromium()
    if path is None:
        raise NoChromium("no Chromium on this machine: PNG and SVG export need one (apt-get install chromium); "
                         "the HTML export works without it")
    os.environ["BROWSER_PATH"] = path
    global _stuck
    if _stuck is not None and not _stuck.done():
        raise RenderTimeout(f"an earlier {fmt.upper()} export is still stuck in Chromium; try again shortly "
                            f"(the HTML export works without it)")
    job = _RENDERER.submit(_render, fig, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
    try:
        return job.result(timeout=RENDER_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        _stuck = job
        raise RenderTimeout(f"the {fmt.upper()} export did not finish in {RENDER_TIMEOUT_S:g} s (Chromium busy or "
                            f"stuck); the HTML export works without it") from None


def _render(fig: go.Figure, **opts: Any) -> bytes:
    """On the renderer thread. The first export starts kaleido's sync server: one Chromium kept open for the
    process, so an image takes about 0.15 s instead of the 2 s of starting a Chromium for each (a reporter pack
    renders two images per chart). Kaleido's own 90 s limit ends a render the Chromium never finishes, so the
    server serves the next export; :data:`RENDER_TIMEOUT_S` bounds what a caller waits. The page loads plotly.js
    from the installed plotly package and no MathJax (the charts use no LaTeX), so nothing is fetched."""
    import kaleido

    global _server
    if not _server:
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        _server = True
    return kaleido.calc_fig_sync(fig.to_dict(), opts=opts)


_server = False


def figure_html(fig: go.Figure, alt: str, *, full: bool = True, include_plotlyjs: bool | str = True) -> str:
    """Self-contained HTML of the figure (plotly.js inlined) with its alt text as a figure caption."""
    body = fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs, config={"displaylogo": False})
    block = f'<figure role="figure" aria-label="{_esc(alt)}">{body}<figcaption>{_esc(alt)}</figcaption></figure>'
    if not full:
        return block
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{_esc(fig.layout.title.text or "chart")}</title>'
            f'</head><body style="font-family:{FONT}">{block}</body></html>')


def _esc(text: str) -> str:
    import html

    return html.escape(str(text), quote=True)
