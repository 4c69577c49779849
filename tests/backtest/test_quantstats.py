"""Our metrics agree with quantstats on the same returns, conventions aligned (see backtest/metrics.py).

Alignment: quantstats' Sharpe/Sortino take a constant annual rf; ours subtract the realised daily T-bill
return, so quantstats gets the excess returns with rf=0. Both annualise on 252 periods, compound for
CAGR with years = observations / 252, and measure drawdowns from the initial capital.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as M

qs = pytest.importorskip("quantstats")


@pytest.fixture(scope="module")
def path(bundled):
    """A real path: 60/40 daily returns of SPY/IEF, cash the synthetic T-bill."""
    from market.frame import tbill_price

    f = bundled.frame.loc["2006-01-03":"2015-12-31"]
    px = pd.DataFrame({"e": f["SPY"], "b": f["IEF"], "c": tbill_price(f["TBILL3M"])}).dropna()
    r = px.pct_change().dropna()
    port = 0.6 * r["e"] + 0.4 * r["b"]
    value = 100.0 * (1 + port).cumprod()
    return value, r["c"], port


def test_sharpe_sortino_cagr_max_drawdown_agree_with_quantstats(path):
    value, cash_r, r = path
    ours = M.performance(value, cash_r, 100.0)
    ex = r - cash_r
    assert ours["sharpe_excess_tbill"] == pytest.approx(qs.stats.sharpe(ex, rf=0.0, periods=252), rel=1e-9)
    assert ours["sortino_excess_tbill"] == pytest.approx(qs.stats.sortino(ex, rf=0.0, periods=252), rel=1e-9)
    assert ours["cagr"] == pytest.approx(qs.stats.cagr(r, periods=252), rel=1e-9)
    assert ours["max_drawdown"] == pytest.approx(qs.stats.max_drawdown(r), rel=1e-9)
    assert ours["volatility"] == pytest.approx(qs.stats.volatility(r, periods=252), rel=1e-9)
    assert ours["max_drawdown"] < -0.15  # 2008 is in the sample: the drawdown is a real one


def test_a_constant_rf_is_where_conventions_differ(path):
    """quantstats de-annualises a constant rf geometrically; with rf=4% it differs from ours by design."""
    value, _, r = path
    daily = (1.04) ** (1 / 252) - 1
    ours = M.performance(value, pd.Series(daily, index=r.index), 100.0)
    assert ours["sharpe_excess_tbill"] == pytest.approx(qs.stats.sharpe(r, rf=0.04, periods=252), rel=1e-9)
    assert not np.isclose(ours["sharpe_excess_tbill"], qs.stats.sharpe(r, rf=0.0, periods=252))
