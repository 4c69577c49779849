"""yield_breakout and yield_shock on hand-built series."""

from __future__ import annotations

import pandas as pd
import pytest

from common.errors import ConfigError, DataError
from signals.yield_breakout import yield_breakout
from signals.yield_shock import yield_shock


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.bdate_range("2024-01-01", periods=n), dtype=float)


def test_breakout_above_level_with_rising_move_latches_until_below_exit():
    f = frame(UST10Y=[4.50, 4.56, 4.60, 4.54, 4.50, 4.49], MOVE=[100, 101, 102, 103, 104, 105])
    out = yield_breakout(f, level=4.55, move_window=1)
    assert out.risk_off.tolist() == [False, True, True, False, False, False]
    assert out.score.iloc[1] == pytest.approx(1.0)  # 1bp above the mark
    held = yield_breakout(f, level=4.55, exit_level=4.50, move_window=1)
    assert held.risk_off.tolist() == [False, True, True, True, True, False]


def test_breakout_needs_a_rising_move():
    f = frame(UST10Y=[4.50, 4.56, 4.60, 4.70], MOVE=[104, 103, 102, 101])
    assert not yield_breakout(f, level=4.55, move_window=1).risk_off.any()


def test_n_day_high_rule_holds_for_hold_days():
    f = frame(UST10Y=[4.0, 4.1, 4.05, 4.2, 4.1, 4.1, 4.1], MOVE=[100, 101, 102, 103, 104, 105, 106])
    out = yield_breakout(f, rule="high", window=2, move_window=1, hold_days=2)
    # day 3: 4.2 > max(4.1, 4.05) with MOVE up; day 2 is no high (4.05 < 4.1)
    assert out.risk_off.tolist() == [False, False, False, True, True, False, False]
    assert out.score.iloc[3] == pytest.approx(10.0)


def test_yield_shock_counts_close_to_close_moves_and_says_so():
    # changes (bp): -, +20, +5, -20, +16, +1, +1, +1
    f = frame(UST10Y=[4.00, 4.20, 4.25, 4.05, 4.21, 4.22, 4.23, 4.24])
    out = yield_shock(f, x_bp=15, k=3, n=5)
    assert out.score.tolist() == [0, 1, 1, 2, 3, 3, 2, 2]  # day 7: shocks on days 3 and 4
    assert out.risk_off.tolist() == [False] * 4 + [True, True, False, False]
    assert "close-to-close" in out.notes[0] and "UST10Y_HIGH" in out.notes[0]


def test_yield_shock_uses_the_intraday_range_when_the_data_has_it():
    close = [4.00, 4.01, 4.02, 4.01, 4.00]
    high = [4.10, 4.20, 4.10, 4.20, 4.20]
    low = [4.00, 4.00, 4.00, 4.00, 4.00]  # ranges: 10, 20, 10, 20, 20 bp
    f = frame(UST10Y=close, UST10Y_HIGH=high, UST10Y_LOW=low)
    out = yield_shock(f, x_bp=15, k=2, n=3)
    assert out.risk_off.tolist() == [False, False, False, True, True]
    assert "intraday range" in out.notes[0]
    closes = yield_shock(f, x_bp=15, k=2, n=3, measure="close")
    assert not closes.risk_off.any()


def test_yield_shock_range_is_neutral_where_high_low_are_missing():
    f = frame(UST10Y=[4.0] * 4, UST10Y_HIGH=[4.3, 4.3, None, 4.3], UST10Y_LOW=[4.0] * 4)
    out = yield_shock(f, x_bp=15, k=1, n=1)
    assert out.risk_off.tolist() == [True, True, False, True]
    assert out.coverage == pytest.approx(0.75)


def test_yield_shock_range_on_data_without_high_low_names_the_columns():
    with pytest.raises(DataError, match="UST10Y_HIGH") as err:
        yield_shock(frame(UST10Y=[4.0, 4.1]), measure="range")
    assert "csv" in str(err.value)


@pytest.mark.parametrize(
    ("fn", "params", "key"),
    [
        (yield_shock, {"k": 4, "n": 3}, "strategy.signal.k"),
        (yield_shock, {"n": 0}, "strategy.signal.n"),
        (yield_shock, {"x_bp": 0}, "strategy.signal.x_bp"),
        (yield_shock, {"measure": "intraday"}, "strategy.signal.measure"),
        (yield_breakout, {"level": 4.55, "exit_level": 4.60}, "strategy.signal.exit_level"),
        (yield_breakout, {"window": 0}, "strategy.signal.window"),
        (yield_breakout, {"rule": "lvl"}, "strategy.signal.rule"),
    ],
)
def test_bad_parameters_name_their_key(fn, params, key):
    with pytest.raises(ConfigError) as err:
        fn.validate(**params)
    assert err.value.key == key
