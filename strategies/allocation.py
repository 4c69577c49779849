"""Allocation rules and overlays: from a signal to daily target weights (decided at each day's close).

Each rule is a function ``(signal, prices, **params) -> DataFrame`` returning, for every day, the
weights the strategy wants over the sleeve columns of `prices`; an overlay, ``(targets, prices,
**params) -> DataFrame``, reworks a rule's targets. Each is declared with `strategies.rule.rule`: what
it requires, the check of its parameters and, where its targets change with more than the signal's
state, its regimes. When to trade is decided later by `strategies.rebalance`; when orders execute (the
lag) by the engine.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from common import checks
from common.errors import ConfigError
from signals.base import SignalOutput
from signals.primitives import realized_vol, rolling_corr
from strategies import rule as rules
from strategies.rule import rule
from strategies.weights import check_weights, constant

KEY = "strategy.allocation"


@rule(kind="allocation")
def fixed(signal: SignalOutput | None, prices: pd.DataFrame, *, weights: Mapping[str, float]) -> pd.DataFrame:
    """Hold one weight set throughout (the 60/40 benchmark, buy-and-hold). The signal is ignored.

    Args:
        signal: Ignored.
        prices: Sleeve prices; its index and columns shape the result.
        weights: Sleeve -> weight, summing to 1.
    """
    w = check_weights(weights, f"{KEY}.weights")
    return constant(w, prices.index, list(prices.columns))


@rule(kind="allocation", requires=("signal",))
def switch(
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    *,
    risk_on_weights: Mapping[str, float],
    risk_off_weights: Mapping[str, float],
) -> pd.DataFrame:
    """De-risking switch: risk-on weights normally, risk-off weights while the signal is on.

    Args:
        signal: The regime signal; required.
        prices: Sleeve prices; its index and columns shape the result.
        risk_on_weights: Sleeve -> weight while risk-on (e.g. 60/40 equity/bonds).
        risk_off_weights: Sleeve -> weight while risk-off (e.g. 20/30/50 equity/bonds/cash).
    """
    on = check_weights(risk_on_weights, f"{KEY}.risk_on_weights")
    off = check_weights(risk_off_weights, f"{KEY}.risk_off_weights")
    if signal is None:
        raise ConfigError("the switch needs a signal.", key="strategy.signal", hint="set strategy.signal.")
    state = signal.risk_off.reindex(prices.index, fill_value=False).to_numpy()
    sleeves = list(prices.columns)
    on_f, off_f = constant(on, prices.index, sleeves), constant(off, prices.index, sleeves)
    return on_f.where(np.broadcast_to(~state[:, None], on_f.shape), off_f)


def score_exposure(score: pd.Series, score_lo: float, score_hi: float) -> pd.Series:
    """Risk-off fraction from a score: 0 at or below `score_lo`, 1 at or above `score_hi`, linear between.

    NaN scores (no data, warm-up) count as 0: risk-on.

    >>> score_exposure(pd.Series([0.0, 1.0, 1.5, 3.0, np.nan]), 1.0, 2.0).tolist()
    [0.0, 0.0, 0.5, 1.0, 0.0]
    """
    return ((score - score_lo) / (score_hi - score_lo)).clip(0.0, 1.0).fillna(0.0)


def _check_graded(*, key: str, score_lo: object, score_hi: object, **_: Any) -> None:
    """The graded rule's check: two numbers, `score_hi` above `score_lo`."""
    for name, v in (("score_lo", score_lo), ("score_hi", score_hi)):
        checks.number(f"{key}.{name}", v)
    if not score_hi > score_lo:  # type: ignore[operator]
        raise ConfigError(
            f"score_hi ({score_hi}) must be above score_lo ({score_lo}).",
            key=f"{key}.score_hi",
            hint="e.g. score_lo=0.5 score_hi=2.0: fully risk-off from a z-score of 2.",
        )


@rule(kind="allocation", requires=("score",), check=_check_graded)
def graded(
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    *,
    risk_on_weights: Mapping[str, float],
    risk_off_weights: Mapping[str, float],
    score_lo: float,
    score_hi: float,
) -> pd.DataFrame:
    """Graded de-risking: weights move linearly from risk-on to risk-off as the score rises.

    ``w = (1 - x) * risk_on + x * risk_off`` with ``x = clip((score - score_lo) / (score_hi - score_lo),
    0, 1)``; a NaN score is risk-on (x = 0). The boolean risk-off state is not used.

    Args:
        signal: A signal with a continuous score (e.g. the wedge's z-score); required.
        prices: Sleeve prices; its index and columns shape the result.
        risk_on_weights: Sleeve -> weight at x = 0.
        risk_off_weights: Sleeve -> weight at x = 1.
        score_lo: Score at and below which the portfolio is fully risk-on.
        score_hi: Score at and above which it is fully risk-off (> `score_lo`).
    """
    on = check_weights(risk_on_weights, f"{KEY}.risk_on_weights")
    off = check_weights(risk_off_weights, f"{KEY}.risk_off_weights")
    if signal is None or signal.score is None:
        raise ConfigError(
            "the graded rule needs a signal with a continuous score.",
            key="strategy.signal",
            hint="use a signal that returns a score (e.g. move_vix_wedge), or the switch rule.",
        )
    x = score_exposure(signal.score.reindex(prices.index), score_lo, score_hi).to_numpy()[:, None]
    sleeves = list(prices.columns)
    on_f, off_f = constant(on, prices.index, sleeves), constant(off, prices.index, sleeves)
    return on_f * (1.0 - x) + off_f * x


def bonds_no_hedge(prices: pd.DataFrame, window: int, threshold: float) -> pd.Series:
    """True where the trailing correlation of equity and bond daily returns is above `threshold`.

    Causal: the value at t uses returns up to the close of t. NaN correlation (warm-up) is False.
    """
    r = prices[["equity", "bonds"]].pct_change()
    return (rolling_corr(r["equity"], r["bonds"], window) > threshold).fillna(False)


def hedge_regimes(
    signal: SignalOutput, prices: pd.DataFrame, *, corr_window: int, corr_threshold: float, **_: Any
) -> pd.Series:
    """The hedge-aware rule's regimes: risk-on (0), risk-off (1), risk-off with bonds no hedge (2).

    Its targets differ between the last two, so a correlation flip during a risk-off episode is a
    regime change: the bond weight moves to cash (or back) on that close rather than at the next
    calendar date.
    """
    state = signal.risk_off.reindex(prices.index, fill_value=False).astype(bool)
    no_hedge = state & bonds_no_hedge(prices, corr_window, corr_threshold)
    return state.astype("int64") + no_hedge.astype("int64")


def _check_hedge(*, key: str, corr_window: object, corr_threshold: object, **_: Any) -> None:
    """The hedge-aware rule's check: a correlation window of ≥ 2 days, a threshold in [-1, 1]."""
    checks.whole(f"{key}.corr_window", corr_window, lo=2, unit="trading days", fix="e.g. 63 (a quarter).")
    checks.number(f"{key}.corr_threshold", corr_threshold, lo=-1, hi=1, fix="a correlation, e.g. 0.")


@rule(
    kind="allocation",
    requires=("signal", "equity", "bonds", "cash"),
    check=_check_hedge,
    regime=hedge_regimes,
)
def hedge_aware(
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    *,
    risk_on_weights: Mapping[str, float],
    risk_off_weights: Mapping[str, float],
    corr_window: int = 63,
    corr_threshold: float = 0.0,
) -> pd.DataFrame:
    """Hedge-aware switch: while risk-off and bonds are no hedge, the risk-off bond weight goes to cash.

    "In a regime of rising volatility and fiscal uncertainty, both assets can fall simultaneously": when
    the trailing `corr_window`-day correlation of equity and bond returns is above `corr_threshold`, the
    risk-off set's bond weight is moved to cash; otherwise this is the plain `switch`. Risk-on weights
    are never changed.

    Args:
        signal: The regime signal; required.
        prices: Sleeve prices with ``equity``, ``bonds`` and ``cash`` columns.
        risk_on_weights: Sleeve -> weight while risk-on.
        risk_off_weights: Sleeve -> weight while risk-off and bonds hedge.
        corr_window: Trailing window of the correlation, trading days.
        corr_threshold: Correlation above which bonds are no hedge.
    """
    base = switch(signal, prices, risk_on_weights=risk_on_weights, risk_off_weights=risk_off_weights)
    assert signal is not None  # switch refused a missing signal
    state = signal.risk_off.reindex(prices.index, fill_value=False)
    move = (state & bonds_no_hedge(prices, corr_window, corr_threshold)).to_numpy()
    out = base.copy()
    out.loc[move, "cash"] = base.loc[move, "cash"] + base.loc[move, "bonds"]
    out.loc[move, "bonds"] = 0.0
    return out


def regime(built: functools.partial, signal: SignalOutput | None, prices: pd.DataFrame) -> pd.Series | None:
    """The rule's regime per day, as integer codes: "rebalance on regime change" trades when it changes.

    For most rules the regime is the signal's risk-off state (0 risk-on, 1 risk-off); a rule whose
    targets change with more declares its regimes (`hedge_aware`: `hedge_regimes`). None without a
    signal.

    Args:
        built: The allocation rule as built from config (a partial of `switch`, `hedge_aware`, ...).
        signal: The regime signal, or None.
        prices: Sleeve prices; its index is the result's.
    """
    return built.func.regime(signal, prices, **built.keywords)


def trailing_vol(price: pd.Series, window: int) -> pd.Series:
    """Annualised (√252) sample std of the last `window` daily returns, the day's own return included."""
    return realized_vol(price.pct_change(), window, min_periods=window)


def _check_vol(*, key: str, target_vol: object, window: object, max_leverage: object, **_: Any) -> None:
    """The volatility target's check (overlay and baseline): a target in (0, 2], a window ≥ 2, a cap ≥ 1."""
    checks.number(
        f"{key}.target_vol", target_vol, lo=0, lo_open=True, hi=2, fix="an annualised volatility, e.g. 0.10."
    )
    checks.whole(f"{key}.window", window, lo=2, unit="trading days", fix="e.g. 63 (a quarter).")
    checks.number(
        f"{key}.max_leverage",
        max_leverage,
        lo=1,
        fix="a leverage cap: 1 = never lever up; 1.5 = up to 150% equity, financed at the T-bill rate.",
    )


@rule(kind="overlay", requires=("equity", "cash"), check=_check_vol)
def vol_overlay(
    targets: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    target_vol: float = 0.10,
    window: int = 63,
    max_leverage: float = 1.0,
) -> pd.DataFrame:
    """Scale the equity weight to a volatility target; the difference comes from or goes to cash.

    ``k_t = min(target_vol / vol_t, max_leverage)`` with ``vol_t`` the trailing realised volatility of
    the equity sleeve (`trailing_vol`, known at the close of t); equity weight ``w_e * k_t``, cash weight
    ``w_c + w_e * (1 - k_t)``. With ``max_leverage > 1`` and a calm market the cash weight goes negative:
    the extra equity is financed by borrowing at the T-bill rate (a short position in the cash sleeve,
    which the engine simulates exactly). Until `window` returns exist, ``k = 1``.

    Args:
        targets: Daily target weights from an allocation rule (with ``equity`` and ``cash`` columns).
        prices: Sleeve prices on the same index.
        target_vol: Annualised target volatility of the equity holding, e.g. 0.10.
        window: Trailing window of realised volatility, trading days.
        max_leverage: Cap on the equity scale factor k (≥ 1; 1 = never lever up).
    """
    vol = trailing_vol(prices["equity"], window).reindex(targets.index)
    k = np.minimum(target_vol / vol, max_leverage).fillna(1.0)
    out = targets.copy()
    out["equity"] = targets["equity"] * k
    out["cash"] = targets["cash"] + targets["equity"] * (1.0 - k)
    return out


@rule(kind="allocation", requires=("equity", "cash"), check=_check_vol)
def vol_target(
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    *,
    target_vol: float = 0.10,
    window: int = 63,
    max_leverage: float = 1.0,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Volatility-target baseline: `weights` (default all equity) under `vol_overlay`. No signal.

    The baseline a regime signal must beat: de-risking on realised volatility alone.

    Args:
        signal: Ignored.
        prices: Sleeve prices.
        target_vol: Annualised target volatility.
        window: Trailing realised-volatility window, trading days.
        max_leverage: Cap on the equity scale factor (≥ 1).
        weights: Base weight set (default ``{equity: 1.0}``).
    """
    base = fixed(None, prices, weights=weights if weights is not None else {"equity": 1.0})
    return vol_overlay(base, prices, target_vol=target_vol, window=window, max_leverage=max_leverage)


def validate(built: object, params: Mapping[str, object], key: str = KEY) -> None:
    """Check an allocation rule (or, under ``strategy.overlay``, an overlay) before any data is loaded.

    The rule must be declared with `strategies.rule.rule` of that kind; its weight sets and its own
    check then run on `params` (`strategies.rule.validate`), naming `key` in any error.
    """
    rules.validate(built, params, key, "overlay" if key.endswith("overlay") else "allocation")
