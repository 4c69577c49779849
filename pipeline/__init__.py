"""The pipeline: config → market data → signals → weights → backtest → outputs → tracking."""

from pipeline.schema import register as _register

_register()  # the structured configs must be in Hydra's ConfigStore before any composition
