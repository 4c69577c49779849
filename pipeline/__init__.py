"""The pipeline: config → market data → signals → weights → backtest → outputs → tracking."""
