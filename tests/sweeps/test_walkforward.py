"""Walk-forward chooses on train windows only: poisoning the future never changes a choice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from backtest.metrics import performance
from common.errors import ConfigError
from core.plan import make_plan
from sweeps.evaluate import Evaluator, config_plan
from sweeps.walkforward import walk_forward, window_scores, windows

DATES = pd.bdate_range("2000-01-03", periods=1500)


def returns(seed: int = 0, n_cfg: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = rng.normal(2e-4, 0.01, size=(len(DATES), n_cfg))
    return r, np.full(len(DATES), 1e-4)


@pytest.mark.parametrize("mode", ["rolling", "expanding"])
def test_poisoning_everything_after_a_train_window_never_changes_its_choice(mode):
    r, cash = returns()
    base = walk_forward(r, cash, DATES, np.arange(30), train_days=500, test_days=100, mode=mode)
    rng = np.random.default_rng(9)
    for k, (_a, b, _c, _d) in enumerate(windows(len(DATES), 500, 100, mode)):
        poisoned = r.copy()
        poisoned[b:] = rng.normal(0, 0.05, size=poisoned[b:].shape)
        worst = int(base.choices.loc[k, "config"])
        poisoned[b:, (worst + 1) % 30] += 0.05  # a config that would be a sure winner from here on
        other = walk_forward(poisoned, cash, DATES, np.arange(30), train_days=500, test_days=100, mode=mode)
        assert other.choices.loc[:k, "config"].tolist() == base.choices.loc[:k, "config"].tolist()
        assert (
            other.choices.loc[k + 1 :, "config"].ne(base.choices.loc[k + 1 :, "config"]).any()
            or k == len(base.choices) - 1
        )  # and the poison does reach later choices


def test_stitched_record_is_each_windows_train_best_held_through_its_test_window():
    r, cash = returns(1)
    wf = walk_forward(r, cash, DATES, np.arange(100, 130), train_days=400, test_days=150, mode="rolling")
    expected = []
    for a, b, c, d in windows(len(DATES), 400, 150, "rolling"):
        ex = r[a:b] - cash[a:b, None]
        best = int(np.argmax(ex.mean(axis=0) / ex.std(axis=0, ddof=1)))
        expected.append(r[c:d, best])
        assert wf.choices.set_index("test_first").loc[DATES[c], "config"] == 100 + best
    np.testing.assert_array_equal(wf.oos_returns.to_numpy(), np.concatenate(expected))
    value = pd.Series(np.cumprod(1 + np.concatenate(expected)), index=DATES[400:])
    ref = performance(value, pd.Series(cash[400:], index=DATES[400:]), 1.0)
    assert wf.oos_metrics == pytest.approx(ref, rel=1e-12)


def test_windows_that_do_not_fit_are_refused():
    with pytest.raises(ConfigError, match="do not fit") as e:
        windows(100, 80, 30, "rolling")
    assert e.value.key == "grid.walk_forward.train_days"
    with pytest.raises(ConfigError, match="unknown mode"):
        windows(100, 10, 5, "anchored")


def test_walk_forward_on_a_real_grid_ignores_data_after_each_train_window(bundled, make_cfg):
    """End to end: poison the market data after a date; choices whose train window ends before it stay."""
    base = make_plan(make_cfg("strategy=move_vix_wedge"))
    plans = [
        config_plan(base, {"strategy.signal.lookback": lb, "strategy.signal.z_entry": ze})
        for lb in (63, 252)
        for ze in (0.5, 1.0, 2.0)
    ]
    cut = pd.Timestamp("2016-06-30")
    f = bundled.frame.copy()
    after = f.index > cut
    cols = ["MOVE", "VIX", "SPY", "IEF"]
    shock = np.random.default_rng(5).lognormal(0.0, 0.3, size=(int(after.sum()), len(cols)))
    f.loc[after, cols] = f.loc[after, cols].to_numpy() * shock
    poisoned = replace(bundled, frame=f)
    outs = []
    for market in (bundled, poisoned):
        b = Evaluator(market).evaluate(plans, list(range(6)))
        outs.append(
            walk_forward(b.returns, b.cash_returns, b.dates, np.arange(6), train_days=756, test_days=252)
        )
    a, p = (o.choices for o in outs)
    b = Evaluator(bundled).evaluate(plans, list(range(6)))
    table_best = int(np.argmax(b.table["sharpe_excess_tbill"].to_numpy()))
    assert outs[0].in_sample_best == table_best  # what the grid passes as `in_sample`, found here alone
    told = walk_forward(
        b.returns, b.cash_returns, b.dates, np.arange(6), train_days=756, test_days=252, in_sample=table_best
    )
    assert told.in_sample_metrics == outs[0].in_sample_metrics
    known = a["train_last"] <= cut
    assert known.sum() >= 5
    assert a.loc[known, "config"].tolist() == p.loc[known, "config"].tolist()
    assert not np.allclose(outs[0].oos_returns.to_numpy(), outs[1].oos_returns.to_numpy())


def test_window_sharpe_from_prefix_sums_matches_two_pass_sharpe_per_window():
    r, cash = returns(3, n_cfg=40)
    r[:, 5] = cash  # always in cash: no excess, no Sharpe
    r[:, 7] = r[:, 6]  # twins score identically, so ties break the same way
    spans = [(a, b) for a, b, _, _ in windows(len(DATES), 300, 120, "rolling")] + [(0, len(DATES))]
    got = window_scores(r, cash, "sharpe_excess_tbill", spans)
    for (a, b), s in zip(spans, got, strict=True):
        ex = r[a:b] - cash[a:b, None]
        sd = ex.std(axis=0, ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(sd > 0, ex.mean(axis=0) / sd * np.sqrt(252), np.nan)
        np.testing.assert_allclose(s, ref, rtol=1e-10, atol=0)
        assert np.isnan(s[5]) and s[6] == s[7]


def test_the_out_of_sample_record_is_judged_against_each_benchmark_on_its_own_days():
    from analysis.verdict import Settings, compare
    from sweeps.walkforward import against, verdict_metrics

    r, cash = returns(2)
    wf = walk_forward(r, cash, DATES, np.arange(30), train_days=500, test_days=100, mode="rolling")
    rng = np.random.default_rng(3)
    bench = pd.Series(rng.normal(2e-4, 0.008, len(DATES)), index=DATES)
    cash_s = pd.Series(cash, index=DATES)
    st = Settings(resamples=200, seed=4)
    judged = against(wf, {"sixty_forty": bench}, cash_s, ["sixty_forty", "vol_target"], st)
    assert list(judged.verdicts) == ["sixty_forty"]  # a benchmark the grid does not have is left out
    days = DATES[500:]
    ref = compare(
        pd.Series(wf.oos_returns.to_numpy(), index=days), bench.loc[days], cash_s.loc[days], settings=st
    )
    assert judged.verdicts["sixty_forty"].verdict == ref.verdict  # the oos days only, not the train days
    assert verdict_metrics(judged)["walk_forward.verdict.sixty_forty.p_value"] == ref.verdict.p_value
    assert judged.oos_returns is wf.oos_returns and not wf.verdicts


def test_windows_that_cannot_fit_and_unknown_modes_are_refused_before_any_simulation():
    from common.checks import BadValue
    from pipeline import api
    from sweeps.results import settings
    from sweeps.run import check_walk_forward, validate

    days = pd.bdate_range("2020-01-01", periods=500)
    cfg = api.compose(None, ["grid.walk_forward.train_days=100000"], experiment="wedge_grid")
    with pytest.raises(ConfigError) as err:
        check_walk_forward(cfg, days, settings(cfg))
    assert err.value.key == "grid.walk_forward.train_days" and "backtest's 500 days" in str(err.value)
    fits = api.compose(None, ["grid.walk_forward.train_days=400", "grid.walk_forward.test_days=100"],
                       experiment="wedge_grid")  # fmt: skip
    check_walk_forward(fits, days, settings(fits))  # 400 + 100 = 500: fits exactly
    with pytest.raises(ConfigError):
        check_walk_forward(fits, days[:499], settings(fits))
    rollin = api.compose(None, ["grid.walk_forward.mode=rollin"], experiment="wedge_grid")
    with pytest.raises(BadValue, match="Did you mean `rolling`") as err:
        validate(rollin)  # before the data is loaded
    assert err.value.key == "grid.walk_forward.mode"
