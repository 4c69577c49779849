"""Allocation chart of a run: target and realised weights by sleeve over time, as PNG and a plotly figure.

One panel per sleeve, shared date axis: the realised end-of-day weight (solid, drifting with prices
between trades) and the target in force (dashed step: each executed target held until the next one).
A negative cash weight is borrowing (leverage). Risk-off episodes are shaded as in `report.charts`,
whose public helpers this module uses. Pure: frames in, one file out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from report import style
from report.charts import (
    align_mask,
    check_values,
    format_dates,
    plotly_dates,
    save_png,
    shade_handle,
    shade_mpl,
    shade_shapes,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

PANEL_HEIGHT_IN = 1.9


def targets_in_force(targets: pd.DataFrame) -> pd.DataFrame:
    """Executed targets (NaN on days without a trade) carried forward: the target the portfolio holds.

    >>> t = pd.DataFrame({"equity": [0.6, None, 0.2, None]})
    >>> targets_in_force(t)["equity"].tolist()
    [0.6, 0.6, 0.2, 0.2]
    """
    return targets.ffill()


def _changes(force: pd.Series) -> pd.Series:
    """The days a step series changes value, its first and last day included (NaN counts as a value).

    >>> s = pd.Series([0.6, 0.6, 0.2, 0.2], index=pd.date_range("2024-01-01", periods=4))
    >>> _changes(s).tolist()
    [0.6, 0.2, 0.2]
    """
    filled = force.fillna(-1e300)
    keep = filled.ne(filled.shift())
    keep.iloc[-1] = True
    return force[keep]


def _sleeves(weights: pd.DataFrame, targets: pd.DataFrame) -> list[str]:
    """Sleeves ever held or targeted (all-zero sleeves are left out of the chart)."""
    held = weights.abs().sum().add(targets.abs().sum(), fill_value=0.0)
    return [str(c) for c in weights.columns if held.get(c, 0.0) > 0]


def _prepared(
    weights: pd.DataFrame, targets: pd.DataFrame, risk_off: pd.Series | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.Series | None]:
    """What both allocation charts draw: checked weights, targets in force, sleeves held, risk-off mask."""
    weights = check_values(weights, "weights")
    force = targets_in_force(targets.reindex(weights.index))
    return weights, force, _sleeves(weights, force), align_mask(risk_off, weights.index)


def allocation_mpl(
    weights: pd.DataFrame, targets: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = ""
) -> Figure:
    """Build the matplotlib figure of `allocation_png`."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.lines import Line2D

    weights, force, sleeves, mask = _prepared(weights, targets, risk_off)
    fig = style.figure((12.0, 1.2 + PANEL_HEIGHT_IN * len(sleeves)))
    axes = fig.subplots(len(sleeves), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, sleeve) in enumerate(zip(axes, sleeves, strict=True)):
        ax.plot(weights.index, weights[sleeve].to_numpy() * 100, color=style.color(i), linewidth=1.2)
        ax.step(force.index, force[sleeve].to_numpy() * 100, where="post", color="black", linewidth=0.9,
                linestyle="--", alpha=0.8)  # fmt: skip
        ax.set_ylabel(f"{style.label(sleeve)} (%)")
        ax.axhline(0.0, color="grey", linewidth=0.6)
        style.axes_style(ax)
    shaded = shade_mpl(list(axes), mask)
    handles = [
        Line2D([], [], color="grey", linewidth=1.2, label="realised weight"),
        Line2D([], [], color="black", linewidth=0.9, linestyle="--", label="target in force"),
    ]
    if shaded:
        handles.append(shade_handle())
    style.legend_outside(axes[0], handles)
    format_dates(axes[-1])
    if title:
        fig.suptitle(title)
    return fig


def allocation_png(
    weights: pd.DataFrame,
    targets: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    risk_off: pd.Series | None = None,
    title: str = "",
) -> Path:
    """Write a PNG of realised and target weights, one panel per sleeve held.

    Requires: ``weights`` realised weights by date (DatetimeIndex), one column per sleeve; ``targets``
    the executed targets on the same dates and columns, NaN on days without a trade.

    Args:
        weights: Realised end-of-day weights.
        targets: Executed target weights (NaN = no trade that day).
        path: Where to write the PNG.
        risk_off: Optional risk-off state to shade.
        title: Figure title.

    Returns:
        The path written.
    """
    return save_png(allocation_mpl(weights, targets, risk_off=risk_off, title=title), path)


def allocation_plotly(
    weights: pd.DataFrame, targets: pd.DataFrame, *, risk_off: pd.Series | None = None, title: str = ""
) -> PlotlyFigure:
    """The interactive version of `allocation_png`: one row per sleeve held, shared dates.

    The target in force is drawn from the days it changes only (a step line): the same line as a
    daily series, in a fraction of the page's bytes.
    """
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    weights, force, sleeves, mask = _prepared(weights, targets, risk_off)
    labels = [style.label(s) for s in sleeves]
    fig = style.plotly_figure(rows=len(sleeves), cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        subplot_titles=labels)  # fmt: skip
    x = plotly_dates(weights.index)
    for i, (sleeve, name) in enumerate(zip(sleeves, labels, strict=True)):
        fig.add_trace(
            go.Scatter(x=x, y=weights[sleeve].to_numpy() * 100, name=f"{name} realised", mode="lines",
                       line={"color": style.color(i), "width": 1.4}, hovertemplate="%{y:.1f}%"),
            row=i + 1, col=1,
        )  # fmt: skip
        steps = _changes(force[sleeve])
        fig.add_trace(
            go.Scatter(x=plotly_dates(steps.index), y=steps.to_numpy() * 100, name=f"{name} target",
                       mode="lines", line={"color": "black", "width": 1.0, "dash": "dash", "shape": "hv"},
                       hovertemplate="%{y:.1f}%"),
            row=i + 1, col=1,
        )  # fmt: skip
        fig.update_yaxes(ticksuffix="%", row=i + 1, col=1)
    fig.update_layout(
        shapes=[{**s, "yref": "paper"} for s in shade_shapes(mask)],
        **style.plotly_layout(200 + 180 * len(sleeves), title),
    )
    fig.update_xaxes(hoverformat="%Y-%m-%d")
    return fig
