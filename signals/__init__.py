"""Regime signals: pure functions of the market frame returning a risk-off state and a score."""
