"""Turn the composed config into validated objects, before any data is loaded or work is done."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from analysis.verdict import Settings
from backtest.engine import Cost, check_costs
from common import checks
from common.checks import BadValue
from common.errors import ConfigError
from core.schema import VerdictConfig, check_verdict
from core.schema import check as check_sections
from strategies.allocation import KEY as ALLOCATION_KEY
from strategies.allocation import fixed
from strategies.allocation import validate as validate_allocation
from strategies.rebalance import CALENDARS, check_rebalance
from strategies.weights import check_sleeve, check_weights


@dataclass(frozen=True)
class Plan:
    """Everything a run needs, validated.

    Attributes:
        name: Strategy name.
        signal: The signal as a partial function of the frame, or None.
        allocation: The allocation rule as a partial function of (signal, prices).
        calendar: Calendar rebalance frequency.
        on_regime_change: Rebalance when the regime changes.
        lag, fees_bp, slippage_bp, engine: Execution settings (costs: bp, or sleeve -> bp).
        benchmarks: name -> (allocation rule as a partial of (signal, prices), calendar).
        sleeves: sleeve -> data column.
        overlay: A partial of (targets, prices) applied after the allocation rule (e.g. the
            volatility target), or None.
        drift_band: Rebalance only when a realised weight is this far from target (0 = off).
        min_hold_days: No rebalance within this many trading days of the previous one (0 = off).
        verdict: The benchmarks the verdict compares the strategy with, the primary first.
        verdict_settings: The verdict's test (`analysis.verdict.Settings`).
    """

    name: str
    signal: functools.partial | None
    allocation: functools.partial
    calendar: str
    on_regime_change: bool
    lag: int
    fees_bp: Cost
    slippage_bp: Cost
    engine: str
    benchmarks: dict[str, tuple[functools.partial, str]]
    sleeves: dict[str, str]
    overlay: functools.partial | None = None
    drift_band: float = 0.0
    min_hold_days: int = 0
    verdict: tuple[str, ...] = ()
    verdict_settings: Settings = Settings()


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


def _container(x: Any) -> Any:
    return OmegaConf.to_container(x, resolve=True) if isinstance(x, DictConfig) else x


def _check_mapped(params: dict[str, Any], sleeves: dict[str, str], key: str) -> None:
    """Every sleeve a weight set names must be mapped to a data column in ``data.sleeves``."""
    for name, value in params.items():
        if name.endswith("weights") and isinstance(value, dict):
            for sleeve, w in value.items():
                if sleeve not in sleeves and w:
                    raise ConfigError(
                        f"sleeve `{sleeve}` has weight {w} but is not mapped to a data series.",
                        key=f"data.sleeves.{sleeve}",
                        hint=f"map it (e.g. data.sleeves.{sleeve}=...) or drop it from `{key}.{name}`; "
                        f"mapped: {', '.join(sleeves)}.",
                    )


def _check_cost_sleeves(cost: Any, key: str) -> None:
    if isinstance(cost, dict):
        for sleeve in cost:
            check_sleeve(sleeve, f"{key}.{sleeve}")


def _rule(node: Any, key: str, sleeves: dict[str, str]) -> functools.partial:
    """Build and validate an allocation rule or overlay node."""
    built = _build(node, key)
    validate_allocation(built.func, built.keywords, key=key)  # its kind first, then its parameters
    _check_mapped(built.keywords, sleeves, key)
    return built


def verdict_benchmarks(node: Any, names: list[str]) -> tuple[str, ...]:
    """The benchmarks the verdict compares with, the primary first (``verdict.primary``, ``.benchmarks``).

    Raises:
        BadValue: A name that is not one of the run's `benchmarks` (with a "did you mean").
    """
    if node is None:  # a config from before the section (a tracked run's, replayed): its defaults
        node = OmegaConf.structured(VerdictConfig)
    fix = f"name one of the run's benchmarks: {', '.join(names)}."
    primary = str(checks.choice("verdict.primary", node.primary, names, fix=fix))
    listed = names if node.benchmarks is None else list(node.benchmarks)
    for i, name in enumerate(listed):
        checks.choice(f"verdict.benchmarks.{i}", name, names, fix=fix)
    return tuple(dict.fromkeys([primary, *map(str, listed)]))


def make_plan(cfg: DictConfig) -> Plan:
    """Validate the config and build the run's objects.

    Args:
        cfg: The composed Hydra config.

    Returns:
        A validated `Plan`.

    Raises:
        ConfigError: Naming the first bad key and how to fix it.
    """
    check_sections(cfg)
    strat = cfg.strategy
    signal = None
    if strat.get("signal") is not None:
        signal = _build(strat.signal, "strategy.signal")
        validate = getattr(signal.func, "validate", None)
        if validate is None:
            raise ConfigError("is not a signal (decorate it with @signal).", key="strategy.signal._target_")
        validate(**signal.keywords)
    sleeves = {str(k): str(v) for k, v in OmegaConf.to_container(cfg.data.sleeves).items()}
    allocation = _rule(strat.allocation, ALLOCATION_KEY, sleeves)
    overlay = _rule(strat.overlay, "strategy.overlay", sleeves) if strat.get("overlay") is not None else None
    reb = strat.rebalance
    drift_band, min_hold = reb.get("drift_band", 0.0), reb.get("min_hold_days", 0)
    check_rebalance(drift_band, min_hold)
    bt = cfg.backtest
    fees_bp, slippage_bp = _container(bt.fees_bp), _container(bt.slippage_bp)
    check_costs(lag=bt.lag, fees_bp=fees_bp, slippage_bp=slippage_bp)
    _check_cost_sleeves(fees_bp, "backtest.fees_bp")
    _check_cost_sleeves(slippage_bp, "backtest.slippage_bp")
    if bt.engine not in ("auto", "rust", "numba"):
        raise ConfigError(
            f"unknown engine `{bt.engine}`.", key="backtest.engine", hint="auto, rust or numba."
        )
    benchmarks = {}
    for name, b in cfg.benchmarks.items():
        key = f"benchmarks.{name}"
        if b.get("allocation") is not None:
            rule = _rule(b.allocation, f"{key}.allocation", sleeves)
        else:
            w = check_weights(OmegaConf.to_container(b.weights), f"{key}.weights")
            _check_mapped({"weights": w}, sleeves, key)
            rule = functools.partial(fixed, weights=w)
        benchmarks[str(name)] = (rule, _calendar(b.calendar, f"{key}.calendar"))
    for s in sleeves:
        check_sleeve(s, f"data.sleeves.{s}")
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
        fees_bp=fees_bp if isinstance(fees_bp, dict) else float(fees_bp),
        slippage_bp=slippage_bp if isinstance(slippage_bp, dict) else float(slippage_bp),
        engine=str(bt.engine),
        benchmarks=benchmarks,
        sleeves=sleeves,
        overlay=overlay,
        drift_band=float(drift_band),
        min_hold_days=int(min_hold),
        verdict=verdict_benchmarks(cfg.get("verdict"), list(benchmarks)),
        verdict_settings=check_verdict(cfg.verdict) if cfg.get("verdict") is not None else Settings(),
    )


def _is_window(name: str) -> bool:
    """Parameters named ``lookback`` or ``*window`` are look-back windows over the data's rows."""
    return name == "lookback" or name.endswith("window")


def _windows(key: str, part: Any) -> list[tuple[str, Any]]:
    """(config key, value) of every look-back window of a built part, composites' children included."""
    if not isinstance(part, functools.partial):
        return []
    found = []
    unused = getattr(part.func, "unused", lambda **_: ())(**part.keywords)  # windows the rule ignores
    for name, value in part.keywords.items():
        if _is_window(name) and name not in unused:
            found.append((f"{key}.{name}", value))
        children = (
            value.items()
            if isinstance(value, Mapping)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for child, node in children:
            found += _windows(f"{key}.{name}.{child}", node)
    return found


def check_windows(plan: Plan, index: pd.DatetimeIndex) -> None:
    """Refuse a look-back window that is not shorter than the data: what it measures is never defined.

    Run once the data is loaded and before the run is tracked (``strategy.signal.lookback=100000`` would
    otherwise run as plain risk-on weights, silently).

    Args:
        plan: The validated plan.
        index: The market frame's dates (the signal and the rules warm up on the whole frame).

    Raises:
        BadValue: Naming the window's key, its value, and the data's length.
    """
    parts = [
        ("strategy.signal", plan.signal),
        (ALLOCATION_KEY, plan.allocation),
        ("strategy.overlay", plan.overlay),
    ]
    parts += [(f"benchmarks.{name}.allocation", rule) for name, (rule, _) in plan.benchmarks.items()]
    n = len(index)
    for key, value in (w for k, part in parts for w in _windows(k, part)):
        if isinstance(value, int) and value >= n:
            span = f"{index[0].date()} to {index[-1].date()}" if n else "no rows"
            raise BadValue(
                f"a window of {value} trading days is not shorter than the data ({n} days, {span}): "
                "it would never be filled.",
                key=key,
                hint=f"use fewer than {n} days, e.g. 252 (a year), or load more history.",
            )
