"""Charts of an event study: forward-return distributions after onsets vs all days, and episodes.

Pure plotting functions on an `analysis.event_study.EventStudy`: the `*_mpl` and `*_plotly` builders return
a figure (for a notebook and the run's page, `report.tearsheet`), the `*_png` writers write one file and
return its path.
matplotlib (object-oriented API on the Agg canvas) and plotly are imported inside the functions, as in
`report.charts`, whose shading and file helpers these reuse.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.event_study import EventStudy, write_tables
from report import charts, style
from report.render import job, render

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

COND_COLOR = "#d62728"
ALL_COLOR = "#7f7f7f"
BINS = 40


def _horizons(ev: EventStudy) -> list[int]:
    return [int(h) for h in ev.table.index]


def _samples(ev: EventStudy, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Forward returns in percent at horizon `h`: (after onsets, on all days), NaN dropped."""
    r = ev.forward[f"fwd_ret_{h}d"]
    onset = ev.forward["onset"].to_numpy(dtype=bool)
    return (r[onset].dropna() * 100).to_numpy(), (r.dropna() * 100).to_numpy()


def bins(cond: np.ndarray, uncond: np.ndarray, n: int = BINS) -> np.ndarray:
    """One set of bin edges for both samples: onsets and all days are counted in the same bins.

    From the all-days sample's 0.5th to 99.5th percentile, widened to every onset's value.
    """
    lo, hi = np.nanpercentile(uncond, [0.5, 99.5]) if len(uncond) else (-1.0, 1.0)
    if len(cond):
        lo, hi = min(lo, cond.min()), max(hi, cond.max())
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, n + 1)


def p_text(ev: EventStudy, h: int) -> str:
    """The horizon's p-values as chart text: ``p mean 0.23 · p hit 0.41`` (the event study's own)."""
    row = ev.table.loc[h]
    names = {"pval_ret": "mean", "pval_maxdd": "drawdown", "pval_hit_rate": "hit", "pval_correction": "corr."}
    parts = [f"p {names[k]} {row[k]:.2f}" for k in names if k in row and np.isfinite(row[k])]
    return ", ".join(parts) if parts else "no p-values (no onsets)"


def forward_returns_png(ev: EventStudy, path: str | os.PathLike[str], *, title: str = "") -> Path:
    """Write histograms of forward equity returns after onsets against all days, one panel per horizon.

    Both distributions are drawn as densities (so they compare despite very different counts), with a
    dashed line at each mean.

    Args:
        ev: The event study.
        path: Where to write the PNG.
        title: Figure title.

    Returns:
        The path written.
    """
    return charts.save_png(forward_returns_mpl(ev, title=title), path)


def forward_returns_mpl(ev: EventStudy, *, title: str = "") -> Figure:
    """Build the matplotlib figure of `forward_returns_png`."""
    hs = _horizons(ev)
    fig = style.figure((4.2 * len(hs), 4.6))
    axes = np.atleast_1d(fig.subplots(1, len(hs)))
    for ax, h in zip(axes, hs, strict=True):
        cond, uncond = _samples(ev, h)
        edges = bins(cond, uncond)
        ax.hist(uncond, bins=edges, density=True, color=ALL_COLOR, alpha=0.45, label="all days")
        if len(cond):
            ax.hist(cond, bins=edges, density=True, color=COND_COLOR, alpha=0.55, label="after onset")
            ax.axvline(cond.mean(), color=COND_COLOR, linestyle="--", linewidth=1.2)
        if len(uncond):
            ax.axvline(uncond.mean(), color=ALL_COLOR, linestyle="--", linewidth=1.2)
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_title(f"{h}-day forward equity return")
        ax.set_xlabel("%")
        note = f"onsets n={len(cond)}, all days n={len(uncond)}\n{p_text(ev, h)}"
        ax.text(0.02, 0.98, note, transform=ax.transAxes, va="top", ha="left", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})  # fmt: skip
        style.axes_style(ax)
    # one legend for every panel, under them: none over the panels' titles
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=8)
    axes[0].set_ylabel("density")
    if title:
        fig.suptitle(title)
    return fig


def episodes_png(ev: EventStudy, path: str | os.PathLike[str], *, title: str = "") -> Path:
    """Write the equity sleeve (log scale) and its drawdown with the signal's episodes shaded.

    Args:
        ev: The event study.
        path: Where to write the PNG.
        title: Figure title.

    Returns:
        The path written.
    """
    return charts.save_png(episodes_mpl(ev, title=title), path)


def episodes_mpl(ev: EventStudy, *, title: str = "") -> Figure:
    """Build the matplotlib figure of `episodes_png`: the equity sleeve's equity chart, onsets marked."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.lines import Line2D

    price = ev.price.astype(float).rename("equity sleeve").to_frame()
    chart = charts.equity_chart(price, risk_off=ev.state, title=title, colors=("black",))
    onset = {"marker": "v", "color": COND_COLOR, "markersize": 5, "linestyle": "none", "label": "onset"}
    fig = charts.equity_chart_mpl(chart, extra=[Line2D([], [], **onset)])
    starts = ev.forward.index[ev.forward["onset"].to_numpy(dtype=bool)]
    fig.axes[0].plot(starts, chart.growth["equity sleeve"].loc[starts].to_numpy(), **onset)
    return fig


def forward_returns_plotly(ev: EventStudy, *, title: str = "") -> PlotlyFigure:
    """Interactive version of `forward_returns_png` (plotly, overlaid density histograms)."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    hs = _horizons(ev)
    fig = style.plotly_figure(
        rows=1, cols=len(hs), subplot_titles=[f"{h}-day forward equity return (%)" for h in hs]
    )
    for i, h in enumerate(hs, start=1):
        cond, uncond = _samples(ev, h)
        edges = bins(cond, uncond)
        same = {"start": float(edges[0]), "end": float(edges[-1]), "size": float(edges[1] - edges[0])}
        for data, name, color in ((uncond, "all days", ALL_COLOR), (cond, "after onset", COND_COLOR)):
            fig.add_trace(
                go.Histogram(
                    x=data, name=name, histnorm="probability density", xbins=same, autobinx=False,
                    marker_color=color, opacity=0.55, legendgroup=name, showlegend=i == 1,
                    meta={"horizon": h, "n": len(data)},
                ),
                row=1, col=i,
            )  # fmt: skip
        axis = "" if i == 1 else str(i)
        fig.add_annotation(
            text=f"onsets n={len(cond)}, all days n={len(uncond)}<br>{p_text(ev, h)}",
            xref=f"x{axis} domain", yref=f"y{axis} domain", x=0.02, y=0.98, showarrow=False,
            xanchor="left", yanchor="top", font={"size": 10}, bgcolor="rgba(255,255,255,0.8)",
        )  # fmt: skip
    layout = style.plotly_layout(450, title) | {"hovermode": "closest"}
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}  # not over the titles
    fig.update_layout(barmode="overlay", **layout)
    return fig


def episodes_plotly(ev: EventStudy, *, title: str = "") -> PlotlyFigure:
    """Interactive version of `episodes_png`: equity (log) and drawdown, episodes as shaded rectangles."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    price = ev.price.astype(float)
    growth = price / price.iloc[0]
    dd = (price / price.cummax() - 1.0) * 100.0
    x = charts.plotly_dates(price.index)
    fig = style.plotly_figure(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.04
    )
    fig.add_trace(go.Scatter(x=x, y=growth.to_numpy(), name="equity sleeve", line={"color": "black"}), 1, 1)
    starts = ev.forward.index[ev.forward["onset"].to_numpy(dtype=bool)]
    fig.add_trace(
        go.Scatter(
            x=charts.plotly_dates(starts), y=growth.loc[starts].to_numpy(), name="onset", mode="markers",
            marker={"symbol": "triangle-down", "color": COND_COLOR, "size": 8},
        ),
        1, 1,
    )  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=dd.to_numpy(), name="drawdown (%)", line={"color": "black"}), 2, 1)
    fig.update_yaxes(type="log", title_text="growth of 1 (log)", row=1, col=1)
    fig.update_yaxes(title_text="drawdown (%)", ticksuffix="%", row=2, col=1)
    charts.shaded_layout(fig, pd.Series(ev.state.to_numpy(dtype=bool), index=price.index), title)
    return fig


def jobs(ev: EventStudy, folder: Path, *, title: str = "") -> list:
    """Both event charts as PNG (``event_returns.png``, ``event_episodes.png``), as render jobs."""
    return [
        job(forward_returns_png, folder / "event_returns.png", ev, title=title),
        job(episodes_png, folder / "event_episodes.png", ev, title=title),
    ]


def write_all(ev: EventStudy, folder: Path, *, title: str = "") -> list[Path]:
    """Write both event charts as PNG into `folder` (``event_returns.png``, ``event_episodes.png``)."""
    return render(jobs(ev, folder, title=title), parallel=False)


def write_study(ev: EventStudy, folder: Path, *, title: str = "") -> list[Path]:
    """Write the study's tables (``event_study.csv``/``.json``, ``episodes.csv``) and charts into `folder`."""
    return write_tables(ev, folder) + write_all(ev, folder, title=title)
