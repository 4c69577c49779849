"""The MOVE/VIX wedge on hand-built series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError, DataError
from signals.move_vix_wedge import move_vix_wedge


def frame(move, vix) -> pd.DataFrame:
    idx = pd.bdate_range("2024-01-01", periods=len(move))
    return pd.DataFrame({"MOVE": move, "VIX": vix}, index=idx, dtype=float)


def test_wedge_opens_on_spike_with_calm_vix_and_closes_on_exit():
    move = [100.0, 102.0] * 10 + [160.0, 150.0, 100.0, 100.0]
    vix = [15.0] * len(move)
    f = frame(move, vix)
    out = move_vix_wedge(f, lookback=10, z_entry=1.5, z_exit=0.5, trend_window=5, vix_ceiling=20.0)
    ratio = f["MOVE"] / f["VIX"]
    window = ratio.iloc[11:21]
    z20 = (ratio.iloc[20] - window.mean()) / window.std(ddof=1)
    assert z20 > 1.5  # the spike day, computed by hand
    assert out.score.iloc[20] == pytest.approx(z20)
    assert not out.risk_off.iloc[:20].any()
    assert out.risk_off.iloc[20] and out.risk_off.iloc[21]
    last_window = ratio.iloc[13:23]
    assert (ratio.iloc[22] - last_window.mean()) / last_window.std(ddof=1) < 0.5
    assert not out.risk_off.iloc[22]


def test_no_wedge_when_vix_is_not_suppressed():
    move = [100.0] * 10 + [100.0, 101.0] * 5 + [160.0]
    out = move_vix_wedge(frame(move, [25.0] * len(move)), lookback=10, trend_window=5, vix_ceiling=20.0)
    assert not out.risk_off.any()


def test_neutral_and_reported_where_inputs_are_missing():
    move = [100.0, 101.0] * 10 + [160.0, 170.0]
    vix = [15.0] * 20 + [np.nan, np.nan]
    out = move_vix_wedge(frame(move, vix), lookback=10, trend_window=5)
    assert not out.risk_off.iloc[-2:].any()
    # covered: both inputs present (rows 0-19) and the z-score defined (8 = 80% of 10 rows: row 7 on)
    assert out.coverage == pytest.approx((20 - 7) / 22)


def test_coverage_counts_only_days_the_z_score_can_decide():
    rng = np.random.default_rng(3)
    move = 100 + rng.normal(0, 5, 60).cumsum() * 0.1
    f = frame(list(move), [15.0] * 60)
    f.iloc[:5, f.columns.get_loc("VIX")] = np.nan  # VIX starts late
    for full, need in ((False, 16), (True, 20)):  # 80% of 20 rows, or all 20
        out = move_vix_wedge(f, lookback=20, trend_window=5, full_window=full)
        ratio = f["MOVE"] / f["VIX"]
        n_obs = ratio.notna().astype(int).rolling(20, min_periods=1).sum()
        expected = ratio.notna() & (n_obs >= need)
        assert out.covered.tolist() == expected.tolist()
        assert out.covered.idxmax() == f.index[5 + need - 1]
        assert not out.risk_off[~expected].any()


def test_full_window_must_be_a_bool():
    with pytest.raises(ConfigError, match="full_window"):
        move_vix_wedge.validate(full_window="maybe")


def test_missing_column_names_signal_and_sources():
    f = frame([100.0] * 5, [15.0] * 5).drop(columns="VIX")
    with pytest.raises(DataError, match="move_vix_wedge.*VIX") as err:
        move_vix_wedge(f)
    assert "yfinance" in str(err.value)


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"lookback": 0}, "strategy.signal.lookback"),
        ({"trend_window": -3}, "strategy.signal.trend_window"),
        ({"z_entry": 1.0, "z_exit": 2.0}, "strategy.signal.z_exit"),
        ({"z_entri": 1.0}, "strategy.signal.z_entri"),
    ],
)
def test_bad_parameters_name_their_key(params, key):
    with pytest.raises(ConfigError) as err:
        move_vix_wedge.validate(**params)
    assert err.value.key == key
