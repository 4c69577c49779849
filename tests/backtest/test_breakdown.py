"""backtest.breakdown re-derived in plain pandas/numpy: worst drawdowns, monthly returns, returns by
regime and rolling Sharpe, on tiny hand-built series and on a real run of the bundled data."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from backtest import breakdown
from backtest.engine import INIT_CASH


@pytest.fixture(scope="module")
def run():
    from pipeline import api

    return api.backtest("move_vix_wedge").run


def _cash(run) -> pd.Series:
    idx = run.strategy.value.index
    return run.prices["cash"].pct_change().reindex(idx)


def test_doctests():
    assert doctest.testmod(breakdown).failed == 0


def naive_drawdowns(value: pd.Series, initial: float) -> list[dict]:
    """Walk the days: a drawdown opens when the value falls below the peak and closes when it is back."""
    out, peak, peak_i, cur = [], initial, -1, None
    for i, v in enumerate(value.to_numpy()):
        if v >= peak:
            if cur is not None:
                cur["recovery"], cur["days"] = value.index[i], i - max(peak_i, 0)
                out.append(cur)
                cur = None
            peak, peak_i = v, i
            continue
        if cur is None:
            cur = {"start": value.index[max(peak_i, 0)], "depth": 0.0, "trough": None}
        if v / peak - 1 < cur["depth"]:
            cur["depth"], cur["trough"] = v / peak - 1, value.index[i]
    if cur is not None:
        cur["recovery"], cur["days"] = pd.NaT, len(value) - 1 - max(peak_i, 0)
        out.append(cur)
    return sorted(out, key=lambda r: r["depth"])


def test_drawdowns_by_hand():
    idx = pd.bdate_range("2024-01-01", periods=9)
    v = pd.Series([95.0, 97, 101, 99, 102, 90, 95, 103, 100], index=idx)  # starts below the initial 100
    table = breakdown.drawdowns(v, 100.0)
    expected = [90 / 102 - 1, -0.05, 100 / 103 - 1, 99 / 101 - 1]
    np.testing.assert_allclose(table["depth"], expected, rtol=1e-12)
    first = table.iloc[0]
    assert (first["start"], first["trough"], first["recovery"], first["days"]) == (idx[4], idx[5], idx[7], 3)
    opening = table.iloc[1]  # from the initial capital: starts on the first day
    assert (opening["start"], opening["trough"], opening["recovery"], opening["days"]) == (
        idx[0],
        idx[0],
        idx[2],
        2,
    )
    assert pd.isna(table.iloc[2]["recovery"]) and table.iloc[2]["days"] == 1  # not recovered by the end
    walked = naive_drawdowns(v, 100.0)
    assert [r["depth"] for r in walked] == pytest.approx(expected, rel=1e-12)


def test_worst_drawdowns_of_a_real_run_match_a_walk_and_the_max_drawdown_metric(run):
    value = run.strategy.value
    table = breakdown.drawdowns(value, INIT_CASH, n=5)
    walked = naive_drawdowns(value, INIT_CASH)[:5]
    assert len(table) == 5
    for row, ref in zip(table.to_dict("records"), walked, strict=True):
        assert row["depth"] == pytest.approx(ref["depth"], abs=1e-12)
        assert (row["trough"], row["days"]) == (ref["trough"], ref["days"])
        assert row["recovery"] == ref["recovery"] or (pd.isna(row["recovery"]) and pd.isna(ref["recovery"]))
        assert row["start"] == ref["start"]
    assert table["depth"].iloc[0] == pytest.approx(run.strategy.metrics["max_drawdown"], abs=1e-12)


def test_monthly_returns_compound_each_month(run):
    r = run.strategy.returns
    table = breakdown.monthly_returns(r)
    for (year, month), days in r.groupby([r.index.year, r.index.month]):
        expected = math.prod(1 + x for x in days) - 1
        assert table.loc[year, month] == pytest.approx(expected, rel=1e-10, abs=1e-14)
    for year, days in r.groupby(r.index.year):
        assert table.loc[year, "year"] == pytest.approx(math.prod(1 + x for x in days) - 1, rel=1e-10)
    first = r.index[0]
    assert all(np.isnan(table.loc[first.year, m]) for m in range(1, first.month))  # before the first day
    total = np.prod(1 + table["year"].to_numpy()) - 1
    assert total == pytest.approx(run.strategy.metrics["total_return"], rel=1e-9)


def test_returns_by_regime(run):
    returns = pd.DataFrame({n: run.portfolios[n].returns for n in ("strategy", "sixty_forty")})
    cash = _cash(run)
    state = run.signal.risk_off.reindex(returns.index)
    table = breakdown.regime_returns(returns, cash, state)
    prev = state.astype(bool).shift(1)
    for name in returns:
        for regime, want in (("risk-off", True), ("risk-on", False)):
            days = prev.index[1:][(prev.iloc[1:] == want).to_numpy()]
            r = returns.loc[days, name]
            ex = r - cash.loc[days]
            row = table.loc[(name, regime)]
            assert row["days"] == len(days)
            assert row["share"] == pytest.approx(len(days) / (len(returns) - 1))
            assert row["total_return"] == pytest.approx((1 + r).prod() - 1, rel=1e-10)
            assert row["cagr"] == pytest.approx((1 + r).prod() ** (252 / len(r)) - 1, rel=1e-10)
            assert row["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(252), rel=1e-10)
            assert row["sharpe_excess_tbill"] == pytest.approx(
                ex.mean() / ex.std(ddof=1) * math.sqrt(252), rel=1e-9
            )
    assert table.loc[("strategy", "risk-off"), "days"] > 100


def test_rolling_sharpe_is_the_sharpe_of_each_trailing_year(run):
    returns = pd.DataFrame({n: run.portfolios[n].returns for n in ("strategy", "sixty_forty")})
    cash = _cash(run)
    roll = breakdown.rolling_sharpe(returns, cash, window=252)
    assert roll.iloc[:251].isna().all().all() and roll.iloc[251:].notna().all().all()
    ex = returns.sub(cash, axis=0)
    for i in (251, 1000, len(ex) - 1):
        w = ex.iloc[i - 251 : i + 1]
        expected = w.mean() / w.std(ddof=1) * math.sqrt(252)
        np.testing.assert_allclose(roll.iloc[i].to_numpy(), expected.to_numpy(), rtol=1e-9)
    pandas_roll = ex.rolling(252).mean() / ex.rolling(252).std() * math.sqrt(252)
    np.testing.assert_allclose(roll.to_numpy(), pandas_roll.to_numpy(), rtol=1e-6, equal_nan=True)


def test_rolling_sharpe_shorter_than_the_window_is_all_nan():
    idx = pd.bdate_range("2024-01-01", periods=10)
    r = pd.DataFrame({"a": np.linspace(-0.01, 0.01, 10)}, index=idx)
    assert breakdown.rolling_sharpe(r, pd.Series(0.0, index=idx), window=20).isna().all().all()
