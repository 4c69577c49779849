"""The verdict: did the strategy beat what the strategist would otherwise hold, beyond luck?

One value type for every comparison the framework concludes on (a single run against a benchmark, a
grid or search with the search counted, a catalogue of families), and one function that turns it into
the sentence printed first in the terminal, on the reports, in the MLflow description and the monitor.

"Beats" is said only when the evidence allows it: a single comparison's interval excludes zero, or a
search's test (Hansen's SPA) rejects at the verdict's level. Otherwise the sentence says there is no
evidence, or that the strategy trails, and always carries the estimate, its interval and the p-value.

`compare` draws a single run's verdict: the strategy's daily returns against a benchmark's on the same
days, cash earning the T-bill rate. Its statistics (Sharpe ratios per day and in excess of the T-bill
inside the formulas, annualised on 252 days where reported):

- the Sharpe difference, with a studentised block-bootstrap interval and one-sided p-value (Ledoit &
  Wolf 2008, "Robust performance hypothesis testing with the Sharpe ratio", J. Empirical Finance 15(5)):
  the delta-method standard error of the difference, from a Bartlett (Newey-West) estimate of the
  long-run covariance on the data (`bartlett_long_run`) and from the resample's own blocks in each
  resample (Götze & Künsch);
  resamples of circular blocks of fixed length (as `arch.bootstrap.CircularBlockBootstrap`), or the
  stationary bootstrap's (Politis & Romano 1994), drawn as one matrix (`indices`); a circular
  resample's statistics are computed from its blocks (`block_tables`: each block's sums, growth, high,
  low and own fall for every start), so a resample costs its ⌈n / block⌉ blocks, not its n days; the
  block length by Politis & White (2004, with Patton, Politis & White's 2009 correction:
  `politis_white`, what `arch.bootstrap.optimal_block_length` computes) on the difference's influence
  series;
- the CAGR difference and the max-drawdown reduction, with percentile intervals from the same resamples;
- the information ratio (the Sharpe ratio of the active returns, `backtest.metrics.sharpe`), and the
  probabilistic Sharpe ratio of the active returns (Bailey & López de Prado 2012): P(true IR > 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from backtest import metrics as M

Outcome = Literal["beats", "no_evidence", "trails"]

#: Display names of the benchmarks a verdict may be drawn against (a key not listed shows as itself).
BENCHMARK_LABELS: dict[str, str] = {
    "sixty_forty": "60/40",
    "vol_target": "the volatility target",
    "equity_buy_hold": "equity buy-and-hold",
}

#: HTML colour of each outcome (always shown beside the words, never alone).
OUTCOME_COLOURS: dict[str, str] = {"beats": "#1a7f37", "no_evidence": "#6e7781", "trails": "#cf222e"}


@dataclass(frozen=True)
class Verdict:
    """One comparison of a strategy (or a search's best) against a benchmark on the same days.

    Attributes:
        benchmark: The benchmark's key (``sixty_forty``, ``vol_target``, ...).
        measure: What ``estimate`` measures, e.g. ``"Sharpe"`` (a difference, strategy minus benchmark).
        estimate: The point estimate of strategy minus benchmark, in the measure's units.
        p_value: One-sided p-value of "the strategy does not beat the benchmark".
        ci: The two-sided ``1 - level`` interval of ``estimate`` (95% for a level of 0.05), or
            ``None`` where the test gives no interval (a search's SPA test).
        level: 0.05: a 95% two-sided interval, whose lower end above zero is "beats" (the one-sided
            p-value is then below ``level / 2``); without an interval, "beats" needs p below ``level``.
        trials: Configurations searched (1 for a single run): a search's sentence counts them.
        test: How the p-value was obtained, for the record (for example "stationary block bootstrap,
            1,000 resamples, mean block 9 days, seed 0").
    """

    benchmark: str
    measure: str
    estimate: float
    p_value: float
    ci: tuple[float, float] | None = None
    level: float = 0.05
    trials: int = 1
    test: str = ""

    @property
    def label(self) -> str:
        """The benchmark's display name (``60/40``)."""
        return BENCHMARK_LABELS.get(self.benchmark, self.benchmark)

    @property
    def outcome(self) -> Outcome:
        """``beats`` only when the evidence allows it; ``trails`` when its interval lies below zero.

        A search's test (SPA, no interval) asks only whether the best beats the benchmark: a high p
        says there is no evidence it does, not that the configurations trail, so it is never ``trails``.
        """
        if self.ci is not None:
            lo, hi = self.ci
            if lo > 0:
                return "beats"
            if hi < 0:
                return "trails"
            return "no_evidence"
        return "beats" if self.p_value < self.level else "no_evidence"


def _signed(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.2f}"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def evidence(v: Verdict) -> str:
    """The numbers behind a verdict, e.g. ``Sharpe -0.02, 95% CI -0.11 to +0.07, p 0.62``."""
    parts = [f"{v.measure} {_signed(v.estimate)}"]
    if v.ci is not None:
        parts.append(f"{1 - v.level:.0%} CI {_signed(v.ci[0])} to {_signed(v.ci[1])}")
    parts.append(f"p {_p(v.p_value)}")
    if v.trials > 1:
        parts.append(f"{v.trials:,} configurations counted")
    return ", ".join(parts)


def sentence(v: Verdict) -> str:
    """The verdict in one sentence, the same words everywhere it is shown.

    >>> sentence(Verdict("sixty_forty", "Sharpe", -0.02, 0.62, ci=(-0.11, 0.07)))
    'no evidence it beats 60/40 (Sharpe -0.02, 95% CI -0.11 to +0.07, p 0.62)'
    >>> sentence(Verdict("sixty_forty", "Sharpe", 0.21, 0.004, ci=(0.08, 0.33)))
    'beats 60/40 (Sharpe +0.21, 95% CI +0.08 to +0.33, p 0.004)'
    """
    return f"{headline(v)} ({evidence(v)})"


def headline(v: Verdict) -> str:
    """The verdict's words alone: ``beats 60/40``, ``no evidence it beats 60/40`` or ``trails 60/40``."""
    return {
        "beats": f"beats {v.label}",
        "no_evidence": f"no evidence it beats {v.label}",
        "trails": f"trails {v.label}",
    }[v.outcome]


def short(v: Verdict, test: str = "p") -> str:
    """The sentence's short form, for a dashboard's cell: its words and p-value, the trials if a search.

    >>> short(Verdict("sixty_forty", "Sharpe", 0.08, 0.80, trials=36), test="SPA p")
    'no evidence it beats 60/40 (SPA p 0.80, 36 configs)'
    """
    trials = f", {v.trials:,} configs" if v.trials > 1 else ""
    return f"{headline(v)} ({test} {_p(v.p_value)}{trials})"


_N = NormalDist()


def probabilistic_sharpe(sr: float, sr0: float, n_obs: int, skew: float, kurtosis: float) -> float:
    """P(true Sharpe > `sr0`) given an estimate `sr` from `n_obs` returns (per-period units).

    ``Φ((SR − SR₀) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 SR²))``, γ₄ the (non-excess) kurtosis
    (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient Frontier", J. of Risk 15(2)).
    """
    denom = 1 - skew * sr + (kurtosis - 1) / 4 * sr**2
    if denom <= 0 or n_obs < 2:
        return float("nan")
    return _N.cdf((sr - sr0) * math.sqrt(n_obs - 1) / math.sqrt(denom))


def moments(x: np.ndarray) -> tuple[float, float]:
    """Skewness and (non-excess) kurtosis of a sample, population moments as in the DSR paper."""
    d = x - x.mean()
    m2 = np.mean(d**2)
    return float(np.mean(d**3) / m2**1.5), float(np.mean(d**4) / m2**2)


#: The block bootstraps `compare` can draw with (`indices`).
BOOTSTRAPS = ("circular", "stationary")


@dataclass(frozen=True)
class Settings:
    """How a comparison is tested. Each default lives here, once (the ``verdict`` config reads them).

    Attributes:
        resamples: Bootstrap resamples.
        seed: Seed of the resampling (the same seed, the same verdict).
        level: 0.05: a 95% interval; "beats" when its lower end is above zero.
        bootstrap: ``circular`` (blocks of fixed length, as in Ledoit & Wolf) or ``stationary``
            (blocks of geometric length with that mean).
        block: Block length in days; None: Politis-White's optimal length for the chosen bootstrap.
    """

    resamples: int = 1000
    seed: int = 0
    level: float = 0.05
    bootstrap: str = "circular"
    block: int | None = None


@dataclass(frozen=True)
class Interval:
    """A point estimate and its two-sided bootstrap interval."""

    estimate: float
    lo: float
    hi: float


@dataclass(frozen=True)
class Comparison:
    """A strategy against one benchmark on the same days (`compare`).

    Attributes:
        verdict: On the annualised Sharpe difference (strategy minus benchmark, in excess of T-bills).
        active: Daily active returns, strategy minus benchmark.
        sharpe: The strategy's and the benchmark's annualised Sharpe ratios.
        cagr: The CAGR difference (strategy minus benchmark) and its interval.
        max_drawdown: The max-drawdown reduction (strategy's max drawdown minus the benchmark's, both
            negative: positive when the strategy's was shallower) and its interval.
        information_ratio: Annualised mean over standard deviation of the active returns.
        psr: Probabilistic Sharpe ratio of the active returns: P(true information ratio > 0).
        block: The bootstrap's block length in days (the stationary bootstrap's mean).
        se: The annualised standard error of the Sharpe difference on the data.
    """

    verdict: Verdict
    active: pd.Series
    sharpe: tuple[float, float]
    cagr: Interval
    max_drawdown: Interval
    information_ratio: float
    psr: float
    block: int
    se: float

    @property
    def benchmark(self) -> str:
        """The benchmark's key."""
        return self.verdict.benchmark

    def __str__(self) -> str:
        return sentence(self.verdict)

    def metrics(self) -> dict[str, float]:
        """Flat numbers, e.g. for MLflow as ``verdict.<benchmark>.<name>``."""
        v = self.verdict
        ci = v.ci if v.ci is not None else (math.nan, math.nan)
        return {
            "sharpe_diff": v.estimate,
            "sharpe_diff_lo": ci[0],
            "sharpe_diff_hi": ci[1],
            "p_value": v.p_value,
            "outcome": {"beats": 1.0, "no_evidence": 0.0, "trails": -1.0}[v.outcome],
            "cagr_diff": self.cagr.estimate,
            "cagr_diff_lo": self.cagr.lo,
            "cagr_diff_hi": self.cagr.hi,
            "max_drawdown_reduction": self.max_drawdown.estimate,
            "max_drawdown_reduction_lo": self.max_drawdown.lo,
            "max_drawdown_reduction_hi": self.max_drawdown.hi,
            "information_ratio": self.information_ratio,
            "psr_active": self.psr,
            "block_days": float(self.block),
        }

    def to_json(self) -> dict:
        """The comparison as a JSON-ready dict: the sentence, the outcome and every number."""
        nums = {k: (None if not math.isfinite(x) else x) for k, x in self.metrics().items()}
        return {
            **nums,
            "benchmark": self.benchmark,
            "sentence": sentence(self.verdict),
            "outcome": self.verdict.outcome,
            "level": self.verdict.level,
            "test": self.verdict.test,
            "days": len(self.active),
        }


def _sharpe_diff(m1, m2, g1, g2, n: int):  # noqa: ANN001, ANN202 (arrays or floats alike)
    """Per-day Sharpe difference from means `m` and mean squares `g`, and its gradient in (m1, m2, g1, g2).

    Sharpe = m / s with s the sample standard deviation (ddof=1), as `backtest.metrics.sharpe`.
    """
    k = math.sqrt(n / (n - 1))
    v1, v2 = g1 - m1 * m1, g2 - m2 * m2
    d = m1 / (k * np.sqrt(v1)) - m2 / (k * np.sqrt(v2))
    w1, w2 = k * v1**1.5, k * v2**1.5
    return d, (g1 / w1, -g2 / w2, -m1 / (2 * w1), m2 / (2 * w2))


def _influence(y1: np.ndarray, y2: np.ndarray, grad: tuple, m1, m2, g1, g2) -> np.ndarray:  # noqa: ANN001
    """The Sharpe difference's influence series ``∇f · (y_t − ȳ)``, ``y_t = (x1, x2, x1², x2²)``, by row."""
    a1, a2, a3, a4 = (np.asarray(a)[..., None] for a in grad)
    m1, m2, g1, g2 = (np.asarray(a)[..., None] for a in (m1, m2, g1, g2))
    return a1 * (y1 - m1) + a2 * (y2 - m2) + a3 * (y1 * y1 - g1) + a4 * (y2 * y2 - g2)


def block_length(influence: np.ndarray, bootstrap: str) -> int:
    """Politis-White's block length for `bootstrap` (``stationary`` or ``circular``), ≥ 1 day."""
    b = politis_white(influence)[bootstrap]
    return max(1, math.ceil(b)) if math.isfinite(b) else 1


def politis_white(x: np.ndarray) -> dict[str, float]:
    """Politis & White's (2004) optimal block lengths, as corrected by Patton, Politis & White (2009).

    What `arch.bootstrap.optimal_block_length` computes for one series (its tuning from Patton's
    MATLAB code: m is twice the first lag after which ``max(5, ⌊log10 n⌋)`` autocorrelations lie
    within ``±2√(log10 n / n)``, at most ``⌈√n⌉ + kn``; the flat-top kernel; the result capped at
    ``min(3√n, n/3)``), written here because importing arch costs a single run seconds.

    Returns:
        ``{"stationary": b_sb, "circular": b_cb}``, floats (inf or NaN for a series without variance).
    """
    eps = np.asarray(x, dtype=float) - np.mean(x)
    n = eps.shape[0]
    kn = max(5, int(np.log10(n)))
    m_max = int(np.ceil(np.sqrt(n))) + kn
    lags = range(m_max + 1)
    cross = np.array([eps[i:] @ eps[: n - i] for i in lags])
    # arch's normalisation of each autocorrelation (sums over the n - i - 1 values on either side)
    norms = np.array([(eps[i + 1 :] @ eps[i + 1 :]) * (eps[: -(i + 1)] @ eps[: -(i + 1)]) for i in lags])
    small = np.abs(cross) / np.sqrt(norms) < 2 * np.sqrt(np.log10(n) / n)
    runs = [j for j in range(m_max - kn + 1) if small[j : j + kn].all()]
    m = min(2 * max(runs[0], 1), m_max) if runs else m_max
    acv = cross / n
    k = np.arange(1, m + 1)
    lam = np.where(k / m <= 0.5, 1.0, 2 * (1 - k / m))
    g = np.sum(2 * lam * k * acv[1 : m + 1])
    long_run = acv[0] + np.sum(2 * lam * acv[1 : m + 1])
    b_max = np.ceil(min(3 * np.sqrt(n), n / 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            name: float(min(((2 * g**2) / (c * long_run**2)) ** (1 / 3) * n ** (1 / 3), b_max))
            for name, c in (("stationary", 2.0), ("circular", 4 / 3))
        }


def bartlett_long_run(u: np.ndarray, lags: int) -> float:
    """``Σ_t u_t² + 2 Σ_{l=1..lags} (1 − l/(lags+1)) Σ_t u_t u_{t−l}``: the Newey-West (Bartlett) sum.

    What ``statsmodels.stats.sandwich_covariance.S_hac_simple(u, nlags=lags)[0, 0]`` returns for one
    series (divided by ``n`` it is the long-run variance), written here because importing statsmodels'
    sandwich covariance costs a single run a second.
    """
    u = np.asarray(u, dtype=float)
    s = u @ u
    for lag in range(1, lags + 1):
        s += (1 - lag / (lags + 1.0)) * 2 * (u[lag:] @ u[:-lag])
    return float(s)


def indices(n: int, block: int, settings: Settings) -> np.ndarray:
    """The bootstrap's resampled day indices, resamples × `n`, seeded: what every statistic is computed on.

    ``circular``: blocks of `block` consecutive days from uniform starts, wrapping at the end, as
    `arch.bootstrap.CircularBlockBootstrap` draws them; ``stationary``: blocks of geometric length with
    mean `block` (`stationary_indices`, Politis & Romano 1994). Drawn as one matrix: arch draws one
    resample per Python call (0.4 s for 1,000 resamples of 5,000 days; this takes a twentieth of it).
    """
    if settings.bootstrap == "stationary":
        return stationary_indices(n, settings.resamples, float(block), np.random.default_rng(settings.seed))
    starts = circular_starts(n, block, settings)
    idx = (starts[:, :, None] + np.arange(block)).reshape(settings.resamples, -1)[:, :n].copy()
    idx[idx >= n] -= n  # wrap: starts < n and block <= n, so once (`% n` takes 2.4x as long)
    return idx


def circular_starts(n: int, block: int, settings: Settings) -> np.ndarray:
    """The circular bootstrap's block starts, resamples × ``⌈n / block⌉``, seeded: `indices`' blocks."""
    rng = np.random.default_rng(settings.seed)
    return rng.integers(0, n, size=(settings.resamples, -(-n // block), 1)).reshape(settings.resamples, -1)


def stationary_indices(n: int, samples: int, mean_block: float, rng: np.random.Generator) -> np.ndarray:
    """Index arrays of the stationary bootstrap: blocks of geometric length (mean `mean_block`), wrapping.

    Returns:
        Integer array, samples × n.
    """
    starts = rng.integers(0, n, size=(samples, n))
    new = rng.random((samples, n)) < 1.0 / mean_block
    new[:, 0] = True
    pos = np.arange(n)
    last = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    return (np.take_along_axis(starts, last, axis=1) + (pos - last)) % n


#: Blocks up to this length are summed as strided adds: numpy's reduction over a last axis of 2 to 7 is
#: about 10x slower (1.9 ms against 0.15 ms for 50 resamples x 5,828 days in 2-day blocks).
SHORT_BLOCK = 7


def _block_sums(x: np.ndarray, block: int) -> np.ndarray:
    """Each row's sums over its ``n // block`` whole blocks of `block` days (a partial last block dropped)."""
    k, n = x.shape
    l = n // block  # noqa: E741
    if block > SHORT_BLOCK:
        return x[:, : l * block].reshape(k, l, block).sum(axis=2)
    out = x[:, 0 : l * block : block].copy()  # short blocks: `block` strided adds, the same order as the sum
    for j in range(1, block):
        out += x[:, j : l * block : block]
    return out


def _drawdown(log_path: np.ndarray) -> np.ndarray:
    """Each row's max drawdown (negative) from its cumulative log growth, the initial capital a peak."""
    peak = np.maximum.accumulate(log_path, axis=1)
    np.maximum(peak, 0.0, out=peak)
    np.subtract(log_path, peak, out=peak)
    return np.expm1(peak.min(axis=1))


def _resampled(e1: np.ndarray, e2: np.ndarray, lg1: np.ndarray, lg2: np.ndarray, idx: np.ndarray, block: int):
    """Per resample (rows of `idx`): the Sharpe difference, its block standard error, CAGR, drawdown gaps.

    Args:
        e1: The strategy's daily excess returns.
        e2: The benchmark's.
        lg1: The strategy's daily log growth, ``log(1 + r)``.
        lg2: The benchmark's.
        idx: Resampled day indices, resamples × days.
        block: The block length of the standard error (Götze & Künsch; Ledoit & Wolf 2008, eq. 9):
            ``Ψ = mean_j (Σ_{t in block j} u_t)² / b`` over the resample's whole blocks of its influence
            series ``u``, ``se = √(Ψ / n)``; ``u``'s block sums from the blocks' sums of ``y`` and ``y²``.
    """
    n = idx.shape[1]
    y1, y2 = e1[idx], e2[idx]
    q1, q2 = y1 * y1, y2 * y2
    m1, m2, g1, g2 = (x.mean(axis=1) for x in (y1, y2, q1, q2))
    d, (a1, a2, a3, a4) = _sharpe_diff(m1, m2, g1, g2, n)
    sums = a1[:, None] * _block_sums(y1, block)
    for a, x in ((a2, y2), (a3, q1), (a4, q2)):
        sums += a[:, None] * _block_sums(x, block)
    sums -= block * (a1 * m1 + a2 * m2 + a3 * g1 + a4 * g2)[:, None]
    se = np.sqrt((sums * sums).mean(axis=1) / block / n)
    p1, p2 = np.cumsum(lg1[idx], axis=1), np.cumsum(lg2[idx], axis=1)
    cagr = np.expm1(p1[:, -1] * M.YEAR / n) - np.expm1(p2[:, -1] * M.YEAR / n)
    return d, se, cagr, _drawdown(p1) - _drawdown(p2)


@dataclass(frozen=True)
class Blocks:
    """What a circular resample needs of each block of `length` days starting on each day (wrapping).

    Attributes:
        sums: The block's sums of the strategy's and the benchmark's excess returns and their squares,
            4 × days.
        growth: The block's log growth, strategy and benchmark, 2 × days.
        high: The highest cumulative log growth within the block (after its first day on), 2 × days.
        low: The lowest, 2 × days.
        fall: The block's own largest fall from a high within it (≤ 0), 2 × days.
    """

    sums: np.ndarray
    growth: np.ndarray
    high: np.ndarray
    low: np.ndarray
    fall: np.ndarray


def block_tables(y: np.ndarray, lg: np.ndarray, lengths: Iterable[int]) -> dict[int, Blocks]:
    """`Blocks` of each of `lengths` days for every start: one pass of the longest length's days.

    Args:
        y: The series summed per block, rows (y1, y2, y1², y2²), k × days.
        lg: The log growth series (strategy, benchmark), 2 × days.
        lengths: The block lengths wanted (a circular resample's whole blocks and its last, shorter one).
    """
    n = y.shape[1]
    want = sorted(set(lengths))
    longest = want[-1]
    ey, eg = np.concatenate([y, y[:, :longest]], axis=1), np.concatenate([lg, lg[:, :longest]], axis=1)
    total, path = np.zeros_like(y), np.zeros_like(lg)
    high = np.full_like(lg, -np.inf)
    low, fall = np.full_like(lg, np.inf), np.zeros_like(lg)
    out = {}
    for k in range(longest):  # day k of every block at once: vector adds over the starts
        total += ey[:, k : k + n]
        path += eg[:, k : k + n]
        np.maximum(high, path, out=high)
        np.minimum(low, path, out=low)
        np.minimum(fall, path - high, out=fall)
        if k + 1 in want:
            out[k + 1] = Blocks(total.copy(), path.copy(), high.copy(), low.copy(), fall.copy())
    return out


def _resampled_blocks(tables: dict[int, Blocks], starts: np.ndarray, n: int, block: int):
    """`_resampled`'s statistics of circular resamples, from their blocks' `block_tables`.

    A resample is its blocks' days end to end: its sums are its blocks' sums, its log path each block's
    path from the level the previous blocks reached. Its drawdown is the worst of each block's: on a
    block entering at level ``L`` under a high ``H`` (the initial capital a high), the fall is the
    lower of ``L − H + low`` (below the old high) and the block's own ``fall``; the high after it is
    the higher of ``H`` and ``L + high``. So a resample costs its ``⌈n / block⌉`` blocks, not its days.

    Args:
        tables: `block_tables` for `block` days and for the last block's length.
        starts: The resamples' block starts (`circular_starts`), resamples × blocks.
        n: Days in a resample.
        block: The block length.
    """
    whole, last = n // block, n - (starts.shape[1] - 1) * block  # the last block: `last` days
    full, tail = tables[block], tables[last]
    s_whole, s_last = np.ascontiguousarray(starts[:, :whole]), np.ascontiguousarray(starts[:, -1])
    part = whole < starts.shape[1]
    bs = np.take(full.sums, s_whole, axis=1)  # 4 × resamples × whole blocks
    tot = bs.sum(axis=2) + (np.take(tail.sums, s_last, axis=1) if part else 0.0)
    m1, m2, g1, g2 = tot / n
    d, (a1, a2, a3, a4) = _sharpe_diff(m1, m2, g1, g2, n)
    sums = a1[:, None] * bs[0] + a2[:, None] * bs[1] + a3[:, None] * bs[2] + a4[:, None] * bs[3]
    sums -= block * (a1 * m1 + a2 * m2 + a3 * g1 + a4 * g2)[:, None]
    se = np.sqrt((sums * sums).mean(axis=1) / block / n)
    falls = []
    grown = []
    for i in (0, 1):  # strategy, benchmark
        growth, high, low, fall = (
            np.take(t[i], starts) for t in (full.growth, full.high, full.low, full.fall)
        )
        if part:
            growth[:, -1], high[:, -1] = np.take(tail.growth[i], s_last), np.take(tail.high[i], s_last)
            low[:, -1], fall[:, -1] = np.take(tail.low[i], s_last), np.take(tail.fall[i], s_last)
        level = np.cumsum(growth, axis=1)
        grown.append(level[:, -1].copy())
        level -= growth  # the level each block enters at
        peak = level + high  # the high each block reaches ...
        np.maximum.accumulate(peak, axis=1, out=peak)
        peak[:, 1:] = peak[:, :-1]  # ... is the next one's high to fall from
        peak[:, 0] = 0.0
        np.maximum(peak, 0.0, out=peak)
        worst = np.minimum(level - peak + low, fall).min(axis=1)
        falls.append(np.expm1(worst))
    cagr = np.expm1(grown[0] * M.YEAR / n) - np.expm1(grown[1] * M.YEAR / n)
    return d, se, cagr, falls[0] - falls[1]


#: A resample whose standard error is below this share of the sample's holds no day where the strategy and
#: the benchmark differ (a signal rarely on): the studentised statistic is undefined there (0/0, read as
#: ~1e10 in floating point), so `compare` falls back to the percentile interval of the difference itself.
DEGENERATE = 1e-6


def compare(
    strategy: pd.Series,
    benchmark: pd.Series,
    rf: pd.Series,
    *,
    benchmark_name: str = "sixty_forty",
    settings: Settings | None = None,
    batch: int = 50,
) -> Comparison:
    """The strategy's daily returns against a benchmark's on the same days: the single run's verdict.

    Args:
        strategy: The strategy's daily simple returns.
        benchmark: The benchmark's daily simple returns, on the same days.
        rf: The T-bill's daily return on those days (what cash earned): Sharpe ratios are in excess of it.
        benchmark_name: The benchmark's key (``sixty_forty``, ``vol_target``, ...), for the sentence.
        settings: The test's settings (default `Settings()`).
        batch: Resamples computed at once (bounds memory: about ``batch × days × 80`` bytes).

    Returns:
        The `Comparison`, whose ``verdict`` is on the annualised Sharpe difference.

    Raises:
        ValueError: The three series are not on the same days, hold NaN, or are shorter than 3 blocks.
    """
    st = settings or Settings()
    days = strategy.index
    if not (benchmark.index.equals(days) and rf.index.equals(days)):
        raise ValueError("strategy, benchmark and rf must be on the same days (align them first).")
    r1, r2, cash = (np.asarray(x, dtype=float) for x in (strategy, benchmark, rf))
    if not (np.isfinite(r1).all() and np.isfinite(r2).all() and np.isfinite(cash).all()):
        raise ValueError("the returns hold NaN or infinite values.")
    n = len(days)
    y1, y2 = r1 - cash, r2 - cash
    if not np.any(r1 != r2):  # the benchmark itself (a sixty_forty strategy): nothing to test
        return _identical(pd.Series(r1 - r2, index=days, name=f"active_{benchmark_name}"), benchmark_name, st)
    m1, m2, g1, g2 = y1.mean(), y2.mean(), (y1 * y1).mean(), (y2 * y2).mean()
    d0, grad = _sharpe_diff(m1, m2, g1, g2, n)
    u = _influence(y1, y2, grad, m1, m2, g1, g2)
    block = st.block or block_length(u, st.bootstrap)
    if n < 3 * block:
        raise ValueError(f"{n} days are too few for a block bootstrap with {block}-day blocks.")
    se0 = math.sqrt(bartlett_long_run(u, block - 1) / n / n)
    lg1, lg2 = np.log1p(r1), np.log1p(r2)
    if st.bootstrap == "circular":  # by blocks: each resample's whole blocks from tables of every start
        starts = circular_starts(n, block, st)
        tables = block_tables(
            np.stack([y1, y2, y1 * y1, y2 * y2]), np.stack([lg1, lg2]), (block, n % block or block)
        )
        rows = max(batch, batch * block)  # the same memory as `batch` resamples of days
        parts = [
            _resampled_blocks(tables, starts[i : i + rows], n, block) for i in range(0, len(starts), rows)
        ]
    else:
        idx = indices(n, block, st)
        parts = [_resampled(y1, y2, lg1, lg2, idx[i : i + batch], block) for i in range(0, len(idx), batch)]
    d, se, cagr, mdd = (np.concatenate(x) for x in zip(*parts, strict=True))
    k = math.sqrt(M.YEAR)
    how = (
        f"{st.resamples:,} resamples, {'mean ' if st.bootstrap == 'stationary' else ''}block {block} days"
        f"{'' if st.block else ' (Politis-White)'}, seed {st.seed}"
    )
    empty = int(np.count_nonzero(se <= DEGENERATE * se0))
    if empty:  # a resample of days where the two never differ: its studentised statistic is 0/0
        p = (1 + np.count_nonzero(d <= 0)) / (1 + len(d))
        ci = tuple(k * np.quantile(d, [st.level / 2, 1 - st.level / 2]))
        test = (
            f"percentile {st.bootstrap} block bootstrap of the paired returns, {how} (not studentised: "
            f"{empty:,} resamples hold no day where the strategy differs from the benchmark)"
        )
    else:
        t = (d - d0) / se
        p = (1 + np.count_nonzero(t >= d0 / se0)) / (1 + len(t))
        q_lo, q_hi = np.quantile(t, [st.level / 2, 1 - st.level / 2])
        ci = (k * (d0 - q_hi * se0), k * (d0 - q_lo * se0))
        test = f"studentised {st.bootstrap} block bootstrap of the paired returns (Ledoit & Wolf 2008), {how}"
    ci = (float(ci[0]), float(ci[1]))
    verdict = Verdict(benchmark_name, "Sharpe", k * float(d0), float(p), ci, st.level, 1, test)
    a = (r1 - r2).astype(float)
    pct = [st.level / 2, 1 - st.level / 2]
    sr1, sr2 = M.sharpe(y1), M.sharpe(y2)
    ir = M.sharpe(a)
    return Comparison(
        verdict=verdict,
        active=pd.Series(a, index=days, name=f"active_{benchmark_name}"),
        sharpe=(sr1, sr2),
        cagr=Interval(M.cagr(r1) - M.cagr(r2), *map(float, np.quantile(cagr, pct))),
        max_drawdown=Interval(
            M.max_drawdown(np.cumprod(1 + r1), 1.0) - M.max_drawdown(np.cumprod(1 + r2), 1.0),
            *map(float, np.quantile(mdd, pct)),
        ),
        information_ratio=ir,
        psr=probabilistic_sharpe(ir / k, 0.0, n, *moments(a)),
        block=block,
        se=k * se0,
    )


def compare_each(
    strategy: pd.Series,
    benchmarks: Mapping[str, pd.Series],
    rf: pd.Series,
    names: Iterable[str],
    settings: Settings | None = None,
) -> dict[str, Comparison]:
    """`compare` the strategy with each benchmark named, on the strategy's days, the first named first.

    A benchmark that did not run, or does not cover every one of the strategy's days, is left out, as
    is one whose days are too few for the bootstrap's blocks: no verdict against it.

    Args:
        strategy: The strategy's daily returns (its days are the comparison's).
        benchmarks: Benchmark -> its daily returns (on at least the strategy's days).
        rf: The T-bill's daily returns (on at least those days).
        names: The benchmarks to compare with, the primary first (``verdict.benchmarks``).
        settings: The test (default `Settings()`).
    """
    days, out = strategy.index, {}
    for name in names:
        bench = benchmarks.get(name)
        if bench is None or not days.isin(bench.index).all():
            continue
        if not bench.index.equals(days):
            bench = bench.loc[days]
        cash = rf if rf.index.equals(days) else rf.loc[days]
        try:
            out[name] = compare(strategy, bench, cash, benchmark_name=name, settings=settings)
        except ValueError:  # too few days for the blocks
            continue
    return out


def _identical(active: pd.Series, benchmark_name: str, st: Settings) -> Comparison:
    """The comparison of a portfolio with itself: every difference exactly 0, no p-value."""
    test = "identical daily returns: no difference to test"
    zero = Interval(0.0, 0.0, 0.0)
    verdict = Verdict(benchmark_name, "Sharpe", 0.0, math.nan, (0.0, 0.0), st.level, 1, test)
    return Comparison(verdict, active, (math.nan, math.nan), zero, zero, math.nan, math.nan, 1, 0.0)


def _growth(returns: pd.Series) -> np.ndarray:
    """Cumulative log growth before each day and after the last: ``L[p]`` = log growth of the first p days."""
    return np.concatenate([[0.0], np.cumsum(np.log1p(returns.to_numpy(dtype=float)))])


def scorecard(
    episodes: pd.DataFrame,
    strategy: pd.Series,
    benchmark: pd.Series,
    costs: pd.Series | np.ndarray,
    *,
    benchmark_name: str = "sixty_forty",
    after: tuple[int, ...] = (20, 60),
) -> pd.DataFrame:
    """One row per risk-off episode: where de-risking paid, or cost, against the benchmark.

    Returns are compounded from the close of the episode's first day (the onset, when the signal is
    known) to the close of its last day; "after" from that close over the next `after` trading days
    (NaN where the window ends first). The strategy trades a lag after each decision, so the first
    day of an episode is still held as before, and the day after its end still de-risked.

    Args:
        episodes: ``start``, ``end``, ``days``, ``ongoing`` and ``ret_during`` (the equity sleeve's
            return over the episode), as `analysis.event_study.EventStudy.episodes`.
        strategy: The strategy's daily returns.
        benchmark: The benchmark's daily returns on the same days.
        costs: The strategy's trading costs (fees and slippage) paid for each episode, as a fraction of
            its value at the onset, one per row of `episodes`.
        benchmark_name: The benchmark's key (a column says which).
        after: Horizons, in trading days, after each episode's end.

    Returns:
        `episodes`' columns (``ret_during`` is the equity sleeve's return during the episode), then
        ``benchmark``, ``active_during`` (strategy minus benchmark compound return),
        ``active_<h>d_after`` for each horizon, ``costs``.
    """
    days = strategy.index
    ls, lb = _growth(strategy), _growth(benchmark)
    p0 = days.searchsorted(pd.DatetimeIndex(episodes["start"]), side="right")
    p1 = days.searchsorted(pd.DatetimeIndex(episodes["end"]), side="right")

    def active(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ok = b <= len(days)
        a, b = np.minimum(a, len(days)), np.minimum(b, len(days))
        gap = np.expm1(ls[b] - ls[a]) - np.expm1(lb[b] - lb[a])
        return np.where(ok, gap, np.nan)

    out = episodes.reset_index(drop=True).assign(benchmark=benchmark_name, active_during=active(p0, p1))
    for h in after:
        out[f"active_{h}d_after"] = active(p1, p1 + h)
    out["costs"] = np.asarray(costs, dtype=float)
    return out
