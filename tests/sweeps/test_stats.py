"""Deflated Sharpe, PBO and the bootstrap interval on worked examples built here."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as st

from sweeps.stats import (
    block_sums,
    bootstrap_sharpe_ci,
    deflated_from,
    deflated_sharpe,
    expected_max_sharpe,
    pbo_cscv,
    pbo_from_sums,
    per_period_sharpe,
    probabilistic_sharpe,
    stationary_indices,
)


def test_dsr_reproduces_the_papers_worked_example():
    # Bailey & López de Prado (2014), section 4: SR 2.5 annualised over 5 years of daily returns (T=1250,
    # 250 days a year), skew -3, kurtosis 10, N=100 trials whose Sharpe variance is 0.5 (annualised);
    # the paper reports DSR = 0.9004.
    sr, v, n, t = 2.5 / math.sqrt(250), 0.5 / 250, 100, 1250
    g = 0.5772156649015329
    sr0 = math.sqrt(v) * ((1 - g) * st.norm.ppf(1 - 1 / n) + g * st.norm.ppf(1 - 1 / (n * math.e)))
    ref = st.norm.cdf((sr - sr0) * math.sqrt(t - 1) / math.sqrt(1 - (-3) * sr + (10 - 1) / 4 * sr**2))
    assert expected_max_sharpe(n, v) == pytest.approx(sr0, rel=1e-12)
    assert probabilistic_sharpe(sr, sr0, t, -3.0, 10.0) == pytest.approx(ref, rel=1e-12)
    assert round(ref, 4) == 0.9004


def noise(n_obs: int, n_cfg: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, size=(n_obs, n_cfg))


def test_pure_noise_best_config_has_dsr_near_chance_and_high_pbo():
    dsrs, pbos = [], []
    for seed in range(6):
        x = noise(1500, 200, seed)
        best = int(np.argmax(x.mean(axis=0) / x.std(axis=0, ddof=1)))
        d = deflated_sharpe(x, best)
        assert d.sharpe > 0.5  # the best of 200 noise strategies looks good by luck alone ...
        dsrs.append(d.dsr)
        pbos.append(pbo_cscv(x, n_blocks=8).pbo)
    assert max(dsrs) < 0.95  # ... but is never significant once deflated
    assert 0.15 < np.mean(dsrs) < 0.85  # near chance
    assert np.mean(pbos) > 0.35  # about half the time the in-sample best is below the OOS median


def test_a_planted_edge_survives_deflation_and_cscv():
    x = noise(5040, 200, 7)  # 20 years
    x[:, 17] += 0.01 * 2.0 / math.sqrt(252)  # one strategy with a true annualised Sharpe of 2
    best = int(np.argmax(x.mean(axis=0) / x.std(axis=0, ddof=1)))
    assert best == 17
    assert deflated_sharpe(x, best).dsr > 0.95
    o = pbo_cscv(x, n_blocks=10)
    assert o.pbo < 0.05
    assert o.prob_oos_loss < 0.05


def brute_force_pbo(x: np.ndarray, s: int) -> float:
    """CSCV written as in the paper, one split at a time, with scipy's ranks."""
    blocks = np.array_split(np.arange(len(x)), s)
    logits = []
    for combo in itertools.combinations(range(s), s // 2):
        is_rows = np.concatenate([blocks[i] for i in combo])
        oos_rows = np.concatenate([blocks[i] for i in range(s) if i not in combo])

        def sr(rows):
            return x[rows].mean(axis=0) / x[rows].std(axis=0, ddof=1)

        best = int(np.argmax(sr(is_rows)))
        omega = st.rankdata(sr(oos_rows))[best] / (x.shape[1] + 1)
        logits.append(math.log(omega / (1 - omega)))
    return float(np.mean(np.array(logits) <= 0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pbo_equals_a_brute_force_cscv(seed):
    x = noise(600, 9, seed)
    x[:, 3] += 0.0008 * seed  # from pure noise to a mild edge
    assert pbo_cscv(x, n_blocks=8, batch=7).pbo == pytest.approx(brute_force_pbo(x, 8), abs=1e-12)


def test_pbo_counts_identical_configurations_as_exact_ties_like_the_brute_force():
    x = noise(600, 5, 11)
    x = x[:, [0, 1, 1, 2, 3, 3, 3, 4]]  # grids hold configurations that trade alike
    assert pbo_cscv(x, n_blocks=8, batch=3).pbo == pytest.approx(brute_force_pbo(x, 8), abs=1e-12)


def test_a_split_and_its_mirror_are_complements():
    combos = list(itertools.combinations(range(10), 5))  # the order pbo_cscv pairs splits in
    for i, c in enumerate(combos):
        assert set(c) | set(combos[len(combos) - 1 - i]) == set(range(10))


def test_stationary_indices_are_blocks_that_wrap():
    idx = stationary_indices(50, 200, 5.0, np.random.default_rng(0))
    assert idx.shape == (200, 50) and idx.min() >= 0 and idx.max() < 50
    steps = np.diff(idx, axis=1)
    continuing = (steps == 1) | (steps == -49)
    assert 0.75 < continuing.mean() < 0.85  # a new block starts with probability 1/5


def test_bootstrap_interval_covers_the_true_sharpe_about_as_often_as_it_says():
    true_sr = 1.0
    hits = 0
    for seed in range(40):
        x = np.random.default_rng(100 + seed).normal(0.01 * true_sr / math.sqrt(252), 0.01, size=1000)
        lo, hi = bootstrap_sharpe_ci(x, samples=400, mean_block=10, level=0.9, seed=seed)
        assert lo < hi
        hits += lo <= true_sr <= hi
    assert 30 <= hits <= 40  # 90% nominal: 36 expected of 40


def test_bootstrap_is_deterministic_for_a_seed():
    x = noise(500, 1, 0)[:, 0]
    assert bootstrap_sharpe_ci(x, seed=3) == bootstrap_sharpe_ci(x, seed=3)


def test_statistics_summed_block_of_configurations_by_block_equal_the_whole_to_the_last_bit():
    """How a merged grid too large to hold twice is measured (`sweeps.run.luck`): the same bits."""
    x = noise(1001, 37, 11)
    x[:, 3] = x[:, 4]  # twins: ties stay ties
    parts = [x[:, lo : lo + 10] for lo in range(0, 37, 10)]  # blocks of 10, 10, 10 and 7 columns
    srs = np.concatenate([per_period_sharpe(p) for p in parts])
    np.testing.assert_array_equal(srs, per_period_sharpe(x))
    sums = [block_sums(p, 8) for p in parts]
    s1, s2 = (np.hstack([s[i] for s in sums]) for i in (0, 1))
    whole = block_sums(x, 8)
    np.testing.assert_array_equal(s1, whole[0])
    np.testing.assert_array_equal(s2, whole[1])
    assert whole[2].tolist() == [126.0] + [125.0] * 7  # 1,001 days: the first block takes the extra one
    by_blocks, at_once = pbo_from_sums(s1, s2, sums[0][2]), pbo_cscv(x, n_blocks=8)
    np.testing.assert_array_equal(by_blocks.logits, at_once.logits)
    assert by_blocks.pbo == pytest.approx(brute_force_pbo(x, 8), abs=1e-12)
    best = int(np.nanargmax(srs))
    assert deflated_from(srs, x[:, best], best) == deflated_sharpe(x, best)
