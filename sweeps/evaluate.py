"""The pure core of grid mode: configurations in, one vectorized simulation, metrics for all out.

For a batch of configurations: each configuration's signal is computed with the signal's own pure
function (once per distinct set of signal parameters), its target weights with the allocation rule
(once per distinct signal output and allocation parameters), its rebalance days with the schedule
rules; identical order schedules are simulated once; then one vectorbt call simulates every distinct
portfolio, one group per configuration (`backtest.engine.simulate_grid`). The numbers equal those of
single runs (`core.simulation.backtest`) configuration by configuration.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from backtest import metrics as M
from backtest.engine import INIT_CASH, Decisions, check_costs, simulate_grid
from common.errors import ConfigError
from core.plan import Plan
from core.simulation import CORE_SLEEVES, benchmark_targets, run_benchmarks, sleeve_prices, window
from market.types import MarketData
from signals.base import SignalOutput, observed_frame, params_of
from strategies.allocation import regime
from strategies.allocation import validate as validate_allocation
from strategies.rebalance import CALENDARS, calendar_days, check_rebalance, gate
from sweeps import kernels
from sweeps.grid import key_of

#: A signal's output: its own, or a kernel's column of many (read the same way).
Signal = SignalOutput | kernels.KernelOutput


def config_plan(plan: Plan, config: Mapping[str, Any]) -> Plan:
    """The base plan with one configuration's values applied, validated as `make_plan` validates.

    Args:
        plan: The plan built from the base config.
        config: Config path -> value, for the paths the grid varies.

    Raises:
        ConfigError: A value the signal, allocation, calendar or cost checks refuse.
    """
    sig, alloc, over, changes = {}, {}, {}, {}
    for path, value in config.items():
        group, _, name = path.rpartition(".")
        if group == "strategy.signal":
            sig[name] = value
        elif group == "strategy.allocation":
            alloc[name] = value
        elif group == "strategy.overlay":
            over[name] = value
        elif path == "strategy.rebalance.calendar":
            if value not in CALENDARS:
                raise ConfigError(f"unknown calendar `{value}`.", key=f"grid.params.{path}")
            changes["calendar"] = str(value)
        elif path == "strategy.rebalance.on_regime_change":
            changes["on_regime_change"] = bool(value)
        elif group == "strategy.rebalance":  # drift_band, min_hold_days
            changes[name] = value
        else:  # backtest.fees_bp, backtest.slippage_bp: basis points, or sleeve -> basis points
            changes[name] = value
    if sig:
        if plan.signal is None:
            raise ConfigError("the strategy has no signal to vary.", key="grid.params.strategy.signal")
        signal = functools.partial(plan.signal.func, **{**plan.signal.keywords, **sig})
        signal.func.validate(**signal.keywords)
        changes["signal"] = signal
    if alloc:
        allocation = functools.partial(plan.allocation.func, **{**plan.allocation.keywords, **alloc})
        params_of(allocation.func, allocation.keywords, key="strategy.allocation")
        validate_allocation(allocation.func, allocation.keywords)
        changes["allocation"] = allocation
    if over:
        if plan.overlay is None:
            raise ConfigError("the strategy has no overlay to vary.", key="grid.params.strategy.overlay")
        overlay = functools.partial(plan.overlay.func, **{**plan.overlay.keywords, **over})
        params_of(overlay.func, overlay.keywords, key="strategy.overlay")
        changes["overlay"] = overlay
    out = dataclasses.replace(plan, **changes)
    check_costs(lag=out.lag, fees_bp=out.fees_bp, slippage_bp=out.slippage_bp)
    check_rebalance(out.drift_band, out.min_hold_days)
    return out


@dataclass(frozen=True)
class Batch:
    """Metrics and daily returns of a batch of configurations.

    Attributes:
        table: One row per configuration (index ``config``, its id in the grid): metrics.
        returns: Daily simple returns, evaluation days × configurations (columns in table order),
            column-major: each configuration's days contiguous, as the metrics reduce them (their
            rows without a transpose) and as the results folder writes them (a column without a copy).
        dates: The evaluation days.
        cash_returns: Daily T-bill returns on those days.
        n_simulated: Distinct portfolios actually simulated (after removing identical schedules).
        engine: The vectorbt engine used.
    """

    table: pd.DataFrame
    returns: np.ndarray
    dates: pd.DatetimeIndex
    cash_returns: np.ndarray
    n_simulated: int
    engine: str


@dataclass(frozen=True)
class Prepared:
    """A batch's decisions, ready to simulate (`Evaluator.prepare`).

    Attributes:
        run: ``run(out=None)`` (a keyword) simulates and measures the batch: its `Batch`, its daily returns
            written into `out` if given and of their shape (see `Evaluator.evaluate`). Most of its
            time is vectorbt's Rust simulation and numpy's passes over whole arrays, which release
            the GIL.
        n_days: The evaluation days: the rows of its daily returns.
    """

    run: Callable[..., Batch]
    n_days: int


class Targets:
    """A configuration's daily target weights over the frame's rows (sleeve columns `cols`).

    Either a full array from the allocation rule itself, or, for row-wise rules with a kernel, the
    risk-on/risk-off vectors and the state, expanded only on the rows asked for.
    """

    def __init__(
        self,
        cols: list[str],
        *,
        full: np.ndarray | None = None,
        state: np.ndarray | None = None,
        on: np.ndarray | None = None,
        off: np.ndarray | None = None,
        also: frozenset[str] = frozenset(),
    ) -> None:
        self.full, self.state, self.on, self.off = full, state, on, off
        if full is not None:
            held = np.abs(full).sum(axis=0) > 0
        else:
            held = ((on != 0) & (not state.all())) | ((off != 0) & state.any())
        self.used = tuple(c for c, h in zip(cols, held, strict=True) if c in CORE_SLEEVES or h or c in also)

    def on_rows(self, rows: np.ndarray, take: list[int]) -> np.ndarray:
        """Targets on `rows` (positions in the frame) for the sleeve columns `take`."""
        if self.full is not None:
            return self.full[np.ix_(rows, take)]
        return np.where(self.state[rows][:, None], self.off[take][None, :], self.on[take][None, :])


def _on_index(flags: pd.Series, index: pd.Index) -> np.ndarray:
    """A boolean series on `index` (False where it has no value) as numpy; no copy when already on it."""
    if flags.index.equals(index):
        return flags.to_numpy(dtype=bool)
    return flags.reindex(index, fill_value=False).to_numpy(dtype=bool)


def _flags_on(signal: Signal, which: str, index: pd.Index) -> np.ndarray:
    """The signal's ``risk_off`` or ``covered`` flags on `index` (`_on_index`); a kernel's column as it is."""
    if isinstance(signal, kernels.KernelOutput) and signal.index.equals(index):
        return signal.state if which == "risk_off" else signal.covered_values
    return _on_index(getattr(signal, which), index)


def _switch_decisions(
    decisions: np.ndarray, states: np.ndarray, switching: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> np.ndarray | Decisions:
    """`decisions` with the columns of row-wise rules filled: NaN off the rebalance days, else `on_rows`.

    `switching` maps a configuration's column to its rebalance days and its risk-on and risk-off
    vectors; the target is the risk-off vector where the state is on. Codes into a table of
    (risk-on, risk-off, NaN) per configuration (`backtest.engine.Decisions`) when every column
    switches, else that table gathered into the dense array's columns.
    """
    cols = np.fromiter(switching, dtype=np.intp, count=len(switching))
    days, on, off = zip(*switching.values(), strict=True)
    table = np.stack([np.stack(on), np.stack(off), np.full((len(cols), decisions.shape[2]), np.nan)])
    # 0 on, 1 off, 2 none: one byte a cell
    code = np.where(np.stack(days, axis=1), states[:, cols].view(np.uint8), np.uint8(2))
    coded = Decisions(code, table)
    if len(cols) == decisions.shape[1]:  # every configuration (cols are in order): the codes
        return coded
    decisions[:, cols, :] = coded.on(np.broadcast_to(np.arange(len(code))[:, None], code.shape))
    return decisions


def _columns(decisions: np.ndarray | Decisions, cols: list[int]) -> np.ndarray | Decisions:
    """The decisions of configurations `cols` (no copy when that is all of them, in order)."""
    if cols == list(range(decisions.shape[1])):
        return decisions
    return decisions.columns(cols) if isinstance(decisions, Decisions) else decisions[:, cols, :]


class Evaluator:
    """Evaluates batches of configurations of one base plan on one market frame.

    Caches what the configurations of a batch share (signal outputs, target weights, states) for the
    batch only, so memory stays bounded by the batch size; windows and calendar days for its lifetime.
    Results do not depend on how configurations are batched.
    """

    def __init__(self, market: MarketData, *, start: str | None = None, end: str | None = None) -> None:
        self.market = market
        self.start, self.end = start, end
        self.notes: list[str] = []
        self._prices: pd.DataFrame | None = None
        self._sleeves: list[str] = []  # the prices' columns
        self._signals: dict[str, Signal | None] = {}
        self._targets: dict[tuple[str, str], tuple[Targets, str | None]] = {}
        self._windows: dict[tuple[str, ...], pd.DatetimeIndex] = {}
        self._calendars: dict[tuple[str, int], np.ndarray] = {}
        self._cut: dict[tuple[str, int], tuple[np.ndarray, float]] = {}
        self._regimes: dict[tuple, np.ndarray] = {}
        self._bench_sleeves: frozenset[str] | None = None
        self._bench: dict[tuple, dict[str, tuple[np.ndarray, dict]]] = {}
        self._frame: pd.DataFrame | None = None  # the signals' view of the market (`observed_frame`)
        self._kernel_memo: dict = {}  # a signal kernel's per-column pieces on that frame
        self._verified: set = set()  # signals whose kernel agreed with them on a batch of this evaluator

    def _prices_of(self, plan: Plan) -> pd.DataFrame:
        if self._prices is None:
            self._prices = sleeve_prices(self.market.frame, plan.sleeves)
            self._sleeves = list(self._prices.columns)
        return self._prices

    @staticmethod
    def _signal_key(plan: Plan) -> str:
        return "none" if plan.signal is None else key_of(plan.signal.keywords)

    def _compute_signals(self, plans: Sequence[Plan], skeys: Sequence[str]) -> None:
        """Compute the signals not cached yet: with a vectorized kernel where one applies, else one by one.

        `skeys` are the plans' `_signal_key`s.
        """
        todo: dict[str, Plan] = {}
        for plan, key in zip(plans, skeys, strict=True):
            if key not in self._signals and key not in todo:
                todo[key] = plan
        if not todo:
            return
        some = next(iter(todo.values()))
        if some.signal is None:
            self._signals["none"] = None
            return
        if self._frame is None:
            self._frame = observed_frame(self.market)  # as `plan.signal(market)` reads it
        fn, frame = some.signal.func, self._frame
        params = [params_of(fn, p.signal.keywords) for p in todo.values()]
        # checked against the signal itself on this evaluator's first batch: the same code after it
        outs = kernels.checked(fn, frame, params, memo=self._kernel_memo, verify=fn not in self._verified)
        if outs is not None:
            self._verified.add(fn)
        else:
            if fn in kernels.SIGNAL_KERNELS:
                self.notes.append(
                    f"the vectorized kernel of `{fn.__name__}` disagreed with it; computed one by one"
                )
            outs = [p.signal(frame) for p in todo.values()]
        self._signals.update(zip(todo, outs, strict=True))

    def _targets_of(
        self, plan: Plan, skey: str, signal: Signal | None, akey: str
    ) -> tuple[Targets, str | None]:
        """The configuration's target weights, and a digest of them (None for rules with a kernel).

        Rules with a kernel are told apart by their parameters (`akey`: their `key_of`) and the
        signal's state (see `evaluate`).
        """
        overlay = None if plan.overlay is None else key_of(plan.overlay.keywords)
        key = (skey, akey, overlay)
        if key not in self._targets:
            prices = self._prices_of(plan)
            cols = self._sleeves
            also = self._benchmark_sleeves(plan)
            state = np.zeros(len(prices), dtype=bool)
            if signal is not None:
                state = self._full_state(skey, signal, prices.index)
            params = params_of(plan.allocation.func, plan.allocation.keywords, key="strategy.allocation")
            vectors = None
            if plan.overlay is None:
                vectors = kernels.allocation_weights(
                    plan.allocation.func, params, cols, has_signal=signal is not None
                )
            if vectors is not None:
                targets = Targets(cols, state=state, on=vectors[0], off=vectors[1], also=also)
                self._targets[key] = (targets, None)
            else:
                frame = plan.allocation(signal, prices)
                if plan.overlay is not None:
                    frame = plan.overlay(frame, prices)
                full = frame.reindex(columns=cols).to_numpy(dtype=float)
                digest = hashlib.blake2b(np.ascontiguousarray(full).tobytes()).hexdigest()
                self._targets[key] = (Targets(cols, full=full, also=also), digest)
        return self._targets[key]

    def _benchmark_sleeves(self, plan: Plan) -> frozenset[str]:
        """Sleeves the benchmarks hold: they widen every run's window as in `prepare_inputs`."""
        if self._bench_sleeves is None:
            prices = self._prices_of(plan)
            held = set()
            for rule, _ in plan.benchmarks.values():
                t = rule(None, prices)
                held |= {c for c in prices.columns if c in t.columns and t[c].abs().sum() > 0}
            self._bench_sleeves = frozenset(held)
        return self._bench_sleeves

    def _benchmark_returns(self, plan: Plan, prices: pd.DataFrame) -> dict[str, tuple[np.ndarray, dict]]:
        """Each benchmark's daily returns and metrics on the batch's days and the plan's costs (cached)."""
        key = (key_of(plan.fees_bp), key_of(plan.slippage_bp), len(prices), tuple(prices.columns))
        if key not in self._bench:
            targets = benchmark_targets(plan, self._prices_of(plan))
            ran = run_benchmarks(plan, prices, targets)
            self._bench[key] = {name: (res.returns.to_numpy(), res.metrics) for name, (res, _) in ran.items()}
        return self._bench[key]

    def _full_state(self, skey: str, signal: Signal, index: pd.Index) -> np.ndarray:
        key = (skey, -1)
        if key not in self._cut:
            self._cut[key] = (_flags_on(signal, "risk_off", index), 1.0, "")
        return self._cut[key][0]

    def _window(self, plan: Plan, used: tuple[str, ...]) -> pd.DatetimeIndex:
        if used not in self._windows:
            last = self.market.last_observed
            sources = [plan.sleeves[s] for s in used if plan.sleeves[s] in last]
            ends = min((last[c] for c in sources), default=None)
            self._windows[used] = window(self._prices_of(plan)[list(used)], self.start, self.end, ends)
        return self._windows[used]

    def _calendar(self, idx: pd.DatetimeIndex, calendar: str) -> np.ndarray:
        key = (calendar, len(idx))
        if key not in self._calendars:
            self._calendars[key] = calendar_days(idx, calendar).to_numpy()
        return self._calendars[key]

    def _state_on(
        self, skey: str, signal: Signal, rows: np.ndarray, lag: int
    ) -> tuple[np.ndarray, float, str]:
        """The risk-off state on the window's rows, the signal's coverage and a digest of the state.

        Coverage is over the evaluated rows (from the `lag`-th), as in `core.simulation.simulate_all`.
        """
        key = (skey, len(rows))
        if key not in self._cut:
            full = self._full_state(skey, signal, self.market.frame.index)
            covered = _flags_on(signal, "covered", self.market.frame.index)
            state = full[rows]
            digest = hashlib.blake2b(state.tobytes()).hexdigest()
            self._cut[key] = (state, float(covered[rows][lag:].mean()), digest)
        return self._cut[key]

    def _regime_on(
        self, plan: Plan, skey: str, signal: Signal, rows: np.ndarray, state: np.ndarray
    ) -> np.ndarray:
        """The rule's regime codes on the window's rows (`strategies.allocation.regime`).

        The risk-off state itself for every rule but one that declares regimes of its own (the
        hedge-aware one: bonds no hedge, depending on its correlation parameters).
        """
        if not plan.allocation.func.own_regime:
            return state
        key = (skey, key_of(plan.allocation.keywords), len(rows))
        if key not in self._regimes:
            codes = regime(plan.allocation, signal, self._prices_of(plan)).to_numpy()
            self._regimes[key] = codes[rows]
        return self._regimes[key]

    def evaluate(self, plans: Sequence[Plan], ids: Sequence[int], *, out: np.ndarray | None = None) -> Batch:
        """Simulate and measure `plans` (one per configuration id) in one vectorized pass.

        `out`: where to write the batch's daily returns (evaluation days × configurations, the
        grid's slice of all its returns, so that they are not copied there afterwards); None: a
        new array (also when its shape is not the batch's).

        Raises:
            ConfigError: Configurations whose sleeves give them different backtest windows.
        """
        return self.prepare(plans, ids).run(out=out)

    def prepare(self, plans: Sequence[Plan], ids: Sequence[int]) -> Prepared:
        """`evaluate`'s first step: the batch's decisions; `Prepared.run` simulates and measures them.

        Every cache of this evaluator is read and filled here, the benchmarks' returns included, so
        that `Prepared.run` writes to none: runs of different batches can go on threads side by
        side while the next batch is prepared (`sweeps.run.threaded_batches`).

        Raises:
            ConfigError: Configurations whose sleeves give them different backtest windows.
        """
        skeys = [self._signal_key(plan) for plan in plans]
        akeys = [key_of(plan.allocation.keywords) for plan in plans]
        self._compute_signals(plans, skeys)
        prepared = []
        for plan, skey, akey in zip(plans, skeys, akeys, strict=True):
            signal = self._signals[skey]
            targets, digest = self._targets_of(plan, skey, signal, akey)
            used = targets.used
            prepared.append((plan, skey, signal, (targets, digest), used, self._window(plan, used)))
        idx = prepared[0][5]
        for _, _, _, _, used, other in prepared:
            if not other.equals(idx):
                raise ConfigError(
                    f"configurations hold different sleeves ({', '.join(prepared[0][4])} vs "
                    f"{', '.join(used)}), "
                    f"so their backtest windows differ ({idx[0].date()} vs {other[0].date()} on).",
                    key="data.start",
                    hint=f"set data.start={max(idx[0], other[0]).date()} (and data.end) so that every "
                    "configuration runs on the same dates, or sweep the weight sets with multirun.",
                )
        all_prices = self._prices_of(plans[0])
        cols = list(all_prices.columns)
        sleeves = [c for c in cols if any(c in p[4] for p in prepared)]
        rows = all_prices.index.get_indexer(idx)
        take = [cols.index(c) for c in sleeves]
        prices = all_prices.loc[idx, sleeves]
        decisions = np.empty((len(idx), len(plans), len(sleeves)))
        states = np.zeros((len(idx), len(plans)), dtype=bool)
        coverage = np.ones(len(plans))
        keys = []
        switching: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # j -> days, on, off
        flips: dict[tuple, np.ndarray] = {}  # rebalance days by signal, calendar and regime rule
        for j, (plan, skey, signal, (targets, digest), _, _) in enumerate(prepared):
            days = self._calendar(idx, plan.calendar)
            sdigest = ""
            if signal is not None:
                state, coverage[j], sdigest = self._state_on(skey, signal, rows, plan.lag)
                states[:, j] = state
                if plan.on_regime_change:  # the calendar's days and the regime's changes
                    rule = plan.allocation.func.own_regime and key_of(plan.allocation.keywords)
                    fkey = (skey, plan.calendar, rule)
                    if fkey not in flips:
                        codes = self._regime_on(plan, skey, signal, rows, state)
                        flips[fkey] = days | np.r_[False, codes[1:] != codes[:-1]]
                    days = flips[fkey]
            gated = plan.drift_band > 0 or plan.min_hold_days > 1
            if targets.full is None and not gated:  # on/off vectors by the state: all at once, below
                switching[j] = (days, targets.on[take], targets.off[take])
            else:
                tw = targets.on_rows(rows, take)
                if gated:  # path-dependent gates, as `schedule` applies them
                    px = prices.to_numpy()
                    days = gate(
                        days,
                        tw,
                        px,
                        drift_band=plan.drift_band,
                        min_hold_days=plan.min_hold_days,
                        lag=plan.lag,
                    )
                decisions[:, j, :] = np.where(days[:, None], tw, np.nan)
            # what determines the orders: targets (digest, or state + rule parameters), schedule, costs
            what = digest or akeys[j]
            gates = (plan.drift_band, plan.min_hold_days)
            costs = (key_of(plan.fees_bp), key_of(plan.slippage_bp))
            keys.append((what, sdigest, plan.calendar, plan.on_regime_change, gates, costs))
        if switching:
            decisions = _switch_decisions(decisions, states, switching)
        has_signal = prepared[0][2] is not None
        del prepared
        self._signals.clear()  # per-batch caches: a 10,000-configuration grid would otherwise hold
        self._targets.clear()  # every configuration's full-history target weights (~3 GB)
        self._cut.clear()
        self._regimes.clear()
        for p in {(key_of(p.fees_bp), key_of(p.slippage_bp)): p for p in plans}.values():
            self._benchmark_returns(p, prices)  # cached here: `_relative` only reads them
        run = functools.partial(
            self._simulate, plans, ids, prices, decisions, states, coverage, keys, has_signal=has_signal
        )
        return Prepared(run=run, n_days=len(idx) - plans[0].lag)

    def _simulate(
        self,
        plans: Sequence[Plan],
        ids: Sequence[int],
        prices: pd.DataFrame,
        decisions: np.ndarray | Decisions,
        states: np.ndarray,
        coverage: np.ndarray,
        keys: list[tuple],
        *,
        has_signal: bool,
        out: np.ndarray | None = None,
    ) -> Batch:
        lag = plans[0].lag
        first: dict[tuple, int] = {}
        for j, k in enumerate(keys):
            first.setdefault(k, j)
        uniq = list(first.values())
        sim = simulate_grid(
            prices,
            _columns(decisions, uniq),
            lag=lag,
            fees_bp=[plans[j].fees_bp for j in uniq],
            slippage_bp=[plans[j].slippage_bp for j in uniq],
            engine=plans[0].engine,
        )
        where = {k: i for i, k in enumerate(first)}
        col = np.array([where[k] for k in keys])
        n_ev = len(prices) - lag
        value = sim.value[lag:, col]
        cash_r = prices["cash"].pct_change().to_numpy()[lag:]
        totals = {k: getattr(sim, k)[col] for k in ("fees", "slippage", "traded", "n_orders", "n_rebalances")}
        if out is None or out.shape != value.shape:  # other dates than the grid's first chunk: refused
            out = np.empty(value.shape, order="F")  # column-major, see `Batch`
        returns = M.daily_returns(value, INIT_CASH, out=out)
        metrics = M.performance(value, cash_r, INIT_CASH, returns=returns) | M.trading_metrics(totals, n_ev)
        if has_signal:
            metrics |= M.regime(states[lag:]) | {"signal_coverage": coverage}
        table = pd.DataFrame(metrics, index=pd.Index(list(ids), name="config"))
        table = table.join(self._relative(plans, prices, returns, table))
        return Batch(
            table=table,
            returns=returns,
            dates=prices.index[lag:],
            cash_returns=cash_r,
            n_simulated=len(uniq),
            engine=sim.engine,
        )

    def _relative(
        self, plans: Sequence[Plan], prices: pd.DataFrame, returns: np.ndarray, table: pd.DataFrame
    ) -> pd.DataFrame:
        """`backtest.metrics.relative` against each benchmark (``vs_<benchmark>.<metric>``)."""
        out: dict[str, np.ndarray] = {}  # filled as arrays, framed once (not a .loc per column)
        groups: dict[tuple, list[int]] = {}
        for j, p in enumerate(plans):  # benchmarks pay each configuration's costs
            groups.setdefault((key_of(p.fees_bp), key_of(p.slippage_bp)), []).append(j)
        for cols in groups.values():
            mine_r = returns if len(cols) == returns.shape[1] else returns[:, cols]  # all: not copied
            rows = M.as_rows(mine_r)  # transposed once for every benchmark
            for name, (b, bm) in self._benchmark_returns(plans[cols[0]], prices).items():
                mine = {k: table[k].to_numpy()[cols] for k in ("cagr", "sharpe_excess_tbill", "max_drawdown")}
                for k, v in M.relative(mine, bm, mine_r, b, rows=rows).items():
                    out.setdefault(f"vs_{name}.{k}", np.full(len(table), np.nan))[cols] = v
        return pd.DataFrame(out, index=table.index)
