"""`analysis.verdict.compare`, each statistic re-derived here with plain numpy loops, seeded."""

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import optimal_block_length

from analysis.verdict import Settings, compare, indices, sentence

YEAR = 252
N = NormalDist()


def _series(n, *arrays, start="2000-01-03"):
    idx = pd.bdate_range(start, periods=n)
    return [pd.Series(a, index=idx) for a in arrays]


def _paired(n, seed, *, ir=0.0, te=0.02, bench_sharpe=0.5, bench_vol=0.10, rate=0.02, exact=False):
    """A benchmark, a strategy = benchmark + active returns with annual information ratio `ir`, a T-bill.

    `exact`: the active returns are made uncorrelated with the benchmark's and given exactly the mean and
    standard deviation of `ir` and `te` in the sample, so the edge planted is the edge the data holds.
    """
    rng = np.random.default_rng(seed)
    cash = np.full(n, rate / YEAR)
    bench = cash + rng.normal(bench_sharpe * bench_vol / YEAR, bench_vol / math.sqrt(YEAR), n)
    active = rng.normal(ir * te / YEAR, te / math.sqrt(YEAR), n)
    if exact:
        z = bench - bench.mean()
        noise = active - active.mean()
        noise -= z * (noise @ z) / (z @ z)
        active = ir * te / YEAR + noise / noise.std(ddof=1) * te / math.sqrt(YEAR)
    return _series(n, bench + active, bench, cash)


def _sharpe(x):
    return x.mean() / x.std(ddof=1)


def _influence(e1, e2):
    """The Sharpe difference's delta-method influence series, written out from its partial derivatives."""
    n = len(e1)
    out = np.zeros(n)
    for e, sign in ((e1, 1.0), (e2, -1.0)):
        m, s = e.mean(), e.std(ddof=1)
        var = s * s * (n - 1) / n  # the population variance
        k = math.sqrt(n / (n - 1))
        d_mean = (var + m * m) / (k * var**1.5)
        d_square = -m / (2 * k * var**1.5)
        out += sign * (d_mean * (e - m) + d_square * (e * e - (e * e).mean()))
    return out


def _bartlett(u, lags):
    n = len(u)
    s = u @ u / n
    for j in range(1, lags + 1):
        s += 2 * (1 - j / (lags + 1)) * (u[j:] @ u[:-j]) / n
    return s


def _blocks(u, b):
    n = len(u)
    whole = [u[i * b : (i + 1) * b].sum() for i in range(n // b)]
    return math.sqrt(np.mean(np.square(whole)) / b / n)


def _max_drawdown(r):
    v = np.concatenate([[1.0], np.cumprod(1 + r)])
    return (v / np.maximum.accumulate(v) - 1).min()


def _cagr(r):
    return np.prod(1 + r) ** (YEAR / len(r)) - 1


@pytest.mark.parametrize("bootstrap", ["circular", "stationary"])
def test_the_interval_and_p_value_are_a_direct_studentised_bootstrap_on_the_same_indices(bootstrap):
    s, b, c = _paired(700, seed=4, ir=0.8, te=0.05)
    st = Settings(resamples=300, seed=11, bootstrap=bootstrap)
    got = compare(s, b, c, settings=st)
    r1, r2, cash = s.to_numpy(), b.to_numpy(), c.to_numpy()
    e1, e2 = r1 - cash, r2 - cash
    u = _influence(e1, e2)
    block = max(1, math.ceil(optimal_block_length(u)[bootstrap].iloc[0]))
    assert got.block == block
    d0 = _sharpe(e1) - _sharpe(e2)
    se0 = math.sqrt(_bartlett(u, block - 1) / len(u))
    t, cagr, mdd = [], [], []
    for row in indices(len(s), block, st):
        x1, x2, k = r1[row], r2[row], cash[row]
        d = _sharpe(x1 - k) - _sharpe(x2 - k)
        t.append((d - d0) / _blocks(_influence(x1 - k, x2 - k), block))
        cagr.append(_cagr(x1) - _cagr(x2))
        mdd.append(_max_drawdown(x1) - _max_drawdown(x2))
    t = np.array(t)
    p = (1 + np.sum(t >= d0 / se0)) / (1 + len(t))
    q = np.quantile(t, [0.025, 0.975])
    k = math.sqrt(YEAR)
    v = got.verdict
    assert v.estimate == pytest.approx(k * d0, rel=1e-12)
    assert v.p_value == pytest.approx(p, abs=1e-12)
    assert v.ci == pytest.approx((k * (d0 - q[1] * se0), k * (d0 - q[0] * se0)), rel=1e-9)
    assert got.se == pytest.approx(k * se0, rel=1e-9)
    assert (got.cagr.lo, got.cagr.hi) == pytest.approx(tuple(np.quantile(cagr, [0.025, 0.975])), rel=1e-9)
    assert got.cagr.estimate == pytest.approx(_cagr(r1) - _cagr(r2), rel=1e-9)
    assert (got.max_drawdown.lo, got.max_drawdown.hi) == pytest.approx(
        tuple(np.quantile(mdd, [0.025, 0.975])), rel=1e-9
    )
    assert got.max_drawdown.estimate == pytest.approx(_max_drawdown(r1) - _max_drawdown(r2), rel=1e-9)
    a = r1 - r2
    assert got.information_ratio == pytest.approx(_sharpe(a) * k, rel=1e-12)
    assert got.active.to_numpy() == pytest.approx(a)
    d = a - a.mean()
    skew, kurt = np.mean(d**3) / np.mean(d**2) ** 1.5, np.mean(d**4) / np.mean(d**2) ** 2
    sr = _sharpe(a)
    z = sr * math.sqrt(len(a) - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)
    assert got.psr == pytest.approx(N.cdf(z), rel=1e-9)


def test_circular_indices_are_blocks_of_consecutive_days_that_wrap():
    idx = indices(50, 7, Settings(resamples=40, seed=3))
    assert idx.shape == (40, 50)
    starts = idx[:, ::7]
    for j in range(7):
        col = idx[:, j::7]
        assert (col == (starts[:, : col.shape[1]] + j) % 50).all()
    assert len(np.unique(starts)) > 40  # uniform starts, not one block repeated


def test_with_one_day_blocks_it_agrees_with_the_jobson_korkie_memmel_test():
    """iid normal returns: the bootstrap's p-value and interval against Memmel's (2003) asymptotic test."""
    n, rho = 2520, 0.8
    rng = np.random.default_rng(7)
    z1, z2 = rng.standard_normal((2, n))
    x2 = 0.0002 + 0.01 * z1
    x1 = 0.0004 + 0.01 * (rho * z1 + math.sqrt(1 - rho**2) * z2)
    s, b, c = _series(n, x1, x2, np.zeros(n))
    got = compare(s, b, c, settings=Settings(resamples=4000, seed=1, block=1))
    sr1, sr2, r = _sharpe(x1), _sharpe(x2), np.corrcoef(x1, x2)[0, 1]
    var = (2 - 2 * r + 0.5 * (sr1**2 + sr2**2 - 2 * sr1 * sr2 * r**2)) / n
    z = (sr1 - sr2) / math.sqrt(var)
    p = 1 - N.cdf(z)
    assert 0.02 < p < 0.3  # a case where the p-value is informative, not 0 or 1
    mc = 3 * math.sqrt(p * (1 - p) / 4000) + 0.01  # Monte-Carlo error, and the t's departure from normal
    assert got.verdict.p_value == pytest.approx(p, abs=mc)
    half = 1.96 * math.sqrt(var * YEAR)
    lo, hi = got.verdict.ci
    assert (hi - lo) / 2 == pytest.approx(half, rel=0.08)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_information_ratio_of_one_over_twenty_years_is_found(seed):
    s, b, c = _paired(20 * YEAR, seed, ir=1.0, exact=True)
    got = compare(s, b, c)
    assert got.verdict.p_value < 0.01
    assert got.verdict.outcome == "beats"
    assert sentence(got.verdict).startswith("beats 60/40 (Sharpe +")
    assert got.information_ratio == pytest.approx(1.0, rel=1e-9)
    assert got.psr > 0.99


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_information_ratio_of_a_tenth_is_not_claimed(seed):
    s, b, c = _paired(20 * YEAR, seed, ir=0.1, exact=True)
    got = compare(s, b, c)
    assert got.information_ratio == pytest.approx(0.1, rel=1e-9)
    assert got.verdict.outcome != "beats"
    assert got.verdict.p_value > 0.1


def test_a_strategy_worse_by_an_information_ratio_of_one_trails():
    s, b, c = _paired(20 * YEAR, 5, ir=-1.0, exact=True)
    v = compare(s, b, c, benchmark_name="vol_target").verdict
    assert v.outcome == "trails"
    assert sentence(v).startswith("trails the volatility target (Sharpe -")


def test_the_same_seed_gives_the_same_verdict_and_another_seed_another_draw():
    s, b, c = _paired(1000, 3, ir=0.5)
    one = compare(s, b, c, settings=Settings(resamples=200, seed=5))
    again = compare(s, b, c, settings=Settings(resamples=200, seed=5))
    other = compare(s, b, c, settings=Settings(resamples=200, seed=6))
    assert one.verdict == again.verdict
    assert one.verdict.ci != other.verdict.ci
    assert one.verdict.estimate == other.verdict.estimate


def test_series_on_different_days_are_refused():
    s, b, c = _paired(300, 0)
    with pytest.raises(ValueError, match="same days"):
        compare(s, b.iloc[1:], c.iloc[1:])


def test_a_portfolio_against_itself_has_no_difference_and_no_p_value():
    s, b, c = _paired(500, 0)
    got = compare(b, b, c)
    assert got.verdict.outcome == "no_evidence"
    assert sentence(got.verdict) == "no evidence it beats 60/40 (Sharpe +0.00, 95% CI +0.00 to +0.00, p n/a)"
    assert (got.active == 0).all() and got.cagr.estimate == 0.0


def test_a_signal_rarely_on_gets_the_percentile_interval_not_a_blown_up_one():
    # the strategy differs from the benchmark on two 10-day episodes of 3,000 days (a signal rarely on):
    # with 100-day blocks, about one resample in nine holds neither episode, and there the studentised
    # statistic is 0/0 (an interval of ~1e10 before). The percentile interval of the difference itself,
    # and the share of resampled differences at or below zero, re-derived here on the same indices.
    rng = np.random.default_rng(3)
    n = 3_000
    cash = np.full(n, 0.02 / YEAR)
    bench = cash + rng.normal(0.05 / YEAR, 0.10 / math.sqrt(YEAR), n)
    strat = bench.copy()
    for start in (700, 2_100):
        strat[start : start + 10] = cash[start : start + 10]  # de-risked to cash for 10 days
    s, b, c = _series(n, strat, bench, cash)
    st = Settings(resamples=400, seed=5, block=100)
    got = compare(s, b, c, settings=st)
    rows = indices(n, 100, st)
    d = np.array([_sharpe(strat[r] - cash[r]) - _sharpe(bench[r] - cash[r]) for r in rows])
    empty = sum(not np.any(strat[r] != bench[r]) for r in rows)
    assert empty > 10  # the case this test is about
    v = got.verdict
    assert v.ci == pytest.approx(tuple(math.sqrt(YEAR) * np.quantile(d, [0.025, 0.975])), rel=1e-9, abs=1e-12)
    assert v.p_value == pytest.approx((1 + np.sum(d <= 0)) / (1 + len(d)), abs=1e-12)
    assert abs(v.ci[0]) < 1 and abs(v.ci[1]) < 1  # Sharpe units, not 1e10
    assert "percentile" in v.test and f"{empty:,} resamples hold no day" in v.test


@pytest.mark.parametrize(("n", "block"), [(700, 1), (700, 3), (701, 7), (700, 7), (640, 20), (650, 213)])
def test_circular_resamples_by_blocks_equal_the_resampled_days(n, block):
    """The circular bootstrap's statistics from its blocks' tables are those of its resampled days."""
    from analysis.verdict import _resampled, _resampled_blocks, block_tables, circular_starts

    s, b, c = _paired(n, seed=5, ir=0.5, te=0.04)
    r1, r2, cash = s.to_numpy(), b.to_numpy(), c.to_numpy()
    y1, y2, lg1, lg2 = r1 - cash, r2 - cash, np.log1p(r1), np.log1p(r2)
    st = Settings(resamples=60, seed=2)
    idx = indices(n, block, st)
    starts = circular_starts(n, block, st)
    assert np.array_equal(idx[:, ::block], starts)  # the same draws
    tables = block_tables(
        np.stack([y1, y2, y1 * y1, y2 * y2]), np.stack([lg1, lg2]), (block, n % block or block)
    )
    days = _resampled(y1, y2, lg1, lg2, idx, block)
    blocks = _resampled_blocks(tables, starts, n, block)
    for got, want in zip(blocks, days, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)
    # the drawdowns themselves, on the resampled days' paths, the initial capital a peak
    for row, dd in zip(idx[:5], blocks[3][:5], strict=True):
        assert dd == pytest.approx(_max_drawdown(r1[row]) - _max_drawdown(r2[row]), rel=1e-9, abs=1e-15)
