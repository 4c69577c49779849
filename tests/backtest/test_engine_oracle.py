"""The engine door against vectorbt's public `Portfolio.from_orders`, the oracle, for every preset.

`backtest.engine` calls vectorbt's kernels directly (the Rust ones without importing vectorbt's
package); every portfolio each strategy preset simulates (the strategy and its benchmarks) is re-run
here through ``from_orders`` on the same engine, and its values, holdings, orders and metrics must
equal the door's to 1e-10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.simulation as pb
from backtest import metrics as M
from backtest.engine import INIT_CASH, per_column, simulate

CONF = Path(__file__).resolve().parents[2] / "conf"
PRESETS = sorted(p.stem for p in (CONF / "strategy").glob("*.yaml"))
ENGINES = ("rust", "numba")


@pytest.fixture(scope="module")
def calls(bundled) -> dict[str, list[dict]]:
    """Each preset's `simulate` calls (prices, decisions, lag, costs), captured from a real backtest."""
    from hydra import compose, initialize_config_dir

    from core.plan import make_plan
    from market.bundled import load
    from market.frame import prepare
    from tests.pipeline.test_dollar_weakness_preset import with_dollar

    with_dxy = prepare(with_dollar(load()), source="bundled", calendar_column="SPX", max_ffill_days=5)
    out: dict[str, list[dict]] = {}
    real = pb.simulate
    for preset in PRESETS:
        seen: list[dict] = []

        def capture(prices, decisions, *, seen=seen, **kw):
            seen.append({"prices": prices, "decisions": decisions, **kw})
            return real(prices, decisions, **kw)

        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[f"strategy={preset}"])
        pb.simulate = capture
        try:
            pb.backtest(make_plan(cfg), with_dxy if preset == "dollar_weakness" else bundled)
        finally:
            pb.simulate = real
        out[preset] = seen
    return out


def oracle(prices: pd.DataFrame, decisions: pd.DataFrame, lag: int, fees_bp, slippage_bp, engine: str):
    """The same portfolio through vectorbt's public API, as the engine's rules state it."""
    import vectorbt as vbt

    return vbt.Portfolio.from_orders(
        close=prices,
        size=decisions.reindex(columns=prices.columns).shift(lag),
        size_type="targetpercent",
        group_by=True,
        cash_sharing=True,
        call_seq="auto",
        fees=per_column(fees_bp, prices.columns),
        slippage=per_column(slippage_bp, prices.columns),
        init_cash=INIT_CASH,
        freq="1D",
        engine=engine,
    )


def metrics(value: pd.Series, orders: pd.DataFrame, prices: pd.DataFrame, lag: int) -> dict[str, float]:
    """What `core.simulation.run_portfolio` reports, from a value series and an order list."""
    ev = prices.index[lag:]
    cash_r = prices["cash"].pct_change().loc[ev].to_numpy()
    v = value.loc[ev]
    return M.performance(v.to_numpy(), cash_r, INIT_CASH) | M.trading(orders, value, len(ev))


def test_every_preset_is_captured(calls):
    assert len(PRESETS) >= 17
    for preset, seen in calls.items():
        assert len(seen) >= 3, preset  # the strategy and its benchmarks
        assert any(c["decisions"].notna().any().any() for c in seen), preset


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("preset", PRESETS)
def test_values_orders_and_metrics_equal_from_orders(calls, preset, engine):
    for call in calls[preset]:
        prices, decisions = call["prices"], call["decisions"]
        lag, fees_bp, slippage_bp = call["lag"], call["fees_bp"], call["slippage_bp"]
        sim = simulate(prices, decisions, lag=lag, fees_bp=fees_bp, slippage_bp=slippage_bp, engine=engine)
        assert (sim.engine, sim.engine_fallback) == (engine, "")
        pf = oracle(prices, decisions, lag, fees_bp, slippage_bp, engine)
        np.testing.assert_allclose(sim.value.to_numpy(), pf.value().to_numpy(), rtol=1e-10, atol=0)
        held = pf.asset_value(group_by=False)
        np.testing.assert_allclose(sim.holdings_value.to_numpy(), held.to_numpy(), rtol=0, atol=1e-10)
        rec = pf.orders.records
        assert len(sim.orders) == len(rec) > 0
        assert (sim.orders["date"].to_numpy() == prices.index[rec["idx"]].to_numpy()).all()
        assert (sim.orders["sleeve"].to_numpy() == prices.columns[rec["col"]].to_numpy()).all()
        assert (sim.orders["side"].to_numpy() == np.where(rec["side"] == 0, "buy", "sell")).all()
        for field in ("size", "price", "fees"):
            np.testing.assert_allclose(sim.orders[field].to_numpy(), rec[field], rtol=1e-10, atol=1e-15)
        ours = metrics(sim.value, sim.orders, prices, lag)
        orders = sim.orders.assign(size=rec["size"], price=rec["price"], fees=rec["fees"])
        theirs = metrics(pf.value(), orders, prices, lag)
        assert ours.keys() == theirs.keys()
        for key, want in theirs.items():
            assert ours[key] == pytest.approx(want, rel=1e-10, abs=1e-12, nan_ok=True), (preset, key)
