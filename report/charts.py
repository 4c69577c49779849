"""Charts of a backtest: equity and drawdown, and a signal over its inputs, as PNG and plotly figures.

Pure plotting functions: the `*_mpl` and `*_plotly` builders return a figure, the `*_png` writers write one
file and return its path (the plotly figures become sections of the run's one page, `report.tearsheet`).
No MLflow, no vectorbt. Colours, labels and legends come from `report.style`. matplotlib (object-oriented
API on the Agg canvas: headless, safe in parallel processes) and plotly are imported inside the
functions, so importing this module costs no more than pandas.

Risk-off episodes are shaded from their first day to the next date of the index (the day the regime ends or
the last day of data), so a one-day episode is visible and the shading matches the step line of the state.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from report import style
from report.style import DPI, ENTRY_COLOR, EXIT_COLOR, SHADE_ALPHA, SHADE_COLOR, SHADE_LABEL, STATE_LABEL

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

    from signals.base import Thresholds

__all__ = ["DPI", "SHADE_ALPHA", "SHADE_COLOR", "SHADE_LABEL", "STATE_LABEL"]


# --------------------------------------------------------------------------------------------------- data


def episodes(mask: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return the first and last day of each contiguous run of True in ``mask``.

    Requires: a boolean-like series on a sorted index; NaN/None counts as False.
    Produces: ``(first day, last day)`` index labels, one pair per run, in index order.

    Args:
        mask: The risk-off state by date.

    Returns:
        The runs, as inclusive ``(first, last)`` pairs; empty if the mask is never True.

    Example:
        >>> idx = pd.date_range("2024-01-01", periods=6)
        >>> mask = pd.Series([False, True, True, False, True, None], index=idx)
        >>> [(a.date().isoformat(), b.date().isoformat()) for a, b in episodes(mask)]
        [('2024-01-02', '2024-01-03'), ('2024-01-05', '2024-01-05')]
    """
    on = _as_bool(mask)
    edges = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(mask.index[s], mask.index[e]) for s, e in zip(starts, ends, strict=True)]


def _as_bool(mask: pd.Series) -> np.ndarray:
    """Boolean numpy array of ``mask`` with NaN/None as False."""
    return mask.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _spans(mask: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Shading spans of the episodes: first day to the next index date after the last day."""
    index = mask.index
    out = []
    for first, last in episodes(mask):
        after = index.get_loc(last) + 1
        out.append((first, index[after] if after < len(index) else last))
    return out


def _growth(values: pd.DataFrame) -> pd.DataFrame:
    """Each column divided by its first valid value (growth of 1)."""
    first = values.apply(lambda col: col.loc[col.first_valid_index()])
    return values / first


def _drawdown_pct(values: pd.DataFrame) -> pd.DataFrame:
    """Drawdown in percent: value / running maximum - 1, times 100 (NaN where the value is NaN)."""
    return (values / values.cummax() - 1.0) * 100.0


def check_values(values: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate a frame to plot; return it with all-NaN columns dropped and float dtype."""
    if not isinstance(values, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, got {type(values).__name__}")
    if not isinstance(values.index, pd.DatetimeIndex):
        raise ValueError(
            f"`{name}` must have a DatetimeIndex, got {type(values.index).__name__}; "
            "parse the dates first (pd.to_datetime) and set them as the index"
        )
    kept = values.dropna(axis=1, how="all").astype(float)
    if kept.empty:
        raise ValueError(
            f"`{name}` has no data to plot: {values.shape[0]} rows, columns {list(values.columns)}"
        )
    return kept


def align_mask(mask: pd.Series | None, index: pd.Index) -> pd.Series | None:
    """``mask`` reindexed to ``index`` as plain bools (missing or NaN -> False); None stays None."""
    if mask is None:
        return None
    return pd.Series(_as_bool(mask.reindex(index)), index=index)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves nothing half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------------------------- matplotlib


def two_panel_figure() -> tuple[Figure, Axes, Axes]:
    """A 12x7 in figure (`report.style.figure`) with a tall top panel and a short bottom one, shared x."""
    fig = style.figure()
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    return fig, top, bottom


def shade_mpl(axes: list[Axes], mask: pd.Series | None) -> bool:
    """Shade the risk-off spans of ``mask`` on each of ``axes``; return whether anything was shaded."""
    if mask is None:
        return False
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.collections import PolyCollection

    spans = _spans_num(mask)
    for ax in axes:
        # one collection of rectangles, full height (x in data, y in axes units): an axvspan per
        # episode converts its dates through pandas each time, ten times slower over 100+ episodes
        boxes = [[(x0, 0.0), (x0, 1.0), (x1, 1.0), (x1, 0.0)] for x0, x1 in spans]
        coll = PolyCollection(boxes, facecolors=SHADE_COLOR, alpha=SHADE_ALPHA, linewidths=0, zorder=0)
        coll.set_transform(ax.get_xaxis_transform())
        ax.add_collection(coll, autolim=False)
    return bool(spans)


def _spans_num(mask: pd.Series) -> list[tuple[float, float]]:
    """`_spans` as matplotlib date numbers (days since its epoch), converted once."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    import matplotlib.dates as mdates

    spans = _spans(mask)
    if not spans:
        return []
    nums = mdates.date2num(pd.DatetimeIndex([t for span in spans for t in span]).to_pydatetime())
    return list(zip(nums[0::2].tolist(), nums[1::2].tolist(), strict=True))


def shade_handle() -> object:
    """Legend proxy for the risk-off shading."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.patches import Patch

    return Patch(facecolor=SHADE_COLOR, alpha=SHADE_ALPHA * 2, label=SHADE_LABEL)


def format_dates(ax: Axes) -> None:
    """Concise date ticks on ``ax``."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def log_axis(ax: Axes) -> None:
    """Log y scale on ``ax`` with plain-number ticks (0.5, 1, 2, 5) instead of powers of ten."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


#: zlib level of every PNG written: 3 encodes a report's large PNG twice as fast as PIL's default
#: 6, for a file about 10% larger
PNG_COMPRESS_LEVEL = 3


def png_bytes(fig: Figure, dpi: float = DPI) -> bytes:
    """``fig`` rendered as PNG at `dpi` (every PNG of the reports and the monitor is made here)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


def save_png(fig: Figure, path: str | os.PathLike[str], dpi: float = DPI) -> Path:
    """`png_bytes` of ``fig`` written to `path` atomically."""
    return write_atomic(path, png_bytes(fig, dpi))


@dataclass(frozen=True)
class EquityChart:
    """The equity/drawdown chart as data: one spec, drawn statically and interactively from it.

    `draw_equity` and `equity_chart_mpl` draw it with matplotlib, `equity_chart_plotly` with plotly: the
    same frames, names and colours. Every equity/drawdown chart (the run's, the tearsheet's PNG, the
    event study's equity sleeve) is one of these.

    Attributes:
        growth: Growth of 1 by date, one column per portfolio (or series).
        drawdown: Drawdown in percent from the running peak, same columns.
        names: Each column's name for a reader (`report.style.label`).
        colors: Each column's colour.
        mask: The risk-off state on the same dates (plain bools), or None: shaded where True.
        title: The figure's title ('' for none).
    """

    growth: pd.DataFrame
    drawdown: pd.DataFrame
    names: tuple[str, ...]
    colors: tuple[str, ...]
    mask: pd.Series | None = None
    title: str = ""


def equity_chart(
    values: pd.DataFrame,
    *,
    risk_off: pd.Series | None = None,
    title: str = "",
    colors: tuple[str, ...] | None = None,
) -> EquityChart:
    """The equity/drawdown chart of `values` (one column per portfolio, any level, NaN before a start).

    Args:
        values: Values by date (DatetimeIndex); all-NaN columns are left out.
        risk_off: The risk-off state by date (NaN = False), aligned to `values`' dates; None: no shading.
        title: The figure's title.
        colors: One colour per column; default the house palette in column order.
    """
    values = check_values(values, "values")
    n = len(values.columns)
    return EquityChart(
        growth=_growth(values),
        drawdown=_drawdown_pct(values),
        names=tuple(style.label(c) for c in values.columns),
        colors=tuple(colors) if colors is not None else tuple(style.color(i) for i in range(n)),
        mask=align_mask(risk_off, values.index),
        title=title,
    )


def draw_equity(chart: EquityChart, top: Axes, bottom: Axes) -> list:
    """Draw `chart`'s lines on two matplotlib axes: growth of 1 (log scale) on `top`, drawdown below.

    The first column (the strategy) is drawn bolder and on top. No shading, legend or date ticks: the
    caller's figure holds those (`equity_chart_mpl`, the tearsheet's PNG). Returns the legend handles.
    """
    for i, col in enumerate(chart.growth.columns):
        line = {"linewidth": 1.8 if i == 0 else 1.2, "zorder": 3 - i / 10, "color": chart.colors[i]}
        top.plot(chart.growth.index, chart.growth[col].to_numpy(), label=chart.names[i], **line)
        bottom.plot(chart.drawdown.index, chart.drawdown[col].to_numpy(), **line)
    log_axis(top)
    top.set_ylabel("growth of 1 (log scale)")
    bottom.set_ylabel("drawdown (%)")
    return top.get_legend_handles_labels()[0]


def equity_chart_mpl(chart: EquityChart, *, extra: list | None = None) -> Figure:
    """`chart` as a 12x7 in matplotlib figure: `draw_equity`, risk-off shaded, the legend above.

    `extra`: legend handles of what a caller will add on the top panel (drawn after this returns).
    """
    fig, top, bottom = two_panel_figure()
    handles = draw_equity(chart, top, bottom) + list(extra or [])
    if shade_mpl([top, bottom], chart.mask):
        handles.append(shade_handle())
    style.legend_outside(top, handles)
    for ax in (top, bottom):
        style.axes_style(ax)
    format_dates(bottom)
    if chart.title:
        fig.suptitle(chart.title)
    return fig


def equity_mpl(values: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = "") -> Figure:
    """Build the matplotlib equity/drawdown figure (see `equity_drawdown_png`)."""
    return equity_chart_mpl(equity_chart(values, risk_off=risk_off, title=title))


def equity_drawdown_png(
    values: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    risk_off: pd.Series | None = None,
    title: str = "",
) -> Path:
    """Write a PNG of growth of 1 (log scale) over drawdown in percent, one line per portfolio.

    Requires: ``values`` portfolio values by date (DatetimeIndex), one column per portfolio, any starting
    level, NaN before a portfolio starts. ``risk_off`` an optional boolean series by date (NaN = False).
    Produces: a 12x7 in PNG at 110 dpi (1320x770 px).

    Args:
        values: Portfolio values, e.g. columns ``strategy``, ``sixty_forty``, ``equity_buy_hold``.
        path: Where to write the PNG; parent folders are created.
        risk_off: If given, risk-off episodes are shaded on both panels and named in the legend.
        title: Figure title.

    Returns:
        The path written.
    """
    return save_png(equity_mpl(values, risk_off=risk_off, title=title), path)


def threshold_lines(thresholds: Thresholds | None) -> list[tuple[float, str, str]]:
    """The entry and exit levels to draw: ``(value, label, colour)``, in the signal's units.

    Drawn on the series they apply to (`thresholded`), labelled as ``entry (≥ 4.55%)``.
    """
    if thresholds is None:
        return []
    u = thresholds.units
    side = "≥" if thresholds.above else "≤"
    lines = [(float(thresholds.entry), f"entry ({side} {u.number(thresholds.entry)})", ENTRY_COLOR)]
    if thresholds.exit is not None and thresholds.exit != thresholds.entry:
        back = "<" if thresholds.above else ">"
        lines.append((float(thresholds.exit), f"exit ({back} {u.number(thresholds.exit)})", EXIT_COLOR))
    return lines


def thresholded(score: pd.Series | None, thresholds: Thresholds | None) -> tuple[pd.Series | None, str]:
    """The series the middle panel draws and its axis label: the thresholds' own series and units.

    Thresholds on another series than the score (`Thresholds.measure`: ``yield_breakout``'s 10-year
    yield against 4.55%, ``swap_spread``'s fall) are drawn on that series, so the axis is in their units;
    otherwise the score, labelled with the units' name (``score`` without one).
    """
    if thresholds is None:
        return score, "score"
    label = thresholds.units.name or "score"
    unit = thresholds.units.unit.strip()
    label += f" ({unit})" if unit else ""
    if thresholds.measure is not None:
        measure = thresholds.measure
        return (measure if score is None else measure.reindex(score.index)), label
    return score, label


def strips(conditions: pd.DataFrame | None, risk_off: pd.Series) -> pd.DataFrame:
    """The rows of the condition strips, top to bottom: each condition of the rule, then the state.

    Requires: ``risk_off`` a boolean-like series by date; ``conditions`` bool columns (or None).
    Produces: bool columns on ``risk_off``'s index (missing days False), the last one `STATE_LABEL`.

    >>> idx = pd.date_range("2024-01-01", periods=2)
    >>> list(strips(pd.DataFrame({"VIX < 20": [True, False]}, index=idx), pd.Series([0, 1], index=idx)))
    ['VIX < 20', 'risk-off state']
    """
    given = {} if conditions is None else conditions
    rows = {str(c): align_mask(given[c], risk_off.index) for c in given}
    rows[STATE_LABEL] = align_mask(risk_off, risk_off.index)
    return pd.DataFrame(rows, index=risk_off.index)


def strips_mpl(ax: Axes, rows: pd.DataFrame) -> None:
    """One horizontal strip per row of `rows`, dark on its true days (the state's in the shade colour)."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.collections import PolyCollection

    n = len(rows.columns)
    for i, name in enumerate(rows.columns):
        y = n - 1 - i
        boxes = [
            [(x0, y - 0.35), (x0, y + 0.35), (x1, y + 0.35), (x1, y - 0.35)]
            for x0, x1 in _spans_num(rows[name])
        ]
        color = SHADE_COLOR if name == STATE_LABEL else style.ON_COLOR
        ax.add_collection(PolyCollection(boxes, facecolors=color, linewidths=0), autolim=False)
    ax.set_yticks(range(n), labels=list(rows.columns)[::-1], fontsize="small")
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(True, axis="x", alpha=style.GRID_ALPHA)
    ax.margins(x=0)


def draw_score(ax: Axes, score: pd.Series, thresholds: Thresholds | None) -> None:
    """A signal's score on `ax` with its entry and exit levels (`threshold_lines`), the legend above.

    The score panel of `signal_mpl` and of the tearsheet's PNG: drawn here only.
    """
    drawn, ylabel = thresholded(score, thresholds)  # the series the thresholds apply to, in their units
    (line,) = ax.plot(drawn.index, drawn.astype(float).to_numpy(), color="black", linewidth=1.0)
    line.set_label(str(drawn.name or "score"))
    handles = [line]
    for value, text, color in threshold_lines(thresholds):
        handles.append(ax.axhline(value, color=color, linestyle="--", linewidth=1.0, label=text))
    ax.set_ylabel(ylabel)
    style.legend_outside(ax, handles)


def signal_mpl(
    market: pd.DataFrame,
    risk_off: pd.Series,
    *,
    score: pd.Series | None = None,
    thresholds: Thresholds | None = None,
    conditions: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """Build the matplotlib signal figure (see `signal_png`)."""
    market = check_values(market, "market")
    mask = align_mask(risk_off, market.index)
    rows = strips(conditions, mask)
    n_panels = 3 if score is not None else 2
    ratios = [3.0, 2.0, 0.45 * len(rows.columns) + 0.4][-n_panels:] if score is not None else [3.0, 0.8]
    fig = style.figure((12.0, 4.6 + 1.6 * (score is not None) + 0.3 * len(rows.columns)))
    axes = fig.subplots(n_panels, 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    top, strip_ax = axes[0], axes[-1]
    handles = []
    columns = list(market.columns)
    twins = [top, top.twinx()] if len(columns) == 2 else [top] * len(columns)
    for i, (col, ax) in enumerate(zip(columns, twins, strict=True)):
        (line,) = ax.plot(market.index, market[col].to_numpy(), color=style.color(i), linewidth=1.1)
        line.set_label(str(col))
        handles.append(line)
    if len(columns) == 2:
        top.set_ylabel(str(columns[0]), color=style.color(0))
        twins[1].set_ylabel(str(columns[1]), color=style.color(1))
    elif len(columns) == 1:
        top.set_ylabel(str(columns[0]))
    shaded = [top]
    if score is not None:
        mid = axes[1]
        draw_score(mid, score, thresholds)
        style.axes_style(mid)
        shaded.append(mid)
    if shade_mpl(shaded, mask):
        handles.append(shade_handle())
    style.legend_outside(top, handles)
    style.axes_style(top)
    strips_mpl(strip_ax, rows)
    format_dates(strip_ax)
    if title:
        fig.suptitle(title)
    return fig


def signal_png(
    market: pd.DataFrame,
    risk_off: pd.Series,
    path: str | os.PathLike[str],
    *,
    score: pd.Series | None = None,
    thresholds: Thresholds | None = None,
    conditions: pd.DataFrame | None = None,
    title: str = "",
) -> Path:
    """Write a PNG of a signal over its inputs: why each episode opened and closed.

    Requires: ``market`` the input columns by date (DatetimeIndex), typically MOVE and VIX; ``risk_off`` a
    boolean series by date (NaN = False); ``score`` an optional continuous score by date.
    Produces: a PNG 12 in wide at 110 dpi. Top panel: the market columns (on twin y axes when there are
    two), risk-off shaded. Middle panel (with a score): the score and its entry and exit thresholds.
    Bottom panel: one strip per condition of the rule (dark where it holds), then the risk-off state.

    Args:
        market: Input series of the signal.
        risk_off: The signal's risk-off state.
        path: Where to write the PNG; parent folders are created.
        score: The signal's continuous score, if it has one.
        thresholds: The score's entry/exit levels (`signals.base.Thresholds`), if it has them.
        conditions: The rule's conditions by day (`signals.base.SignalOutput.conditions`).
        title: Figure title.

    Returns:
        The path written.
    """
    fig = signal_mpl(market, risk_off, score=score, thresholds=thresholds, conditions=conditions, title=title)
    return save_png(fig, path)


# ------------------------------------------------------------------------------------------------- plotly


def shade_shapes(mask: pd.Series | None, *, yref: str = "paper") -> list[dict]:
    """One vrect shape per risk-off episode, spanning the whole plot height."""
    if mask is None:
        return []
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": yref,
            "x0": x0,
            "x1": x1,
            "y0": 0,
            "y1": 1,
            "fillcolor": SHADE_COLOR,
            "opacity": SHADE_ALPHA,
            "line": {"width": 0},
            "layer": "below",
        }
        for x0, x1 in _spans(mask)
    ]


def _shade_legend_trace() -> object:
    """A data-less trace that puts the risk-off shading in the legend."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=SHADE_LABEL,
        marker={"symbol": "square", "size": 14, "color": SHADE_COLOR, "opacity": SHADE_ALPHA * 3},
        hoverinfo="skip",
    )


def shaded_layout(fig: PlotlyFigure, mask: pd.Series | None, title: str, height: int = 650) -> None:
    """Common layout: title, shapes, unified hover with ISO dates, compact margins."""
    shapes = shade_shapes(mask)
    if shapes:
        fig.add_trace(_shade_legend_trace(), row=1, col=1)
    fig.update_layout(shapes=shapes, **style.plotly_layout(height, title))
    fig.update_xaxes(hoverformat="%Y-%m-%d")


def equity_plotly(
    values: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = ""
) -> PlotlyFigure:
    """Build the plotly equity/drawdown figure of `values` (`equity_chart`, `equity_chart_plotly`)."""
    return equity_chart_plotly(equity_chart(values, risk_off=risk_off, title=title))


def equity_chart_plotly(chart: EquityChart) -> PlotlyFigure:
    """`chart` as an interactive figure: the same lines as `draw_equity`, on one shared date axis.

    Traces: for each column, its growth of 1 (row 1) then its drawdown in percent (row 2, no legend entry);
    then, if any episode, a data-less legend entry for the shading. Shapes: one per risk-off episode.
    """
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    growth, drawdown = chart.growth, chart.drawdown
    fig = style.plotly_figure(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.04
    )
    for i, col in enumerate(growth.columns):
        line = {"color": chart.colors[i], "width": 2.0 if i == 0 else 1.3}
        name = chart.names[i]
        fig.add_trace(
            go.Scatter(
                x=plotly_dates(growth.index), y=growth[col].to_numpy(), name=name, legendgroup=name,
                line=line, hovertemplate="%{y:.3f}", mode="lines",
            ),
            row=1, col=1,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=plotly_dates(drawdown.index), y=drawdown[col].to_numpy(), name=name, legendgroup=name,
                line=line, hovertemplate="%{y:.1f}%", mode="lines", showlegend=False,
            ),
            row=2, col=1,
        )  # fmt: skip
    fig.update_yaxes(type="log", title_text="growth of 1 (log)", row=1, col=1)
    fig.update_yaxes(title_text="drawdown (%)", ticksuffix="%", row=2, col=1)
    shaded_layout(fig, chart.mask, chart.title)
    return fig


def plotly_dates(index: pd.DatetimeIndex) -> list[str] | pd.DatetimeIndex:
    """Dates for plotly: ``YYYY-MM-DD`` strings for daily data (half the bytes of ISO datetimes)."""
    if len(index) and (index == index.normalize()).all():
        return index.strftime("%Y-%m-%d").tolist()
    return index


def signal_plotly(
    market: pd.DataFrame,
    risk_off: pd.Series,
    *,
    score: pd.Series | None = None,
    thresholds: Thresholds | None = None,
    conditions: pd.DataFrame | None = None,
    title: str = "",
) -> PlotlyFigure:
    """Build the plotly signal figure: the same panels as `signal_png`, on one shared date axis.

    Traces: the market columns (row 1; the second of two on a secondary y axis); with a score, the score
    and one dashed line per threshold (row 2); the strips as one heatmap named `STATE_LABEL` (last
    row: a row per condition, then the state; 1 where it holds); then, if any episode, a data-less
    legend entry for the shading. Shapes: one per risk-off episode, over the top rows.
    """
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    market = check_values(market, "market")
    mask = align_mask(risk_off, market.index)
    rows = strips(conditions, mask)
    columns = list(market.columns)
    n = 3 if score is not None else 2
    strip_h = 0.06 * len(rows.columns) + 0.04
    heights = [0.55, 0.45 - strip_h, strip_h] if score is not None else [1.0 - strip_h, strip_h]
    fig = style.plotly_figure(
        rows=n, cols=1, shared_xaxes=True, row_heights=heights, vertical_spacing=0.035,
        specs=[[{"secondary_y": True}]] + [[{}]] * (n - 1),
    )  # fmt: skip
    x = plotly_dates(market.index)
    for i, col in enumerate(columns):
        secondary = len(columns) == 2 and i == 1
        trace = go.Scatter(
            x=x, y=market[col].to_numpy(), name=str(col), mode="lines",
            line={"color": style.color(i), "width": 1.3}, hovertemplate="%{y:.2f}",
        )  # fmt: skip
        fig.add_trace(trace, row=1, col=1, secondary_y=secondary)
    if len(columns) == 2:
        fig.update_yaxes(title_text=str(columns[0]), row=1, col=1, secondary_y=False)
        fig.update_yaxes(title_text=str(columns[1]), row=1, col=1, secondary_y=True, showgrid=False)
    elif len(columns) == 1:
        fig.update_yaxes(title_text=str(columns[0]), row=1, col=1, secondary_y=False)
    if score is not None:
        drawn, ylabel = thresholded(score, thresholds)
        fig.add_trace(
            go.Scatter(
                x=plotly_dates(drawn.index), y=drawn.astype(float).to_numpy(),
                name=str(drawn.name or "score"), mode="lines", line={"color": "black", "width": 1.1},
                hovertemplate="%{y:.2f}",
            ),
            row=2, col=1,
        )  # fmt: skip
        for value, text, color in threshold_lines(thresholds):
            fig.add_trace(
                go.Scatter(
                    x=[x[0], x[-1]], y=[value, value], name=text, mode="lines", hoverinfo="skip",
                    line={"color": color, "width": 1.2, "dash": "dash"},
                ),
                row=2, col=1,
            )  # fmt: skip
        fig.update_yaxes(title_text=ylabel, row=2, col=1)
    names = list(rows.columns)
    fig.add_trace(
        go.Heatmap(
            x=x, y=names[::-1], z=rows[names[::-1]].to_numpy(dtype=np.int8).T, name=STATE_LABEL,
            colorscale=[[0.0, "rgba(0,0,0,0)"], [1.0, style.ON_COLOR]], zmin=0, zmax=1, showscale=False,
            hovertemplate="%{y}: %{z}<extra></extra>", xgap=0, ygap=2,
        ),
        row=n, col=1,
    )  # fmt: skip
    shaded_layout(fig, mask, title, height=560 + 150 * (score is not None) + 22 * len(names))
    return fig
