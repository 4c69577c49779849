"""Allocation rules: from a signal to daily target weights (decided at each day's close).

Each rule is a function ``(signal, prices, **params) -> DataFrame`` returning, for every day, the
weights the strategy wants over the sleeve columns of `prices`. When to trade is decided later by
`strategies.rebalance`; when orders execute (the lag) by the engine.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from common import checks
from common.errors import ConfigError
from signals.base import SignalOutput, params_of
from signals.primitives import realized_vol, rolling_corr
from strategies.weights import check_weights, constant

KEY = "strategy.allocation"


def fixed(signal: SignalOutput | None, prices: pd.DataFrame, *, weights: Mapping[str, float]) -> pd.DataFrame:
    """Hold one weight set throughout (the 60/40 benchmark, buy-and-hold). The signal is ignored.

    Args:
        signal: Ignored.
        prices: Sleeve prices; its index and columns shape the result.
        weights: Sleeve -> weight, summing to 1.
    """
    w = check_weights(weights, f"{KEY}.weights")
    return constant(w, prices.index, list(prices.columns))


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
    _check_score_range(score_lo, score_hi)
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
    _check_corr(corr_window, corr_threshold)
    assert signal is not None  # switch refused a missing signal
    state = signal.risk_off.reindex(prices.index, fill_value=False)
    move = (state & bonds_no_hedge(prices, corr_window, corr_threshold)).to_numpy()
    out = base.copy()
    out.loc[move, "cash"] = base.loc[move, "cash"] + base.loc[move, "bonds"]
    out.loc[move, "bonds"] = 0.0
    return out


def regime(rule: functools.partial, signal: SignalOutput | None, prices: pd.DataFrame) -> pd.Series | None:
    """The rule's regime per day, as integer codes: "rebalance on regime change" trades when it changes.

    For most rules the regime is the signal's risk-off state (0 risk-on, 1 risk-off). The hedge-aware
    rule has a third: risk-off with bonds no hedge (2), whose targets differ from risk-off with bonds
    (1), so a correlation flip during a risk-off episode moves the bond weight to cash (or back) on
    that close rather than at the next calendar date. None without a signal.

    Args:
        rule: The allocation rule as built from config (a partial of `switch`, `hedge_aware`, ...).
        signal: The regime signal, or None.
        prices: Sleeve prices; its index is the result's.
    """
    if signal is None:
        return None
    state = signal.risk_off.reindex(prices.index, fill_value=False).astype(bool)
    code = state.astype("int64")
    if rule.func is hedge_aware:
        kw = rule.keywords
        window, threshold = kw.get("corr_window", 63), kw.get("corr_threshold", 0.0)
        code = code + (state & bonds_no_hedge(prices, window, threshold)).astype("int64")
    return code


def trailing_vol(price: pd.Series, window: int) -> pd.Series:
    """Annualised (√252) sample std of the last `window` daily returns, the day's own return included."""
    return realized_vol(price.pct_change(), window, min_periods=window)


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
    check_vol_params(target_vol, window, max_leverage)
    vol = trailing_vol(prices["equity"], window).reindex(targets.index)
    k = np.minimum(target_vol / vol, max_leverage).fillna(1.0)
    out = targets.copy()
    out["equity"] = targets["equity"] * k
    out["cash"] = targets["cash"] + targets["equity"] * (1.0 - k)
    return out


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


def check_vol_params(target_vol: object, window: object, max_leverage: object, key: str = KEY) -> None:
    """Validate volatility-target parameters; raise ConfigError naming the key."""
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


def _check_score_range(score_lo: object, score_hi: object, key: str = KEY) -> None:
    for name, v in (("score_lo", score_lo), ("score_hi", score_hi)):
        checks.number(f"{key}.{name}", v)
    if not score_hi > score_lo:  # type: ignore[operator]
        raise ConfigError(
            f"score_hi ({score_hi}) must be above score_lo ({score_lo}).",
            key=f"{key}.score_hi",
            hint="e.g. score_lo=0.5 score_hi=2.0: fully risk-off from a z-score of 2.",
        )


def _check_corr(corr_window: object, corr_threshold: object, key: str = KEY) -> None:
    checks.whole(f"{key}.corr_window", corr_window, lo=2, unit="trading days", fix="e.g. 63 (a quarter).")
    checks.number(f"{key}.corr_threshold", corr_threshold, lo=-1, hi=1, fix="a correlation, e.g. 0.")


#: Parameter checks per rule, run by `validate` before any data is loaded.
CHECKS = {
    "graded": lambda p, key: _check_score_range(p["score_lo"], p["score_hi"], key),
    "hedge_aware": lambda p, key: _check_corr(p["corr_window"], p["corr_threshold"], key),
    "vol_target": lambda p, key: check_vol_params(p["target_vol"], p["window"], p["max_leverage"], key),
    "vol_overlay": lambda p, key: check_vol_params(p["target_vol"], p["window"], p["max_leverage"], key),
}


def validate(rule: object, params: Mapping[str, object], key: str = KEY) -> None:
    """Check an allocation rule's weight sets and parameters before any data is loaded."""
    for name, value in params.items():
        if name.endswith("weights") and isinstance(value, Mapping):
            check_weights(value, f"{key}.{name}")
    name = getattr(rule, "__name__", "")
    if name in CHECKS and callable(rule):
        CHECKS[name](params_of(rule, params, key=key), key)
