"""The backtest engine (the one module that talks to vectorbt) and the metrics computed on its output."""
