"""Charts of a backtest: equity and drawdown, and a signal over its inputs, as PNG and interactive HTML.

Pure plotting functions: they take frames and series, write one file and return its path. No MLflow, no
vectorbt. matplotlib (object-oriented API on the Agg canvas: headless, safe in parallel processes) and plotly
are imported inside the functions, so importing this module costs no more than pandas.

Risk-off episodes are shaded from their first day to the next date of the index (the day the regime ends or
the last day of data), so a one-day episode is visible and the shading matches the step line of the state.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

FIGSIZE = (12.0, 7.0)
DPI = 110
SHADE_COLOR = "#d62728"
SHADE_ALPHA = 0.12
SHADE_LABEL = "risk-off (shaded)"
STATE_LABEL = "risk-off state"


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


def _check_values(values: pd.DataFrame, name: str) -> pd.DataFrame:
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


def _align_mask(mask: pd.Series | None, index: pd.Index) -> pd.Series | None:
    """``mask`` reindexed to ``index`` as plain bools (missing or NaN -> False); None stays None."""
    if mask is None:
        return None
    return pd.Series(_as_bool(mask.reindex(index)), index=index)


def _write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
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


def _new_figure() -> tuple[Figure, Axes, Axes]:
    """A 12x7 in figure on the Agg canvas with a tall top panel and a short bottom panel, shared x."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="tight")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    return fig, top, bottom


def _shade_mpl(axes: list[Axes], mask: pd.Series | None) -> bool:
    """Shade the risk-off spans of ``mask`` on each of ``axes``; return whether anything was shaded."""
    if mask is None:
        return False
    spans = _spans(mask)
    for ax in axes:
        for x0, x1 in spans:
            ax.axvspan(x0, x1, color=SHADE_COLOR, alpha=SHADE_ALPHA, linewidth=0, zorder=0)
    return bool(spans)


def _shade_handle() -> object:
    """Legend proxy for the risk-off shading."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.patches import Patch

    return Patch(facecolor=SHADE_COLOR, alpha=SHADE_ALPHA * 2, label=SHADE_LABEL)


def _format_dates(ax: Axes) -> None:
    """Concise date ticks on ``ax``."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _log_axis(ax: Axes) -> None:
    """Log y scale on ``ax`` with plain-number ticks (0.5, 1, 2, 5) instead of powers of ten."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _legend(ax: Axes, handles: list) -> None:
    """Framed legend in the upper left, so lines behind it stay readable."""
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.85, edgecolor="none")


def _save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``fig`` as PNG at the figure's dpi and write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return _write_atomic(path, buf.getvalue())


def equity_mpl(values: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = "") -> Figure:
    """Build the matplotlib equity/drawdown figure (see `equity_drawdown_png`)."""
    values = _check_values(values, "values")
    mask = _align_mask(risk_off, values.index)
    growth, drawdown = _growth(values), _drawdown_pct(values)
    fig, top, bottom = _new_figure()
    for i, col in enumerate(values.columns):
        width = 1.8 if i == 0 else 1.2
        top.plot(growth.index, growth[col].to_numpy(), label=str(col), linewidth=width, zorder=3 - i / 10)
        bottom.plot(drawdown.index, drawdown[col].to_numpy(), linewidth=width, zorder=3 - i / 10)
    _log_axis(top)
    top.set_ylabel("growth of 1 (log scale)")
    bottom.set_ylabel("drawdown (%)")
    handles, _ = top.get_legend_handles_labels()
    if _shade_mpl([top, bottom], mask):
        handles.append(_shade_handle())
    _legend(top, handles)
    for ax in (top, bottom):
        ax.grid(True, which="major", alpha=0.3)
        ax.margins(x=0)
    _format_dates(bottom)
    if title:
        top.set_title(title)
    return fig


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
    return _save_png(equity_mpl(values, risk_off=risk_off, title=title), path)


def signal_mpl(
    market: pd.DataFrame, risk_off: pd.Series, *, score: pd.Series | None = None, title: str = ""
) -> Figure:
    """Build the matplotlib signal figure (see `signal_png`)."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    import matplotlib as mpl

    market = _check_values(market, "market")
    mask = _align_mask(risk_off, market.index)
    colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, top, bottom = _new_figure()
    handles = []
    columns = list(market.columns)
    axes = [top, top.twinx()] if len(columns) == 2 else [top] * len(columns)
    for i, (col, ax) in enumerate(zip(columns, axes, strict=True)):
        (line,) = ax.plot(market.index, market[col].to_numpy(), color=colors[i % len(colors)], linewidth=1.1)
        line.set_label(str(col))
        handles.append(line)
    if len(columns) == 2:
        top.set_ylabel(str(columns[0]), color=colors[0])
        axes[1].set_ylabel(str(columns[1]), color=colors[1])
    elif len(columns) == 1:
        top.set_ylabel(str(columns[0]))
    state_ax, bottom_handles = bottom, []
    if score is not None:
        (line,) = bottom.plot(score.index, score.astype(float).to_numpy(), color="black", linewidth=1.0)
        line.set_label(str(score.name or "score"))
        bottom.set_ylabel("score")
        bottom_handles.append(line)
        state_ax = bottom.twinx()
        # Score above the state line: raise the score's axes, let the state's show through.
        bottom.set_zorder(state_ax.get_zorder() + 1)
        bottom.patch.set_visible(False)
    (step,) = state_ax.step(
        mask.index, mask.astype(int).to_numpy(), where="post", color=SHADE_COLOR, linewidth=0.9, alpha=0.8
    )
    step.set_label(STATE_LABEL)
    # With a score, the state keeps to the lower half of the panel so the score stays readable.
    state_ax.set_ylim(-0.05, 2.1 if score is not None else 1.15)
    state_ax.set_yticks([0, 1], labels=["risk-on", "risk-off"])
    if score is not None:
        _legend(bottom, [*bottom_handles, step])
    if _shade_mpl([top, bottom], mask):
        handles.append(_shade_handle())
    _legend(top, handles)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.margins(x=0)
    _format_dates(bottom)
    if title:
        top.set_title(title)
    return fig


def signal_png(
    market: pd.DataFrame,
    risk_off: pd.Series,
    path: str | os.PathLike[str],
    *,
    score: pd.Series | None = None,
    title: str = "",
) -> Path:
    """Write a PNG of a signal over its inputs.

    Requires: ``market`` the input columns by date (DatetimeIndex), typically MOVE and VIX; ``risk_off`` a
    boolean series by date (NaN = False); ``score`` an optional continuous score by date.
    Produces: a 12x7 in PNG at 110 dpi. Top panel: the market columns (on twin y axes when there are two,
    one axis otherwise), risk-off shaded. Bottom panel: the score, if given, and the risk-off state as a
    step line.

    Args:
        market: Input series of the signal.
        risk_off: The signal's risk-off state.
        path: Where to write the PNG; parent folders are created.
        score: The signal's continuous score, if it has one.
        title: Figure title.

    Returns:
        The path written.
    """
    return _save_png(signal_mpl(market, risk_off, score=score, title=title), path)


# ------------------------------------------------------------------------------------------------- plotly


def _shapes(mask: pd.Series | None, *, yref: str = "paper") -> list[dict]:
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


def _layout(fig: PlotlyFigure, mask: pd.Series | None, title: str) -> None:
    """Common layout: title, shapes, unified hover with ISO dates, compact margins."""
    shapes = _shapes(mask)
    if shapes:
        fig.add_trace(_shade_legend_trace(), row=1, col=1)
    fig.update_layout(
        title={"text": title} if title else None,
        shapes=shapes,
        hovermode="x unified",
        template="plotly_white",
        height=650,
        margin={"l": 60, "r": 60, "t": 60 if title else 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    fig.update_xaxes(hoverformat="%Y-%m-%d")


def equity_plotly(
    values: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = ""
) -> PlotlyFigure:
    """Build the plotly equity/drawdown figure (see `equity_drawdown_html`).

    Traces: for each column, its growth of 1 (row 1) then its drawdown in percent (row 2, no legend entry);
    then, if any episode, a data-less legend entry for the shading. Shapes: one per risk-off episode.
    """
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    values = _check_values(values, "values")
    mask = _align_mask(risk_off, values.index)
    growth, drawdown = _growth(values), _drawdown_pct(values)
    colors = _palette()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.04)
    for i, col in enumerate(values.columns):
        line = {"color": colors[i % len(colors)], "width": 2.0 if i == 0 else 1.3}
        name = str(col)
        fig.add_trace(
            go.Scatter(
                x=_x(growth.index), y=growth[col].to_numpy(), name=name, legendgroup=name, line=line,
                hovertemplate="%{y:.3f}", mode="lines",
            ),
            row=1, col=1,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=_x(drawdown.index), y=drawdown[col].to_numpy(), name=name, legendgroup=name, line=line,
                hovertemplate="%{y:.1f}%", mode="lines", showlegend=False,
            ),
            row=2, col=1,
        )  # fmt: skip
    fig.update_yaxes(type="log", title_text="growth of 1 (log)", row=1, col=1)
    fig.update_yaxes(title_text="drawdown (%)", ticksuffix="%", row=2, col=1)
    _layout(fig, mask, title)
    return fig


def _x(index: pd.DatetimeIndex) -> list[str] | pd.DatetimeIndex:
    """Dates for plotly: ``YYYY-MM-DD`` strings for daily data (half the bytes of ISO datetimes)."""
    if len(index) and (index == index.normalize()).all():
        return index.strftime("%Y-%m-%d").tolist()
    return index


def _palette() -> list[str]:
    """Plotly's default qualitative colours."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.colors

    return list(plotly.colors.qualitative.Plotly)


def _write_html(fig: PlotlyFigure, path: str | os.PathLike[str], include_plotlyjs: str | bool) -> Path:
    """Write ``fig`` as a standalone HTML file, atomically."""
    html = fig.to_html(include_plotlyjs=include_plotlyjs, full_html=True, config={"displaylogo": False})
    return _write_atomic(path, html.encode("utf-8"))


def equity_drawdown_html(
    values: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    risk_off: pd.Series | None = None,
    title: str = "",
    include_plotlyjs: str | bool = "cdn",
) -> Path:
    """Write an interactive HTML chart of growth of 1 (log scale) over drawdown in percent.

    Same content as `equity_drawdown_png`, with plotly: two rows on a shared date axis, hover showing the
    date and every portfolio's value, and one shaded rectangle per risk-off episode.

    Args:
        values: Portfolio values by date, one column per portfolio.
        path: Where to write the HTML; parent folders are created.
        risk_off: If given, risk-off episodes are shaded and named in the legend.
        title: Figure title.
        include_plotlyjs: Passed to plotly: ``"cdn"`` (small file, needs internet to view), ``True``
            (embeds plotly.js, about 4.5 MB, works offline), or ``"directory"``.

    Returns:
        The path written.
    """
    return _write_html(equity_plotly(values, risk_off=risk_off, title=title), path, include_plotlyjs)


def signal_plotly(
    market: pd.DataFrame, risk_off: pd.Series, *, score: pd.Series | None = None, title: str = ""
) -> PlotlyFigure:
    """Build the plotly signal figure (see `signal_html`).

    Traces: the market columns (row 1; the second of two on a secondary y axis), the score if given
    (row 2), the risk-off state as a step line (row 2, secondary y axis when there is a score), then, if any
    episode, a data-less legend entry for the shading. Shapes: one per risk-off episode.
    """
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    market = _check_values(market, "market")
    mask = _align_mask(risk_off, market.index)
    colors = _palette()
    columns = list(market.columns)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.04,
        specs=[[{"secondary_y": True}], [{"secondary_y": True}]],
    )  # fmt: skip
    for i, col in enumerate(columns):
        secondary = len(columns) == 2 and i == 1
        trace = go.Scatter(
            x=_x(market.index), y=market[col].to_numpy(), name=str(col), mode="lines",
            line={"color": colors[i % len(colors)], "width": 1.3}, hovertemplate="%{y:.2f}",
        )  # fmt: skip
        fig.add_trace(trace, row=1, col=1, secondary_y=secondary)
    if len(columns) == 2:
        fig.update_yaxes(title_text=str(columns[0]), row=1, col=1, secondary_y=False)
        fig.update_yaxes(title_text=str(columns[1]), row=1, col=1, secondary_y=True, showgrid=False)
    elif len(columns) == 1:
        fig.update_yaxes(title_text=str(columns[0]), row=1, col=1, secondary_y=False)
    if score is not None:
        name = str(score.name or "score")
        fig.add_trace(
            go.Scatter(
                x=_x(score.index), y=score.astype(float).to_numpy(), name=name, mode="lines",
                line={"color": "black", "width": 1.1}, hovertemplate="%{y:.2f}",
            ),
            row=2, col=1, secondary_y=False,
        )  # fmt: skip
        fig.update_yaxes(title_text="score", row=2, col=1, secondary_y=False)
    state = go.Scatter(
        x=_x(mask.index), y=mask.to_numpy(dtype=np.int8), name=STATE_LABEL, mode="lines", line_shape="hv",
        line={"color": SHADE_COLOR, "width": 1.1}, hovertemplate="%{y}",
    )  # fmt: skip
    fig.add_trace(state, row=2, col=1, secondary_y=score is not None)
    fig.update_yaxes(
        range=[-0.05, 2.1 if score is not None else 1.15], tickvals=[0, 1], showgrid=False,
        row=2, col=1, secondary_y=score is not None,
    )  # fmt: skip
    _layout(fig, mask, title)
    return fig


def signal_html(
    market: pd.DataFrame,
    risk_off: pd.Series,
    path: str | os.PathLike[str],
    *,
    score: pd.Series | None = None,
    title: str = "",
    include_plotlyjs: str | bool = "cdn",
) -> Path:
    """Write an interactive HTML chart of a signal over its inputs.

    Same content as `signal_png`, with plotly: market columns on top (two columns on twin y axes), the
    score and the risk-off state as a step line below, one shaded rectangle per risk-off episode.

    Args:
        market: Input series of the signal, by date.
        risk_off: The signal's risk-off state (NaN = False).
        path: Where to write the HTML; parent folders are created.
        score: The signal's continuous score, if it has one.
        title: Figure title.
        include_plotlyjs: Passed to plotly; see `equity_drawdown_html`.

    Returns:
        The path written.
    """
    return _write_html(signal_plotly(market, risk_off, score=score, title=title), path, include_plotlyjs)
