"""The `@rule` protocol: what a declared rule carries, its check naming the config key it sits under, and
the refusal of a `_target_` that is not a rule of the kind its config key wants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from core.plan import make_plan
from signals.base import SignalOutput
from strategies import allocation as A
from strategies.rebalance import schedule
from strategies.rule import rule


def plain_rule(signal, prices, *, weights=None):
    """Not declared: a plain function of (signal, prices)."""
    return A.fixed(None, prices, weights={"equity": 1.0})


def test_each_rule_declares_its_kind_and_what_it_requires():
    assert (A.switch.kind, A.switch.requires) == ("allocation", ("signal",))
    assert (A.graded.kind, A.graded.requires) == ("allocation", ("score",))
    assert A.hedge_aware.requires == ("signal", "equity", "bonds", "cash") and A.hedge_aware.own_regime
    assert (A.vol_overlay.kind, A.vol_overlay.requires) == ("overlay", ("equity", "cash"))
    assert schedule.kind == "rebalance" and not A.switch.own_regime


def test_the_check_names_the_key_the_rule_sits_under():
    with pytest.raises(ConfigError) as e:
        A.vol_target.validate(key="benchmarks.vol_target.allocation", target_vol=0.1, window=1)
    assert e.value.key == "benchmarks.vol_target.allocation.window"
    with pytest.raises(ConfigError) as e:
        A.fixed.validate(key="benchmarks.sixty_forty.allocation", weights={"equity": 0.5})
    assert e.value.key == "benchmarks.sixty_forty.allocation.weights"
    with pytest.raises(ConfigError) as e:
        A.vol_overlay.validate(target_vol=0.1, max_leverage=0.5)
    assert e.value.key == "strategy.overlay.max_leverage"  # an overlay's own key by default
    with pytest.raises(ConfigError) as e:
        schedule.validate(drift_band=2.0)
    assert e.value.key == "strategy.rebalance.drift_band"


def test_a_rule_validates_its_parameters_when_called_as_a_signal_does():
    idx = pd.bdate_range("2024-01-01", periods=5)
    prices = pd.DataFrame({"equity": 1.0, "bonds": 1.0, "cash": 1.0}, index=idx)
    state = SignalOutput(pd.Series([False, True, True, False, False], index=idx))
    on, off = {"equity": 0.6, "bonds": 0.4}, {"equity": 0.2, "cash": 0.8}
    with pytest.raises(ConfigError, match="corr_window"):
        A.hedge_aware(state, prices, risk_on_weights=on, risk_off_weights=off, corr_window=1)
    with pytest.raises(ConfigError, match="no parameter `corr`"):
        A.switch(state, prices, risk_on_weights=on, risk_off_weights=off, corr=3)
    got = A.switch(state, prices, risk_on_weights=on, risk_off_weights=off)
    np.testing.assert_allclose(got["cash"].to_numpy(), [0.0, 0.8, 0.8, 0.0, 0.0])


def test_a_declared_regime_is_the_rules_and_the_default_is_the_signals_state():
    idx = pd.bdate_range("2024-01-01", periods=4)
    prices = pd.DataFrame({"equity": [1.0, 1.1, 1.2, 1.3], "bonds": [1.0, 1.1, 1.2, 1.3]}, index=idx)
    state = SignalOutput(pd.Series([False, True, True, False], index=idx))

    @rule(
        kind="allocation", regime=lambda signal, prices, *, level, **_: pd.Series(level, index=prices.index)
    )
    def levelled(signal, prices, *, level: int = 7):
        return prices

    assert levelled.regime(state, prices).tolist() == [7, 7, 7, 7]  # the default level filled in
    assert levelled.regime(state, prices, level=3).tolist() == [3, 3, 3, 3]
    assert A.switch.regime(state, prices).tolist() == [0, 1, 1, 0]
    assert A.switch.regime(None, prices) is None


@pytest.mark.parametrize(
    ("override", "said"),
    [
        (f"strategy.allocation._target_={__name__}.plain_rule", "not declared as a rule"),
        ("strategy.allocation._target_=strategies.allocation.vol_overlay", "a rule of kind `overlay`"),
        ("strategy.overlay._target_=strategies.allocation.switch", "a rule of kind `allocation`"),
    ],
)
def test_a_target_that_is_not_a_rule_of_its_kind_is_refused_naming_the_key(make_cfg, override, said):
    extra = ["overlay=vol_overlay"] if override.startswith("strategy.overlay") else []
    with pytest.raises(ConfigError, match=said) as e:
        make_plan(make_cfg("strategy=move_vix_wedge", *extra, override))
    assert e.value.key.endswith("._target_") and "@rule" in str(e.value)
