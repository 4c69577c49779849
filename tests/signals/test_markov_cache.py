"""markov_regime's on-disk cache of refits and filters: the same bits with or without it, work done once.

The cache is keyed by content (the window's values, the start parameters, the EM steps), so a warm run
computes no window, a day appended computes only the window it changes, and a folder that cannot be
written leaves the run uncached without a word.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import signals.markov_regime as mr
from signals.markov_regime import CACHE_ENV, markov_regime

MIN_TRAIN, EVERY = 300, 50


def planted(n: int, seed: int = 5) -> pd.DataFrame:
    """`n` prices: calm returns (0.5% a day) with a storm (3%) from day 320 to 380."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0.05, 0.5, n - 1)
    r[320:380] = rng.normal(-0.2, 3.0, 60)
    price = 100 * np.cumprod(1 + np.r_[0.0, r / 100])
    return pd.DataFrame({"SPY": price}, index=pd.bdate_range("2015-01-01", periods=n))


def score(frame: pd.DataFrame) -> np.ndarray:
    return markov_regime(frame, min_train=MIN_TRAIN, refit_every=EVERY).score.to_numpy()


@pytest.fixture
def counted(monkeypatch):
    """The lengths of the windows actually fitted and filtered (a cache hit computes neither)."""
    seen: dict[str, list[int]] = {"fit": [], "filter": [], "series": []}
    fit, filtered, series = mr._fit, mr._filtered, mr._probabilities

    def fit_counted(x, start, em_iter):
        seen["fit"].append(len(x))
        return fit(x, start, em_iter)

    def filter_counted(x, params, start):
        seen["filter"].append(len(x))
        return filtered(x, params, start)

    def series_counted(x, *args):
        seen["series"].append(len(x))
        return series(x, *args)

    monkeypatch.setattr(mr, "_fit", fit_counted)
    monkeypatch.setattr(mr, "_probabilities", series_counted)
    monkeypatch.setattr(mr, "_filtered", filter_counted)
    return seen


def test_cold_warm_and_uncached_values_are_bit_identical(tmp_path, monkeypatch, counted):
    frame = planted(520)
    monkeypatch.setenv(CACHE_ENV, "off")
    uncached = score(frame)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    cold = score(frame)
    n_fits = len(counted["fit"])
    warm = score(frame)
    assert np.isfinite(cold[MIN_TRAIN:]).all()  # the comparison covers real probabilities
    assert np.array_equal(cold, uncached, equal_nan=True)
    assert np.array_equal(warm, uncached, equal_nan=True)
    # the returns run from day 1: refits at returns 299, 349, ..., 499 (5), once uncached, once cold
    refits = len(range(MIN_TRAIN - 1, 519, EVERY))
    assert n_fits == 2 * refits
    assert len(counted["fit"]) == n_fits  # the warm run fitted nothing
    assert counted["series"] == [519, 519]  # and read the whole series at once: uncached, cold, not warm
    assert any((tmp_path / "cache").rglob("output.pkl"))  # and it was written where it was told


def test_a_day_appended_computes_only_the_window_it_changes(tmp_path, monkeypatch, counted):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    full = planted(502)  # 501 returns: refits at 299, ..., 499; the 502nd return starts no new window
    score(full.iloc[:-1])  # 500 returns: the last window (499) holds one day
    counted["fit"].clear(), counted["filter"].clear()
    got = score(full)
    assert counted["fit"] == []  # every refit's window is unchanged
    assert counted["filter"] == [501]  # only the last window's filter sees the new day
    monkeypatch.setenv(CACHE_ENV, "off")
    assert np.array_equal(got, score(full), equal_nan=True)


def test_a_day_that_starts_a_window_fits_that_window_only(tmp_path, monkeypatch, counted):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    full = planted(501)  # 500 returns: the 500th (index 499) is a refit day
    score(full.iloc[:-1])
    counted["fit"].clear(), counted["filter"].clear()
    got = score(full)
    assert counted["fit"] == [500] and counted["filter"] == [500]
    monkeypatch.setenv(CACHE_ENV, "off")
    assert np.array_equal(got, score(full), equal_nan=True)


@pytest.mark.parametrize("where", ["under_a_file", "joblib_is_a_file"])
def test_a_cache_that_cannot_be_written_leaves_the_run_uncached_and_silent(tmp_path, monkeypatch, where):
    blocker = tmp_path / "file"
    blocker.write_text("")
    if where == "under_a_file":
        location = blocker / "cache"  # mkdir fails: not a directory
    else:
        location = tmp_path / "cache"  # exists, but joblib's own folder cannot be made
        location.mkdir()
        (location / "joblib").write_text("")
    monkeypatch.setenv(CACHE_ENV, "off")
    expected = score(planted(400))
    monkeypatch.setenv(CACHE_ENV, str(location))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would fail the test
        got = score(planted(400))
    assert np.array_equal(got, expected, equal_nan=True)


def test_the_key_changes_with_the_code_the_cached_functions_call(monkeypatch):
    mr._versions.cache_clear()
    before = mr._versions()

    def other_model(x):  # e.g. a third regime: the cached values would no longer hold
        return mr._model(x)

    monkeypatch.setattr(mr, "_model", other_model)
    mr._versions.cache_clear()
    assert mr._versions()[0] != before[0] and mr._versions()[1:] == before[1:]
    monkeypatch.undo()
    mr._versions.cache_clear()
    assert mr._versions() == before


def test_cache_dir_reads_the_environment(tmp_path):
    assert mr.cache_dir({}) == mr.CACHE_DIR
    assert mr.cache_dir({CACHE_ENV: ""}) == mr.CACHE_DIR
    assert mr.cache_dir({CACHE_ENV: "OFF"}) is None
    assert mr.cache_dir({CACHE_ENV: str(tmp_path)}) == tmp_path
    assert mr.CACHE_DIR.parent.name == ".cache"  # beside the live data's cache, git-ignored
