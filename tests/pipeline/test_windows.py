"""Look-back windows are checked against the data's length (`core.plan.check_windows`)."""

from __future__ import annotations

import pandas as pd
import pytest

from common.checks import BadValue
from core.plan import check_windows, make_plan


def days(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2020-01-01", periods=n)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["strategy.signal.lookback=1000"], "strategy.signal.lookback"),
        (["strategy.signal.trend_window=1000"], "strategy.signal.trend_window"),
        (
            ["strategy=composite", "strategy.signal.signals.wedge.lookback=1000"],
            "strategy.signal.signals.wedge.lookback",
        ),
        (
            ["strategy=wedge_hedge_aware", "strategy.allocation.corr_window=1000"],
            "strategy.allocation.corr_window",
        ),
        (["benchmarks.vol_target.allocation.window=1000"], "benchmarks.vol_target.allocation.window"),
    ],
)
def test_a_window_not_shorter_than_the_data_is_refused_by_key(make_cfg, overrides, key):
    plan = make_plan(make_cfg(*overrides))
    check_windows(plan, days(1001))  # shorter than the data: fine
    with pytest.raises(BadValue) as err:
        check_windows(plan, days(1000))
    assert err.value.key == key
    assert "1000 trading days" in err.value.message and "(1000 days, 2020-01-01 to" in err.value.message
