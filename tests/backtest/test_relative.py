"""Relative metrics (strategy vs a benchmark) re-derived independently."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as M


def test_relative_metrics_by_hand():
    idx = pd.bdate_range("2021-01-01", periods=6)
    b = pd.Series([0.01, -0.02, 0.03, -0.01, 0.0, 0.02], index=idx)
    s = pd.Series([0.005, -0.01, 0.02, -0.004, 0.001, 0.01], index=idx)
    cash = pd.Series(0.0001, index=idx)
    vs, vb = 100 * (1 + s).cumprod(), 100 * (1 + b).cumprod()
    ms, mb = M.performance(vs, cash, 100.0), M.performance(vb, cash, 100.0)
    got = M.relative(ms, mb, s, b)
    # up days of b: 0.01, 0.03, 0.02 -> strategy 0.005, 0.02, 0.01
    assert got["up_capture"] == pytest.approx((0.035 / 3) / (0.06 / 3))
    # down days: -0.02, -0.01 -> -0.01, -0.004 (the flat day counts in neither)
    assert got["down_capture"] == pytest.approx((-0.014 / 2) / (-0.03 / 2))
    d = (s - b).to_numpy()
    assert got["tracking_error"] == pytest.approx(np.std(d, ddof=1) * math.sqrt(252))
    growth_s, growth_b = np.prod(1 + s.to_numpy()), np.prod(1 + b.to_numpy())
    assert got["excess_cagr"] == pytest.approx(growth_s ** (252 / 6) - growth_b ** (252 / 6))
    dd = lambda v: (v / np.maximum.accumulate(v) - 1).min()  # noqa: E731
    full = lambda r: np.concatenate([[1.0], np.cumprod(1 + r.to_numpy())])  # noqa: E731
    assert got["max_drawdown_reduction"] == pytest.approx(dd(full(s)) - dd(full(b)))
    assert got["max_drawdown_reduction"] > 0  # the strategy fell less
    sh = lambda r: (r - 0.0001).mean() / (r - 0.0001).std(ddof=1) * math.sqrt(252)  # noqa: E731
    assert got["sharpe_diff"] == pytest.approx(sh(s) - sh(b))


def test_a_portfolio_against_itself():
    idx = pd.bdate_range("2021-01-01", periods=50)
    r = pd.Series(np.random.default_rng(1).normal(0, 0.01, 50), index=idx)
    m = M.performance(100 * (1 + r).cumprod(), r * 0, 100.0)
    got = M.relative(m, m, r, r)
    assert got["up_capture"] == got["down_capture"] == 1.0
    assert got["tracking_error"] == got["excess_cagr"] == got["max_drawdown_reduction"] == 0.0
