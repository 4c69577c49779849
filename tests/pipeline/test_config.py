"""Compose every config file of every group and build it, as run.py does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import get_method

from common.errors import ConfigError
from pipeline.plan import make_plan

CONF = Path(__file__).resolve().parents[2] / "conf"


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("strategy", options("strategy"))
def test_every_strategy_composes_and_builds(make_cfg, strategy):
    plan = make_plan(make_cfg(f"strategy={strategy}"))
    assert plan.name == strategy


@pytest.mark.parametrize("data", options("data"))
def test_every_data_config_composes_and_names_a_real_loader(make_cfg, data):
    cfg = make_cfg(f"data={data}")
    assert callable(get_method(cfg.data.loader._target_))
    assert cfg.data.source == data
    make_plan(cfg)


@pytest.mark.parametrize("group", ["backtest", "tracking"])
def test_every_other_group_option_composes(make_cfg, group):
    for option in options(group):
        make_plan(make_cfg(f"{group}={option}"))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["strategy.signal.lookback=0"], "strategy.signal.lookback"),
        (["strategy.signal.trend_window=-5"], "strategy.signal.trend_window"),
        (["strategy.signal.z_entry=1.0", "strategy.signal.z_exit=1.5"], "strategy.signal.z_exit"),
        (["strategy.allocation.risk_off_weights.cash=0.4"], "strategy.allocation.risk_off_weights"),
        (["+strategy.allocation.risk_on_weights.stocks=0.0"], "strategy.allocation.risk_on_weights.stocks"),
        (["backtest.lag=0"], "backtest.lag"),
        (["backtest.fees_bp=-1"], "backtest.fees_bp"),
        (["strategy.rebalance.calendar=montly"], "strategy.rebalance.calendar"),
        (["+strategy.signal.zentry=2"], "strategy.signal.zentry"),
    ],
)
def test_bad_values_fail_fast_naming_their_key(make_cfg, overrides, key):
    with pytest.raises(ConfigError) as err:
        make_plan(make_cfg(*overrides))
    assert err.value.key == key
