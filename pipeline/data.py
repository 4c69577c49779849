"""The market data a config asks for, loaded and aligned: shared by single runs, grids and the CLIs."""

from __future__ import annotations

import dataclasses

from hydra.utils import instantiate
from omegaconf import DictConfig

from common.errors import UserError
from market.frame import prepare
from market.types import MarketData


def load_market(cfg: DictConfig) -> MarketData:
    """Load and align the market data the config asks for."""
    try:
        raw = instantiate(cfg.data.loader, _convert_="all")
    except UserError:
        raise
    except Exception as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, UserError) else None
        if cause is not None:
            raise cause from None
        raise
    lineage = {str(k): str(v) for k, v in raw.attrs.pop("lineage", {}).items()}  # how the loader read it
    market = prepare(
        raw,
        source=str(cfg.data.source),
        calendar_column=str(cfg.data.calendar_column),
        max_ffill_days=cfg.data.max_ffill_days,
        start=None,
        end=cfg.data.end,
    )
    return dataclasses.replace(market, lineage=lineage)
