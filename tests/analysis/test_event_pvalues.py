"""Event-study p-values: small where an effect is planted, not small where onsets are random; seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import event_study as E

N = 3000


def calm_prices(rng: np.random.Generator) -> np.ndarray:
    return 100 * np.cumprod(1 + rng.normal(0.0004, 0.008, N))


def state_of(starts: list[int], length: int) -> pd.Series:
    on = np.zeros(N, dtype=bool)
    for s in starts:
        on[s : s + length] = True
    return pd.Series(on, index=pd.bdate_range("2010-01-01", periods=N))


def spaced_starts(rng: np.random.Generator, k: int) -> list[int]:
    return sorted(rng.choice(np.arange(100, N - 100, 120), size=k, replace=False).tolist())


def test_a_planted_correction_after_each_onset_has_a_small_p_value():
    rng = np.random.default_rng(1)
    r = rng.normal(0.0004, 0.008, N)
    starts = spaced_starts(rng, 20)
    for s in starts:  # a 10% fall over the 10 days after each onset's close
        r[s + 1 : s + 11] = (0.9 ** (1 / 10)) - 1
    price = pd.Series(100 * np.cumprod(1 + r), index=pd.bdate_range("2010-01-01", periods=N))
    ev = E.study(state_of(starts, 5), price, horizons=(20,))
    row = ev.table.loc[20]
    assert row["p_correction"] == 1.0
    # nothing in 1,000 draws beats it: p is the smallest possible, 1 / 1001
    assert row["pval_correction"] == pytest.approx(1 / 1001)
    assert row["pval_ret"] == pytest.approx(1 / 1001) and row["pval_maxdd"] == pytest.approx(1 / 1001)


def test_random_onsets_on_a_series_without_effect_are_not_significant_and_seeded():
    rng = np.random.default_rng(2)
    price = pd.Series(calm_prices(rng), index=pd.bdate_range("2010-01-01", periods=N))
    state = state_of(spaced_starts(rng, 20), 5)
    ev = E.study(state, price)
    pv = ev.table[list(E.PVALUES)]
    assert (pv > 0.01).all().all(), pv  # 12 p-values: none small
    assert pv.loc[60, "pval_ret"] > 0.1 and pv.loc[60, "pval_correction"] > 0.1
    again = E.study(state, price)
    pd.testing.assert_frame_equal(ev.table, again.table)
    other = E.study(state, price, seed=1)
    assert not np.allclose(other.table["pval_ret"], ev.table["pval_ret"])
    assert ev.summary["n_draws"] == E.N_DRAWS and ev.summary["seed"] == E.SEED


def test_the_p_value_is_the_share_of_placements_at_least_as_bad_re_derived():
    """Against an independent null: the same episodes placed by a plain rejection loop."""
    rng = np.random.default_rng(3)
    n = 400
    idx = pd.bdate_range("2012-01-01", periods=n)
    price = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, n)), index=idx)
    lengths = [3, 7, 12]
    on = np.zeros(n, dtype=bool)
    for s, ln in zip([50, 150, 300], lengths, strict=True):
        on[s : s + ln] = True
    ev = E.study(pd.Series(on, index=idx), price, horizons=(20,), n_draws=4000)
    fwd = price.shift(-20) / price - 1
    observed = fwd.iloc[[50, 150, 300]].mean()
    null_rng, null = np.random.default_rng(99), []
    while len(null) < 4000:  # random starts, shuffled lengths; reject overlapping or touching episodes
        lens = null_rng.permutation(lengths)
        starts = np.sort(null_rng.integers(0, n, 3))
        ends = starts + lens  # the k-th earliest episode gets the k-th shuffled length
        if ends[-1] > n or np.any(starts[1:] <= ends[:-1]):
            continue
        vals = fwd.iloc[starts].dropna()
        if len(vals):
            null.append(vals.mean())
    want = (1 + np.sum(np.array(null) <= observed)) / (1 + len(null))
    assert ev.table.loc[20, "pval_ret"] == pytest.approx(want, abs=0.03)


def test_random_placements_keep_lengths_apart_inside_the_window_after_a_carried_episode():
    rng = np.random.default_rng(0)
    lengths = np.array([4, 1, 9])
    starts = E.random_starts(60, carried=5, lengths=lengths, n_draws=500, rng=rng)
    assert starts.shape == (500, 3)
    assert starts.min() >= 6  # after the carried run (days 0-4) and one off day
    srt = np.sort(starts, axis=1)
    assert (np.diff(srt, axis=1) >= 2).all()  # apart by at least the shortest length and an off day
    assert (srt[:, -1] <= 60 - 1).all()
    assert len(np.unique(srt[:, 0])) > 10  # spread over the window, not one arrangement
    # every draw's episodes (any order of lengths) fit without touching: check via the study itself
    idx = pd.bdate_range("2020-01-01", periods=60)
    on = np.zeros(60, dtype=bool)
    on[:5] = True
    on[[10, 11, 12, 13, 20, 30, 31, 32, 33, 34, 35, 36, 37, 38]] = True
    before = pd.Series([True], index=[idx[0] - pd.Timedelta(days=3)])  # on before the window: carried
    state = pd.concat([before, pd.Series(on, index=idx)])
    ev = E.study(state, pd.Series(np.linspace(100, 110, 60), index=idx), horizons=(5,))
    assert ev.summary["n_episodes"] == 3
    assert 0 < ev.table.loc[5, "pval_ret"] <= 1
    assert E.random_starts(60, 0, np.array([], dtype=int), 10, rng).size == 0


def test_p_values_reach_metrics_json_and_text():
    rng = np.random.default_rng(4)
    price = pd.Series(calm_prices(rng), index=pd.bdate_range("2010-01-01", periods=N))
    ev = E.study(state_of(spaced_starts(rng, 10), 5), price)
    m = E.metrics(ev)
    assert m["event.pval_ret_60d"] == pytest.approx(ev.table.loc[60, "pval_ret"])
    assert m["event.pval_correction_20d"] == pytest.approx(ev.table.loc[20, "pval_correction"])
    js = E.to_json(ev)
    assert js["by_horizon"]["5"]["pval_hit_rate"] == pytest.approx(ev.table.loc[5, "pval_hit_rate"])
    assert "pval_" in js["definitions"]
    text = E.render(ev, "x")
    assert "p-values" in text and f"{ev.table.loc[60, 'pval_ret']:.3f}" in text
    assert "(p=" in E.headline(ev)
