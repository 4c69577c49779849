"""Write a run's results to its output folder: the record that tracking later uploads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from analysis import event_study
from pipeline.backtest import STRATEGY, RunResult

SIGNAL_PLOT_COLUMNS = ("MOVE", "VIX")


def flat_metrics(result: RunResult) -> dict[str, float]:
    """Metrics for tracking: the strategy's unprefixed, each benchmark's as ``<benchmark>.<metric>``.

    With a signal, also its event study's headline numbers as ``event.<metric>``.
    """
    out = dict(result.strategy.metrics)
    for name, p in result.portfolios.items():
        if name != STRATEGY:
            out |= {f"{name}.{k}": v for k, v in p.metrics.items()}
    if result.signal is not None:
        out |= event_study.metrics(event_study_of(result))
    return out


def event_study_of(result: RunResult) -> event_study.EventStudy:
    """The signal's event study on the strategy's equity sleeve over the backtest window."""
    return event_study.study(result.signal.risk_off, result.prices["equity"])


def signal_columns(result: RunResult) -> list[str]:
    """Up to two of the signal's own input columns, to plot it over (MOVE and VIX by default)."""
    sig, frame = result.plan.signal, result.market.frame
    columns = getattr(sig.func, "columns", None)
    cols = [c for c in (columns(**sig.keywords) if columns else ()) if c in frame.columns]
    return cols[:2] or [c for c in SIGNAL_PLOT_COLUMNS if c in frame.columns]


def daily_frame(result: RunResult) -> pd.DataFrame:
    """One row per day: each portfolio's value and return, the strategy's weights and the signal."""
    cols: dict[str, pd.Series] = {}
    for name, p in result.portfolios.items():
        cols[f"value_{name}"] = p.value
        cols[f"return_{name}"] = p.returns
    s = result.strategy
    for sleeve in s.weights.columns:
        cols[f"weight_{sleeve}"] = s.weights[sleeve]
        cols[f"target_{sleeve}"] = s.targets[sleeve]
    if result.signal is not None:
        idx = s.value.index
        cols["risk_off"] = result.signal.risk_off.reindex(idx).astype(float)
        if result.signal.score is not None:
            cols["score"] = result.signal.score.reindex(idx)
    frame = pd.DataFrame(cols)
    frame.index.name = "date"
    return frame


def _clean(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def stats(result: RunResult) -> dict:
    """The stats JSON: metrics per portfolio and what the run was made of."""
    s = result.strategy
    return {
        "portfolios": {n: {k: _clean(v) for k, v in p.metrics.items()} for n, p in result.portfolios.items()},
        "window": {
            "first_execution": str(s.value.index[0].date()),
            "last": str(s.value.index[-1].date()),
            "days": len(s.value),
        },
        "data": {
            "source": result.market.source,
            "digest": result.market.digest,
            "first": str(result.market.start.date()),
            "last": str(result.market.end.date()),
            "staleness": result.market.staleness,
        },
        "signal": None
        if result.signal is None
        else {
            "coverage": _clean(result.strategy.metrics.get("signal_coverage", float("nan"))),
            "notes": list(result.signal.notes),
        },
        "engine": result.engine,
        "conventions": "252-day annualisation; Sharpe/Sortino in excess of the 3-month T-bill; "
        "weights decided on close t trade at close t+lag",
    }


def write(result: RunResult, folder: Path, *, plotlyjs: str | bool = "cdn") -> list[Path]:
    """Write daily values, orders, stats and charts into `folder`; return the files written."""
    from report import charts

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    daily = daily_frame(result)
    daily.to_csv(folder / "daily.csv", float_format="%.10g")
    result.strategy.orders.to_csv(folder / "orders.csv", index=False, float_format="%.10g")
    (folder / "stats.json").write_text(json.dumps(stats(result), indent=2))
    files += [folder / "daily.csv", folder / "orders.csv", folder / "stats.json"]
    values = pd.DataFrame({n: p.value for n, p in result.portfolios.items()})
    risk_off = result.signal.risk_off.reindex(values.index) if result.signal is not None else None
    title = f"{result.plan.name} vs benchmarks"
    files.append(
        charts.equity_drawdown_png(values, folder / "equity_drawdown.png", risk_off=risk_off, title=title)
    )
    files.append(
        charts.equity_drawdown_html(
            values, folder / "equity_drawdown.html", risk_off=risk_off, title=title, include_plotlyjs=plotlyjs
        )
    )
    from report import allocation_charts as ac

    s, alloc_title = result.strategy, f"{result.plan.name}: realised and target weights"
    files.append(ac.allocation_png(s.weights, s.targets, folder / "allocation.png", risk_off=risk_off,
                                   title=alloc_title))  # fmt: skip
    files.append(ac.allocation_html(s.weights, s.targets, folder / "allocation.html", risk_off=risk_off,
                                    title=alloc_title, include_plotlyjs=plotlyjs))  # fmt: skip
    if result.signal is not None:
        files += event_study.write(
            event_study_of(result), folder, title=f"{result.plan.name}: event study", plotlyjs=plotlyjs
        )
        cols = signal_columns(result)
        mkt = result.market.frame.loc[values.index, cols]
        score = result.signal.score.reindex(values.index) if result.signal.score is not None else None
        kw = {"score": score, "title": f"{result.plan.name}: risk-off episodes over {' and '.join(cols)}"}
        files.append(charts.signal_png(mkt, risk_off, folder / "signal.png", **kw))
        files.append(
            charts.signal_html(mkt, risk_off, folder / "signal.html", include_plotlyjs=plotlyjs, **kw)
        )
    return files
