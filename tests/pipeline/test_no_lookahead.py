"""Future data cannot change past decisions: perturb everything after T, compare everything up to T."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core.plan import make_plan
from core.simulation import backtest
from market.types import MarketData

T = pd.Timestamp("2015-06-30")


def perturbed(md: MarketData, seed: int) -> MarketData:
    rng = np.random.default_rng(seed)
    f = md.frame.copy()
    after = f.index > T
    noise = rng.lognormal(0.0, 0.2, size=(int(after.sum()), f.shape[1]))
    f.loc[after] = f.loc[after].to_numpy() * noise
    return replace(md, frame=f, digest="perturbed")


@pytest.mark.parametrize(
    "strategy",
    ["move_vix_wedge", "sixty_forty", "wedge_graded", "wedge_hedge_aware", "vol_target", "wedge_vol_overlay"],
)
def test_data_after_t_changes_nothing_up_to_t(bundled, make_cfg, strategy):
    extra = ["strategy.signal.z_entry=1.0"] if strategy not in ("sixty_forty", "vol_target") else []
    plan = make_plan(make_cfg(f"strategy={strategy}", *extra))
    base = backtest(plan, bundled)
    other = backtest(plan, perturbed(bundled, 1))
    for name in base.portfolios:
        a, b = base.portfolios[name], other.portfolios[name]
        pd.testing.assert_series_equal(a.value.loc[:T], b.value.loc[:T])
        pd.testing.assert_frame_equal(a.weights.loc[:T], b.weights.loc[:T])
        pd.testing.assert_frame_equal(a.targets.loc[:T], b.targets.loc[:T])
        # and the perturbation did reach the portfolio afterwards
        assert not np.allclose(a.value.loc[T:].to_numpy()[1:], b.value.loc[T:].to_numpy()[1:])
    if base.signal is not None:
        pd.testing.assert_series_equal(base.signal.risk_off.loc[:T], other.signal.risk_off.loc[:T])
        pd.testing.assert_series_equal(base.signal.score.loc[:T], other.signal.score.loc[:T])
        assert base.signal.risk_off.loc[:T].sum() > 20  # the wedge did fire before T
