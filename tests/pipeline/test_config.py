"""Compose every config file of every group and build it, as run.py does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import get_method

from common.errors import ConfigError
from core.plan import make_plan

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
        (["strategy=vol_target", "strategy.allocation.max_leverage=0.9"], "strategy.allocation.max_leverage"),
        (
            ["strategy=wedge_vol_overlay", "strategy.overlay.max_leverage=0.5"],
            "strategy.overlay.max_leverage",
        ),
        (["strategy=wedge_graded", "strategy.allocation.score_hi=0.1"], "strategy.allocation.score_hi"),
        (
            ["strategy=wedge_hedge_aware", "strategy.allocation.corr_window=1"],
            "strategy.allocation.corr_window",
        ),
        (["backtest.fees_bp={equity: 1, bonds: -2}"], "backtest.fees_bp.bonds"),
        (["backtest.slippage_bp={equity: 1, bondz: 2}"], "backtest.slippage_bp.bondz"),
        (["backtest.slippage_bp=-0.5"], "backtest.slippage_bp"),
        (["strategy.rebalance.drift_band=1.5"], "strategy.rebalance.drift_band"),
        (["strategy.rebalance.min_hold_days=-3"], "strategy.rebalance.min_hold_days"),
        (
            [
                "strategy.allocation.risk_off_weights.cash=0",
                "+strategy.allocation.risk_off_weights.gold=0.5",
                "~data.sleeves.gold",
            ],
            "data.sleeves.gold",
        ),
        (
            ["benchmarks.vol_target.allocation.max_leverage=0.5"],
            "benchmarks.vol_target.allocation.max_leverage",
        ),
        (["benchmarks.sixty_forty.weights.equity=0.7"], "benchmarks.sixty_forty.weights"),
    ],
)
def test_bad_values_fail_fast_naming_their_key(make_cfg, overrides, key):
    with pytest.raises(ConfigError) as err:
        make_plan(make_cfg(*overrides))
    assert err.value.key == key


def test_weights_off_by_say_by_how_much_and_unknown_sleeves_list_the_known(make_cfg):
    with pytest.raises(ConfigError, match=r"sum to 0\.9.*off by -0\.1"):
        make_plan(make_cfg("strategy=wedge_graded", "strategy.allocation.risk_on_weights.equity=0.5"))
    with pytest.raises(ConfigError) as err:
        make_plan(make_cfg("+strategy.allocation.risk_on_weights.stocks=0.0"))
    assert "equity, bonds, cash, gold" in str(err.value)


def test_per_sleeve_costs_and_rule_benchmarks_build(make_cfg):
    plan = make_plan(make_cfg("backtest.fees_bp={equity: 1.5, bonds: 3}", "strategy=wedge_vol_overlay"))
    assert plan.fees_bp == {"equity": 1.5, "bonds": 3}
    assert plan.overlay is not None and plan.overlay.keywords["max_leverage"] == 1.5
    assert set(plan.benchmarks) == {"sixty_forty", "equity_buy_hold", "vol_target"}
    assert plan.benchmarks["vol_target"][0].func.__name__ == "vol_target"
