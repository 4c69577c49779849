"""Vectorized grid results equal single runs (`core.simulation.backtest`) configuration by configuration."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from backtest.engine import simulate, simulate_grid
from backtest.metrics import describe
from core.plan import make_plan
from core.simulation import backtest
from signals.base import SignalOutput, signal
from signals.move_vix_wedge import move_vix_wedge
from signals.primitives import latch
from sweeps.evaluate import Evaluator, config_plan
from sweeps.kernels import latch_columns, wedge_kernel

OFF_A = {"equity": 0.2, "bonds": 0.3, "cash": 0.5}
OFF_B = {"equity": 0.0, "bonds": 0.5, "cash": 0.5}


def grid_configs() -> list[dict]:
    out = []
    for lb, ze, zx, cal, roc, fee, off in itertools.product(
        [63, 252], [1.0, 2.0], [0.0, 0.5], ["monthly", "weekly"], [True, False], [1.0, 4.0], [OFF_A, OFF_B]
    ):
        out.append(
            {
                "strategy.signal.lookback": lb,
                "strategy.signal.z_entry": ze,
                "strategy.signal.z_exit": zx,
                "strategy.rebalance.calendar": cal,
                "strategy.rebalance.on_regime_change": roc,
                "backtest.fees_bp": fee,
                "strategy.allocation.risk_off_weights": off,
            }
        )
    return out


def assert_same(single: dict, row: pd.Series) -> None:
    assert set(single) <= set(row.index)
    for k, v in single.items():
        assert row[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_grid_equals_single_runs_config_by_config(bundled, make_cfg):
    base = make_plan(make_cfg("strategy=move_vix_wedge"))
    configs = grid_configs()
    rng = np.random.default_rng(0)
    picks = sorted(rng.choice(len(configs), size=24, replace=False))  # single runs are slow: a sample
    plans = [config_plan(base, c) for c in configs]
    batch = Evaluator(bundled).evaluate(plans, list(range(len(plans))))
    assert len(batch.table) == len(configs) == 128
    assert all(describe(c) is not None for c in batch.table.columns)  # every column a registry metric
    assert any(c.startswith("vs_") for c in batch.table.columns)
    for i in picks:
        single = backtest(plans[i], bundled)
        assert_same(single.strategy.metrics, batch.table.loc[i])
        np.testing.assert_allclose(
            batch.returns[:, i], single.strategy.returns.to_numpy(), rtol=0, atol=1e-12
        )
        assert batch.dates.equals(single.strategy.value.index)


@signal(requires=("VIX",))
def vix_above(frame: pd.DataFrame, *, level: float = 25.0) -> SignalOutput:
    """“A test signal with no vectorized kernel: VIX above a level.”"""
    return SignalOutput(risk_off=frame["VIX"] > level, score=frame["VIX"])


def test_generic_path_for_a_signal_without_kernel_equals_single_runs(bundled, make_cfg):
    drop = [
        f"~strategy.signal.{p}"
        for p in ("lookback", "z_entry", "z_exit", "trend_window", "vix_ceiling", "full_window")
    ]
    cfg = make_cfg("strategy=move_vix_wedge", f"strategy.signal._target_={__name__}.vix_above", *drop)
    base = make_plan(cfg)
    plans = [config_plan(base, {"strategy.signal.level": lv}) for lv in (18.0, 25.0, 35.0, 1000.0)]
    batch = Evaluator(bundled).evaluate(plans, [0, 1, 2, 3])
    for i, plan in enumerate(plans):
        assert_same(backtest(plan, bundled).strategy.metrics, batch.table.loc[i])
    assert batch.table.loc[3, "n_orders"] < batch.table.loc[0, "n_orders"]


def test_batching_does_not_change_results(bundled, make_cfg):
    base = make_plan(make_cfg("strategy=move_vix_wedge"))
    plans = [config_plan(base, c) for c in grid_configs()[:40]]
    whole = Evaluator(bundled).evaluate(plans, list(range(40)))
    parts = [
        Evaluator(bundled).evaluate(plans[a:b], list(range(a, b))) for a, b in ((0, 7), (7, 31), (31, 40))
    ]
    pd.testing.assert_frame_equal(whole.table, pd.concat([p.table for p in parts]), check_exact=True)
    np.testing.assert_array_equal(whole.returns, np.hstack([p.returns for p in parts]))


def test_wedge_kernel_equals_the_signal_for_every_parameter_set(bundled):
    frame = bundled.frame
    params = [
        {
            "lookback": lb,
            "z_entry": ze,
            "z_exit": zx,
            "trend_window": tw,
            "vix_ceiling": vc,
            "full_window": fw,
        }
        for lb, ze, zx, tw, vc, fw in itertools.product(
            [20, 126, 504], [0.5, 1.5, 3.0], [-1.0, 0.5], [1, 20], [15.0, 1e9], [False, True]
        )
        if zx <= ze and (not fw or tw == 20)
    ]
    outs = wedge_kernel(frame, params)
    for k, (p, out) in enumerate(zip(params, outs, strict=True)):
        ref = move_vix_wedge(frame, **p)
        if k == 0:  # names, dtypes and index once; values for every parameter set
            pd.testing.assert_series_equal(out.risk_off, ref.risk_off)
            pd.testing.assert_series_equal(out.covered, ref.covered)
            pd.testing.assert_series_equal(out.score, ref.score)
        assert np.array_equal(out.risk_off.to_numpy(), ref.risk_off.to_numpy()), p
        assert np.array_equal(out.covered.to_numpy(), ref.covered.to_numpy()), p
        assert np.array_equal(out.score.to_numpy(), ref.score.to_numpy(), equal_nan=True), p
        # the columns the evaluator reads without building the series
        assert np.array_equal(out.state, ref.risk_off.to_numpy()), p
        assert np.array_equal(out.covered_values, ref.covered.to_numpy()), p
        assert out.coverage == ref.coverage and out.notes == () and out.conditions is None
    assert len({o.risk_off.sum() for o in outs}) > 10  # the parameters do matter


def test_latch_columns_equals_latch_on_random_events():
    rng = np.random.default_rng(3)
    enter, leave = rng.random((300, 20)) < 0.05, rng.random((300, 20)) < 0.1
    got = latch_columns(enter, leave)
    for j in range(20):
        ref = latch(pd.Series(enter[:, j]), pd.Series(leave[:, j]))
        assert got[:, j].tolist() == ref.tolist()


@pytest.fixture(scope="module")
def prices(bundled) -> pd.DataFrame:
    from market.frame import tbill_price

    f = bundled.frame.loc["2003-01-02":"2012-12-31"]
    return pd.DataFrame({"equity": f["SPY"], "bonds": f["IEF"], "cash": tbill_price(f["TBILL3M"])}).dropna()


def test_simulate_grid_equals_simulate_per_configuration(prices):
    rng = np.random.default_rng(1)
    n, c = len(prices), 12
    dec = np.full((n, c, 3), np.nan)
    days = rng.random((n, c)) < 0.04
    w = rng.dirichlet([1, 1, 1], size=(n, c))
    dec[days] = w[days]
    dec[0] = [0.6, 0.4, 0.0]
    fees = rng.uniform(0, 10, c)
    slip = rng.uniform(0, 5, c)
    for lag in (1, 3):
        g = simulate_grid(prices, dec, lag=lag, fees_bp=fees.tolist(), slippage_bp=slip.tolist())
        for j in range(c):
            d = pd.DataFrame(dec[:, j, :], index=prices.index, columns=prices.columns)
            s = simulate(prices, d, lag=lag, fees_bp=fees[j], slippage_bp=slip[j])
            np.testing.assert_allclose(g.value[:, j], s.value.to_numpy(), rtol=1e-12, atol=0)
            assert g.fees[j] == pytest.approx(s.orders["fees"].sum(), rel=1e-12, abs=1e-15)
            assert g.n_orders[j] == len(s.orders)
            notional = (s.orders["size"] * s.orders["price"]).abs().to_numpy()
            assert g.traded[j] == pytest.approx(
                (notional / s.value.loc[s.orders["date"]].to_numpy()).sum(), rel=1e-12
            )


def test_a_kernel_that_disagrees_with_its_signal_is_not_used(bundled, make_cfg, monkeypatch):
    from sweeps import kernels

    def wrong(frame, params, memo=None):
        outs = wedge_kernel(frame, params, memo)
        return [SignalOutput(~o.risk_off, o.score, o.covered) for o in outs]

    monkeypatch.setitem(kernels.SIGNAL_KERNELS, move_vix_wedge, wrong)
    base = make_plan(make_cfg("strategy=move_vix_wedge"))
    plans = [config_plan(base, {"strategy.signal.z_entry": z}) for z in (1.0, 2.0)]
    ev = Evaluator(bundled)
    batch = ev.evaluate(plans, [0, 1])
    assert "disagreed" in ev.notes[0]
    for i, plan in enumerate(plans):
        assert_same(backtest(plan, bundled).strategy.metrics, batch.table.loc[i])


@pytest.mark.parametrize(
    ("preset", "grid"),
    [
        (  # path-dependent rebalance gates and per-sleeve costs
            "move_vix_wedge",
            {
                "strategy.rebalance.drift_band": [0.0, 0.05],
                "strategy.rebalance.min_hold_days": [0, 15],
                "backtest.fees_bp": [1.0, {"equity": 3.0, "bonds": 1.0}],
            },
        ),
        (  # an overlay (volatility target, leverage through a short cash sleeve) varied
            "wedge_vol_overlay",
            {"strategy.overlay.target_vol": [0.10, 0.15], "strategy.signal.z_entry": [1.0, 2.0]},
        ),
        (  # a rule using the signal's score, no kernel: the generic path
            "wedge_graded",
            {"strategy.allocation.score_hi": [1.5, 3.0], "strategy.signal.lookback": [126, 252]},
        ),
        ("yield_breakout", {"strategy.signal.level": [3.0, 4.55], "strategy.signal.move_window": [10, 20]}),
        (  # a rule with a third regime (bonds no hedge) whose flips are rebalance days
            "wedge_hedge_aware",
            {"strategy.allocation.corr_window": [21, 63], "strategy.allocation.corr_threshold": [-0.2, 0.0]},
        ),
    ],
)
def test_grid_equals_single_runs_for_gates_overlays_rules_and_signals(bundled, make_cfg, preset, grid):
    base = make_plan(make_cfg(f"strategy={preset}"))
    configs = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    plans = [config_plan(base, c) for c in configs]
    batch = Evaluator(bundled).evaluate(plans, list(range(len(plans))))
    for i, plan in enumerate(plans):
        single = backtest(plan, bundled)
        assert_same(single.strategy.metrics, batch.table.loc[i])
        np.testing.assert_allclose(
            batch.returns[:, i], single.strategy.returns.to_numpy(), rtol=0, atol=1e-12
        )
    assert batch.table["sharpe_excess_tbill"].nunique() > 1
