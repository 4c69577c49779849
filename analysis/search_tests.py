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

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# arch, scipy.fft and statsmodels are imported by the functions that use them: `sweeps.run` imports
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
    # lazy: arch's import (numba, scipy.stats, statsmodels: ~6 s cold) is paid only where SPA/StepM run
    from arch import bootstrap

    bs = getattr(bootstrap, BOOTSTRAPS[kind])(block, np.empty(n_days), seed=seed)
    return np.stack([np.asarray(bs.update_indices()) for _ in range(reps)])


def day_counts(indices: np.ndarray) -> np.ndarray:
    """How often each day is drawn in each resample: resamples x days floats (`indices`' rows counted)."""
    reps, n = indices.shape
    flat = (indices + n * np.arange(reps)[:, None]).ravel()
    return np.bincount(flat, minlength=reps * n).reshape(reps, n).astype(float)


def resampled_means(x: np.ndarray, indices: np.ndarray, batch: int = BATCH) -> np.ndarray:
    """Each resample's column means of `x` (days x columns): counts of each day (R x T) @ `x` / T.

    ``x[idx].mean(0)`` for every row ``idx`` of `indices`, without copying the panel once per resample.
    """
    reps, n = indices.shape
    out = np.empty((reps, x.shape[1]))
    for lo in range(0, reps, batch):
        np.matmul(day_counts(indices[lo : lo + batch]), x, out=out[lo : lo + batch])
    out /= n
    return out


def kernel(t: int, block: float) -> np.ndarray:
    """The weights of lags 0 to T − 1 in `long_run_variance`: 1, then ``2 κᵢ`` (Politis & Romano)."""
    i = np.arange(1, t)
    q = 1.0 - 1.0 / block
    return np.concatenate([[1.0], 2 * ((1 - i / t) * q**i + (i / t) * q ** (t - i))])


def long_run_variance(x: np.ndarray, block: float) -> np.ndarray:
    """Each column's variance of the mean x T under the stationary bootstrap: `arch`'s SPA kernel.

    ``γ₀ + 2 Σᵢ κᵢ γᵢ`` over lags 1 to T − 1, with ``γᵢ = Σⱼ dⱼ dⱼ₊ᵢ / T`` of the demeaned columns
    and Politis & Romano's ``κᵢ = (1 − i/T)(1 − p)ⁱ + (i/T)(1 − p)^(T−i)``, ``p = 1 / block``.
    `arch` loops over the lags; here every lag's autocovariance is in one zero-padded FFT per column,
    ``γᵢ = irfft(|F|²)ᵢ / T``, and as the kernel is a fixed linear function of them, it is one
    weighted sum of the power spectrum ``|F|²`` (`spectral_kernel`): no inverse transform.
    """
    from scipy import fft as sp_fft  # lazy: scipy's import is start-up time a single run does not need

    t = x.shape[0]
    weights, size = spectral_kernel(t, float(block))
    f = sp_fft.rfft(x - x.mean(axis=0), n=size, axis=0)  # along the days: a column's days contiguous
    power = f.real**2
    power += f.imag**2
    return weights @ power / t


@functools.lru_cache(maxsize=8)
def spectral_kernel(t: int, block: float) -> tuple[np.ndarray, int]:
    """`kernel`'s weights on the power spectrum of a series zero-padded to ``size ≥ 2T − 1`` days.

    ``Σᵢ wᵢ irfft(P)ᵢ = Σₖ Ŵₖ Pₖ`` for a real spectrum ``P``, with ``Ŵₖ = cₖ Re(rfft(w))ₖ / size``,
    ``cₖ`` 2 for the frequencies that stand for a conjugate pair too, 1 for 0 and Nyquist.

    Returns:
        ``Ŵ`` (read-only) and the padded size.
    """
    from scipy import fft as sp_fft  # lazy: as in `long_run_variance`

    size = sp_fft.next_fast_len(2 * t - 1, real=True)  # zero-padded: no circular overlap of the lags
    w = sp_fft.rfft(kernel(t, block), n=size).real
    c = np.full(len(w), 2.0)
    c[0] = 1.0
    if size % 2 == 0:
        c[-1] = 1.0
    out = c * w / size
    out.flags.writeable = False
    return out, size


def cross_weights(b: np.ndarray, block: float) -> np.ndarray:
    """``u`` such that ``x̃ · u`` is the kernel-weighted cross-covariance of `x` and `b`, for any `x`.

    The long-run variance is a quadratic form, so that of ``x − b`` is ``LRV(x) − x̃ · u + LRV(b)``,
    ``x̃`` the demeaned `x`: ``uₖ = Σᵢ wᵢ (b̃ₖ₊ᵢ + b̃ₖ₋ᵢ) / T`` (terms inside the sample), ``w`` the
    `kernel`. One convolution of the demeaned benchmark with the kernel, mirrored about lag 0.
    """
    t = len(b)
    w = kernel(t, block)
    mirrored = np.concatenate([w[:0:-1], [2 * w[0]], w[1:]])  # lags −(T−1) … T−1
    from scipy.signal import fftconvolve  # lazy: as in `long_run_variance`

    return fftconvolve(b - b.mean(), mirrored, mode="same") / t


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
    means, variances, stars = [], [], []
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
        var = np.full(len(mean), np.nan)  # only below the benchmark is it needed (`decide`)
        below = mean < 0
        if below.any():
            var[below] = long_run_variance(x[:, below], block)
        means.append(mean)
        variances.append(var)
        stars.append(resampled_means(x, indices))
    if indices is None or block is None:
        raise ValueError("no configurations to test")
    star = np.hstack(stars) if len(stars) > 1 else stars[0]
    return decide(np.concatenate(means), np.concatenate(variances), star, t, reps, block, seed, size)


def decide(
    mean: np.ndarray,
    var: np.ndarray,
    star: np.ndarray,
    t: int,
    reps: int,
    block: int,
    seed: int,
    size: float = 0.05,
) -> Superiority:
    """SPA's three p-values and StepM's survivors from each configuration's statistics.

    Args:
        mean: Each configuration's mean active return.
        var: Each one's `long_run_variance` (read only where `mean` is below zero).
        star: Resampled means, resamples x configurations (recentred here, in place).
        t: Days.
        reps: Resamples (for the record, as `block` and `seed`).
        block: Mean block length in days.
        seed: Seed of the resampling.
        size: StepM's family-wise error rate.
    """
    valid = mean >= 0  # at or above the benchmark: recentred whatever its variance
    below = ~valid  # below it: recentred only if within √(2 log log T) standard errors
    valid[below] = mean[below] >= -np.sqrt(var[below] / t * 2 * np.log(np.log(t)))
    observed = mean.max()
    p = {
        name: float(np.mean((star - c).max(axis=1) > observed))
        for name, c in (("lower", np.maximum(mean, 0.0)), ("upper", mean))
    }
    star -= np.where(valid, mean, 0.0)  # in place: the consistent resamples, StepM's too
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


class Resampled:
    """A search's resampled statistics, accumulated chunk by chunk while its configurations run.

    SPA's work on a grid is per configuration and linear in its returns: the resampled means
    (``counts @ x``) and the long-run variance (of ``x − b``: `cross_weights`) split into a part of the
    configuration alone and one of the benchmark. `add` computes the first for a chunk of
    configurations (on the thread that simulated it: numpy's BLAS and FFTs release the GIL);
    `against` adds the benchmark's and decides, with the p-values and survivors of `superiority` on
    ``x − b`` (the same resamples; sums rounded in another order, ~1e-16 of a mean).

    The resamples' day counts are drawn once, by the first chunk to arrive (its days are the
    search's), as `bootstrap_indices` draws them from the seed.
    """

    def __init__(self, n_configs: int, *, reps: int, block: int, seed: int) -> None:
        self.reps, self.block, self.seed = reps, int(block), seed
        self.n_days = 0  # set by the first chunk
        self.mean = np.empty(n_configs)
        self.lrv = np.empty(n_configs)
        self.star = np.empty((reps, n_configs), order="F")  # a chunk's columns contiguous
        self._done = np.zeros(n_configs, dtype=bool)
        self._counts: np.ndarray | None = None
        self._lock = threading.Lock()

    def counts(self, n_days: int | None = None) -> np.ndarray:
        """The resamples' day counts (resamples x days), drawn on first use (for `n_days` days)."""
        with self._lock:
            if self._counts is None:
                self.n_days = int(n_days or self.n_days)
                idx = bootstrap_indices(self.n_days, self.reps, self.block, self.seed)
                self._counts = day_counts(idx)
            return self._counts

    def add(self, lo: int, x: np.ndarray) -> None:
        """Configurations ``lo`` to ``lo + x.shape[1]``: their daily returns `x` (days x configurations).

        A chunk on other days than the first one's is left out (then `complete` is False).
        """
        counts = self.counts(x.shape[0])
        if x.shape[0] != self.n_days:
            return
        hi = lo + x.shape[1]
        self.mean[lo:hi] = x.mean(axis=0)
        self.lrv[lo:hi] = long_run_variance(x, self.block)
        np.matmul(counts, x, out=self.star[:, lo:hi])
        self.star[:, lo:hi] /= self.n_days
        self._done[lo:hi] = True

    @property
    def complete(self) -> bool:
        """Every configuration added."""
        return bool(self._done.all())

    def ready(self, reps: int, block: int, seed: int, n_days: int) -> bool:
        """Every configuration added, resampled as these settings would resample `n_days` days."""
        mine = (self.reps, self.block, self.seed, self.n_days)
        return self.complete and mine == (reps, block, seed, n_days)

    def against(self, returns: np.ndarray, bench: np.ndarray, size: float = 0.05) -> Superiority:
        """SPA and StepM of the configurations (daily `returns`, days x configurations) against `bench`.

        `returns` are those given to `add`, side by side: only read for the benchmark's cross term.
        """
        if not self.complete or returns.shape != (self.n_days, len(self.mean)):
            raise ValueError("not every configuration's statistics were added")
        t = self.n_days
        mean = self.mean - bench.mean()
        var = np.full(len(mean), np.nan)
        below = mean < 0
        if below.any():
            u = cross_weights(bench, self.block)
            cross = (returns.T @ u)[below] - self.mean[below] * u.sum()  # no copy of the returns
            var[below] = self.lrv[below] - cross + long_run_variance(bench[:, None], self.block)[0]
        star = self.star - (self.counts() @ bench / t)[:, None]
        return decide(mean, var, star, t, self.reps, self.block, self.seed, size)


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
    # lazy: statsmodels' import is start-up time a single run does not need (only the catalogue's q-values)
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_by")[1]
    return out
