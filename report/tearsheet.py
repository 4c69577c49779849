"""A run's tearsheet: one self-contained HTML page (``report.html``) and its PNG twin (``report.png``).

The page holds, in order (each a ``<section id=...>``, `SECTIONS`): the verdict (a banner with its sentence
against each benchmark, coloured by its outcome and never by colour alone, and the numbers behind it),
the headline table (strategy beside every benchmark), equity and drawdown on one date axis with the
risk-off episodes shaded, under it the cumulative strategy minus the primary benchmark with the onsets
marked, the signal panel (its inputs, its score against the entry and exit thresholds, one strip per
condition of the rule), the allocation over time, the strategy's monthly returns, its rolling one-year
Sharpe against the reference benchmark (60/40), its five worst drawdowns, returns by regime (strategy and
reference), the event study with its p-values, the episode scorecard, and the run's lineage. plotly.js
is inlined once, in the first figure, so the page renders offline (``plotlyjs="cdn"`` links it instead:
a smaller page that needs internet; ``plotlyjs="shared"`` references one copy written once at the top of
the output tree, `plotlyjs_file`: small pages that render offline while they stay beside it).

Every number shown comes from `backtest.metrics` (the headline table, formatted by the caller) or from
`backtest.breakdown`, which calls those metrics. Pure: a `Tearsheet` in, a string or a figure out; the
writers write one file atomically.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.event_study import EventStudy
from analysis.verdict import OUTCOME_COLOURS
from backtest import breakdown
from report import allocation_charts, charts, event_charts, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

    from signals.base import Thresholds

STRATEGY = "strategy"
REFERENCE = "sixty_forty"  # the benchmark the rolling Sharpe and the regime table compare against
SECTIONS = {
    "verdict": "Verdict: does it beat the benchmarks, beyond luck?",
    "headline": "Headline: strategy vs benchmarks",
    "equity": "Equity and drawdown",
    "active": "Strategy minus the benchmark, cumulative",
    "signal": "The signal: why each episode opened and closed",
    "allocation": "Allocation over time",
    "monthly": "Monthly returns (strategy)",
    "rolling-sharpe": "Rolling 1-year Sharpe",
    "drawdowns": "Five worst drawdowns (strategy)",
    "regimes": "Returns by regime",
    "event-study": "Event study",
    "episodes": "Episodes: where de-risking paid",
    "lineage": "Lineage",
}
PLOTLYJS = ("inline", "cdn", "shared")
CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class SignalPanel:
    """What the signal section draws (see `report.charts.signal_plotly`)."""

    market: pd.DataFrame
    risk_off: pd.Series
    score: pd.Series | None = None
    thresholds: Thresholds | None = None
    conditions: pd.DataFrame | None = None


@dataclass(frozen=True)
class Tearsheet:
    """Everything the page shows, computed by the caller from the run.

    Attributes:
        name: The strategy's name (the page's title).
        headline: Formatted cells: one row per metric (its label), one column per portfolio.
        values: Each portfolio's value by date (the strategy first).
        returns: Each portfolio's daily returns on the same dates.
        cash_returns: The T-bill's daily returns on the same dates.
        initial: The portfolios' value before the first day.
        weights: The strategy's realised weights by sleeve.
        targets: Its executed targets (NaN on days without a trade).
        risk_off: The signal's state on the same dates, or None without a signal.
        signal: The signal panel, or None without a signal.
        event_study: The signal's event study, or None.
        lineage: Label -> text: data source and digest, vintage, commit, the re-run command, ...
        verdict: ``(sentence, outcome)`` against each benchmark, the primary first (`analysis.verdict`).
        verdict_table: The numbers behind the verdicts, formatted: one row per benchmark.
        active: Cumulative strategy minus the primary benchmark (growth of 1, each), by date.
        active_label: The primary benchmark's display name.
        episodes: The episode scorecard, formatted: one row per risk-off episode.
    """

    name: str
    headline: pd.DataFrame
    values: pd.DataFrame
    returns: pd.DataFrame
    cash_returns: pd.Series
    initial: float
    weights: pd.DataFrame
    targets: pd.DataFrame
    risk_off: pd.Series | None = None
    signal: SignalPanel | None = None
    event_study: EventStudy | None = None
    lineage: Mapping[str, str] = field(default_factory=dict)
    verdict: tuple[tuple[str, str], ...] = ()
    verdict_table: pd.DataFrame | None = None
    active: pd.Series | None = None
    active_label: str = ""
    episodes: pd.DataFrame | None = None

    @property
    def reference(self) -> str | None:
        """The benchmark compared against: 60/40 when the run has it, else the first benchmark."""
        others = [c for c in self.values.columns if c != STRATEGY]
        return REFERENCE if REFERENCE in others else (others[0] if others else None)

    @property
    def compared(self) -> list[str]:
        """The strategy and the reference benchmark."""
        return [STRATEGY] + ([self.reference] if self.reference else [])


# ------------------------------------------------------------------------------------------ the tables


def _pct(x: float, digits: int = 2) -> str:
    return "-" if x is None or x != x else f"{x * 100:.{digits}f}%"


def _num(x: float) -> str:
    return "-" if x is None or x != x else f"{x:.2f}"


def _day(t: Any) -> str:
    return "not yet" if pd.isna(t) else str(pd.Timestamp(t).date())


def drawdown_table(sheet: Tearsheet) -> pd.DataFrame:
    """The strategy's five worst drawdowns (`backtest.breakdown.drawdowns`), formatted."""
    dd = breakdown.drawdowns(sheet.values[STRATEGY], sheet.initial, n=5)
    dd.index = pd.RangeIndex(1, len(dd) + 1, name="#")
    return pd.DataFrame(
        {
            "depth": dd["depth"].map(_pct),
            "start (peak)": dd["start"].map(_day),
            "trough": dd["trough"].map(_day),
            "recovery": dd["recovery"].map(_day),
            "length (trading days)": dd["days"].astype(str),
        },
        index=dd.index,
    )


def regime_table(sheet: Tearsheet) -> pd.DataFrame | None:
    """Strategy and reference on risk-on vs risk-off days (`backtest.breakdown.regime_returns`)."""
    if sheet.risk_off is None:
        return None
    t = breakdown.regime_returns(sheet.returns[sheet.compared], sheet.cash_returns, sheet.risk_off)
    out = pd.DataFrame(
        {
            "days": t["days"].astype(str),
            "share of days": t["share"].map(lambda x: _pct(x, 1)),
            "total return": t["total_return"].map(_pct),
            "annualised return (CAGR)": t["cagr"].map(_pct),
            "volatility": t["volatility"].map(_pct),
            "Sharpe (excess of T-bill)": t["sharpe_excess_tbill"].map(_num),
        }
    )
    out.index = [f"{style.label(p)}, after a {r} close" for p, r in t.index]
    return out


def event_table(ev: EventStudy) -> pd.DataFrame:
    """The event study by horizon: onsets against all days, with the one-sided p-values."""
    t, s = ev.table, ev.summary
    p = lambda col: t[col].map(lambda x: "-" if x != x else f"{x:.3f}") if col in t else "-"  # noqa: E731
    out = pd.DataFrame(
        {
            "onsets": t["n_onsets"].astype(int).astype(str),
            "fwd return, onsets": t["fwd_ret_mean"].map(_pct),
            "fwd return, all days": t["uncond_ret_mean"].map(_pct),
            "p (return)": p("pval_ret"),
            "fwd max DD, onsets": t["fwd_maxdd_mean"].map(_pct),
            "fwd max DD, all days": t["uncond_maxdd_mean"].map(_pct),
            "p (max DD)": p("pval_maxdd"),
            "hit rate, onsets": t["hit_rate"].map(lambda x: _pct(x, 0)),
            "p (hit rate)": p("pval_hit_rate"),
            f"P(max DD ≤ -{s['correction']:.0%}), onsets": t["p_correction"].map(lambda x: _pct(x, 0)),
            f"P(max DD ≤ -{s['correction']:.0%}), all days": t["uncond_p_correction"].map(
                lambda x: _pct(x, 0)
            ),
            "p (correction)": p("pval_correction"),
        }
    )
    out.index = [f"{h} days" for h in t.index]
    return out


def _html_table(frame: pd.DataFrame, caption: str = "") -> str:
    """A plain HTML table of text cells (escaped), the index as the first column."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *frame.columns])
    body = "".join(
        "<tr><th>"
        + html.escape(str(i))
        + "</th>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for i, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ----------------------------------------------------------------------------------------- the figures


def monthly_plotly(sheet: Tearsheet) -> PlotlyFigure:
    """Heatmap of the strategy's monthly returns in percent (years down, months across, then the year)."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    table = breakdown.monthly_returns(sheet.returns[STRATEGY]) * 100
    z = table.to_numpy()
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "year"]
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.1f}")(np.nan_to_num(z)))
    limit = float(np.nanpercentile(np.abs(z[:, :12]), 98)) if np.isfinite(z).any() else 1.0
    fig = style.plotly_figure(
        go.Heatmap(
            z=z, x=months, y=[str(y) for y in table.index], text=text, texttemplate="%{text}",
            colorscale="RdYlGn", zmid=0, zmin=-limit, zmax=limit, colorbar={"title": "%", "len": 0.6},
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>", xgap=1, ygap=1,
        )
    )  # fmt: skip
    layout = style.plotly_layout(120 + 22 * len(table)) | {"hovermode": "closest"}
    fig.update_layout(**layout)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def rolling_sharpe_plotly(sheet: Tearsheet) -> PlotlyFigure:
    """The strategy's and the reference's Sharpe over each trailing 252 days, risk-off shaded."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    roll = breakdown.rolling_sharpe(sheet.returns[sheet.compared], sheet.cash_returns)
    fig = style.plotly_figure()
    x = charts._x(roll.index)
    cols = list(sheet.values.columns)
    for i, col in enumerate(roll.columns):
        line = {"color": style.color(cols.index(col)), "width": 1.8 if i == 0 else 1.2}
        fig.add_trace(
            go.Scatter(
                x=x, y=roll[col].to_numpy(dtype=np.float32), name=style.label(col), mode="lines", line=line,
                hovertemplate="%{y:.2f}",
            )
        )  # fmt: skip
    fig.add_hline(y=0.0, line={"color": "black", "width": 0.8})
    mask = charts._align_mask(sheet.risk_off, roll.index)
    fig.update_layout(shapes=charts._shapes(mask), **style.plotly_layout(380))
    fig.update_yaxes(title_text="Sharpe, trailing 252 days")
    fig.update_xaxes(hoverformat="%Y-%m-%d")
    return fig


def active_plotly(sheet: Tearsheet) -> PlotlyFigure:
    """Cumulative strategy minus the primary benchmark (growth of 1 each, in percent), the onsets marked."""
    # lazy: plotly's figures cost ~70 ms to load; only drawing a chart needs them
    import plotly.graph_objects as go

    gap = sheet.active * 100
    fig = style.plotly_figure()
    x = charts._x(gap.index)
    fig.add_trace(
        go.Scatter(
            x=x, y=gap.to_numpy(dtype=np.float32), mode="lines", name=f"strategy minus {sheet.active_label}",
            line={"color": style.color(0), "width": 1.5}, hovertemplate="%{y:.2f} points",
        )
    )  # fmt: skip
    if sheet.risk_off is not None:
        on = sheet.risk_off.reindex(gap.index).astype("boolean").fillna(False).to_numpy(dtype=bool)
        onsets = on & ~np.concatenate([[False], on[:-1]])
        fig.add_trace(
            go.Scatter(
                x=charts._x(gap.index[onsets]), y=gap.to_numpy(dtype=np.float32)[onsets], mode="markers",
                name="onset",
                marker={"symbol": "triangle-down", "size": 8, "color": "#cf222e"}, hovertemplate="onset",
            )
        )  # fmt: skip
    fig.add_hline(y=0.0, line={"color": "black", "width": 0.8})
    mask = charts._align_mask(sheet.risk_off, gap.index)
    fig.update_layout(shapes=charts._shapes(mask), **style.plotly_layout(300))
    fig.update_yaxes(title_text=f"minus {sheet.active_label}, points of 1")
    fig.update_xaxes(hoverformat="%Y-%m-%d")
    return fig


def _signal_plotly(panel: SignalPanel, name: str) -> PlotlyFigure:
    return charts.signal_plotly(
        panel.market,
        panel.risk_off,
        score=panel.score,
        thresholds=panel.thresholds,
        conditions=panel.conditions,
        title=f"{name}: inputs, score against its thresholds, and the conditions of the rule",
    )


def figures(sheet: Tearsheet) -> dict[str, PlotlyFigure]:
    """The page's figures by section id, in page order (no signal: no signal or event figure)."""
    out = {"equity": charts.equity_plotly(sheet.values, risk_off=sheet.risk_off)}
    if sheet.active is not None:
        out["active"] = active_plotly(sheet)
    if sheet.signal is not None:
        out["signal"] = _signal_plotly(sheet.signal, sheet.name)
    out["allocation"] = allocation_charts.allocation_plotly(
        sheet.weights, sheet.targets, risk_off=sheet.risk_off
    )
    out["monthly"] = monthly_plotly(sheet)
    out["rolling-sharpe"] = rolling_sharpe_plotly(sheet)
    if sheet.event_study is not None:
        out["event-study"] = event_charts.forward_returns_plotly(sheet.event_study)
    return out


# ------------------------------------------------------------------------------------------- the page

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1300px;
color:#222;padding:0 16px}
h1{font-size:1.5em;margin-bottom:0.2em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:0.9em;margin:0.5em 0}th,td{padding:3px 10px;text-align:right;
border-bottom:1px solid #eee}th:first-child{text-align:left}thead th{border-bottom:2px solid #999}
caption{text-align:left;color:#555;padding:4px 0}.note{color:#555;font-size:0.9em}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{color:#555}dd{margin:0}
code{background:#f4f4f4;padding:1px 4px}
.verdict{border-left:8px solid;padding:8px 14px;margin:6px 0;background:#f6f8fa;font-size:1.05em}
.verdict.primary{font-size:1.3em;font-weight:600}
"""


def _compact(fig: PlotlyFigure) -> PlotlyFigure:
    """`fig` with its float64 y values as float32: 7 significant digits on screen, half the page's bytes."""
    for trace in fig.data:
        y = getattr(trace, "y", None)
        if isinstance(y, np.ndarray) and y.dtype == np.float64:
            trace.y = y.astype(np.float32)
    return fig


def _fig_html(fig: PlotlyFigure, section: str, include_plotlyjs: bool | str) -> str:
    return _compact(fig).to_html(
        full_html=False, include_plotlyjs=include_plotlyjs, div_id=f"fig-{section}", config=CONFIG
    )


def _notes(sheet: Tearsheet) -> dict[str, str]:
    ref = style.label(sheet.reference) if sheet.reference else "-"
    return {
        "verdict": "Sharpe difference in excess of the T-bill, strategy minus benchmark on the same days, "
        "with a 95% studentised block-bootstrap interval and a one-sided p-value (Ledoit & Wolf 2008); "
        "'beats' only when the interval is above zero. CAGR and max-drawdown intervals: the same resamples.",
        "equity": "Growth of 1 (log scale) over drawdown from the running peak; risk-off episodes shaded.",
        "active": f"Growth of 1 in the strategy minus growth of 1 in {sheet.active_label or '-'}, points; "
        "each onset of the signal marked, risk-off episodes shaded.",
        "episodes": f"One row per risk-off episode: the equity sleeve's return during it, the strategy minus "
        f"{sheet.active_label or '-'} during it and over the 20 and 60 trading days after its last day, "
        "and the trading costs paid for it (fraction of the strategy's value at the onset).",
        "signal": "Top: the signal's inputs. Middle: its score and the entry/exit thresholds. Bottom: one "
        "strip per condition of the rule (dark where it holds at that close), then the risk-off state.",
        "allocation": "Realised end-of-day weights (solid) and the target in force (dashed step).",
        "monthly": "Compounded daily returns of each calendar month, in percent; the last column is the "
        "year.",
        "rolling-sharpe": f"Sharpe ratio in excess of the T-bill over the trailing 252 trading days, "
        f"strategy against {ref}.",
        "drawdowns": "From the peak (the initial capital included) to the first close back at it.",
        "regimes": f"Each day's return classed by the signal's state at the previous close, for the strategy "
        f"and {ref}; CAGR and volatility on 252 days a year over the days of each regime.",
        "event-study": "Forward equity-sleeve returns after each onset against all days; p-values are "
        "one-sided, against random placements of the same episodes.",
    }


def _lineage_html(lineage: Mapping[str, str]) -> str:
    items = "".join(
        f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(str(v))}</code></dd>" for k, v in lineage.items()
    )
    return f"<dl>{items}</dl>"


def _banner(verdicts: tuple[tuple[str, str], ...]) -> str:
    """The verdict sentences, the primary's first and largest, each coloured by its outcome beside words."""
    out = []
    for i, (text, outcome) in enumerate(verdicts):
        colour = OUTCOME_COLOURS.get(outcome, "#6e7781")
        cls = "verdict primary" if i == 0 else "verdict"
        out.append(
            f'<div class="{cls}" data-outcome="{html.escape(outcome)}" '
            f'style="border-color:{colour};color:{colour}">'
            f"{'Verdict: ' if i == 0 else ''}{html.escape(text)}</div>"
        )
    return "".join(out)


def page(sheet: Tearsheet, *, plotlyjs: str = "inline", src: str | None = None) -> str:
    """The tearsheet as one HTML document.

    Args:
        sheet: What to show.
        plotlyjs: ``inline`` (plotly.js inlined once, in the first figure: renders offline), ``cdn``
            (a script tag to plotly's CDN: a smaller page that needs internet) or ``shared`` (a script
            tag to `src`, a copy of plotly.js the page's writer put beside it: `html_file`).
        src: With ``shared``: the script's URL relative to the page, ending in ``.js``.

    Returns:
        The page, every section a ``<section id=...>`` of `SECTIONS` (the signal and event-study
        sections only with a signal).
    """
    if plotlyjs not in PLOTLYJS:
        raise ValueError(f"`plotlyjs` must be one of {', '.join(PLOTLYJS)}, got {plotlyjs!r}")
    if (plotlyjs == "shared") != (src is not None) or (src is not None and not src.endswith(".js")):
        raise ValueError(f"`src` (a relative URL ending in .js) goes with plotlyjs='shared', got {src!r}")
    script: bool | str = {"cdn": "cdn", "shared": src}.get(plotlyjs, True)
    figs = figures(sheet)
    notes = _notes(sheet)
    first = True
    body = []
    for key, title in SECTIONS.items():
        parts = []
        if key in notes:
            parts.append(f'<p class="note">{html.escape(notes[key])}</p>')
        if key == "verdict":
            if not sheet.verdict:
                continue
            parts.insert(0, _banner(sheet.verdict))
            if sheet.verdict_table is not None:
                parts.append(_html_table(sheet.verdict_table))
        elif key == "episodes":
            if sheet.episodes is None:
                continue
            parts.append(_html_table(sheet.episodes))
        elif key == "headline":
            parts.append(_html_table(sheet.headline.rename(columns=style.label)))
        elif key == "drawdowns":
            parts.append(_html_table(drawdown_table(sheet)))
        elif key == "regimes":
            table = regime_table(sheet)
            if table is None:
                continue
            parts.append(_html_table(table))
        elif key == "event-study":
            if sheet.event_study is None:
                continue
            parts.append(_html_table(event_table(sheet.event_study)))
        elif key == "lineage":
            parts.append(_lineage_html(sheet.lineage))
        if key in figs:
            parts.append(_fig_html(figs[key], key, script if first else False))
            first = False
        elif key in ("signal", "active"):
            continue
        body.append(f'<section id="{key}"><h2>{html.escape(title)}</h2>{"".join(parts)}</section>')
    title = f"{sheet.name}: backtest tearsheet"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>{''.join(body)}</body></html>"
    )


def html_file(
    sheet: Tearsheet,
    path: str | os.PathLike[str],
    *,
    plotlyjs: str = "inline",
    tree: str | os.PathLike[str] | None = None,
) -> Path:
    """Write `page` to `path` atomically; return the path.

    Args:
        sheet: What to show.
        path: The page's file.
        plotlyjs: As `page`. With ``shared``, plotly.js is written once into `tree` (`plotlyjs_file`)
            and the page references it by a relative URL.
        tree: The top of the output tree the page is in (a sweep's folder, a run's): default, the
            page's folder.
    """
    path = Path(path)
    src = None
    if plotlyjs == "shared":
        js = plotlyjs_file(Path(tree) if tree is not None else path.parent)
        src = Path(os.path.relpath(js, path.parent)).as_posix()
    return charts._write_atomic(path, page(sheet, plotlyjs=plotlyjs, src=src).encode("utf-8"))


def plotlyjs_file(folder: Path) -> Path:
    """plotly.js in `folder` as ``plotly-<version>.min.js``, written once: an existing copy is kept.

    Named by plotly.js's version, so a page never loads a script of another version than the one its
    figures were written for. Written atomically: jobs of a sweep writing it at once leave one whole copy.
    """
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    js = folder / f"plotly-{get_plotlyjs_version()}.min.js"
    if not js.is_file():
        charts._write_atomic(js, get_plotlyjs().encode("utf-8"))
    return js


# -------------------------------------------------------------------------------------------- the PNG


def png_figure(sheet: Tearsheet) -> Figure:
    """The PNG twin of the page, one multi-panel matplotlib figure.

    Panels: equity, drawdown, the signal's score and strips, allocation, rolling Sharpe, then monthly
    returns beside returns by regime. Fixed margins (no layout engine: a constrained layout of ten
    panels costs more than drawing them).
    """
    rows: list[tuple[str, float]] = [("equity", 3.0), ("drawdown", 1.5)]
    if sheet.signal is not None and sheet.signal.score is not None:
        rows.append(("score", 1.5))
    if sheet.signal is not None:
        rows.append(
            (
                "strips",
                0.35 * (len(charts.strips(sheet.signal.conditions, sheet.signal.risk_off).columns)) + 0.3,
            )
        )
    rows += [("allocation", 1.6), ("rolling", 1.6), ("bottom", 3.2)]
    head = 1.5 if sheet.verdict else 1.1  # inches above the first panel: the title, the verdict, a legend
    height = 2.0 + head - 1.1 + 1.45 * sum(h for _, h in rows)
    fig = style.figure((12.0, height), layout=None)
    grid = fig.add_gridspec(
        len(rows), 2, height_ratios=[h for _, h in rows], left=0.2, right=0.97, top=1 - head / height,
        bottom=0.4 / height, hspace=0.55, wspace=0.25,
    )  # fmt: skip
    first = fig.add_subplot(grid[0, :])
    axes = {"equity": first}
    for i, (key, _) in enumerate(rows[1:-1], start=1):
        axes[key] = fig.add_subplot(grid[i, :], sharex=first)
    months, regimes = fig.add_subplot(grid[-1, 0]), fig.add_subplot(grid[-1, 1])
    _png_equity(sheet, axes["equity"], axes["drawdown"])
    mask = charts._align_mask(sheet.risk_off, sheet.values.index)
    if sheet.signal is not None:
        _png_signal(sheet.signal, axes.get("score"), axes["strips"])
    _png_allocation(sheet, axes["allocation"])
    _png_rolling(sheet, axes["rolling"])
    charts._shade_mpl([a for k, a in axes.items() if k != "strips"], mask)
    for key, ax in axes.items():
        if key != "strips":
            style.axes_style(ax)
        if key != list(axes)[-1]:
            ax.tick_params(labelbottom=False)
    charts._format_dates(list(axes.values())[-1])
    _png_monthly(sheet, months)
    _png_regimes(sheet, regimes)
    fig.suptitle(
        f"{sheet.name}: backtest tearsheet (report.html holds the interactive version and the tables)",
        y=1 - 0.15 / height,
        va="top",
    )
    if sheet.verdict:  # the primary verdict under the title, in its outcome's colour and always in words
        text, outcome = sheet.verdict[0]
        colour = OUTCOME_COLOURS.get(outcome, "#6e7781")
        kw = {"ha": "center", "va": "top", "color": colour, "weight": "bold"}
        fig.text(0.5, 1 - 0.6 / height, f"Verdict: {text}", **kw)
    return fig


def _png_equity(sheet: Tearsheet, top: Any, bottom: Any) -> None:
    growth = sheet.values / sheet.values.apply(lambda c: c.loc[c.first_valid_index()])
    dd = (sheet.values / sheet.values.cummax() - 1.0) * 100
    for i, col in enumerate(sheet.values.columns):
        kw = {"color": style.color(i), "linewidth": 1.6 if i == 0 else 1.0}
        top.plot(growth.index, growth[col].to_numpy(), label=style.label(col), **kw)
        bottom.plot(dd.index, dd[col].to_numpy(), **kw)
    charts._log_axis(top)
    top.set_ylabel("growth of 1 (log)")
    bottom.set_ylabel("drawdown (%)")
    handles = top.get_legend_handles_labels()[0]
    if sheet.risk_off is not None and sheet.risk_off.any():
        handles.append(charts._shade_handle())
    style.legend_outside(top, handles)


def _png_signal(panel: SignalPanel, score_ax: Any, strip_ax: Any) -> None:
    if score_ax is not None and panel.score is not None:
        drawn, ylabel = charts.thresholded(panel.score, panel.thresholds)  # the thresholds' own series
        score = drawn.astype(float)
        handles = score_ax.plot(
            score.index, score.to_numpy(), color="black", linewidth=0.9, label=str(score.name)
        )
        for value, text, color in charts._threshold_lines(panel.thresholds):
            handles.append(score_ax.axhline(value, color=color, linestyle="--", linewidth=1.0, label=text))
        score_ax.set_ylabel(ylabel)
        style.legend_outside(score_ax, handles)
    charts._strips_mpl(
        strip_ax, charts.strips(panel.conditions, charts._align_mask(panel.risk_off, panel.market.index))
    )


def _png_allocation(sheet: Tearsheet, ax: Any) -> None:
    w = sheet.weights.loc[:, (sheet.weights.abs() > 0).any()] * 100
    pos = w.clip(lower=0)
    ax.stackplot(w.index, pos.to_numpy().T, labels=[style.label(c) for c in w.columns],
                 colors=[style.color(i + 3) for i in range(w.shape[1])], alpha=0.8, linewidth=0)  # fmt: skip
    ax.set_ylabel("weight (%)")
    style.legend_outside(ax, ax.get_legend_handles_labels()[0])


def _png_rolling(sheet: Tearsheet, ax: Any) -> None:
    roll = breakdown.rolling_sharpe(sheet.returns[sheet.compared], sheet.cash_returns)
    cols = list(sheet.values.columns)
    for col in roll.columns:
        ax.plot(roll.index, roll[col].to_numpy(), color=style.color(cols.index(col)), linewidth=1.0,
                label=f"{style.label(col)}: 1-year Sharpe")  # fmt: skip
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_ylabel("rolling Sharpe")
    style.legend_outside(ax, ax.get_legend_handles_labels()[0])


def _png_monthly(sheet: Tearsheet, ax: Any) -> None:
    table = breakdown.monthly_returns(sheet.returns[STRATEGY]) * 100
    z = table.to_numpy()[:, :12]
    limit = float(np.nanpercentile(np.abs(z), 98)) if np.isfinite(z).any() else 1.0
    image = ax.imshow(z, aspect="auto", cmap="RdYlGn", vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks(range(12), labels=list("JFMAMJJASOND"))
    step = max(1, len(table) // 12)
    ax.set_yticks(range(0, len(table), step), labels=[str(y) for y in table.index[::step]])
    ax.set_title("monthly returns, strategy (%)", fontsize="medium")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)


def _png_regimes(sheet: Tearsheet, ax: Any) -> None:
    if sheet.risk_off is None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no signal: no regimes", ha="center", va="center")
        return
    t = breakdown.regime_returns(sheet.returns[sheet.compared], sheet.cash_returns, sheet.risk_off)
    cols = list(sheet.values.columns)
    width = 0.8 / len(sheet.compared)
    for i, name in enumerate(sheet.compared):
        vals = [t.loc[(name, r), "cagr"] * 100 for r in ("risk-on", "risk-off")]
        ax.bar(
            np.arange(2) + i * width,
            vals,
            width,
            color=style.color(cols.index(name)),
            label=style.label(name),
        )
    ax.set_xticks(
        np.arange(2) + width * (len(sheet.compared) - 1) / 2, labels=["after risk-on", "after risk-off"]
    )
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_ylabel("annualised return by regime (%)")
    ax.grid(True, axis="y", alpha=style.GRID_ALPHA)
    style.legend_outside(ax, ax.get_legend_handles_labels()[0])


def png_file(sheet: Tearsheet, path: str | os.PathLike[str]) -> Path:
    """Write `png_figure` as PNG to `path` atomically; return the path."""
    return charts.save_png(png_figure(sheet), path, dpi=style.DPI)
