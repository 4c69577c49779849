"""The monitor's state of a signal on hand-built frames, re-derived with plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor.state import assess, hold_days_left, since
from monitor.view import next_text, table
from signals.term_premium import term_premium
from signals.threshold import threshold

DAYS = pd.bdate_range("2024-01-01", periods=60)


def frame(vix: list[float]) -> pd.DataFrame:
    """A market frame whose last rows carry `vix`, after a calm stretch at 15."""
    values = [15.0] * (len(DAYS) - len(vix)) + list(vix)
    return pd.DataFrame({"VIX": values}, index=DAYS)


def since_by_pandas(state: pd.Series) -> pd.Timestamp:
    runs = (state != state.shift()).cumsum()
    return state[runs == runs.iloc[-1]].index[0]


def state_of(f: pd.DataFrame, **params):
    out = threshold(f, column="VIX", rule="level", entry=30.0, exit=20.0, **params)
    targets = pd.DataFrame({"equity": 0.6, "bonds": 0.4}, index=f.index)
    return out, assess("vix", out, targets, frame=f, last_observed={}, columns=("VIX",), lag=1)


@pytest.mark.parametrize(
    "seed",
    [0, 1, 2, 3],
)
def test_since_is_the_start_of_the_last_run(seed):
    rng = np.random.default_rng(seed)
    state = pd.Series(rng.random(40) < 0.3, index=pd.bdate_range("2024-01-01", periods=40))
    assert since(state) == since_by_pandas(state)


def test_since_without_a_change_is_the_first_date():
    state = pd.Series(False, index=DAYS)
    assert since(state) == DAYS[0]


def test_on_since_the_crossing_and_distance_to_the_exit():
    f = frame([35.0, 28.0, 25.0, 24.0])  # on at 35, held above the exit (20)
    out, s = state_of(f)
    assert s.risk_off and s.label == "on"
    assert s.since == DAYS[-4] == since_by_pandas(f["VIX"].ge(30).cummax())  # the day VIX reached 30
    assert s.trigger == "exit"
    assert s.to_trigger == pytest.approx(20.0 - 24.0)  # must fall 4 points to switch off
    assert next_text(s) == "-4.00 to off"
    assert s.as_of == DAYS[-1] and s.weights == {"equity": 0.6, "bonds": 0.4}


def test_off_after_the_exit_and_distance_to_the_entry():
    f = frame([35.0, 19.0, 22.0])  # on, then below the exit: off since the 19
    _, s = state_of(f)
    assert not s.risk_off and s.since == DAYS[-2]
    assert s.trigger == "entry"
    assert s.to_trigger == pytest.approx(30.0 - 22.0)
    assert next_text(s) == "+8.00 to on"


def test_below_rule_distance_is_signed_downwards():
    f = frame([12.0, 11.0])
    out = threshold(f, column="VIX", rule="level", direction="below", entry=10.0, exit=13.0)
    s = assess("low", out, pd.DataFrame(index=f.index), frame=f, last_observed={}, columns=("VIX",), lag=1)
    assert not s.risk_off and s.to_trigger == pytest.approx(10.0 - 11.0)  # must fall 1 to turn on


def test_uncovered_last_date_is_neutral_and_flagged():
    f = frame([35.0, 36.0])
    f.iloc[-1, 0] = np.nan  # the input has no print on the last date
    _, s = state_of(f)
    assert not s.risk_off and not s.covered and s.label == "n/c"
    gone = f["VIX"].isna()  # since when it cannot decide: the start of the trailing run without a print
    assert s.since == gone[gone].index[-1] == DAYS[-1]


def test_uncovered_since_is_when_coverage_ended_not_when_the_state_last_changed():
    f = frame([35.0, 36.0])
    f.iloc[-3:, 0] = np.nan  # the input ends three days before the last date, while the signal is on
    _, s = state_of(f)
    gone = f["VIX"].isna()
    assert not s.covered and s.since == gone.idxmax() == DAYS[-3]  # the first day without a print


def test_hold_rule_reports_the_closes_left():
    rng = np.random.default_rng(7)
    tp = pd.Series(
        1.0 + rng.normal(0, 0.01, 80).cumsum() * 0.1, index=pd.bdate_range("2023-01-02", periods=80)
    )
    tp.iloc[-3] = tp.iloc[:-3].max() + 0.5  # a new high three closes before the end
    tp.iloc[-2:] = tp.iloc[-3] - 0.2
    f = pd.DataFrame({"TERM_PREMIUM_10Y": tp})
    out = term_premium(f, rule="high", window=20, hold_days=5)
    s = assess(
        "tp",
        out,
        pd.DataFrame(index=f.index),
        frame=f,
        last_observed={},
        columns=("TERM_PREMIUM_10Y",),
        lag=1,
    )
    prior_high = tp.shift(1).rolling(20, min_periods=20).max()
    fired = np.flatnonzero((tp > prior_high).to_numpy())
    expected_left = 5 - 1 - (len(tp) - 1 - fired[-1])
    assert s.risk_off and s.trigger == "hold"
    assert s.days_left == expected_left == 2
    assert hold_days_left(pd.Series([True, False, False]), 2) == 0


def test_input_ages_and_table_width():
    f = frame([35.0, 28.0])
    last = {"VIX": DAYS[-3]}  # the last own print, then forward-filled
    out = threshold(f, column="VIX", rule="level", entry=30.0, exit=20.0)
    s = assess(
        "vix_with_a_rather_long_name",
        out,
        pd.DataFrame({"equity": 1.0}, index=f.index),
        frame=f,
        last_observed=last,
        columns=("VIX",),
        lag=1,
    )
    (age,) = s.inputs
    assert age.last == DAYS[-3] and age.stale_days == int((f.index > DAYS[-3]).sum()) == 2
    text = table([s, s], source="test")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "VIX 2024-03-" in text and "(2d)" in text


def test_entry_met_but_gated_by_the_other_conditions():
    from signals.move_vix_wedge import move_vix_wedge

    rng = np.random.default_rng(3)
    move = 100 + rng.normal(0, 1, 60)
    move[-1] = 160.0  # the ratio spikes: z far above z_entry, MOVE rising
    f = pd.DataFrame({"MOVE": move, "VIX": 25.0}, index=DAYS)  # but VIX is above its ceiling (20)
    out = move_vix_wedge(f, lookback=20)
    s = assess(
        "wedge", out, pd.DataFrame(index=f.index), frame=f, last_observed={}, columns=("MOVE", "VIX"), lag=1
    )
    ratio = f["MOVE"] / f["VIX"]
    z = (ratio - ratio.rolling(20, min_periods=16).mean()) / ratio.rolling(20, min_periods=16).std()
    assert z.iloc[-1] >= 1.5 and s.value == pytest.approx(z.iloc[-1])
    assert not s.risk_off and next_text(s) == "met, gated"
    assert s.thresholds.conditions == ("MOVE above its level 20 days ago", "VIX < 20")
