"""The typed check primitives (`common.checks`): what each accepts, refuses, and says."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from common import checks
from common.checks import BadValue
from common.errors import ConfigError


@pytest.mark.parametrize("value", [0, 1.5, -2, np.float64(3.0), np.int64(4)])
def test_number_accepts_finite_reals(value):
    assert checks.number("k", value) == float(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "abc", "1.5", None, True, [1.0], {"a": 1}])
def test_number_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(BadValue) as err:
        checks.number("strategy.signal.z_entry", value)
    assert err.value.key == "strategy.signal.z_entry"
    assert repr(value) in err.value.message  # the value is shown as the user wrote it


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0, True), (9999.99, True), (10_000, False), (-0.01, False), (100, True)],
)
def test_number_half_open_range(value, ok):
    if ok:
        assert checks.number("backtest.fees_bp", value, lo=0, hi=10_000, hi_open=True) == value
    else:
        with pytest.raises(BadValue, match=r"in \[0, 10000\)"):
            checks.number("backtest.fees_bp", value, lo=0, hi=10_000, hi_open=True)


def test_number_open_lower_bound_and_fix():
    with pytest.raises(BadValue) as err:
        checks.number("strategy.signal.vix_ceiling", 0, lo=0, lo_open=True, fix="e.g. 20.")
    assert "> 0" in err.value.message and err.value.hint == "e.g. 20."
    assert "`strategy.signal.vix_ceiling`" in str(err.value) and "hint: e.g. 20." in str(err.value)


def test_bad_value_is_a_config_error():
    assert issubclass(BadValue, ConfigError)


@pytest.mark.parametrize("value", [1, 252, np.int64(5)])
def test_whole_accepts_ints(value):
    assert checks.whole("w", value) == int(value)


@pytest.mark.parametrize("value", [0, -1, 2.0, 2.5, "3", None, True, math.nan])
def test_whole_refuses(value):
    with pytest.raises(BadValue, match="whole number"):
        checks.whole("strategy.signal.lookback", value, lo=1, unit="trading days")


def test_whole_bounds_inclusive():
    assert checks.whole("grid.chunk", 3, lo=0, hi=3) == 3
    with pytest.raises(BadValue, match=r"in \[0, 3\]"):
        checks.whole("grid.chunk", 4, lo=0, hi=3)


def test_choice_with_suggestion_and_bool_not_one():
    assert checks.choice("charts.plotlyjs", True, ("cdn", True)) is True
    assert checks.choice("charts.plotlyjs", "cdn", ("cdn", True)) == "cdn"
    with pytest.raises(BadValue, match="Did you mean `cdn`"):
        checks.choice("charts.plotlyjs", "cnd", ("cdn", True))
    with pytest.raises(BadValue):
        checks.choice("x", 1, (True,))  # 1 == True in Python, but a config's 1 is not `true`
    with pytest.raises(BadValue) as err:
        checks.choice("charts.plotlyjs", "maybe", ("cdn", True))
    assert "cdn, true" in err.value.hint


@pytest.mark.parametrize("value", ["", "   ", None, 3])
def test_text_refuses_blank_or_not_a_string(value):
    with pytest.raises(BadValue):
        checks.text("tracking.experiment", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01-31", pd.Timestamp("2020-01-31")),
        ("2020-06", pd.Timestamp("2020-06-01")),
        ("2020", pd.Timestamp("2020-01-01")),
        (dt.date(2010, 1, 4), pd.Timestamp("2010-01-04")),
        (None, None),
    ],
)
def test_date_accepts(value, expected):
    assert checks.date("data.start", value) == expected


@pytest.mark.parametrize(
    "value", ["notadate", "2020-13-01", "2021-02-30", "yesterday", "today", "now", 20200101]
)
def test_date_refuses(value):
    with pytest.raises(BadValue) as err:
        checks.date("data.start", value)
    assert err.value.key == "data.start" and "YYYY-MM-DD" in err.value.hint


def test_mapping_checks_each_entry_under_its_key():
    got = checks.mapping("w", {"equity": 0.6, "bonds": 0.4}, lambda k, v: checks.number(k, v, lo=0))
    assert got == {"equity": 0.6, "bonds": 0.4}
    with pytest.raises(BadValue) as err:
        checks.mapping("strategy.allocation.risk_off_weights", {"equity": math.nan}, checks.number)
    assert err.value.key == "strategy.allocation.risk_off_weights.equity"
    with pytest.raises(BadValue, match="a mapping"):
        checks.mapping("w", [0.6, 0.4])


def test_costs_warn_above_100bp_and_refuse_a_full_notional():
    from backtest.engine import check_costs

    with pytest.warns(UserWarning, match="backtest.fees_bp"):
        check_costs(lag=1, fees_bp=150.0, slippage_bp=1.0)
    with pytest.raises(BadValue, match="backtest.slippage_bp.bonds"):
        check_costs(lag=1, fees_bp=1.0, slippage_bp={"equity": 1.0, "bonds": 10_000})
