"""A grid's benchmarks are simulated on their own (`core.simulation.benchmark_portfolios`): no signal, no
strategy, and each equals the single run's benchmark on the same evaluation days."""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import pandas as pd
import pytest

from core.plan import make_plan
from core.simulation import backtest, benchmark_portfolios


def same(a: float, b: float) -> bool:
    """Equal to the last digit (NaN equals NaN: a metric undefined on both sides)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _never(*args, **kwargs):
    raise AssertionError("the strategy's signal or allocation was computed")


#: dollar_weakness holds gold, which no benchmark holds: the single run's prices carry a gold column
@pytest.mark.parametrize("strategy", ["move_vix_wedge", "wedge_vol_overlay", "dollar_weakness"])
def test_the_benchmarks_alone_equal_the_single_run_s_and_compute_no_strategy(bundled, make_cfg, strategy):
    plan = make_plan(make_cfg(f"strategy={strategy}"))
    run = backtest(plan, bundled, start="2012-01-01", end="2020-12-31")
    days = run.strategy.value.index
    alone = benchmark_portfolios(
        replace(plan, signal=functools.partial(_never), allocation=functools.partial(_never)), bundled, days
    )
    assert list(alone) == list(plan.benchmarks) and len(alone) >= 3
    for name, p in alone.items():
        want = run.portfolios[name]
        pd.testing.assert_series_equal(p.value, want.value, check_exact=True)
        pd.testing.assert_series_equal(p.returns, want.returns, check_exact=True)
        pd.testing.assert_frame_equal(p.orders, want.orders, check_exact=True)
        assert p.metrics.keys() == want.metrics.keys()
        assert [k for k, v in p.metrics.items() if not same(v, want.metrics[k])] == []
