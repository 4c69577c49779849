"""SPA, StepM and BY q-values re-derived: brute force in numpy, `arch` itself, known truths."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from arch.bootstrap import SPA, StepM

from analysis.search_tests import (
    Resampled,
    bootstrap_indices,
    long_run_variance,
    q_values,
    resampled_means,
    superiority,
)

YEAR = 252


def _panel(seed: int, days: int, k: int, edge: dict[int, float] | None = None) -> np.ndarray:
    """Active daily returns: a common factor plus noise (1% a day), `edge` planted as daily means."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 0.006, (days, 1))
    x = common + rng.normal(0, 0.008, (days, k))
    for j, mu in (edge or {}).items():
        x[:, j] += mu
    return x


def _brute_spa(x: np.ndarray, idx: np.ndarray, block: int, size: float = 0.05):
    """Hansen's SPA and StepM by the book: a loop over resamples and over lags (own numpy)."""
    t, k = x.shape
    mean = x.mean(0)
    d = x - mean
    p = 1 / block
    var = (d**2).sum(0) / t
    for i in range(1, t):
        kappa = (1 - i / t) * (1 - p) ** i + (i / t) * (1 - p) ** (t - i)
        var += 2 * kappa * (d[: t - i] * d[i:]).sum(0) / t
    star = np.array([x[row].mean(0) for row in idx])
    keep = mean >= -np.sqrt(var / t * 2 * np.log(np.log(t)))
    centre = {"lower": np.maximum(mean, 0), "consistent": np.where(keep, mean, 0), "upper": mean}
    pv = {n: np.mean((star - c).max(1) > mean.max()) for n, c in centre.items()}
    # White's Reality Check is the upper one: every configuration recentred
    rc = np.mean(np.max(star - mean, axis=1) > mean.max())
    left, found = np.ones(k, bool), []
    sim = star - centre["consistent"]
    while left.any():
        crit = np.percentile(sim[:, left].max(1), 100 * (1 - size))
        new = [j for j in range(k) if left[j] and mean[j] > crit]
        if not new:
            break
        found += new
        left[new] = False
    return pv, rc, sorted(found), var


@pytest.mark.parametrize("seed", [0, 1])
def test_spa_against_a_brute_force_reality_check(seed):
    x = _panel(seed, 300, 12, edge={2: 0.0015, 5: 0.001, 9: -0.002})
    s = superiority(x, reps=200, block=8, seed=seed)
    idx = bootstrap_indices(300, 200, 8, seed)
    pv, rc, found, var = _brute_spa(x, idx, 8)
    assert s.p_consistent == pytest.approx(pv["consistent"], abs=1e-12)
    assert s.p_lower == pytest.approx(pv["lower"], abs=1e-12)
    assert s.p_upper == pytest.approx(rc, abs=1e-12)
    assert list(s.survivors) == found
    np.testing.assert_allclose(long_run_variance(x, 8), var, rtol=1e-10)
    assert s.best == int(np.argmax(x.mean(0)))


def test_the_bootstrap_indices_are_arch_s_and_resample_the_days():
    idx = bootstrap_indices(50, 4, 5, seed=3)
    assert idx.shape == (4, 50) and idx.min() >= 0 and idx.max() < 50
    from arch.bootstrap import StationaryBootstrap

    bs = StationaryBootstrap(5, np.arange(50.0), seed=3)
    for row, (pos, _) in zip(idx, bs.bootstrap(4), strict=True):
        np.testing.assert_array_equal(np.arange(50.0)[row], pos[0])


def test_the_matrix_product_means_equal_arch_s():
    x = _panel(4, 250, 7)
    spa = SPA(np.zeros(250), -x, block_size=6, reps=150, seed=11)
    spa.compute()
    upper = spa._simulated_vals[:, :, 2].T + x.mean(0)  # arch's resampled means, resamples x configurations
    ours = resampled_means(x, bootstrap_indices(250, 150, 6, 11), batch=40)  # batches: a partial one too
    np.testing.assert_allclose(ours, upper, rtol=0, atol=1e-15)
    direct = np.array([x[row].mean(0) for row in bootstrap_indices(250, 150, 6, 11)])
    np.testing.assert_allclose(ours, direct, rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 7, 21])
def test_p_values_and_survivors_equal_arch_s(seed):
    x = _panel(seed, 400, 25, edge={3: 0.0012, 7: 0.0009, 11: -0.001})
    s = superiority(x, reps=300, block=10, seed=seed)
    spa = SPA(np.zeros(400), -x, block_size=10, reps=300, seed=seed)  # losses: minus the returns
    spa.compute()
    assert (s.p_lower, s.p_consistent, s.p_upper) == pytest.approx(tuple(spa.pvalues), abs=1e-12)
    m = StepM(np.zeros(400), -x, block_size=10, reps=300, seed=seed)
    m.compute()
    assert list(s.survivors) == sorted(m.superior_models)


def test_blocks_of_configurations_give_the_whole_panel_s_answer():
    x = _panel(5, 300, 30, edge={4: 0.002, 20: 0.0015})
    whole = superiority(x, reps=200, block=9, seed=2)
    parts = superiority((x[:, lo : lo + 7] for lo in range(0, 30, 7)), reps=200, block=9, seed=2)
    assert parts == whole
    assert whole.survivors  # the test above would hold for nothing found too


def _configurations_and_benchmark(seed: int, days: int, k: int):
    """Configurations' own daily returns, most near the benchmark's (as de-risking strategies are)."""
    rng = np.random.default_rng(seed)
    bench = rng.normal(3e-4, 0.007, days)
    x = 0.8 * bench[:, None] + rng.normal(0, 0.003, (days, k)) + rng.normal(-1e-4, 2e-4, k)
    x[:, 5] += 9e-4  # one that beats it
    return np.asfortranarray(x), bench


@pytest.mark.parametrize("seed", [0, 3])
def test_chunk_by_chunk_statistics_against_a_benchmark_are_arch_s(seed):
    """`Resampled`: each chunk's own statistics, the benchmark's added at the end: arch on x − b."""
    x, bench = _configurations_and_benchmark(seed, 400, 23)
    r = Resampled(23, reps=300, block=10, seed=seed)
    for lo in sorted(range(0, 23, 6), reverse=True):  # chunks (a partial one too) as threads finish them
        r.add(lo, x[:, lo : lo + 6])
    assert r.complete and r.ready(300, 10, seed, 400) and not r.ready(300, 10, seed + 1, 400)
    s = r.against(x, bench)
    spa = SPA(-bench, -x, block_size=10, reps=300, seed=seed)  # losses: minus the returns
    spa.compute()
    assert (s.p_lower, s.p_consistent, s.p_upper) == pytest.approx(tuple(spa.pvalues), abs=1e-12)
    m = StepM(-bench, -x, block_size=10, reps=300, seed=seed)
    m.compute()
    assert list(s.survivors) == sorted(m.superior_models) and 5 in s.survivors
    whole = superiority(x - bench[:, None], reps=300, block=10, seed=seed)
    assert s.mean_active == pytest.approx(whole.mean_active, rel=1e-12)
    assert replace(s, mean_active=0.0) == replace(whole, mean_active=0.0)


def test_the_long_run_variance_of_the_active_returns_from_its_parts():
    """LRV(x − b) = LRV(x) − x̃·u + LRV(b): against the brute-force loop over lags on x − b."""
    from analysis.search_tests import cross_weights

    x, bench = _configurations_and_benchmark(9, 300, 8)
    active = x - bench[:, None]
    *_, var = _brute_spa(active, bootstrap_indices(300, 2, 8, 0), 8)
    u = cross_weights(bench, 8)
    parts = long_run_variance(x, 8) - (x.T @ u - x.mean(0) * u.sum()) + long_run_variance(bench[:, None], 8)
    np.testing.assert_allclose(parts, var, rtol=1e-10)
    assert not np.allclose(long_run_variance(x, 8), var, rtol=1e-2)  # the cross term matters


def test_a_planted_edge_is_found_and_skill_less_configurations_are_not():
    days = 20 * YEAR  # 20 synthetic years
    sd_active = 0.01  # the panel's active daily volatility: √(0.006² + 0.008²)
    ir1 = 1.0 * sd_active / np.sqrt(YEAR)  # an information ratio of 1, as a daily mean
    x = _panel(3, days, 50, edge={17: ir1})
    s = superiority(x, reps=1000, block=10, seed=0)
    assert s.p_consistent < 0.01
    assert 17 in s.survivors and s.best == 17
    small = _panel(3, days, 50, edge={17: 0.1 * sd_active / np.sqrt(YEAR)})  # IR 0.1: not resolvable
    assert superiority(small, reps=1000, block=10, seed=0).p_consistent > 0.05


@pytest.mark.parametrize("seed", [100, 101, 102])
def test_200_skill_less_configurations_give_no_evidence(seed):
    x = _panel(seed, 20 * YEAR, 200)
    s = superiority(x, reps=1000, block=10, seed=seed)
    assert s.p_consistent > 0.1
    assert s.survivors == ()


def test_by_q_values_by_hand():
    p = np.array([0.001, 0.04, 0.03, 0.5, np.nan, 0.002, 0.9, 0.01])
    got = q_values(p)
    ok = ~np.isnan(p)
    m = ok.sum()
    c = sum(1 / i for i in range(1, m + 1))
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m * c / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    want = np.empty(m)
    want[order] = q
    np.testing.assert_allclose(got[ok], want, rtol=1e-12)
    assert np.isnan(got[4])
    assert got[0] == pytest.approx(0.001 * 7 * c / 1)  # the smallest: m · c(m) · p / 1
