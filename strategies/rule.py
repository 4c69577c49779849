"""What an allocation rule, an overlay and a rebalance rule are: functions declared with `@rule`.

A rule is declared as a signal is (`signals.base.signal`): a decorator naming what it requires and the
check of its parameters, which runs before any data is touched::

    @rule(kind="allocation", requires=("signal", "equity", "bonds"), check=_check)
    def my_rule(signal, prices, *, risk_on_weights, risk_off_weights, corr_window=63): ...

The kinds, and what a rule of each kind is called with:

- ``allocation``: ``(signal, prices, **params) -> targets``, the daily target weights over the sleeve
  columns of `prices` (``strategy.allocation``; the benchmarks' ``benchmarks.<name>.allocation``).
- ``overlay``: ``(targets, prices, **params) -> targets``, applied after the allocation rule
  (``strategy.overlay``).
- ``rebalance``: ``(targets, **params) -> orders``, the targets kept on the days that trade
  (``strategy.rebalance``).

The decorated function gains ``kind``, ``requires``, ``validate(key=..., **params)`` (the parameters with
defaults filled in, every weight set and the rule's own check applied, the config key named in any
error) and, for allocation rules, ``regime(signal, prices, **params)``: the regime codes whose changes
are rebalance days (by default the signal's risk-off state; a rule with more regimes declares them).
Calling the rule validates its parameters first, as a signal does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd

from common.errors import ConfigError
from signals.base import SignalOutput, params_of
from strategies.weights import check_weights

Kind = Literal["allocation", "overlay", "rebalance"]

#: Where each kind of rule sits in the strategy's config (the key its errors name by default).
KEYS: dict[str, str] = {
    "allocation": "strategy.allocation",
    "overlay": "strategy.overlay",
    "rebalance": "strategy.rebalance",
}

#: What a rule may require besides sleeves: the signal's risk-off state, or its continuous score.
FROM_SIGNAL = ("signal", "score")


def state_codes(signal: SignalOutput | None, prices: pd.DataFrame, **_: Any) -> pd.Series | None:
    """The default regime: the signal's risk-off state as codes (0 risk-on, 1 risk-off); None without one."""
    if signal is None:
        return None
    return signal.risk_off.reindex(prices.index, fill_value=False).astype(bool).astype("int64")


def rule(
    *,
    kind: Kind,
    requires: tuple[str, ...] = (),
    check: Callable[..., None] | None = None,
    regime: Callable[..., pd.Series] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as an allocation rule, an overlay or a rebalance rule.

    Args:
        kind: ``allocation``, ``overlay`` or ``rebalance`` (see the module's docstring).
        requires: What the rule reads: sleeves (``equity``, ``bonds``, ``cash``, ``gold``) and, from the
            signal, ``signal`` (its risk-off state) or ``score`` (its continuous score).
        check: Optional validator called as ``check(key=<config key>, **params)`` with all keyword
            parameters (defaults filled in); raises `ConfigError` naming ``<key>.<param>``. Weight sets
            (parameters named ``*weights``) are checked for every rule without it.
        regime: For an allocation rule whose targets change with more than the signal's state: a
            function ``(signal, prices, **params) -> integer codes`` (see `state_codes`, the default).

    Returns:
        A decorator. The decorated function validates its parameters when called, and gains ``kind``,
        ``requires``, ``validate(key=..., **params)``, ``regime(signal, prices, **params)`` and
        ``own_regime`` (True when it declares a regime of its own).
    """
    if kind not in KEYS:
        raise ValueError(f"unknown kind of rule {kind!r}; one of {', '.join(KEYS)}")

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def validate(key: str = KEYS[kind], **params: Any) -> dict[str, Any]:
            merged = params_of(fn, params, key=key)
            for name, value in merged.items():
                if name.endswith("weights") and isinstance(value, Mapping):
                    check_weights(value, f"{key}.{name}")
            if check is not None:
                check(key=key, **merged)
            return merged

        @functools.wraps(fn)
        def run(*args: Any, **params: Any) -> Any:
            validate(**params)
            return fn(*args, **params)

        def regime_of(signal: SignalOutput | None, prices: pd.DataFrame, **params: Any) -> pd.Series | None:
            if signal is None or regime is None:
                return state_codes(signal, prices)
            return regime(signal, prices, **params_of(fn, params, key=KEYS[kind]))

        run.kind = kind  # type: ignore[attr-defined]
        run.requires = tuple(requires)  # type: ignore[attr-defined]
        run.validate = validate  # type: ignore[attr-defined]
        run.regime = regime_of  # type: ignore[attr-defined]
        run.own_regime = regime is not None  # type: ignore[attr-defined]
        return run

    return wrap


def validate(fn: object, params: Mapping[str, Any], key: str, kind: Kind) -> dict[str, Any]:
    """Check a rule built from config (its `_target_`) is a rule of `kind`, then validate its parameters.

    Raises:
        ConfigError: The target is not declared with `@rule` of this kind (naming ``<key>._target_``),
            or a parameter is bad (naming ``<key>.<param>``).
    """
    found = getattr(fn, "kind", None)
    if found != kind or not callable(getattr(fn, "validate", None)):
        name = getattr(fn, "__name__", repr(fn))
        what = f"a rule of kind `{found}`" if found else "not declared as a rule"
        raise ConfigError(
            f"`{name}` is {what}, not an {kind} rule." if kind != "rebalance" else f"`{name}` is {what}.",
            key=f"{key}._target_",
            hint=f'declare it with @rule(kind="{kind}", requires=..., check=...) from strategies.rule.',
        )
    return fn.validate(key=key, **params)  # type: ignore[attr-defined]
