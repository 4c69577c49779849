"""How much of a sweep's best result is luck: deflated Sharpe, PBO by CSCV, block-bootstrap CI.

Plain numpy. Sharpe ratios inside these formulas are per day (not annualised) and in excess of the
T-bill cash return, as in the papers; reported intervals are annualised on 252 days.

- Deflated Sharpe ratio: Bailey & López de Prado (2014), "The Deflated Sharpe Ratio: Correcting for
  Selection Bias, Backtest Overfitting and Non-Normality", J. Portfolio Management 40(5).
- Probability of backtest overfitting by combinatorially symmetric cross-validation: Bailey, Borwein,
  López de Prado & Zhu (2017), "The Probability of Backtest Overfitting", J. Computational Finance 20(4).
- Stationary bootstrap: Politis & Romano (1994), J. American Statistical Association 89(428)
  (`analysis.verdict.stationary_indices`, shared with the single run's verdict).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from analysis.verdict import moments, probabilistic_sharpe, stationary_indices
from backtest.metrics import YEAR

__all__ = [  # the probabilistic Sharpe ratio and the stationary bootstrap live in analysis.verdict
    "Deflated",
    "Overfitting",
    "block_sums",
    "bootstrap_sharpe_ci",
    "deflated_from",
    "deflated_sharpe",
    "expected_max_sharpe",
    "moments",
    "pbo_cscv",
    "pbo_from_sums",
    "per_period_sharpe",
    "probabilistic_sharpe",
    "stationary_indices",
]

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def per_period_sharpe(excess: np.ndarray) -> np.ndarray:
    """Mean / sample std of each column of excess returns (not annualised; NaN where std is 0)."""
    sd = excess.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, excess.mean(axis=0) / sd, np.nan)


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum of `n_trials` Sharpe estimates under the null of no skill (the DSR's SR₀).

    ``√V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))``, γ the Euler-Mascheroni constant.
    """
    if n_trials <= 1:
        return 0.0
    g = EULER_GAMMA
    z = (1 - g) * _N.inv_cdf(1 - 1 / n_trials) + g * _N.inv_cdf(1 - 1 / (n_trials * math.e))
    return math.sqrt(max(sharpe_variance, 0.0)) * z


@dataclass(frozen=True)
class Deflated:
    """The deflated Sharpe ratio of a sweep's chosen configuration.

    Attributes:
        dsr: Probability that the chosen configuration's true Sharpe exceeds the best expected from
            `n_trials` skill-less configurations (near 0.5 or below: indistinguishable from luck).
        sharpe: The chosen configuration's annualised Sharpe (excess of T-bill).
        sr0: The expected maximum annualised Sharpe of `n_trials` skill-less trials.
        n_trials: Configurations tried.
        n_obs, skew, kurtosis: Of the chosen configuration's daily excess returns.
    """

    dsr: float
    sharpe: float
    sr0: float
    n_trials: int
    n_obs: int
    skew: float
    kurtosis: float


def deflated_sharpe(excess: np.ndarray, chosen: int, n_trials: int | None = None) -> Deflated:
    """Deflated Sharpe ratio of column `chosen` of a sweep's daily excess returns.

    Args:
        excess: Daily excess returns, days × configurations (every configuration tried).
        chosen: Column of the selected configuration.
        n_trials: Trials to deflate for (default: the number of columns).
    """
    return deflated_from(per_period_sharpe(excess), excess[:, chosen], chosen, n_trials)


def deflated_from(srs: np.ndarray, x: np.ndarray, chosen: int, n_trials: int | None = None) -> Deflated:
    """`deflated_sharpe` from every configuration's per-period Sharpe `srs` and the chosen one's excess `x`.

    For a sweep too large to hold its excess returns twice: `srs` computed block by block.
    """
    n = len(srs) if n_trials is None else n_trials
    var = float(np.nanvar(srs, ddof=1)) if np.isfinite(srs).sum() > 1 else 0.0
    sr0 = expected_max_sharpe(n, var)
    skew, kurt = moments(x)
    sr = float(srs[chosen])
    dsr = probabilistic_sharpe(sr, sr0, len(x), skew, kurt)
    k = math.sqrt(YEAR)
    return Deflated(dsr, sr * k, sr0 * k, n, len(x), skew, kurt)


@dataclass(frozen=True)
class Overfitting:
    """PBO by combinatorially symmetric cross-validation.

    Attributes:
        pbo: Fraction of splits in which the in-sample best configuration ranks at or below the
            out-of-sample median (logit ≤ 0).
        logits: The logit of the in-sample best's out-of-sample relative rank, one per split.
        prob_oos_loss: Fraction of splits in which the in-sample best has a negative out-of-sample Sharpe.
        n_blocks: Blocks the history was cut into; splits = C(n_blocks, n_blocks / 2).
    """

    pbo: float
    logits: np.ndarray
    prob_oos_loss: float
    n_blocks: int

    @property
    def median_logit(self) -> float:
        """Median logit: positive when the in-sample best usually stays above the OOS median."""
        return float(np.median(self.logits))


def pbo_cscv(excess: np.ndarray, n_blocks: int = 16, batch: int | None = None) -> Overfitting:
    """Probability of backtest overfitting of a sweep (CSCV, Bailey et al. 2017).

    The days are cut into `n_blocks` contiguous blocks; every half of the blocks is once the
    in-sample set and its complement the out-of-sample set. In each split the configuration with the
    best in-sample Sharpe is found and its out-of-sample rank among all configurations recorded.

    Each half's Sharpe is computed once: in lexicographic order the complement of split ``i`` is
    split ``C - 1 - i``, so a split and its mirror swap roles. A half's sums are the sum over its
    blocks among the first ``n_blocks / 2`` plus the sum over its blocks among the others, each
    precomputed for every subset by adding blocks in order (`_subset_sums`; no BLAS matrix
    product): one addition per half and configuration, rounded the same way on every CPU, so ties
    between identical configurations are ties everywhere.

    Args:
        excess: Daily excess returns, days × configurations.
        n_blocks: An even number of blocks, ≥ 2.
        batch: Split pairs evaluated at once; by default as many as keep 65,536 floats per array.
    """
    return pbo_from_sums(*block_sums(excess, n_blocks), batch=batch)


def block_sums(excess: np.ndarray, n_blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSCV's inputs: per block of days, each configuration's sum and sum of squares; the blocks' days.

    A column's sums do not depend on the other columns, so a large sweep can be summed column block
    by column block (`sweeps.run.luck`) and the pieces stacked side by side.

    Returns:
        ``s1`` and ``s2`` (n_blocks × configurations) and ``cnt`` (n_blocks).
    """
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError(f"n_blocks must be even and ≥ 2, got {n_blocks}")
    edges = np.cumsum([0] + [len(b) for b in np.array_split(np.arange(len(excess)), n_blocks)])
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    s1 = np.stack([excess[a:b].sum(axis=0) for a, b in spans])
    s2 = np.stack([(excess[a:b] ** 2).sum(axis=0) for a, b in spans])
    return s1, s2, np.diff(edges).astype(float)


def pbo_from_sums(s1: np.ndarray, s2: np.ndarray, cnt: np.ndarray, batch: int | None = None) -> Overfitting:
    """`pbo_cscv` from `block_sums` (of every configuration, side by side)."""
    n_blocks, n = s1.shape
    m = n_blocks // 2
    combos = np.array(list(itertools.combinations(range(n_blocks), m)))
    bits = (combos[:, :, None] == np.arange(n_blocks)).any(axis=1) @ (1 << np.arange(n_blocks))
    low, high = bits & ((1 << m) - 1), bits >> m  # each half's blocks among the first m, the last m
    sums = [(_subset_sums(x[:m]), _subset_sums(x[m:])) for x in (s1, s2, cnt[:, None])]
    total, half = len(combos), len(combos) // 2
    size = batch or max(1, 65_536 // n)  # 512 KiB per array: the passes stay in cache
    logits, losses = np.empty(total), np.empty(total, dtype=bool)
    for lo in range(0, half, size):
        a = np.arange(lo, min(lo + size, half))
        b = total - 1 - a  # the complements of the splits `a`
        sr_a = _half_sharpe(sums, low[a], high[a])
        sr_b = _half_sharpe(sums, low[b], high[b])
        logits[a], losses[a] = _oos_rank(sr_a, sr_b)
        logits[b], losses[b] = _oos_rank(sr_b, sr_a)
    return Overfitting(float(np.mean(logits <= 0)), logits, float(np.mean(losses)), n_blocks)


def _subset_sums(x: np.ndarray) -> np.ndarray:
    """Sums of the rows of `x` over every subset, added in row order (row ``mask``: the rows set in it)."""
    out = np.zeros((1 << len(x), x.shape[1]))
    for j in range(len(x)):
        out[1 << j : 2 << j] = out[: 1 << j] + x[j]
    return out


def _half_sharpe(sums: list, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Per-period Sharpe of each configuration on each half (its block subsets): halves × configurations.

    From sums, sums of squares and day counts: mean / √(sample variance), NaN where the variance is
    not positive; computed in place, a few passes over halves × configurations.
    """
    (a1, b1), (a2, b2), (ac, bc) = sums
    c = ac[low] + bc[high]  # (halves, 1) day counts
    mean = a1.take(low, axis=0)
    mean += b1.take(high, axis=0)
    mean /= c
    var = a2.take(low, axis=0)
    var += b2.take(high, axis=0)
    sq = mean * mean
    sq *= c
    np.subtract(var, sq, out=var)
    var /= c - 1
    flat = var <= 0  # no Sharpe: NaN
    with np.errstate(invalid="ignore", divide="ignore"):
        np.sqrt(var, out=var)
        mean /= var
    np.copyto(mean, np.nan, where=flat)
    return mean


def _oos_rank(is_sr: np.ndarray, oos_sr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit of the in-sample best's relative out-of-sample rank per split, and whether its OOS Sharpe < 0."""
    n = is_sr.shape[1]
    best = np.argmax(np.where(np.isnan(is_sr), -np.inf, is_sr), axis=1)  # no NaN left: argmax
    mine = oos_sr[np.arange(len(best)), best][:, None]
    below = np.count_nonzero(oos_sr < mine, axis=1)
    ties = np.count_nonzero(oos_sr == mine, axis=1)
    omega = (below + (ties + 1) / 2) / (n + 1)
    return np.log(omega / (1 - omega)), mine[:, 0] < 0


def bootstrap_sharpe_ci(
    excess: np.ndarray,
    *,
    samples: int = 1000,
    mean_block: float = 21.0,
    level: float = 0.95,
    seed: int = 0,
    batch: int = 100,
) -> tuple[float, float]:
    """Stationary block-bootstrap confidence interval for an annualised Sharpe ratio.

    Args:
        excess: Daily excess returns of one configuration.
        samples: Bootstrap resamples.
        mean_block: Mean block length in days (keeps autocorrelation within a month).
        level: Two-sided confidence level.
        seed: Seed of the resampling (deterministic).
        batch: Resamples drawn at once (bounds memory).

    Returns:
        (lower, upper) annualised Sharpe.
    """
    rng = np.random.default_rng(seed)
    out = []
    for lo in range(0, samples, batch):
        idx = stationary_indices(len(excess), min(batch, samples - lo), mean_block, rng)
        out.append(per_period_sharpe(excess[idx].T))
    srs = np.concatenate(out) * math.sqrt(YEAR)
    a = (1 - level) / 2
    return float(np.nanquantile(srs, a)), float(np.nanquantile(srs, 1 - a))
