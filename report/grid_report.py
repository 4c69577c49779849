"""A grid sweep's report: one offline HTML page, and a PNG of its heatmaps, from plain pandas frames.

Sections: a heatmap of the selection metric for every pair of swept parameters (the other parameters at
the best configuration's values; a cell with no configuration, e.g. a skipped ``z_exit > z_entry``, is
blank), the metric's sensitivity to each parameter (the best over the others and their median), the
in-sample best against the walk-forward out-of-sample record and 60/40 on the same days, and the luck
statistics (deflated Sharpe, PBO, bootstrap interval) with the PBO logits' histogram.

plotly.js is inlined once, in the page's head, and each figure is a ``<div>`` without its own copy, so the
page renders with no network (a browser, MLflow's artifact view) at about 5 MB. No MLflow, no vectorbt:
`sweeps.visuals` builds the `GridView` from a sweep. plotly and matplotlib are imported inside the
functions that draw (they cost ~0.1 s and ~0.5 s at import).
"""

from __future__ import annotations

import html
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.verdict import OUTCOME_COLOURS
from backtest.metrics import describe
from report import style
from report.charts import plotly_dates, save_png, write_atomic

if TYPE_CHECKING:
    from plotly.graph_objects import Figure as PlotlyFigure

DPI = 110
BEST_MARK = "★"


@dataclass(frozen=True)
class GridView:
    """What the grid report is drawn from.

    Attributes:
        table: One row per configuration (index: configuration id): parameter columns, then metrics.
        params: The swept parameters: columns of `table` with more than one value, in grid order.
        metric: The selection metric, a column of `table` (higher is better).
        best: The best configuration's id (an index label of `table`).
        equity: Daily returns on the walk-forward's out-of-sample days, one column per line (e.g.
            ``walk-forward (out of sample)``, ``in-sample best (hindsight)``, ``60/40``); empty if none.
        windows: Walk-forward test windows: ``test_first`` and the ``config`` chosen for it (may be empty).
        stats: The luck statistics, index the statistic, columns ``value`` and ``meaning`` (text).
        logits: The PBO splits' logits, or None when PBO was not computed.
        title: The page's title.
        notes: Lines shown under the verdict (the grid's size, dates, the in-sample best, fixed parameters).
        verdict: The search's verdict sentence (`analysis.verdict.sentence`), first on the page; "" none.
        outcome: Its outcome (``beats``, ``no_evidence``, ``trails``): the banner's colour.
        lead: Lines under the verdict: out of sample against the benchmark, the search's tests.
        reference: The benchmark's value of `metric` on the same days (e.g. 60/40's Sharpe), or None:
            the heatmaps' one colour scale is centred on it and the sensitivity plots draw it as a line.
        reference_label: The benchmark's name on the charts.
    """

    table: pd.DataFrame
    params: list[str]
    metric: str
    best: Any
    equity: pd.DataFrame
    windows: pd.DataFrame
    stats: pd.DataFrame
    logits: np.ndarray | None
    title: str
    notes: tuple[str, ...] = ()
    verdict: str = ""
    outcome: str = ""
    lead: tuple[str, ...] = ()
    reference: float | None = None
    reference_label: str = "60/40"


# --------------------------------------------------------------------------------------------------- data


def pairs(params: list[str]) -> list[tuple[str, str]]:
    """Every pair of swept parameters, as (x, y) in grid order.

    >>> pairs(["a", "b", "c"])
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    return list(itertools.combinations(params, 2))


def levels(values: pd.Series) -> list:
    """A parameter's distinct values: sorted if numeric, else in order of first appearance (grid order).

    >>> levels(pd.Series([2.0, 1.0, 2.0])), levels(pd.Series(["b", "a", "b"]))
    ([1.0, 2.0], ['b', 'a'])
    """
    unique = pd.unique(values)
    if pd.api.types.is_numeric_dtype(values):
        return sorted(unique.tolist())
    return unique.tolist()


def heatmap_frame(
    table: pd.DataFrame, x: str, y: str, metric: str, best: Any, params: list[str]
) -> pd.DataFrame:
    """The metric over parameters `x` (columns) and `y` (rows), the other `params` at the best's values.

    Every value of `x` and `y` in the table is a column or row; a cell no configuration fills is NaN.

    Raises:
        ValueError: If two configurations share a cell (a parameter of the table is missing in `params`).
    """
    keep = np.ones(len(table), dtype=bool)  # the rows whose other parameters are the best's
    for p in params:
        if p not in (x, y):
            col, at_best = table[p], table.at[best, p]
            keep &= col.isna().to_numpy() if pd.isna(at_best) else (col == at_best).to_numpy()  # None too
    ys, xs = pd.Index(levels(table[y]), name=y), pd.Index(levels(table[x]), name=x)
    cells = ys.get_indexer(table[y].to_numpy()[keep]) * len(xs) + xs.get_indexer(table[x].to_numpy()[keep])
    if len(np.unique(cells)) < len(cells):
        raise ValueError(f"two configurations share a cell of {y} × {x}: a parameter is missing in `params`")
    grid = np.full(len(ys) * len(xs), np.nan)  # numpy, not `pivot`: ~5x faster, ten heatmaps at a time
    grid[cells] = table[metric].to_numpy(dtype=float)[keep]
    return pd.DataFrame(grid.reshape(len(ys), len(xs)), index=ys, columns=xs)


def sensitivity_frame(table: pd.DataFrame, param: str, metric: str) -> pd.DataFrame:
    """Per value of `param`: the metric's best (max) and median over the other parameters' values."""
    g = table.groupby(param, sort=False)[metric]
    return pd.DataFrame({"best": g.max(), "median": g.median()}).reindex(levels(table[param]))


def tick(value: Any) -> str:
    """A parameter value as an axis label: numbers as written, JSON objects as ``key=value`` pairs.

    >>> tick(2.0), tick(504), tick('{"bonds": 0.5, "cash": 0.5}')
    ('2.0', '504', 'bonds=0.5 cash=0.5')
    """
    if isinstance(value, str) and value.startswith("{"):
        try:
            return " ".join(f"{k}={v}" for k, v in json.loads(value).items())
        except ValueError:
            return value
    return str(value)


def short(param: str) -> str:
    """A parameter's short name: the last part of its config path.

    >>> short("strategy.signal.z_entry")
    'z_entry'
    """
    return param.rsplit(".", 1)[-1]


def metric_label(metric: str) -> str:
    """The metric's label from the registry (`backtest.metrics.describe`), else its key."""
    m = describe(metric)
    return m.label if m is not None else metric


def _value_format(metric: str) -> tuple[str, float]:
    """A plotly number format and scale for the metric: percentages for fractions."""
    m = describe(metric)
    return (".2f", 100.0) if m is not None and m.kind == "pct" else (".3f", 1.0)


def color_range(view: GridView) -> tuple[float, float]:
    """One colour scale for every heatmap, in display units: centred on the benchmark's value if known.

    The range covers the metric over the whole table (so every pair's cells), widened to be symmetric
    about `GridView.reference`: a cell coloured green beats the benchmark, red trails it.
    """
    _, scale = _value_format(view.metric)
    vals = pd.to_numeric(view.table[view.metric], errors="coerce").to_numpy(dtype=float) * scale
    vals = vals[np.isfinite(vals)]
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    if view.reference is None or not np.isfinite(view.reference):
        return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
    c = view.reference * scale
    half = max(hi - c, c - lo, 1e-9)
    return c - half, c + half


def _bar_title(view: GridView) -> str:
    """The colour bar's title: the metric, and what its centre is."""
    if view.reference is None:
        return short(view.metric)
    fmt, scale = _value_format(view.metric)
    return f"{short(view.metric)}<br>centre: {view.reference_label} {view.reference * scale:{fmt}}"


def _cells(frame: pd.DataFrame, scale: float) -> list[list[float | None]]:
    """A frame's values as nested lists, NaN as None (a blank cell, plain JSON in the page)."""
    return [[None if v != v else float(v) * scale for v in row] for row in frame.to_numpy(dtype=float)]


# ------------------------------------------------------------------------------------------------ plotly


def heatmap_figure(view: GridView, x: str, y: str) -> PlotlyFigure:
    """The heatmap of one pair; the best configuration's cell is starred. ``meta`` names the pair."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    frame = heatmap_frame(view.table, x, y, view.metric, view.best, view.params)
    fmt, scale = _value_format(view.metric)
    unit = "%" if scale != 1.0 else ""
    bx, by = view.table.at[view.best, x], view.table.at[view.best, y]
    text = [
        [
            _cell_text(v * scale, fmt, unit, (cx, cy) == (bx, by))
            for cx, v in zip(frame.columns, row, strict=True)
        ]
        for cy, row in zip(frame.index, frame.to_numpy(dtype=float), strict=True)
    ]
    fig = style.plotly_figure(
        go.Heatmap(
            z=_cells(frame, scale),
            x=[tick(v) for v in frame.columns],
            y=[tick(v) for v in frame.index],
            text=text,
            texttemplate="%{text}",
            hovertemplate=f"{short(x)}=%{{x}}<br>{short(y)}=%{{y}}<br>{view.metric}=%{{z:{fmt}}}{unit}"
            "<extra></extra>",
            hoverongaps=False,
            colorscale="RdYlGn",
            zmin=color_range(view)[0],
            zmax=color_range(view)[1],
            colorbar={"title": {"text": _bar_title(view)}},
            name=f"{short(y)} × {short(x)}",
            meta={"x": x, "y": y, "x_values": _plain(frame.columns), "y_values": _plain(frame.index)},
        )
    )
    fig.update_layout(
        title={"text": f"{short(y)} × {short(x)}"},
        height=360,
        width=520,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    fig.update_xaxes(title_text=short(x), type="category")
    fig.update_yaxes(title_text=short(y), type="category")
    return fig


def _cell_text(value: float, fmt: str, unit: str, best: bool) -> str:
    """A heatmap cell's label: its value (blank if NaN), starred if it is the best configuration's."""
    return ("" if value != value else f"{value:{fmt}}{unit}") + (f" {BEST_MARK}" if best else "")


def _plain(index: pd.Index) -> list:
    """Index values as JSON-ready Python scalars."""
    return [v.item() if isinstance(v, np.generic) else v for v in index]


def sensitivity_figure(view: GridView, param: str) -> PlotlyFigure:
    """The metric against one parameter's values: the best over the others and their median."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    frame = sensitivity_frame(view.table, param, view.metric)
    fmt, scale = _value_format(view.metric)
    colors = list(style.PALETTE)
    fig = style.plotly_figure()
    xs = [tick(v) for v in frame.index]
    for i, col in enumerate(frame.columns):
        fig.add_trace(
            go.Scatter(
                x=xs, y=(frame[col] * scale).tolist(), name=f"{col} over the others", mode="lines+markers",
                meta={"param": param, "stat": col, "values": _plain(frame.index)},
                line={"color": colors[i]}, hovertemplate=f"%{{y:{fmt}}}",
            )
        )  # fmt: skip
    best_x, best_y = view.table.at[view.best, param], float(view.table.at[view.best, view.metric])
    fig.add_trace(
        go.Scatter(
            x=[tick(best_x)], y=[best_y * scale], name="best configuration", mode="markers",
            marker={"symbol": "star", "size": 14, "color": "black"}, hovertemplate=f"%{{y:{fmt}}}",
        )
    )  # fmt: skip
    if view.reference is not None and np.isfinite(view.reference):
        fig.add_hline(
            y=view.reference * scale, line_dash="dash", line_color="grey",
            annotation_text=f"{view.reference_label} {view.reference * scale:{fmt}}",
            annotation_position="bottom right",
        )  # fmt: skip
    fig.update_layout(
        title={"text": short(param)},
        height=320,
        width=520,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=short(param), type="category")
    fig.update_yaxes(title_text=short(view.metric) + (" (%)" if scale != 1.0 else ""))
    return fig


def equity_figure(view: GridView) -> PlotlyFigure:
    """Growth of 1 on the out-of-sample days; a dotted line where each test window starts."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    growth = (1.0 + view.equity).cumprod()
    colors = list(style.PALETTE)
    fig = style.plotly_figure()
    for i, col in enumerate(growth.columns):
        fig.add_trace(
            go.Scatter(
                x=plotly_dates(growth.index), y=growth[col].to_numpy(), name=str(col), mode="lines",
                line={"color": colors[i % len(colors)], "width": 2.0 if i == 0 else 1.3},
                hovertemplate="%{y:.3f}",
            )
        )  # fmt: skip
    starts = pd.DatetimeIndex(view.windows["test_first"]) if len(view.windows) else pd.DatetimeIndex([])
    window_lines = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": d,
            "x1": d,
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "width": 1, "color": "#888"},
        }
        for d in plotly_dates(starts)
    ]  # fmt: skip  (one layout update: add_vline per window costs ~0.1 s each)
    fig.update_layout(
        shapes=window_lines,
        height=460,
        margin={"l": 60, "r": 30, "t": 30, "b": 40},
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    fig.update_yaxes(type="log", title_text="growth of 1 (log)")
    fig.update_xaxes(hoverformat="%Y-%m-%d")
    return fig


def logit_figure(logits: np.ndarray) -> PlotlyFigure:
    """Histogram of the PBO splits' logits; the share at or left of 0 is the PBO."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    fig = style.plotly_figure(
        go.Histogram(x=np.asarray(logits, dtype=float).tolist(), nbinsx=40, name="splits")
    )
    fig.add_vline(x=0.0, line={"color": "#d62728", "width": 2})
    fig.update_layout(
        height=320,
        width=620,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        bargap=0.05,
    )
    fig.update_xaxes(title_text="logit of the in-sample best's out-of-sample rank (≤ 0: bottom half)")
    fig.update_yaxes(title_text="splits")
    return fig


# -------------------------------------------------------------------------------------------------- page

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; max-width: 1700px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
p.note { color: #555; margin: 0.3em 0; }
table.stats { border-collapse: collapse; font-size: 0.95em; }
table.stats th, table.stats td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: left; }
table.stats td.value { font-variant-numeric: tabular-nums; white-space: nowrap; }
"""


def _div(fig: PlotlyFigure) -> str:
    """A figure as a ``<div>`` that uses the page's one copy of plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _p(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _stats_table(stats: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(name))}</th><td class='value'>{html.escape(str(r['value']))}</td>"
        f"<td>{html.escape(str(r['meaning']))}</td></tr>"
        for name, r in stats.iterrows()
    )
    return f'<table class="stats"><tr><th>statistic</th><th>value</th><th>meaning</th></tr>{rows}</table>'


def _section(heading: str, note: str, body: str = "") -> str:
    """A section: its heading, an explanatory note, then its figures or table."""
    return "\n".join((f"<h2>{html.escape(heading)}</h2>", _p(note), body))


def heatmap_section(view: GridView) -> str:
    """The heatmaps of every pair, or why there are none."""
    heading = "Heatmaps: every pair of swept parameters"
    if len(view.params) < 2:
        swept = f"one swept parameter ({short(view.params[0])})" if view.params else "no swept parameter"
        return _section(
            heading, f"This grid has {swept}: no pair to draw a heatmap of; see the sensitivity below."
        )
    note = (
        f"{metric_label(view.metric)} of each pair of parameters, the other parameters held at the best "
        f"configuration's values ({BEST_MARK} marks it); a blank cell has no configuration (skipped as "
        "invalid)."
    )
    divs = "".join(_div(heatmap_figure(view, x, y)) for x, y in pairs(view.params))
    return _section(heading, note, f'<div class="grid">{divs}</div>')


def sensitivity_section(view: GridView) -> str:
    """One sensitivity plot per swept parameter."""
    heading = "Sensitivity: the metric against each parameter"
    if not view.params:
        return _section(heading, "This grid has no swept parameter (one configuration).")
    note = (
        f"{metric_label(view.metric)} at each value of a parameter: the best and the median over every "
        "configuration of the other parameters. A flat median with one high best is a lucky spot."
    )
    divs = "".join(_div(sensitivity_figure(view, p)) for p in view.params)
    return _section(heading, note, f'<div class="grid">{divs}</div>')


def equity_section(view: GridView) -> str:
    """The walk-forward record against the in-sample best and 60/40, on the same days."""
    heading = "Out of sample: walk-forward against the in-sample best and 60/40"
    if view.equity.empty:
        return _section(heading, "No walk-forward: the data is shorter than one train plus one test window.")
    note = (
        f"Growth of 1 from {view.equity.index[0].date()} to {view.equity.index[-1].date()}: the walk-forward "
        "record (on each train window the best configuration is chosen and held through the next test "
        "window, dotted lines), the configuration best over the whole history (hindsight), and 60/40, all "
        "on the same days."
    )
    return _section(heading, note, _div(equity_figure(view)))


def luck_section(view: GridView) -> str:
    """The statistics table, then the PBO logits' histogram."""
    body = _stats_table(view.stats)
    if view.logits is not None and len(view.logits):
        body += _p(
            "PBO is the share of train/test splits whose in-sample best ranks in the bottom half out of "
            "sample (logit at or left of 0, the red line)."
        ) + _div(logit_figure(view.logits))
    return _section(
        "How much of the best is luck",
        "Deflated Sharpe, PBO and the bootstrap interval of the best's Sharpe.",
        body,
    )


def verdict_banner(view: GridView) -> str:
    """The verdict sentence in a banner coloured by its outcome (the words carry it: never colour alone)."""
    if not view.verdict:
        return ""
    colour = OUTCOME_COLOURS.get(view.outcome, OUTCOME_COLOURS["no_evidence"])
    lines = "".join(_p(x) for x in view.lead)
    return (
        f'<div class="verdict" style="border-left:6px solid {colour};padding:4px 12px;margin:8px 0">'
        f'<p style="font-size:1.25em;margin:4px 0"><strong style="color:{colour}">Verdict:</strong> '
        f"{html.escape(view.verdict)}</p>{lines}</div>"
    )


def page(view: GridView) -> str:
    """The whole report as one self-contained HTML page (plotly.js inlined once, in the head)."""
    # lazy: plotly costs ~0.1 s at import; only writing a report needs it
    from plotly.offline import get_plotlyjs

    body = [
        f"<h1>{html.escape(view.title)}</h1>",
        verdict_banner(view),
        *(_p(n) for n in view.notes),
        heatmap_section(view),
        sensitivity_section(view),
        equity_section(view),
        luck_section(view),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(view.title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>\n<body>\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_html(view: GridView, path: str | Path) -> Path:
    """Write `page` to `path` atomically."""
    return write_atomic(path, page(view).encode("utf-8"))


# -------------------------------------------------------------------------------------------- matplotlib


@dataclass
class _Scaffold:
    """A PNG's figure before its data: axes, ticks, labels and titles (see `scaffold`)."""

    key: tuple
    fig: Any
    axes: np.ndarray
    panels: list[tuple[str, str, str | None]]


#: At most one `_Scaffold`, built ahead by `prepare_png` and taken by the next `write_png` it fits.
_PREPARED: list[_Scaffold] = []


def _key(table: pd.DataFrame, params: list[str], metric: str, title: str) -> tuple:
    """Everything a scaffold draws: the parameters, their levels' labels, the metric and the title."""
    return (metric, title, tuple((p, tuple(tick(v) for v in levels(table[p]))) for p in params))


def scaffold(table: pd.DataFrame, params: list[str], metric: str, title: str) -> _Scaffold:
    """The PNG's figure before its data: what the parameter columns alone decide.

    A panel per pair of `params` (a heatmap) and per parameter (its sensitivity), each with its ticks
    (the parameter's `levels`), labels and title; the figure's title. `fill` draws the metric on it.

    Args:
        table: The parameter columns of the results table (its metric columns are not read).
        params: The swept parameters, in grid order.
        metric: The selection metric (its label and scale go in the title).
        title: The grid's title.
    """
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [("heat", x, y) for x, y in pairs(params)] + [("sens", p, None) for p in params]
    cols = min(max(len(panels), 1), 4)
    rows = max(-(-len(panels) // cols), 1)
    # fixed spacing: constrained layout would measure every label (~1.5 s for fifteen panels)
    fig = Figure(figsize=(4.6 * cols, 3.6 * rows + 0.7), dpi=DPI)
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.1, right=0.97, top=1 - 1.0 / height, bottom=0.9 / height, wspace=0.7, hspace=0.7
    )
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (kind, x, y) in zip(axes, panels, strict=False):
        xs = [tick(v) for v in levels(table[x])]
        if kind == "heat":
            ys = [tick(v).replace(" ", "\n") for v in levels(table[y])]
            ax.set_xticks(range(len(xs)), xs, rotation=30, ha="right", fontsize=7)
            ax.set_yticks(range(len(ys)), ys, fontsize=7)
            ax.tick_params(labelsize=7)
            ax.set_xlabel(short(x), fontsize=8)
            ax.set_ylabel(short(y), fontsize=8)
            ax.grid(False)
            ax.set_title(f"{short(y)} × {short(x)}", fontsize=9, y=1.0)
        else:
            ax.set_xticks(list(range(len(xs))), [v.replace(" ", "\n") for v in xs], fontsize=7)
            ax.set_title(short(x), fontsize=9, y=1.0)
            ax.set_xlabel(short(x), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    if not panels:
        axes[0].text(0.5, 0.5, "no swept parameter", ha="center", va="center")
    _, scale = _value_format(metric)
    fig.suptitle(f"{title}: {metric_label(metric)}" + (" (%)" if scale != 1.0 else ""))
    return _Scaffold(_key(table, params, metric, title), fig, axes, panels)


def prepare_png(table: pd.DataFrame, params: list[str], metric: str, title: str) -> None:
    """Build the `scaffold` of a PNG to come, and lay its text out once (the fonts' caches warm).

    Run by a `report.render.Helper` while the grid simulates: the `write_png` that follows, given a
    table with the same parameter levels, metric and title, then only fills the data in (pixel for
    pixel what it would draw from nothing). Only the last prepared scaffold is kept.
    """
    sc = scaffold(table, params, metric, title)
    sc.fig.canvas.draw()
    _PREPARED[:] = [sc]


def write_png(view: GridView, path: str | Path) -> Path:
    """The heatmaps and sensitivity plots on one PNG (MLflow's artifact preview), atomically.

    On the `prepare_png` scaffold if one fits `view`, else on a new one.
    """
    key = _key(view.table, view.params, view.metric, view.title)
    ready = [s for s in _PREPARED if s.key == key]
    _PREPARED.clear()  # used once: the data drawn on it are this view's
    sc = ready[0] if ready else scaffold(view.table, view.params, view.metric, view.title)
    return save_png(fill(sc, view), path, dpi=DPI)


def fill(sc: _Scaffold, view: GridView):
    """Draw `view`'s metric on its `scaffold`: the heatmaps' cells and the sensitivity lines."""
    _, scale = _value_format(view.metric)
    im = None
    for ax, (kind, a, b) in zip(sc.axes, sc.panels, strict=False):
        if kind == "heat":
            im = _heat_mpl(ax, view, a, b, scale)
        else:
            _sens_mpl(ax, view, a, scale)
    if im is not None:  # one colour bar for every heatmap: they share one scale (`color_range`)
        cax = sc.fig.add_axes((0.975, 0.25, 0.006, 0.45))
        bar = sc.fig.colorbar(im, cax=cax)
        bar.ax.tick_params(labelsize=7)
        if view.reference is not None:
            cax.axhline(view.reference * scale, color="k", lw=1)
            cax.set_xlabel(f"centre:\n{view.reference_label}", fontsize=6)
    return sc.fig


def _heat_mpl(ax, view: GridView, x: str, y: str, scale: float):
    frame = heatmap_frame(view.table, x, y, view.metric, view.best, view.params) * scale
    z = np.ma.masked_invalid(frame.to_numpy(dtype=float))
    lo, hi = color_range(view)
    im = ax.imshow(z, cmap="RdYlGn", aspect="auto", origin="lower", vmin=lo, vmax=hi)
    bx, by = view.table.at[view.best, x], view.table.at[view.best, y]
    for (i, j), v in np.ndenumerate(frame.to_numpy(dtype=float)):
        if v == v:
            star = "*" if (frame.columns[j], frame.index[i]) == (bx, by) else ""  # ★ is not in DejaVu Sans
            dark = abs(im.norm(v) - 0.5) > 0.3  # the colour map's ends are dark: white text there
            ax.text(j, i, f"{v:.2f}{star}", ha="center", va="center", fontsize=7, color="w" if dark else "k")
    # one colour bar for all (`fill`), not one per heatmap: a bar is an axes of its own (ten took half
    # of the PNG's drawing time); every cell is labelled with its value too
    return im


def _sens_mpl(ax, view: GridView, param: str, scale: float) -> None:
    frame = sensitivity_frame(view.table, param, view.metric) * scale
    xs = range(len(frame))
    for col in frame.columns:
        ax.plot(xs, frame[col].to_numpy(), marker="o", label=f"{col} over the others")
    if view.reference is not None and np.isfinite(view.reference):
        ax.axhline(view.reference * scale, color="grey", ls="--", lw=1, label=view.reference_label)
    ax.legend(fontsize=7, loc="best")
