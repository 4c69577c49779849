"""The event study on a constructed price series whose forward returns are known by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import event_study as E
from report import event_charts

IDX = pd.bdate_range("2024-01-01", periods=8)
#               0      1      2     3      4      5      6      7
PRICE = pd.Series([100.0, 110.0, 99.0, 110.0, 121.0, 60.5, 66.55, 50.0], index=IDX)
STATE = pd.Series([False, True, True, False, False, True, False, True], index=IDX)


def test_forward_returns_drawdowns_and_hit_rates_by_hand():
    ev = E.study(STATE, PRICE, horizons=(2,), correction=0.05)
    row = ev.table.loc[2]
    # onsets on days 1, 5, 7; day 7 has no 2-day horizon left
    r1, r5 = 110.0 / 110.0 - 1, 50.0 / 60.5 - 1
    dd1 = 99.0 / 110.0 - 1  # day 2 below the onset's close; day 3 back at the peak
    dd5 = 50.0 / 66.55 - 1  # day 6 is a new peak above the onset's close, day 7 falls from it
    assert row["n_onsets"] == 2
    assert row["fwd_ret_mean"] == pytest.approx((r1 + r5) / 2)
    assert row["fwd_maxdd_mean"] == pytest.approx((dd1 + dd5) / 2)
    assert row["hit_rate"] == pytest.approx(0.5)  # day 1's 0% is not a loss
    assert row["p_correction"] == pytest.approx(1.0)
    p = PRICE.to_numpy()
    all_r = [p[t + 2] / p[t] - 1 for t in range(6)]
    assert row["uncond_ret_mean"] == pytest.approx(np.mean(all_r))
    assert row["uncond_hit_rate"] == pytest.approx(np.mean([r < 0 for r in all_r]))
    all_dd = []
    for t in range(6):
        peak, worst = p[t], 0.0
        for s in (t + 1, t + 2):
            peak = max(peak, p[s])
            worst = min(worst, p[s] / peak - 1)
        all_dd.append(worst)
    assert row["uncond_maxdd_mean"] == pytest.approx(np.mean(all_dd))
    assert row["uncond_p_correction"] == pytest.approx(np.mean([d <= -0.05 for d in all_dd]))


def test_episodes_listed_with_dates_lengths_and_returns():
    ev = E.study(STATE, PRICE, horizons=(1, 2))
    eps = ev.episodes
    assert eps["start"].tolist() == [IDX[1], IDX[5], IDX[7]]
    assert eps["end"].tolist() == [IDX[2], IDX[5], IDX[7]]
    assert eps["days"].tolist() == [2, 1, 1]
    assert eps["ongoing"].tolist() == [False, False, True]
    assert eps["ret_during"].iloc[0] == pytest.approx(99.0 / 110.0 - 1)
    assert eps["fwd_ret_1d"].iloc[1] == pytest.approx(66.55 / 60.5 - 1)
    assert np.isnan(eps["fwd_ret_2d"].iloc[2])
    assert ev.summary["n_episodes"] == 3
    assert ev.summary["avg_episode_days"] == pytest.approx(4 / 3)
    assert ev.summary["time_in_risk_off"] == pytest.approx(4 / 8)


def test_an_episode_already_on_before_the_window_is_not_an_onset():
    longer = pd.concat([pd.Series([True], index=[IDX[0] - pd.Timedelta(days=3)]), STATE.iloc[1:]])
    ev = E.study(longer, PRICE.iloc[1:], horizons=(2,))
    assert ev.episodes["start"].tolist() == [IDX[5], IDX[7]]


def test_metrics_json_and_text(tmp_path):
    ev = E.study(STATE, PRICE, horizons=(2,))
    m = E.metrics(ev)
    assert m["event.n_episodes"] == 3
    assert m["event.fwd_ret_2d_mean"] == pytest.approx(ev.table.loc[2, "fwd_ret_mean"])
    assert m["event.hit_rate_2d"] == pytest.approx(0.5)
    files = event_charts.write_study(ev, tmp_path, title="t")
    assert {f.name for f in files} >= {
        "event_study.csv",
        "event_study.json",
        "episodes.csv",
        "event_returns.png",
    }
    data = json.loads((tmp_path / "event_study.json").read_text())
    assert data["by_horizon"]["2"]["n_onsets"] == 2
    assert data["episodes"][0]["start"] == "2024-01-02"
    back = pd.read_csv(tmp_path / "episodes.csv")
    assert back["days"].tolist() == [2, 1, 1]
    text = E.render(ev, "demo")
    assert "3 episodes" in text and "2024-01-02" in text


def test_a_signal_that_never_fires_gives_empty_episodes_and_nan_means(tmp_path):
    ev = E.study(STATE & False, PRICE, horizons=(2,))
    assert ev.summary["n_episodes"] == 0 and ev.table.loc[2, "n_onsets"] == 0
    assert np.isnan(ev.table.loc[2, "fwd_ret_mean"])
    assert not np.isnan(ev.table.loc[2, "uncond_ret_mean"])
    E.render(ev, "never")
    event_charts.write_study(ev, tmp_path)
    assert json.loads((tmp_path / "event_study.json").read_text())["episodes"] == []
