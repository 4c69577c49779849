"""Write a run's results to its output folder: the record that tracking later uploads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import event_study
from analysis.verdict import sentence
from backtest.engine import INIT_CASH
from backtest.metrics import METRICS, RELATIVE
from common.errors import ConfigError
from core.plan import Plan
from core.simulation import STRATEGY, RunResult
from market.types import MarketData
from market.vintage import vintage_lines
from report import allocation_charts as ac
from report import charts, event_charts, tearsheet
from report.render import ChartJob, Pending, job, render, start
from signals.base import SignalOutput
from single.summary import stats_frame
from tracking.lineage import git_commit

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
    for name, c in result.verdicts.items():
        out |= {f"verdict.{name}.{k}": v for k, v in c.metrics().items()}
    return out


def verdict_json(result: RunResult) -> dict | None:
    """The verdict for stats.json: the primary benchmark, its sentence, and every comparison's numbers."""
    if not result.verdicts:
        return None
    first = next(iter(result.verdicts.values()))
    return {
        "primary": first.benchmark,
        "sentence": sentence(first.verdict),
        "comparisons": [c.to_json() for c in result.verdicts.values()],
    }


def event_study_of(result: RunResult) -> event_study.EventStudy:
    """The signal's event study on the strategy's equity sleeve over the backtest window."""
    return result.event_study


def signal_columns(plan: Plan, market: MarketData) -> list[str]:
    """Up to two of the signal's own input columns, to plot it over (MOVE and VIX by default)."""
    sig, frame = plan.signal, market.frame
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


def _date(day: pd.Timestamp | None) -> str | None:
    return None if day is None else str(day.date())


def stats(result: RunResult) -> dict:
    """The stats JSON: metrics per portfolio and what the run was made of."""
    s = result.strategy
    return {
        "verdict": verdict_json(result),
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
            "last_observed": {c: str(t.date()) for c, t in result.market.last_observed.items()},
            "vintages": list(result.market.vintages),
            "notes": list(result.market.notes),
        },
        "signal": None
        if result.signal is None
        else {
            "coverage": _clean(result.strategy.metrics.get("signal_coverage", float("nan"))),
            "first_decision": _date(result.first_decision),
            "notes": list(result.signal.notes),
        },
        "event_study": None if result.signal is None else event_study.headline_json(event_study_of(result)),
        "engine": result.engine,
        "engines": result.engines,
        "conventions": "252-day annualisation; Sharpe/Sortino in excess of the 3-month T-bill; "
        "weights decided on close t trade at close t+lag",
    }


def _signal_inputs(
    plan: Plan, market: MarketData, signal: SignalOutput, prices: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """What the signal chart draws on the evaluation days.

    Its input columns and state, and as keywords: score, thresholds, the conditions of its rule, title.
    """
    days = prices.index[plan.lag :]
    risk_off = signal.risk_off.reindex(days)
    cols = signal_columns(plan, market)
    score = signal.score.reindex(days) if signal.score is not None else None
    conditions = signal.conditions.reindex(days) if signal.conditions is not None else None
    title = f"{plan.name}: risk-off episodes over {' and '.join(cols)}"
    kw = {"score": score, "thresholds": signal.thresholds, "conditions": conditions, "title": title}
    return market.frame.loc[days, cols], risk_off, kw


def _portfolio_inputs(result: RunResult) -> tuple[pd.DataFrame, pd.Series | None]:
    """Every portfolio's value, and the risk-off state on those days (None without a signal)."""
    values = pd.DataFrame({n: p.value for n, p in result.portfolios.items()})
    risk_off = result.signal.risk_off.reindex(values.index) if result.signal is not None else None
    return values, risk_off


def figure(result: RunResult, kind: str, *, interactive: bool = False) -> Any:
    """One chart of the run as a figure (matplotlib, or plotly when `interactive`), no file written.

    Args:
        result: The run.
        kind: ``equity``, ``signal``, ``allocation``, ``events`` or ``episodes``.
        interactive: A plotly figure instead of a matplotlib one.

    Raises:
        ConfigError: `kind` needs a signal the run does not have.
    """
    if kind in ("equity", "allocation"):
        values, risk_off = _portfolio_inputs(result)
        if kind == "equity":
            fn = charts.equity_plotly if interactive else charts.equity_mpl
            return fn(values, risk_off=risk_off, title=f"{result.plan.name} vs benchmarks")
        s = result.strategy
        fn = ac.allocation_plotly if interactive else ac.allocation_mpl
        return fn(
            s.weights, s.targets, risk_off=risk_off, title=f"{result.plan.name}: realised and target weights"
        )
    if result.signal is None:
        raise ConfigError(f"strategy `{result.plan.name}` has no signal to plot.", key="kind")
    if kind == "signal":
        mkt, risk_off, kw = _signal_inputs(result.plan, result.market, result.signal, result.prices)
        return (charts.signal_plotly if interactive else charts.signal_mpl)(mkt, risk_off, **kw)
    ev = event_study_of(result)
    title = f"{result.plan.name}: event study"
    if kind == "events":
        return (event_charts.forward_returns_plotly if interactive else event_charts.forward_returns_mpl)(
            ev, title=title
        )
    return (event_charts.episodes_plotly if interactive else event_charts.episodes_mpl)(ev, title=title)


def signal_charts(
    plan: Plan,
    market: MarketData,
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    folder: Path,
    ev: event_study.EventStudy | None,
    *,
    charts_on: bool = True,
) -> Pending:
    """Write the event study's tables and start drawing the charts that need only the signal.

    The event study and the signal over its inputs depend on the signal and the sleeve prices, not on
    the simulation, so they are drawn (in a forked child, where the machine allows) while the
    portfolios are simulated. `write` finishes them. `charts_on` False (``charts.enabled=false``):
    the tables only.
    """
    if signal is None:
        return Pending([])
    folder.mkdir(parents=True, exist_ok=True)
    event_study.write_tables(ev, folder)
    if not charts_on:
        return Pending([])
    mkt, risk_off, kw = _signal_inputs(plan, market, signal, prices)
    jobs = event_charts.jobs(ev, folder, title=f"{plan.name}: event study")
    jobs.append(job(charts.signal_png, folder / "signal.png", mkt, risk_off, **kw))
    return start(jobs)


def headline_cells(result: RunResult) -> pd.DataFrame:
    """The terminal table's numbers (`single.summary.stats_frame`) as text, one row per metric label."""
    stats = stats_frame(result)
    registry = dict(METRICS) | {f"vs.{k}": m for k, m in RELATIVE.items()}
    cells = {registry[str(k)].label: [registry[str(k)].format(v) for v in row] for k, row in stats.iterrows()}
    return pd.DataFrame.from_dict(cells, orient="index", columns=list(stats.columns))


def lineage(result: RunResult, rerun: str | None = None) -> dict[str, str]:
    """Where the run came from, for its tearsheet: data, digest, vintages, window, commit, re-run command."""
    m, s = result.market, result.strategy
    vintages = vintage_lines(m.vintages)
    return {
        "strategy": result.plan.name,
        "data": f"{m.source}, {m.start.date()} to {m.end.date()}",
        "data digest": m.digest,
        "vintage": "; ".join(vintages) if vintages else f"{m.source} (a fixed file, no vintages)",
        "backtest window": f"{s.value.index[0].date()} to {s.value.index[-1].date()} ({len(s.value)} days)",
        "engine": result.engine,
        "git commit": git_commit(),
        "re-run": rerun or "python run.py",
        "conventions": "252-day annualisation; Sharpe in excess of the 3-month T-bill; weights decided on "
        f"close t trade at close t+{result.plan.lag}",
    }


def _pct(x: float) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x * 100:+.2f}%"


def _ci(lo: float, hi: float, pct: bool = True) -> str:
    f = _pct if pct else (lambda x: f"{x:+.2f}")  # noqa: E731
    return f"{f(lo)} to {f(hi)}"


def verdict_table(result: RunResult) -> pd.DataFrame | None:
    """The numbers behind each verdict, formatted for the tearsheet: one row per benchmark."""
    if not result.verdicts:
        return None
    rows = {}
    for c in result.verdicts.values():
        v, lo_hi = c.verdict, c.verdict.ci or (math.nan, math.nan)
        rows[v.label] = {
            "Sharpe difference": f"{v.estimate:+.2f}",
            f"{1 - v.level:.0%} interval": _ci(*lo_hi, pct=False),
            "p (one-sided)": f"{v.p_value:.3f}",
            "CAGR difference": _pct(c.cagr.estimate),
            "CAGR interval": _ci(c.cagr.lo, c.cagr.hi),
            "max-drawdown reduction": _pct(c.max_drawdown.estimate),
            "max-drawdown interval": _ci(c.max_drawdown.lo, c.max_drawdown.hi),
            "information ratio": f"{c.information_ratio:+.2f}",
            "PSR of active returns": f"{c.psr:.2f}",
            "block (days)": str(c.block),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def episodes_table(episodes: pd.DataFrame, label: str) -> pd.DataFrame:
    """The episode scorecard (`RunResult.episodes`), formatted for the tearsheet."""
    day = lambda s: s.dt.strftime("%Y-%m-%d")  # noqa: E731
    out = pd.DataFrame(
        {
            "start": day(episodes["start"]),
            "end": day(episodes["end"]) + np.where(episodes["ongoing"], " (ongoing)", ""),
            "trading days": episodes["days"].astype(str),
            "equity during": episodes["ret_during"].map(_pct),
            f"minus {label}, during": episodes["active_during"].map(_pct),
            f"minus {label}, 20 days after": episodes["active_20d_after"].map(_pct),
            f"minus {label}, 60 days after": episodes["active_60d_after"].map(_pct),
            "costs paid (bp)": episodes["costs"].map(lambda x: f"{x * 1e4:.1f}"),
        }
    )
    out.index = pd.RangeIndex(1, len(out) + 1, name="#")
    return out


def tearsheet_of(result: RunResult, rerun: str | None = None) -> tearsheet.Tearsheet:
    """The run's tearsheet (`report.tearsheet.Tearsheet`): its numbers, figures' inputs and lineage."""
    values, risk_off = _portfolio_inputs(result)
    returns = pd.DataFrame({n: p.returns for n, p in result.portfolios.items()})
    panel = None
    if result.signal is not None:
        mkt, state, kw = _signal_inputs(result.plan, result.market, result.signal, result.prices)
        kw.pop("title")
        panel = tearsheet.SignalPanel(mkt, state, **kw)
    s = result.strategy
    primary = next(iter(result.verdicts.values()), None)
    label = primary.verdict.label if primary is not None else ""
    active = None
    if primary is not None:
        active = (s.value - result.portfolios[primary.benchmark].value) / INIT_CASH
    eps = result.episodes
    return tearsheet.Tearsheet(
        name=result.plan.name,
        headline=headline_cells(result),
        values=values,
        returns=returns,
        cash_returns=result.prices["cash"].pct_change().reindex(values.index),
        initial=INIT_CASH,
        weights=s.weights,
        targets=s.targets,
        risk_off=risk_off,
        signal=panel,
        event_study=result.event_study,
        lineage=lineage(result, rerun),
        verdict=tuple((sentence(c.verdict), c.verdict.outcome) for c in result.verdicts.values()),
        verdict_table=verdict_table(result),
        active=active,
        active_label=label,
        episodes=None if eps is None or eps.empty else episodes_table(eps, label),
    )


def portfolio_charts(
    result: RunResult, folder: Path, plotlyjs: str, rerun: str | None = None, tree: Path | None = None
) -> list[ChartJob]:
    """The equity/drawdown and allocation PNGs and the tearsheet (HTML and PNG), as `report.render` jobs.

    `tree`: where ``plotlyjs=shared`` writes plotly.js (`report.tearsheet.html_file`): the top of the
    output tree, default the run's folder (`folder`'s parent).
    """
    values, risk_off = _portfolio_inputs(result)
    eq = {"risk_off": risk_off, "title": f"{result.plan.name} vs benchmarks"}
    s = result.strategy
    alloc = {"risk_off": risk_off, "title": f"{result.plan.name}: realised and target weights"}
    sheet = tearsheet_of(result, rerun)
    return [
        job(charts.equity_drawdown_png, folder / "equity_drawdown.png", values, **eq),
        job(ac.allocation_png, folder / "allocation.png", s.weights, s.targets, **alloc),
        job(
            tearsheet.html_file,
            folder / "report.html",
            sheet,
            plotlyjs=plotlyjs,
            tree=tree if tree is not None else folder.parent,
        ),
        job(tearsheet.png_file, folder / "report.png", sheet),
    ]


def write(
    result: RunResult,
    folder: Path,
    *,
    plotlyjs: str = "inline",
    started: Pending | None = None,
    rerun: str | None = None,
    charts_on: bool = True,
    tree: Path | None = None,
) -> list[Path]:
    """Write daily values, orders, stats, the charts and the tearsheet into `folder`; return the files.

    Args:
        result: The run.
        folder: The results folder.
        plotlyjs: How ``report.html`` includes plotly.js: ``inline`` (once, works offline), ``cdn``, or
            ``shared`` (one copy in `tree`, linked by a relative URL).
        started: The signal's charts if `signal_charts` already started them; else they are made here.
        rerun: The command that re-runs the run, for the tearsheet's lineage.
        charts_on: False (``charts.enabled=false``): no figure, no tearsheet; the tables and stats only.
        tree: The top of the output tree (a sweep's folder), for ``shared``: default `folder`'s parent.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if started is None:
        started = signal_charts(
            result.plan,
            result.market,
            result.signal,
            result.prices,
            folder,
            result.event_study,
            charts_on=charts_on,
        )
    daily = daily_frame(result)
    # full precision: pandas writes each float's shortest round-trip repr, so a re-read is exact
    daily.to_csv(folder / "daily.csv")
    result.strategy.orders.to_csv(folder / "orders.csv", index=False)
    (folder / "stats.json").write_text(json.dumps(stats(result), indent=2))
    files = [folder / "daily.csv", folder / "orders.csv", folder / "stats.json"]
    if result.episodes is not None:  # the event study's episodes.csv, with the scorecard's columns
        result.episodes.to_csv(
            folder / "episodes.csv", index=False, float_format="%.10g", date_format="%Y-%m-%d"
        )
    if result.signal is not None:
        files += [folder / "event_study.csv", folder / "event_study.json", folder / "episodes.csv"]
    drawn = render(portfolio_charts(result, folder, plotlyjs, rerun, tree)) if charts_on else []
    return files + drawn + started.finish()
