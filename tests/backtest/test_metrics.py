"""Every reported metric re-derived independently from the daily values (numpy only)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as M


@pytest.fixture
def path():
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2020-01-01", periods=600)
    r = rng.normal(0.0004, 0.01, len(idx))
    value = pd.Series(100.0 * np.cumprod(1 + r), index=idx)
    cash = pd.Series(rng.uniform(0, 0.0002, len(idx)), index=idx)
    return value, cash, 100.0


def test_performance_matches_independent_formulas(path):
    value, cash, init = path
    v = np.concatenate([[init], value.to_numpy()])
    r = v[1:] / v[:-1] - 1
    ex = r - cash.to_numpy()
    n = len(r)
    years = n / 252
    expected_cagr = (v[-1] / v[0]) ** (1 / years) - 1
    peak = np.maximum.accumulate(v)
    mdd = (v / peak - 1).min()
    got = M.performance(value, cash, init)
    assert got["total_return"] == pytest.approx(v[-1] / v[0] - 1, rel=1e-12)
    assert got["cagr"] == pytest.approx(expected_cagr, rel=1e-10)
    assert got["volatility"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(252), rel=1e-10)
    assert got["sharpe_excess_tbill"] == pytest.approx(
        ex.mean() / np.std(ex, ddof=1) * math.sqrt(252), rel=1e-10
    )
    downside = math.sqrt(np.mean(np.minimum(ex, 0) ** 2))
    assert got["sortino_excess_tbill"] == pytest.approx(ex.mean() / downside * math.sqrt(252), rel=1e-10)
    assert got["max_drawdown"] == pytest.approx(mdd, rel=1e-12)
    assert got["calmar"] == pytest.approx(expected_cagr / abs(mdd), rel=1e-10)


def test_drawdown_from_first_day_counts_the_initial_capital():
    value = pd.Series([90.0, 95.0, 99.0], index=pd.bdate_range("2021-01-01", periods=3))
    got = M.performance(value, pd.Series(0.0, index=value.index), 100.0)
    assert got["max_drawdown"] == pytest.approx(-0.10)


def test_trading_metrics():
    idx = pd.bdate_range("2021-01-01", periods=504)
    value = pd.Series(2.0, index=idx)
    orders = pd.DataFrame(
        {
            "date": [idx[0], idx[10], idx[10]],
            "size": [1.0, -0.5, 0.25],
            "price": [2.0, 2.0, 4.0],
            "close": [1.99, 2.01, 3.98],
            "fees": [0.01, 0.02, 0.005],
        }
    )
    got = M.trading(orders, value, n_days=504)
    # notional 2.0, 1.0 and 1.0 on a value of 2.0 -> 2.0 of the portfolio traded, halved (one-way), 2 years
    # slippage: 1.0 x 0.01 + 0.5 x 0.01 + 0.25 x 0.02
    assert got == {
        "fees_total": pytest.approx(0.035),
        "slippage_total": pytest.approx(0.02),
        "costs_total": pytest.approx(0.055),
        "turnover_per_year": pytest.approx(0.5),
        "n_orders": 3.0,
        "n_rebalances": 2.0,
    }


def test_regime_metrics():
    s = pd.Series([True, True, False, False, True, False, False, False])
    got = M.regime(s)
    assert got["time_in_risk_off"] == pytest.approx(3 / 8)
    assert got["n_switches"] == 3  # on->off, off->on, on->off; the starting state is not a switch


def by_hand(value: np.ndarray, cash: np.ndarray, init: float) -> dict[str, float]:
    """The standard metric set of one portfolio, in plain numpy, loop-free but independent of the module."""
    v = np.concatenate([[init], value])
    r = v[1:] / v[:-1] - 1
    ex = r - cash
    growth = (v[-1] / v[0]) ** (252 / len(r)) - 1
    mdd = (v / np.maximum.accumulate(v) - 1).min()
    sd = np.std(ex, ddof=1)
    downside = math.sqrt(np.mean(np.minimum(ex, 0) ** 2))
    return {
        "total_return": v[-1] / v[0] - 1,
        "cagr": growth,
        "volatility": np.std(r, ddof=1) * math.sqrt(252),
        "sharpe_excess_tbill": ex.mean() / sd * math.sqrt(252) if sd > 0 else math.nan,
        "sortino_excess_tbill": ex.mean() / downside * math.sqrt(252) if downside > 0 else math.nan,
        "max_drawdown": mdd,
        "calmar": growth / abs(mdd) if mdd < 0 else math.nan,
    }


@pytest.fixture
def paths():
    """Six portfolios side by side: random walks, one that never falls, one flat at the initial capital."""
    rng = np.random.default_rng(4)
    r = rng.normal(3e-4, 0.01, size=(700, 6))
    r[:, 4] = np.abs(r[:, 4])  # never falls: no drawdown, no downside
    r[:, 5] = 0.0  # flat: no volatility
    cash = np.where(np.arange(700) % 2 == 0, rng.uniform(0, 2e-4, 700), 0.0)
    return 50.0 * np.cumprod(1 + r, axis=0), cash, 50.0


def test_performance_of_each_column_matches_independent_formulas(paths):
    value, cash, init = paths
    got = M.performance(value, cash, init)
    for j in range(value.shape[1]):
        want = by_hand(value[:, j], cash, init)
        for k, v in want.items():
            assert got[k][j] == pytest.approx(v, rel=1e-10, nan_ok=True), (k, j)
    assert np.isnan(got["calmar"][4:]).all() and got["volatility"][5] == 0.0  # no drawdown; flat


def test_one_column_gives_floats_equal_to_its_column_in_any_grid(paths):
    value, cash, init = paths
    whole = M.performance(value, cash, init)
    part = M.performance(value[:, 1:3], cash, init)
    for j in range(value.shape[1]):
        one = M.performance(value[:, j], cash, init)
        assert all(type(v) is float for v in one.values())
        for k, v in one.items():  # to the last bit: single runs, chunked and whole grids agree exactly
            assert v == whole[k][j] or (math.isnan(v) and math.isnan(whole[k][j])), (k, j)
            if j in (1, 2):
                assert part[k][j - 1] == whole[k][j] or math.isnan(v), (k, j)


def test_daily_returns_are_pandas_pct_change_from_the_initial_capital_also_into_a_slice(paths):
    value, _, init = paths
    want = pd.DataFrame(np.vstack([np.full((1, value.shape[1]), init), value])).pct_change().to_numpy()[1:]
    assert np.array_equal(M.daily_returns(value, init), want)
    assert np.array_equal(M.daily_returns(value[:, 2], init), want[:, 2])  # one portfolio
    every = np.full((len(value), 10), 7.0)  # a grid's array of all returns: this batch is columns 3..8
    got = M.daily_returns(value, init, out=every[:, 3:9])
    assert got.base is every and np.array_equal(every[:, 3:9], want)
    assert (every[:, :3] == 7.0).all() and (every[:, 9:] == 7.0).all()  # nothing written beside it


def test_relative_of_each_column_matches_independent_formulas(paths):
    value, cash, init = paths
    r = np.vstack([value[:1] / init, value[1:] / value[:-1]]) - 1
    b = np.random.default_rng(5).normal(2e-4, 0.008, len(r))
    b[::7] = 0.0  # flat days count as neither up nor down
    mine = M.performance(value, cash, init)
    bench = M.performance(init * np.cumprod(1 + b), cash, init)
    got = M.relative(mine, bench, r, b)
    for j in range(r.shape[1]):
        rj = r[:, j]
        want = {
            "up_capture": rj[b > 0].mean() / b[b > 0].mean(),
            "down_capture": rj[b < 0].mean() / b[b < 0].mean(),
            "tracking_error": np.std(rj - b, ddof=1) * math.sqrt(252),
            "excess_cagr": np.prod(1 + rj) ** (252 / len(b)) - np.prod(1 + b) ** (252 / len(b)),
        }
        for k, v in want.items():
            assert got[k][j] == pytest.approx(v, rel=1e-10), (k, j)
        one = M.relative({k: x[j] for k, x in mine.items()}, bench, rj, b)
        assert one == {k: x[j] for k, x in got.items()}


def test_capture_without_down_days_is_nan_for_every_column():
    b = np.array([0.01, 0.0, 0.02])
    got = M.relative(dict.fromkeys(("cagr", "sharpe_excess_tbill", "max_drawdown"), np.zeros(2)),
                     dict.fromkeys(("cagr", "sharpe_excess_tbill", "max_drawdown"), 0.0),
                     np.array([[0.02, 0.0], [0.0, 0.0], [0.01, 0.01]]), b)  # fmt: skip
    assert np.isnan(got["down_capture"]).all()
    np.testing.assert_allclose(got["up_capture"], [0.03 / 0.03, 0.01 / 0.03])


def test_regime_metrics_of_each_column():
    rng = np.random.default_rng(6)
    s = rng.random((200, 5)) < 0.3
    s[:, 0] = True  # always risk-off: no switch
    got = M.regime(s)
    for j in range(5):
        col = s[:, j].tolist()
        switches = sum(a != b for a, b in zip(col, col[1:], strict=False))
        assert got["time_in_risk_off"][j] == pytest.approx(sum(col) / 200)
        assert got["n_switches"][j] == switches
    assert got["n_switches"][0] == 0
    assert M.regime(s[:, 3]) == {k: v[3] for k, v in got.items()}


def test_order_totals_per_portfolio_match_a_groupby():
    rng = np.random.default_rng(7)
    n = 300
    o = pd.DataFrame(
        {
            "group": rng.choice([0, 1, 3], n),  # portfolio 2 trades nothing
            "day": rng.integers(0, 60, n),
            "size": rng.normal(0, 2, n),
            "price": rng.uniform(50, 60, n),
            "fees": rng.uniform(0, 0.01, n),
            "value": rng.uniform(900, 1100, n),
        }
    )
    o["close"] = o["price"] * rng.uniform(0.998, 1.002, n)
    got = M.order_totals(o["size"], o["price"], o["close"], o["fees"], o["value"], o["day"], o["group"], 4)
    g = o.assign(
        traded=(o["size"] * o["price"]).abs() / o["value"],
        slip=o["size"].abs() * (o["price"] - o["close"]).abs(),
    ).groupby("group")
    want = pd.DataFrame(
        {
            "fees": g["fees"].sum(),
            "slippage": g["slip"].sum(),
            "traded": g["traded"].sum(),
            "n_orders": g.size().astype(float),
            "n_rebalances": g["day"].nunique().astype(float),
        }
    ).reindex(range(4), fill_value=0.0)
    for k in want:
        np.testing.assert_allclose(got[k], want[k].to_numpy(), rtol=1e-12, err_msg=k)
    tm = M.trading_metrics(got, n_days=504)
    np.testing.assert_allclose(tm["turnover_per_year"], want["traded"] / 2 / 2, rtol=1e-12)
    np.testing.assert_allclose(tm["costs_total"], want["fees"] + want["slippage"], rtol=1e-12)


def test_no_orders_no_trading():
    idx = pd.bdate_range("2021-01-01", periods=10)
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in ("size", "price", "close", "fees")})
    empty.insert(0, "date", pd.Series(dtype="datetime64[ns]"))
    got = M.trading(empty, pd.Series(1.0, index=idx), n_days=10)
    keys = ("fees_total", "slippage_total", "costs_total", "turnover_per_year", "n_orders", "n_rebalances")
    assert got == dict.fromkeys(keys, 0.0)


def test_the_registry_names_every_metric_a_run_reports(path):
    value, cash, init = path
    idx = value.index
    orders = pd.DataFrame({"date": idx[:2], "size": [1.0, 1.0], "price": 1.0, "close": 1.0, "fees": 0.0})
    keys = [
        *M.performance(value, cash, init),
        *M.trading(orders, value, len(idx)),
        *M.regime(np.zeros(len(idx), dtype=bool)),
        "signal_coverage",
    ]
    assert sorted(keys) == sorted(M.METRICS)
    m = M.performance(value, cash, init)
    assert list(M.relative(m, m, np.zeros(len(idx)), np.zeros(len(idx)))) == list(M.RELATIVE)
    assert len({m.label for m in (*M.METRICS.values(), *M.RELATIVE.values())}) == len(M.METRICS) + len(
        M.RELATIVE
    )
    assert M.METRICS["cagr"].format(0.12345) == "12.35%"
    assert M.METRICS["sharpe_excess_tbill"].format(0.5349) == "0.53"
    assert M.METRICS["sharpe_excess_tbill"].format(0.5349, digits=3) == "0.535"
    assert M.METRICS["n_orders"].format(41.6) == "42"
    assert M.METRICS["calmar"].format(float("nan")) == M.METRICS["calmar"].format(None) == "-"


def test_each_declaration_is_complete_and_its_direction_is_right():
    """Every metric says its unit, direction and meaning; a path better on every day ranks better."""
    for m in (*M.METRICS.values(), *M.RELATIVE.values()):
        assert m.kind in ("pct", "num", "int") and m.description and m.short, m.name
        assert (m.compute is None) == (m.family == "signal"), m.name
    rng = np.random.default_rng(5)
    r = rng.normal(0.0003, 0.01, 500)
    cash = np.full(500, 0.0001)
    worse, better = (np.cumprod(1 + x) for x in (r, r + 0.0004))  # the same path, 4bp more a day
    a, b = M.performance(worse, cash, 1.0), M.performance(better, cash, 1.0)
    for name in a:
        if M.METRICS[name].higher_is_better:
            assert b[name] > a[name], name
    calm, wild = M.performance(np.cumprod(1 + r / 2), cash, 1.0), M.performance(np.cumprod(1 + r), cash, 1.0)
    assert M.METRICS["volatility"].higher_is_better is False and calm["volatility"] < wild["volatility"]
