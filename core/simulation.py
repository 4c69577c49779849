"""The pure core of a run: market data and a plan in, portfolios and metrics out (no I/O)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from analysis.event_study import EventStudy, study
from analysis.verdict import Comparison, compare_each, scorecard
from backtest import metrics as M
from backtest.engine import INIT_CASH, simulate
from common.errors import ConfigError, DataError
from core.plan import Plan, check_windows
from market.frame import tbill_price
from market.types import MarketData
from signals.base import SignalOutput, first_decision
from strategies.allocation import regime
from strategies.rebalance import schedule

STRATEGY = "strategy"
#: The sleeves every portfolio holds a column of (equity, bonds and the T-bill cash).
CORE_SLEEVES = ("equity", "bonds", "cash")


@dataclass(frozen=True)
class PortfolioResult:
    """One simulated portfolio over the evaluation window.

    Attributes:
        name: ``strategy`` or a benchmark's name.
        value: Value at each close of the evaluation window (first day = first execution day).
        returns: Daily simple returns (the first from the initial capital).
        weights: Realised end-of-day weights by sleeve.
        targets: Executed target weights (NaN on days without a rebalance).
        orders: The order list.
        metrics: Performance and trading metrics.
    """

    name: str
    value: pd.Series
    returns: pd.Series
    weights: pd.DataFrame
    targets: pd.DataFrame
    orders: pd.DataFrame
    metrics: dict[str, float]


@dataclass(frozen=True)
class RunResult:
    """Everything a backtest produced.

    Attributes:
        engines: Portfolio name -> the vectorbt engine its simulation actually ran on (``rust``, or
            ``numba`` with the reason when ``auto`` fell back: `backtest.engine.on_engine`).
    """

    plan: Plan
    market: MarketData
    prices: pd.DataFrame
    signal: SignalOutput | None
    portfolios: dict[str, PortfolioResult]
    engines: dict[str, str]
    notes: tuple[str, ...] = field(default_factory=tuple)
    inputs: Inputs | None = field(default=None, repr=False, compare=False)  # what was simulated

    @property
    def strategy(self) -> PortfolioResult:
        """The strategy's portfolio."""
        return self.portfolios[STRATEGY]

    @property
    def engine(self) -> str:
        """The engine every simulation ran on, or ``<portfolio>: <engine>`` pairs when they differ."""
        distinct = set(self.engines.values())
        if len(distinct) == 1:
            return distinct.pop()
        return ", ".join(f"{name}: {eng}" for name, eng in self.engines.items())

    @property
    def first_decision(self) -> pd.Timestamp | None:
        """The first evaluated day on which the signal could decide (None: no signal, or never)."""
        if self.signal is None:
            return None
        return first_decision(self.signal.covered.reindex(self.strategy.value.index, fill_value=False))

    @functools.cached_property
    def event_study(self) -> EventStudy | None:
        """The signal's event study on the equity sleeve over the backtest window (None without a signal).

        Computed once per run (its p-values draw random placements): the charts drawn during the
        simulation, the metrics, stats.json and the terminal share it (`Inputs.event_study`).
        """
        if self.inputs is not None:
            return self.inputs.event_study
        return None if self.signal is None else study(self.signal.risk_off, self.prices["equity"])

    @property
    def cash_returns(self) -> pd.Series:
        """What cash (the T-bill) earned on each day of the evaluation window."""
        return self.prices["cash"].pct_change().reindex(self.strategy.returns.index)

    @functools.cached_property
    def verdicts(self) -> dict[str, Comparison]:
        """The strategy against each benchmark of ``verdict`` on the same days, the primary first.

        Computed once, on first use (`analysis.verdict.compare`, a block bootstrap: about 0.3 s a
        benchmark). A window too short for the bootstrap's blocks has no verdict (an empty dict).
        """
        returns = {name: p.returns for name, p in self.portfolios.items()}
        return compare_each(
            self.strategy.returns, returns, self.cash_returns, self.plan.verdict, self.plan.verdict_settings
        )

    @functools.cached_property
    def episodes(self) -> pd.DataFrame | None:
        """The episode scorecard against the primary benchmark (`analysis.verdict.scorecard`).

        None without a signal or a benchmark. Costs: the strategy's fees and slippage on the orders
        from the day after the onset to `lag` days after the episode's last day (its way in and out),
        as a fraction of its value at the onset's close.
        """
        ev = self.event_study
        bench = next(iter(self.plan.verdict), None)
        if ev is None or bench not in self.portfolios:
            return None
        s = self.strategy
        days = self.prices.index
        orders = s.orders
        costs = []
        for start, end in zip(ev.episodes["start"], ev.episodes["end"], strict=True):
            last = days[min(days.get_loc(end) + self.plan.lag, len(days) - 1)]
            sub = orders[(orders["date"] > start) & (orders["date"] <= last)]
            paid = M.trading(sub, s.value, len(s.value))["costs_total"] * INIT_CASH
            costs.append(paid / float(s.value.asof(start)) if start >= s.value.index[0] else paid / INIT_CASH)
        return scorecard(ev.episodes, s.returns, self.portfolios[bench].returns, costs, benchmark_name=bench)


def sleeve_prices(frame: pd.DataFrame, sleeves: dict[str, str]) -> pd.DataFrame:
    """Price series per sleeve; ``cash`` is the synthetic T-bill index built from its rate column.

    The rate column is `frame`'s, already carried at most ``data.max_ffill_days`` rows by
    `market.frame.prepare`; the T-bill index fills nothing more, so a longer gap in the rate leaves
    the cash sleeve without a price there and `window` refuses it as it refuses any sleeve's gap.

    Raises:
        DataError: A sleeve mapped to a column the data does not have.
    """
    cols = {}
    for sleeve, col in sleeves.items():
        if col not in frame.columns:
            raise DataError(
                f"sleeve `{sleeve}` is mapped to `{col}`, which the data does not have "
                f"(it has: {', '.join(map(str, frame.columns))}).",
                key=f"data.sleeves.{sleeve}",
                hint="map the sleeve to one of the data's columns.",
            )
        cols[sleeve] = tbill_price(frame[col]) if sleeve == "cash" else frame[col]
    return pd.DataFrame(cols)


def window(
    prices: pd.DataFrame, start: str | None, end: str | None, ends: pd.Timestamp | None = None
) -> pd.DatetimeIndex:
    """The backtest dates: where every sleeve has a price, cut to [start, end].

    `ends` is the last day every sleeve's series had its own print: a window never runs on into the
    forward-filled tail of a series that has ended.

    Raises:
        ConfigError: The requested range does not overlap the data.
        DataError: A sleeve has a gap inside the window longer than the forward-fill bound.
    """
    valid = prices.notna().all(axis=1)
    if not valid.any():
        raise DataError("no day on which every sleeve has a price.", key="data.sleeves")
    first, last = valid.idxmax(), valid[::-1].idxmax()
    if ends is not None:
        last = min(last, ends)
    lo = max(first, pd.Timestamp(start)) if start else first
    hi = min(last, pd.Timestamp(end)) if end else last
    span = f"the sleeves' prices run from {first.date()} to {last.date()}"
    if start and pd.Timestamp(start) > last:
        raise ConfigError(f"{start} is after the end of the data: {span}.", key="data.start")
    if end and pd.Timestamp(end) < first:
        raise ConfigError(f"{end} is before the start of the data: {span}.", key="data.end")
    idx = prices.loc[lo:hi].index
    if len(idx) < 3:
        raise ConfigError(f"[{start}, {end}] leaves {len(idx)} trading days: {span}.", key="data.start")
    gaps = prices.loc[idx].isna().any()
    if gaps.any():
        col = gaps.idxmax()
        day = prices.loc[idx, col].isna().idxmax()
        raise DataError(
            f"sleeve `{col}` has no price on {day.date()}, inside the backtest window.",
            key="data.max_ffill_days",
            hint="raise data.max_ffill_days, or move data.start past the gap.",
        )
    return idx


def run_portfolio(
    name: str,
    prices: pd.DataFrame,
    decisions: pd.DataFrame,
    plan: Plan,
    state: pd.Series | None = None,
) -> tuple[PortfolioResult, str]:
    """Simulate one portfolio and compute its metrics over the evaluation window."""
    sim = simulate(
        prices,
        decisions,
        lag=plan.lag,
        fees_bp=plan.fees_bp,
        slippage_bp=plan.slippage_bp,
        engine=plan.engine,
    )
    ev = prices.index[plan.lag :]
    value = sim.value.loc[ev]
    returns = pd.Series(M.daily_returns(value.to_numpy(), INIT_CASH), index=value.index, name=value.name)
    cash_r = prices["cash"].pct_change().loc[ev].to_numpy()
    metrics = M.performance(value.to_numpy(), cash_r, INIT_CASH) | M.trading(sim.orders, sim.value, len(ev))
    if state is not None:
        metrics |= M.regime(state.loc[ev].to_numpy())
    weights = sim.holdings_value.div(sim.value, axis=0).loc[ev]
    res = PortfolioResult(name, value, returns, weights, sim.targets.loc[ev], sim.orders, metrics)
    return res, f"{sim.engine} ({sim.engine_fallback})" if sim.engine_fallback else sim.engine


@dataclass(frozen=True)
class Inputs:
    """What the simulations need, prepared and checked (every user error surfaces here)."""

    prices: pd.DataFrame
    targets: pd.DataFrame
    signal: SignalOutput | None
    state: pd.Series | None
    benchmark_targets: dict[str, pd.DataFrame] = field(default_factory=dict)
    regime: pd.Series | None = None  # the rule's regime codes (rebalance on change); state if None

    @functools.cached_property
    def event_study(self) -> EventStudy | None:
        """The signal's event study on the equity sleeve over the window (None without a signal).

        It needs only the signal and the prices, so the charts of it can be drawn while the portfolios
        are simulated; the run's result reuses this one (`RunResult.event_study`).
        """
        return None if self.signal is None else study(self.signal.risk_off, self.prices["equity"])


def decide(plan: Plan, market: MarketData) -> tuple[pd.DataFrame, SignalOutput | None, pd.DataFrame]:
    """Sleeve prices, the signal and the daily target weights (overlay applied) on the whole frame.

    The signal reads each series only up to its last print (`signals.base.observed_frame`). The targets
    on day t are decided at its close and traded `plan.lag` closes later.
    """
    prices_all = sleeve_prices(market.frame, plan.sleeves)
    signal = plan.signal(market) if plan.signal is not None else None  # each series cut at its end
    targets_all = plan.allocation(signal, prices_all)
    if plan.overlay is not None:
        targets_all = plan.overlay(targets_all, prices_all)
    return prices_all, signal, targets_all


def prepare_inputs(
    plan: Plan, market: MarketData, *, start: str | None = None, end: str | None = None
) -> Inputs:
    """Sleeve prices, the signal and the daily target weights on the backtest window.

    The signal, the target weights (and the overlay on them) and the benchmarks' targets are computed
    on the whole frame, so lookbacks (the signal's, trailing volatility's) warm up on history before
    `start`.
    """
    check_windows(plan, market.frame.index)
    prices_all, signal, targets_all = decide(plan, market)
    regime_all = regime(plan.allocation, signal, prices_all)
    bench_all = benchmark_targets(plan, prices_all)
    held = [targets_all, *bench_all.values()]
    used = [c for c in prices_all.columns if c in CORE_SLEEVES or any(t[c].abs().sum() > 0 for t in held)]
    sources = [plan.sleeves[s] for s in used if plan.sleeves[s] in market.last_observed]
    ends = min((market.last_observed[c] for c in sources), default=None)
    idx = window(prices_all[used], start, end, ends)
    state = signal.risk_off.reindex(idx, fill_value=False) if signal is not None else None
    benchmarks = {name: t.loc[idx, used] for name, t in bench_all.items()}
    codes = regime_all.reindex(idx, fill_value=0) if regime_all is not None else None
    return Inputs(prices_all.loc[idx, used], targets_all.loc[idx, used], signal, state, benchmarks, codes)


def simulate_all(plan: Plan, market: MarketData, inputs: Inputs) -> RunResult:
    """Run the strategy and its benchmarks on the same dates and costs."""
    prices, state, signal = inputs.prices, inputs.state, inputs.signal
    decisions = schedule(
        inputs.targets,
        calendar=plan.calendar,
        on_regime_change=plan.on_regime_change,
        state=inputs.regime if inputs.regime is not None else state,
        prices=prices,
        drift_band=plan.drift_band,
        min_hold_days=plan.min_hold_days,
        lag=plan.lag,
    )
    portfolios: dict[str, PortfolioResult] = {}
    engines: dict[str, str] = {}
    portfolios[STRATEGY], engines[STRATEGY] = run_portfolio(STRATEGY, prices, decisions, plan, state)
    strat = portfolios[STRATEGY]
    if signal is not None:  # the share of evaluated days on which the signal could decide
        ev = strat.value.index
        strat.metrics["signal_coverage"] = float(signal.covered.reindex(ev, fill_value=False).mean())
    for name, (bench, engine) in run_benchmarks(plan, prices, inputs.benchmark_targets).items():
        portfolios[name], engines[name] = bench, engine
        rel = M.relative(strat.metrics, bench.metrics, strat.returns, bench.returns)
        strat.metrics.update({f"vs_{name}.{k}": v for k, v in rel.items()})
    return RunResult(plan, market, prices, signal, portfolios, engines, inputs=inputs)


def benchmark_targets(plan: Plan, prices_all: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each benchmark's daily target weights on the whole frame (its rule sees no signal)."""
    return {name: rule(None, prices_all) for name, (rule, _) in plan.benchmarks.items()}


def run_benchmarks(
    plan: Plan, prices: pd.DataFrame, targets: dict[str, pd.DataFrame]
) -> dict[str, tuple[PortfolioResult, str]]:
    """Simulate each benchmark on `prices`' days and sleeves at the plan's costs: (portfolio, engine) by name.

    Args:
        plan: The run's plan (its benchmarks, lag and costs: benchmarks pay the strategy's costs).
        prices: Sleeve prices on the evaluation window (`prepare_inputs`).
        targets: Each benchmark's targets (`benchmark_targets`), on the whole frame or the window.
    """
    out = {}
    for name, (_, calendar) in plan.benchmarks.items():
        wanted = targets[name].reindex(columns=prices.columns).loc[prices.index]
        decisions = schedule(wanted, calendar=calendar, on_regime_change=False)
        out[name] = run_portfolio(name, prices, decisions, plan)
    return out


def benchmark_portfolios(
    plan: Plan, market: MarketData, dates: pd.DatetimeIndex
) -> dict[str, PortfolioResult]:
    """The plan's benchmarks (60/40, buy-and-hold, ...) simulated on their own, evaluated on `dates`.

    No signal and no strategy are computed: the benchmarks hold the core sleeves and their own at the
    plan's costs, on the window that ends on `dates`' last day and starts `plan.lag` days before its first
    (the first decision's days, as `prepare_inputs` cuts a single run's window); each equals the single
    run's benchmark whose evaluation days are `dates`.

    Args:
        plan: The run's plan.
        market: The market data.
        dates: The evaluation days (a grid's `Sweep.dates`: the portfolios' value index).
    """
    prices_all = sleeve_prices(market.frame, plan.sleeves)
    targets = benchmark_targets(plan, prices_all)
    held = targets.values()
    used = [c for c in prices_all.columns if c in CORE_SLEEVES or any(t[c].abs().sum() > 0 for t in held)]
    days = prices_all.index
    first, last = days.get_loc(dates[0]), days.get_loc(dates[-1])
    prices = prices_all.iloc[max(first - plan.lag, 0) : last + 1][used]
    return {name: p for name, (p, _) in run_benchmarks(plan, prices, targets).items()}


def backtest(
    plan: Plan, market: MarketData, *, start: str | None = None, end: str | None = None
) -> RunResult:
    """Prepare the inputs and run every portfolio (see `prepare_inputs` and `simulate_all`)."""
    return simulate_all(plan, market, prepare_inputs(plan, market, start=start, end=end))
