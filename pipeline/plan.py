"""Turn the composed config into validated objects, before any data is loaded or work is done."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from backtest.engine import check_costs
from common.errors import ConfigError
from signals.base import params_of
from strategies.allocation import KEY as ALLOCATION_KEY
from strategies.allocation import validate as validate_allocation
from strategies.rebalance import CALENDARS
from strategies.weights import SLEEVES, check_weights


@dataclass(frozen=True)
class Plan:
    """Everything a run needs, validated.

    Attributes:
        name: Strategy name.
        signal: The signal as a partial function of the frame, or None.
        allocation: The allocation rule as a partial function of (signal, prices).
        calendar: Calendar rebalance frequency.
        on_regime_change: Rebalance when the regime changes.
        lag, fees_bp, slippage_bp, engine: Execution settings.
        benchmarks: name -> (weights, calendar).
        sleeves: sleeve -> data column.
    """

    name: str
    signal: functools.partial | None
    allocation: functools.partial
    calendar: str
    on_regime_change: bool
    lag: int
    fees_bp: float
    slippage_bp: float
    engine: str
    benchmarks: dict[str, tuple[dict[str, float], str]]
    sleeves: dict[str, str]


def _build(node: Any, key: str) -> functools.partial:
    """Instantiate a `_partial_` config node, turning failures into a ConfigError naming `key`."""
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    if not target:
        raise ConfigError("needs a `_target_` (the function to call).", key=key)
    try:
        built = instantiate(node, _convert_="all")
    except Exception as exc:  # hydra wraps import and call errors alike
        raise ConfigError(f"cannot build `{target}`: {exc}", key=f"{key}._target_") from None
    if not isinstance(built, functools.partial):
        raise ConfigError("must set `_partial_: true`.", key=key)
    return built


def _calendar(value: Any, key: str) -> str:
    if value not in CALENDARS:
        raise ConfigError(
            f"unknown calendar `{value}`.", key=key, hint=f"choose one of: {', '.join(CALENDARS)}."
        )
    return str(value)


def make_plan(cfg: DictConfig) -> Plan:
    """Validate the config and build the run's objects.

    Args:
        cfg: The composed Hydra config.

    Returns:
        A validated `Plan`.

    Raises:
        ConfigError: Naming the first bad key and how to fix it.
    """
    strat = cfg.strategy
    signal = None
    if strat.get("signal") is not None:
        signal = _build(strat.signal, "strategy.signal")
        validate = getattr(signal.func, "validate", None)
        if validate is None:
            raise ConfigError("is not a signal (decorate it with @signal).", key="strategy.signal._target_")
        validate(**signal.keywords)
    allocation = _build(strat.allocation, ALLOCATION_KEY)
    params_of(allocation.func, allocation.keywords, key=ALLOCATION_KEY)
    validate_allocation(allocation.func, allocation.keywords)
    bt = cfg.backtest
    check_costs(lag=bt.lag, fees_bp=bt.fees_bp, slippage_bp=bt.slippage_bp)
    if bt.engine not in ("auto", "rust", "numba"):
        raise ConfigError(
            f"unknown engine `{bt.engine}`.", key="backtest.engine", hint="auto, rust or numba."
        )
    benchmarks = {}
    for name, b in cfg.benchmarks.items():
        w = check_weights(OmegaConf.to_container(b.weights), f"benchmarks.{name}.weights")
        benchmarks[str(name)] = (w, _calendar(b.calendar, f"benchmarks.{name}.calendar"))
    sleeves = {str(k): str(v) for k, v in OmegaConf.to_container(cfg.data.sleeves).items()}
    for s in sleeves:
        if s not in SLEEVES:
            raise ConfigError(
                f"unknown sleeve `{s}`.", key=f"data.sleeves.{s}", hint=f"sleeves: {', '.join(SLEEVES)}."
            )
    if "cash" not in sleeves:
        raise ConfigError(
            "the cash sleeve needs a T-bill rate column.",
            key="data.sleeves.cash",
            hint="e.g. data.sleeves.cash=TBILL3M",
        )
    return Plan(
        name=str(strat.name),
        signal=signal,
        allocation=allocation,
        calendar=_calendar(strat.rebalance.calendar, "strategy.rebalance.calendar"),
        on_regime_change=bool(strat.rebalance.on_regime_change),
        lag=int(bt.lag),
        fees_bp=float(bt.fees_bp),
        slippage_bp=float(bt.slippage_bp),
        engine=str(bt.engine),
        benchmarks=benchmarks,
        sleeves=sleeves,
    )
