"""Did the best of a search beat the benchmark once the search is counted? SPA, StepM and BY q-values.

- Hansen's test of superior predictive ability (SPA) and Romano & Wolf's StepM, as `arch.bootstrap.SPA`
  and `arch.bootstrap.StepM` compute them, on the *active* daily returns of every configuration tried
  (configuration minus benchmark: `arch`'s loss differential with a loss of minus the return).
  Hansen (2005), "A Test for Superior Predictive Ability", J. Business & Economic Statistics 23(4);
  Romano & Wolf (2005), "Stepwise Multiple Testing as Formalized Data Snooping", Econometrica 73(4).
- Benjamini & Yekutieli (2001) q-values, through statsmodels' ``multipletests(method="fdr_by")``:
  false-discovery control under any dependence between the tests.

Why not `arch`'s classes alone on a grid: for 1,000 configurations over 5,800 days they take minutes.
Their variance loops over every lag in Python (T passes over T x K) and each of the 1,000 resamples
copies the whole T x K panel. Here the resampled means are one matrix product, the resamples' counts
of each day (R x T) times the active returns (T x K), and the variance's autocovariances come from one
FFT per column. The resamples are `arch`'s own (its bootstrap's indices from the same seed), so the
p-values and the survivors are `arch`'s to rounding (tested against `arch`).

As in `arch`, the statistic is the largest mean active return (not divided by its standard error);
the variance only decides which configurations are too poor to be recentred (the "consistent" p-value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# arch, scipy.fft and statsmodels are imported by the functions that use them: `sweeps.pipeline` imports
# this module, and a single run (which tests no search) would otherwise pay arch's import (seconds:
# arch's __init__ pulls arch.univariate, numba, scipy.stats and statsmodels' models).

#: Resamples drawn at once: their counts are a batch x days float array (500 x 5,800: 23 MB).
BATCH = 500

#: arch's bootstrap class for each ``kind``.
BOOTSTRAPS = {"stationary": "StationaryBootstrap", "circular": "CircularBlockBootstrap"}


def bootstrap_indices(n_days: int, reps: int, block: int, seed: int, kind: str = "stationary") -> np.ndarray:
    """The resamples' day indices, reps x days, exactly as `arch`'s bootstrap draws them from `seed`.

    Args:
        n_days: Days in the sample.
        reps: Resamples.
        block: The (mean) block length in days.
        seed: The seed `arch.bootstrap.SPA(..., seed=seed)` would be given.
        kind: ``stationary`` (geometric block lengths, `arch`'s default) or ``circular``.
    """
    from arch import bootstrap

    bs = getattr(bootstrap, BOOTSTRAPS[kind])(block, np.empty(n_days), seed=seed)
    return np.stack([np.asarray(bs.update_indices()) for _ in range(reps)])


def resampled_means(x: np.ndarray, indices: np.ndarray, batch: int = BATCH) -> np.ndarray:
    """Each resample's column means of `x` (days x columns): counts of each day (R x T) @ `x` / T.

    ``x[idx].mean(0)`` for every row ``idx`` of `indices`, without copying the panel once per resample.
    """
    reps, n = indices.shape
    out = np.empty((reps, x.shape[1]))
    for lo in range(0, reps, batch):
        idx = indices[lo : lo + batch]
        flat = (idx + n * np.arange(len(idx))[:, None]).ravel()
        counts = np.bincount(flat, minlength=len(idx) * n).reshape(len(idx), n).astype(float)
        np.matmul(counts, x, out=out[lo : lo + len(idx)])
    out /= n
    return out


def long_run_variance(x: np.ndarray, block: float) -> np.ndarray:
    """Each column's variance of the mean x T under the stationary bootstrap: `arch`'s SPA kernel.

    ``γ₀ + 2 Σᵢ κᵢ γᵢ`` over lags 1 to T − 1, with ``γᵢ = Σⱼ dⱼ dⱼ₊ᵢ / T`` of the demeaned columns
    and Politis & Romano's ``κᵢ = (1 − i/T)(1 − p)ⁱ + (i/T)(1 − p)^(T−i)``, ``p = 1 / block``.
    The autocovariances of all lags come from one FFT per column (`arch` loops over the lags).
    """
    t = x.shape[0]
    d = np.ascontiguousarray((x - x.mean(axis=0)).T)  # a row per column: each FFT on contiguous days
    from scipy import fft as sp_fft

    size = sp_fft.next_fast_len(2 * t - 1, real=True)  # zero-padded: no circular overlap of the lags
    f = sp_fft.rfft(d, n=size, axis=1)
    np.multiply(f, f.conj(), out=f)
    gamma = sp_fft.irfft(f, n=size, axis=1)[:, :t].T / t
    i = np.arange(1, t)
    q = 1.0 - 1.0 / block
    kappa = (1 - i / t) * q**i + (i / t) * q ** (t - i)
    return gamma[0] + 2 * kappa @ gamma[1:]


@dataclass(frozen=True)
class Superiority:
    """SPA and StepM of a search's configurations against one benchmark.

    Attributes:
        p_consistent: Hansen's consistent p-value of "no configuration beats the benchmark".
        p_lower: The lower bound (poor configurations never recentred).
        p_upper: The upper bound (every configuration recentred): White's Reality Check.
        survivors: Positions (columns) of the configurations StepM finds better at `size` FWER.
        best: Position of the configuration with the highest mean active return (SPA's statistic).
        mean_active: That configuration's mean daily active return.
        trials: Configurations tested.
        reps: Resamples.
        block: Mean block length in days.
        seed: Seed of the resampling.
        size: StepM's family-wise error rate.
    """

    p_consistent: float
    p_lower: float
    p_upper: float
    survivors: tuple[int, ...]
    best: int
    mean_active: float
    trials: int
    reps: int
    block: int
    seed: int
    size: float

    @property
    def test(self) -> str:
        """How the p-value was obtained, for a `analysis.verdict.Verdict`."""
        return (
            f"Hansen's SPA (consistent p), stationary bootstrap, {self.reps:,} resamples, "
            f"mean block {self.block} days, seed {self.seed}"
        )


def superiority(
    active: np.ndarray | Iterable[np.ndarray],
    *,
    reps: int = 1000,
    block: int | None = None,
    seed: int = 0,
    size: float = 0.05,
    bootstrap: str = "stationary",
) -> Superiority:
    """Hansen's SPA and Romano-Wolf StepM on the active daily returns of every configuration tried.

    The same p-values and survivors as ``arch.bootstrap.SPA`` / ``StepM(benchmark_losses,
    model_losses, block_size=block, reps=reps, seed=seed)`` with losses of minus the returns.

    Args:
        active: Daily active returns (configuration minus benchmark), days x configurations; or such
            arrays for consecutive blocks of configurations (a large sweep's, never held at once).
        reps: Bootstrap resamples.
        block: Mean block length in days; None: √T, `arch`'s default.
        seed: Seed of the resampling (the same resamples for every block).
        size: StepM's family-wise error rate.
        bootstrap: ``stationary`` or ``circular``.
    """
    blocks = [active] if isinstance(active, np.ndarray) else active
    means, centres_lo, centres_con, stars = [], [], [], []
    indices = None
    t = 0
    for x in blocks:
        x = np.asarray(x, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if indices is None:
            t = x.shape[0]
            block = int(np.sqrt(t)) if block is None else int(block)
            indices = bootstrap_indices(t, reps, block, seed, bootstrap)
        mean = x.mean(axis=0)
        valid = mean >= 0  # at or above the benchmark: recentred whatever its variance
        if not valid.all():  # below it: recentred only if within √(2 log log T) standard errors
            below = ~valid
            var = long_run_variance(x[:, below], block)
            valid[below] = mean[below] >= -np.sqrt(var / t * 2 * np.log(np.log(t)))
        means.append(mean)
        centres_lo.append(np.maximum(mean, 0.0))
        centres_con.append(np.where(valid, mean, 0.0))
        stars.append(resampled_means(x, indices))
    if indices is None or block is None:
        raise ValueError("no configurations to test")
    mean = np.concatenate(means)
    star = np.hstack(stars) if len(stars) > 1 else stars[0]
    observed = mean.max()
    p = {
        name: float(np.mean((star - np.concatenate(c)).max(axis=1) > observed))
        for name, c in (("lower", centres_lo), ("upper", means))
    }
    star -= np.concatenate(centres_con)  # in place: the consistent resamples, StepM's too
    p["consistent"] = float(np.mean(star.max(axis=1) > observed))
    survivors = stepm(star, mean, size)
    best = int(np.argmax(mean))
    return Superiority(
        p["consistent"],
        p["lower"],
        p["upper"],
        survivors,
        best,
        float(mean[best]),
        len(mean),
        reps,
        block,
        seed,
        size,
    )


def stepm(centred: np.ndarray, mean: np.ndarray, size: float) -> tuple[int, ...]:
    """Romano-Wolf's stepdown as `arch.bootstrap.StepM` runs it on SPA's consistent resamples.

    At each step the critical value is the ``1 − size`` percentile of the resamples' largest centred
    mean over the configurations not yet found better; those whose mean exceeds it are found better
    and removed; it stops when a step finds none (or none is left).

    Args:
        centred: Resampled means minus the consistent centres, resamples x configurations.
        mean: Each configuration's mean active return.
        size: The family-wise error rate.
    """
    left = np.ones(len(mean), dtype=bool)
    found: list[int] = []
    while left.any():
        crit = np.percentile(centred[:, left].max(axis=1), 100.0 * (1 - size))
        better = np.flatnonzero((mean > crit) & left)
        if not len(better):
            break
        found.extend(int(i) for i in better)
        left[better] = False
    return tuple(sorted(found))


def q_values(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Yekutieli q-values (statsmodels' ``fdr_by``); NaN p-values stay NaN and are not counted."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_by")[1]
    return out
