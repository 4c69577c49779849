"""The verdict's two estimators written by hand (start-up time) equal the libraries' they replace.

`analysis.verdict.politis_white` is `arch.bootstrap.optimal_block_length` and
`analysis.verdict.bartlett_long_run` is statsmodels' `S_hac_simple`, to 1e-12, on seeded series of
the kinds a run feeds them: white noise, AR(1) influence series of several persistences, heavy tails,
short and long, one whose autocorrelations never settle (m at its maximum).
"""

from __future__ import annotations

import numpy as np
import pytest
from arch.bootstrap import optimal_block_length
from statsmodels.stats.sandwich_covariance import S_hac_simple

from analysis.verdict import bartlett_long_run, block_length, politis_white


def _ar1(n: int, phi: float, seed: int, *, df: float | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shocks = rng.standard_t(df, n) if df else rng.standard_normal(n)
    x = np.empty(n)
    x[0] = shocks[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + shocks[t]
    return 1e-3 * x + 2e-4  # daily-return scale, a mean that is not zero


SERIES = {
    "white": _ar1(5_800, 0.0, 1),
    "ar 0.3": _ar1(5_800, 0.3, 2),
    "ar 0.9": _ar1(5_800, 0.9, 3),
    "ar -0.4": _ar1(2_000, -0.4, 4),
    "t3 ar 0.5": _ar1(5_800, 0.5, 5, df=3),
    "short": _ar1(120, 0.2, 6),
    "long memory": np.cumsum(_ar1(3_000, 0.0, 7)),  # a random walk: autocorrelations never settle
}


@pytest.mark.parametrize("name", SERIES)
def test_politis_white_is_arch(name):
    x = SERIES[name]
    ours = politis_white(x)
    theirs = optimal_block_length(x).iloc[0]
    for b in ("stationary", "circular"):
        assert ours[b] == pytest.approx(theirs[b], rel=1e-12, abs=1e-12), (b, ours[b], theirs[b])


def test_the_cases_span_short_and_long_blocks():
    blocks = {name: politis_white(x)["circular"] for name, x in SERIES.items()}
    assert blocks["white"] < 5 < blocks["ar 0.9"] < blocks["long memory"]  # it responds to dependence


def test_a_series_without_variance_gives_one_day_blocks():
    with np.errstate(all="ignore"):
        assert block_length(np.full(500, 0.01), "circular") == 1


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("lags", [0, 1, 4, 20, 63])
def test_bartlett_long_run_is_statsmodels(name, lags):
    u = SERIES[name]
    assert bartlett_long_run(u, lags) == pytest.approx(S_hac_simple(u, nlags=lags)[0, 0], rel=1e-12, abs=0)


def test_bartlett_long_run_by_its_definition():
    u = SERIES["ar 0.3"]
    n, lags = len(u), 5
    gamma = [u[k:] @ u[: n - k] for k in range(lags + 1)]
    weights = [1 - k / (lags + 1) for k in range(lags + 1)]
    expected = gamma[0] + 2 * sum(w * g for w, g in zip(weights[1:], gamma[1:], strict=True))
    assert bartlett_long_run(u, lags) == pytest.approx(expected, rel=1e-13)
