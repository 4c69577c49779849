"""Analyses of signals and backtests in plain pandas (event studies)."""
