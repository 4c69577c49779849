"""A statistical regime baseline: a two-state Markov-switching variance model, filtered probabilities only.

Each refit and each window's filter is a deterministic function of its inputs (the training window's
values, the start parameters, the EM steps; the filtered window's values and the parameters), so both,
and the whole series, are cached on disk with ``joblib.Memory``, keyed by the inputs' content: a second
run reads the series once, a run with a day appended computes only the windows whose data changed, with
bit-identical values. The cache lives
in `CACHE_DIR` (``<repo>/.cache/markov_regime``, beside the live data's ``.cache/live``), or in the
folder named by the environment variable ``REGIME_MARKOV_CACHE`` (``off``: no cache). A folder that
cannot be written leaves the run uncached, silently. Clearing it is deleting the folder.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import warnings
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from signals.base import (
    SignalOutput,
    Thresholds,
    Units,
    check_exit,
    column_name,
    finite,
    one_of,
    positive_int,
    signal,
)
from signals.primitives import hysteresis

if TYPE_CHECKING:
    from joblib import Memory
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

#: The cache's default folder: beside the live data's cache (``market.build.LIVE_CACHE``), git-ignored.
CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache" / "markov_regime"
#: The environment variable that moves the cache (a folder) or turns it off (``off``).
CACHE_ENV = "REGIME_MARKOV_CACHE"


def _requires(*, column: str, **_: object) -> tuple[str, ...]:
    return (column,)


def _check(
    *,
    column: str,
    moves: str,
    min_train: int,
    refit_every: int,
    em_iter: int,
    entry: float,
    exit: float | None,
) -> None:
    column_name("column", column)
    one_of("moves", moves, ("returns", "changes"))
    positive_int("min_train", min_train, lo=10)  # two regimes need some history: e.g. 504 (two years)
    positive_int("refit_every", refit_every)
    positive_int("em_iter", em_iter)
    for key, value in (("entry", entry), ("exit", exit)):
        if value is not None:
            finite(key, value, lo=0, lo_open=True, hi=1, hi_open=True, fix="a probability, e.g. 0.8.")
    check_exit("entry", entry, "exit", exit)


def _model(x: np.ndarray) -> MarkovRegression:
    # lazy: statsmodels' import (about 0.5 s) is paid only when a window is computed, not on a warm cache
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    return MarkovRegression(x, k_regimes=2, trend="c", switching_variance=True)


def _persistent(model: MarkovRegression, params: np.ndarray) -> bool:
    """Both states last more than a day on average (P[stay] ≥ 0.5): not a one-day spike state."""
    stay0 = params[model.param_names.index("p[0->0]")]
    stay1 = 1.0 - params[model.param_names.index("p[1->0]")]
    return bool(min(stay0, stay1) >= 0.5)


def _fit(x: np.ndarray, start: np.ndarray | None, em_iter: int) -> np.ndarray | None:
    """Parameters on `x`: `em_iter` EM steps from `start`, else statsmodels' full fit from its own start.

    The full fit runs the first time, and whenever the EM steps end in a non-persistent state.

    The refits call the EM steps that statsmodels' own ``fit`` runs before its BFGS (``_fit_em``):
    ``fit(maxiter=0)`` would still evaluate a numerical gradient, which costs more than the EM steps.
    A mixture likelihood also peaks at a one-day "spike" state fitting a single outlier; EM started
    there stays there, so such a result is refitted from scratch.
    """
    model = _model(x)
    try:
        if start is not None:
            params = model._fit_em(start_params=start, maxiter=em_iter, tolerance=0.0, return_params=True)
            if np.all(np.isfinite(params)) and _persistent(model, params):
                return params
        params = model.fit(disp=False, return_params=True)
    except (ValueError, np.linalg.LinAlgError):
        return start
    return params if np.all(np.isfinite(params)) else start


def _filtered(x: np.ndarray, params: np.ndarray, start: int) -> np.ndarray:
    """P[high-variance state_t | x_0..x_t] for t = `start` .. len(x) - 1, under `params`.

    The high-variance state is the one with the larger fitted variance in `params`.
    """
    model = _model(x)
    sigma2 = [params[model.param_names.index(f"sigma2[{i}]")] for i in (0, 1)]
    filtered = model.filter(params, return_raw=True).filtered_marginal_probabilities
    return filtered[int(np.argmax(sigma2)), start:]


def _fit_keyed(x: np.ndarray, start: np.ndarray | None, em_iter: int, versions: object = None) -> Any:
    """`_fit`, with the cache key's `versions` (`_versions`)."""
    return _fit(x, start, em_iter)


def _filtered_keyed(x: np.ndarray, params: np.ndarray, start: int, versions: object = None) -> np.ndarray:
    """`_filtered`, with the cache key's `versions`."""
    return _filtered(x, params, start)


@functools.cache
def _versions() -> tuple[str, str, str]:
    """What the cached values depend on besides their arguments: the code and the libraries computing them.

    joblib notices a change in the cached function's own source only; the digest of the functions it
    calls, and statsmodels' and numpy's versions, make any change of theirs a new key.
    """
    code = "".join(inspect.getsource(f) for f in (_model, _persistent, _fit, _filtered, _probabilities))
    return hashlib.sha256(code.encode()).hexdigest()[:16], version("statsmodels"), np.__version__


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The cache's folder: ``REGIME_MARKOV_CACHE`` when set (None for ``off``), else `CACHE_DIR`.

    >>> cache_dir({"REGIME_MARKOV_CACHE": "off"}) is None
    True
    """
    given = environ.get(CACHE_ENV, "").strip()
    if not given:
        return CACHE_DIR
    return None if given.lower() == "off" else Path(given).expanduser()


@functools.cache
def _memory(location: Path | None) -> Memory:
    """A joblib memory at `location`; an uncached one when it is None or cannot be created."""
    # lazy: joblib's import (about 0.2 s) is paid only where the signal runs
    from joblib import Memory

    if location is not None:
        try:
            location.mkdir(parents=True, exist_ok=True)
            if not os.access(location, os.W_OK):
                location = None
        except OSError:
            location = None
    return Memory(location, verbose=0)


def _cached(func: Callable[..., Any], location: Path | None) -> Callable[..., Any]:
    """`func` through the on-disk cache at `location` (as is, when the cache is off)."""
    if location is None:
        return func
    memorized = _memory(location).cache(func)
    versions = _versions()

    def call(*args: Any) -> Any:
        try:
            return memorized(*args, versions)
        except OSError:  # a cache folder that turned out unwritable (joblib's own files): computed as is
            return func(*args)

    return call


def _probabilities(x: np.ndarray, min_train: int, refit_every: int, em_iter: int) -> np.ndarray:
    """`filtered_high_variance` on the values `x`, each refit and each window's filter through the cache."""
    prob = np.full(len(x), np.nan)
    params = None
    where = cache_dir()
    fit, filtered = _cached(_fit_keyed, where), _cached(_filtered_keyed, where)
    with np.errstate(all="ignore"):
        for r in range(min_train - 1, len(x), refit_every):
            end = min(r + refit_every, len(x))
            params = fit(x[: r + 1], params, em_iter)
            if params is None:
                continue
            prob[r:end] = filtered(x[:end], params, r)
    return prob


def _probabilities_keyed(
    x: np.ndarray, min_train: int, refit_every: int, em_iter: int, versions: object = None
) -> np.ndarray:
    """`_probabilities`, with the cache key's `versions`."""
    return _probabilities(x, min_train, refit_every, em_iter)


def filtered_high_variance(y: pd.Series, *, min_train: int, refit_every: int, em_iter: int) -> pd.Series:
    """Filtered probability of the high-variance state, each day under the last parameters fitted up to it.

    On the non-missing values of `y`, parameters are estimated on an expanding window at observations
    ``min_train - 1, min_train - 1 + refit_every, ...`` (each fit on the data up to and including
    that day). Each day t from a refit r until the next uses the parameters fitted at r and the
    Hamilton filter's P[state_t | y_0..y_t]: nothing after t enters. The high-variance state is the
    one with the larger fitted variance, read at each refit (the labels may swap between fits).

    The whole series, each refit and each window's filter go through the on-disk cache (`cache_dir`;
    the module docstring): the same values, computed once; the same series is one read.

    Returns:
        The probability on `y`'s index; NaN before the first fit and where `y` is missing.
    """
    values = y.dropna()
    x = values.to_numpy(dtype=float)
    # convergence and log(0) warnings of short or flat windows; joblib's of a cache it cannot write
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob = _cached(_probabilities_keyed, cache_dir())(x, min_train, refit_every, em_iter)
    return pd.Series(prob, index=values.index).reindex(y.index)


@signal(requires=_requires, check=_check)
def markov_regime(
    frame: pd.DataFrame,
    *,
    column: str = "SPY",
    moves: str = "returns",
    min_train: int = 504,
    refit_every: int = 63,
    em_iter: int = 5,
    entry: float = 0.8,
    exit: float | None = 0.5,
) -> SignalOutput:
    """“in a regime of rising volatility and fiscal uncertainty, both assets can fall simultaneously” (seed 000): the regime, found by a model rather than a rule.

    A two-state Markov-switching model with a switching mean and variance (statsmodels'
    ``MarkovRegression(k_regimes=2, trend="c", switching_variance=True)``) on the daily moves of
    `column`: percent returns (``moves=returns``, an equity index by default) or changes
    (``moves=changes``, e.g. ``column=MOVE``). Refitted on an expanding window every `refit_every`
    observations once `min_train` are available: the first fit is statsmodels' full fit, each refit
    runs `em_iter` EM steps from the previous estimate (the default preset runs in a few seconds;
    ``refit_every=21`` takes about three times as long). Risk-off when the high-variance state's
    **filtered** probability P[state_t | data up to t] reaches `entry`, off below `exit`. The
    smoothed probabilities (``smoothed_marginal_probabilities``) condition on the whole sample, data
    after t included: a backtest on them sees the future, a known source of look-ahead in regime
    backtests; they are never used here.

    Requires: `column` (default SPY).

    Args:
        frame: Market frame.
        column: The series whose daily moves are modelled.
        moves: ``returns`` (percent) or ``changes`` (first differences).
        min_train: Observations before the first fit.
        refit_every: Observations between refits.
        em_iter: EM steps of each refit after the first.
        entry: Filtered probability of the high-variance state that turns risk-off on.
        exit: Probability below which it turns off (≤ `entry`; null = `entry`).

    Returns:
        Risk-off state; score: the high-variance state's filtered probability (NaN before the first fit).
    """
    x = frame[column]
    y = x.pct_change(fill_method=None) * 100 if moves == "returns" else x.diff()
    p = filtered_high_variance(y, min_train=min_train, refit_every=refit_every, em_iter=em_iter)
    out = entry if exit is None else exit
    th = Thresholds(entry, out, units=Units(f"P(high-variance {column})"))
    return SignalOutput(risk_off=hysteresis(p, entry, out), score=p.rename("p_high_variance"), thresholds=th)
