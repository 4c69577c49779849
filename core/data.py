"""The market data a config asks for, loaded and aligned: shared by single runs, grids and the CLIs."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence

from hydra.utils import get_method, instantiate
from omegaconf import DictConfig

from common.errors import ConfigError, UserError, did_you_mean
from market.frame import prepare
from market.types import MarketData


def loader_arguments(loader: DictConfig) -> None:
    """Refuse a ``data.loader`` key its function does not take, before it is called.

    No traceback, and the value is not echoed (``+data.loader.token=...`` is a secret).

    Raises:
        ConfigError: Naming ``data.loader.<key>``, the function and the keys it takes.
    """
    target = loader.get("_target_") if isinstance(loader, DictConfig) else None
    if not isinstance(target, str):
        return
    try:
        func = get_method(target)
        params = inspect.signature(func).parameters
    except Exception:  # Hydra's own error names a target that does not import
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    for key in loader:
        if not str(key).startswith("_") and str(key) not in params:
            taken = [p for p in params if not p.startswith("_")]
            raise ConfigError(
                f"the loader `{target}` takes no `{key}`.{did_you_mean(str(key), taken)}",
                key=f"data.loader.{key}",
                hint=f"its keys: {', '.join(taken) or '(none)'} (python run.py --cfg job shows the loader's "
                "settings; another source is data=<preset>)",
            )


def needed_columns(cfg: DictConfig, signal: functools.partial | None) -> list[str]:
    """The columns a run reads: the calendar's, the sleeves' and the signal's (`Signal.columns`).

    Args:
        cfg: The run's config (``data.calendar_column``, ``data.sleeves``).
        signal: The plan's signal (a partial of a signal function), or None.
    """
    cols = [str(cfg.data.calendar_column), *map(str, (cfg.data.get("sleeves") or {}).values())]
    if signal is not None:
        cols += [str(c) for c in signal.func.columns(**signal.keywords)]
    return list(dict.fromkeys(cols))


def _takes(target: object, name: str) -> bool:
    try:
        return name in inspect.signature(get_method(str(target))).parameters
    except Exception:  # a target that does not import: Hydra's own error names it
        return False


def load_market(cfg: DictConfig, needed: Sequence[str] | None = None) -> MarketData:
    """Load and align the market data the config asks for.

    Args:
        cfg: The run's config.
        needed: The columns the run reads (`needed_columns`), for a loader that takes them (``data=live``:
            a source failing with no cache stops the run only for these); None: every column.
    """
    loader_arguments(cfg.data.loader)
    takes = needed is not None and _takes(cfg.data.loader.get("_target_"), "needed")
    extra = {"needed": list(needed or ())} if takes else {}
    try:
        raw = instantiate(cfg.data.loader, _convert_="all", **extra)
    except UserError:
        raise
    except Exception as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, UserError) else None
        if cause is not None:
            raise cause from None
        raise
    return prepare(
        raw,
        source=str(cfg.data.source),
        calendar_column=str(cfg.data.calendar_column),
        max_ffill_days=cfg.data.max_ffill_days,
        start=None,
        end=cfg.data.end,
    )
