"""Every registered allocation rule and overlay (conf/allocation, conf/overlay), found by
`tests.parts.registered`: its targets and regimes at t do not depend on data after t, and a grid of its
configurations equals their single runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.plan import make_plan
from core.simulation import backtest
from market.types import MarketData
from signals.base import SignalOutput
from strategies.allocation import fixed, regime
from sweeps.evaluate import Evaluator, config_plan
from tests.parts import CONF, Part, compose_with, registered

RULES = registered("allocation") + registered("overlay")


def random_inputs(rng: np.random.Generator, n: int) -> tuple[SignalOutput, pd.DataFrame]:
    """A signal (a risk-off state in episodes and a score) and sleeve prices, on `n` business days."""
    idx = pd.bdate_range("2020-01-01", periods=n)
    score = pd.Series(np.cumsum(rng.normal(0, 0.4, n)), index=idx)
    prices = pd.DataFrame(
        {
            "equity": 100 * np.cumprod(1 + rng.normal(0.0003, 0.012, n)),
            "bonds": 100 * np.cumprod(1 + rng.normal(0.0001, 0.005, n)),
            "cash": 100 * np.cumprod(1 + np.full(n, 0.0001)),
            "gold": 100 * np.cumprod(1 + rng.normal(0, 0.009, n)),
        },
        index=idx,
    )
    return SignalOutput(risk_off=score > 0.5, score=score), prices


def decide(part: Part, signal: SignalOutput, prices: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
    """The part's targets on these inputs (an overlay over 60/40), and its regime codes."""
    if part.group == "overlay":
        return part.built(fixed(None, prices, weights={"equity": 0.6, "bonds": 0.4}), prices), None
    codes = regime(part.built, signal, prices) if hasattr(part.fn, "regime") else None
    return part.built(signal, prices), codes


def assert_rule_causal(part: Part, seed: int, n: int = 300) -> None:
    """Targets and regimes up to t are the same whatever the signal and the prices after t are."""
    rng = np.random.default_rng(seed)
    signal, prices = random_inputs(rng, n)
    t = int(0.8 * n)
    _, other_prices = random_inputs(rng, n)
    after = prices.index > prices.index[t]
    prices2 = prices.copy()
    prices2.loc[after] = (other_prices * prices.iloc[t] / other_prices.iloc[t]).loc[after]
    signal2 = SignalOutput(  # after t: the state flipped, the score mirrored about 1.25
        risk_off=signal.risk_off.where(~after, ~signal.risk_off),
        score=signal.score.where(~after, 2.5 - signal.score),
    )
    a, codes_a = decide(part, signal, prices)
    b, codes_b = decide(part, signal2, prices2)
    pd.testing.assert_frame_equal(a.iloc[: t + 1], b.iloc[: t + 1], obj=str(part))
    assert not a.iloc[t + 1 :].equals(b.iloc[t + 1 :]) or part.fn is fixed, (
        f"{part}: the change reached nothing"
    )
    if codes_a is not None:
        pd.testing.assert_series_equal(codes_a.iloc[: t + 1], codes_b.iloc[: t + 1], obj=str(part))


def assert_grid_equals_single(part: Part, bundled: MarketData, conf: Path = CONF) -> None:
    """The part under the default preset, the signal's entry varied: the grid's rows are the single runs."""
    base = make_plan(compose_with(conf, f"{part.group}={part.name}", "data.start=2012-01-01"))
    plans = [config_plan(base, {"strategy.signal.z_entry": z}) for z in (1.0, 2.0)]
    batch = Evaluator(bundled).evaluate(plans, [0, 1])
    for i, plan in enumerate(plans):
        single = backtest(plan, bundled).strategy
        for key, value in single.metrics.items():
            assert batch.table.loc[i, key] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), (
                part,
                key,
            )
        np.testing.assert_allclose(batch.returns[:, i], single.returns.to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("part", RULES, ids=str)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_registered_rule_decides_on_data_up_to_t(part: Part, seed: int):
    assert_rule_causal(part, seed)


@pytest.mark.parametrize("part", RULES, ids=str)
def test_every_registered_rule_runs_the_same_in_a_grid_and_alone(part: Part, bundled):
    assert_grid_equals_single(part, bundled)


def test_the_rule_check_has_teeth():
    """A rule that reads tomorrow's price is caught."""
    from functools import partial

    def peeking(signal, prices):
        up = prices["equity"].shift(-1) > prices["equity"]
        w = fixed(None, prices, weights={"equity": 0.6, "bonds": 0.4})
        w.loc[up.to_numpy(), ["equity", "bonds"]] = [1.0, 0.0]
        return w

    cheat = Part("allocation", "peeking", peeking, {}, partial(peeking))
    with pytest.raises(AssertionError):
        assert_rule_causal(cheat, 0)
