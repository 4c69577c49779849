"""The strategy room through the pipeline core: benchmarks beside, relative metrics, data errors."""

from __future__ import annotations

import numpy as np
import pytest

from backtest import metrics as M
from common.errors import DataError
from core.plan import make_plan
from core.simulation import STRATEGY, backtest, prepare_inputs


def test_a_sleeve_mapped_to_a_missing_series_is_a_data_error(bundled, make_cfg):
    plan = make_plan(make_cfg("data.sleeves.bonds=TLTX"))
    with pytest.raises(DataError) as err:
        prepare_inputs(plan, bundled)
    assert err.value.key == "data.sleeves.bonds" and "TLTX" in str(err.value) and "IEF" in str(err.value)


@pytest.fixture(scope="module")
def result(bundled):
    from hydra import compose, initialize_config_dir

    from tests.conftest import CONF

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["strategy=wedge_vol_overlay", "data.start=2010-01-01"])
    return backtest(make_plan(cfg), bundled)


def test_three_benchmarks_on_the_same_dates_with_relative_metrics(result):
    s = result.portfolios[STRATEGY]
    assert set(result.portfolios) == {STRATEGY, "sixty_forty", "equity_buy_hold", "vol_target"}
    for name, p in result.portfolios.items():
        assert p.value.index.equals(s.value.index), name
        if name == STRATEGY:
            continue
        want = M.relative(s.metrics, p.metrics, s.returns, p.returns)
        for k, v in want.items():
            assert s.metrics[f"vs_{name}.{k}"] == v
        te = np.std((s.returns - p.returns).to_numpy(), ddof=1) * np.sqrt(252)
        assert s.metrics[f"vs_{name}.tracking_error"] == pytest.approx(te, rel=1e-12)
        assert s.metrics[f"vs_{name}.excess_cagr"] == pytest.approx(s.metrics["cagr"] - p.metrics["cagr"])


def test_vol_target_benchmark_is_warmed_up_before_the_window(result):
    vt = result.portfolios["vol_target"].targets.dropna()
    assert vt["equity"].iloc[0] < 1.0  # realised vol known on day one: trailing returns before data.start


def test_the_overlay_levers_up_through_a_short_cash_sleeve(result):
    w = result.strategy.weights
    assert w["cash"].min() < -0.25 and w["equity"].max() > 0.85
    assert result.strategy.metrics["n_rebalances"] > 0
