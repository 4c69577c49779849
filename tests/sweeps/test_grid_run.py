"""Grid mode through `pipeline.run.run`: chunked == unchunked, bad input refused before any work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from common.errors import ConfigError
from pipeline.run import run
from sweeps import grid as G
from sweeps.merge import merge
from sweeps.run import validate

SMALL = {
    "strategy": {
        "signal": {"lookback": [63, 252], "z_entry": [1.0, 2.0], "z_exit": [0.5, 1.5]},
        "allocation": {
            "risk_off_weights": [{"equity": 0.2, "bonds": 0.3, "cash": 0.5}, {"bonds": 0.5, "cash": 0.5}]
        },
    },
    "backtest.fees_bp": [1.0, 3.0],
}
FAST = [
    "tracking=disabled",
    "grid.bootstrap.samples=200",
    "grid.pbo_blocks=6",
    "grid.walk_forward.train_days=756",
]


def small_cfg(make_cfg, *overrides, params=SMALL):
    cfg = make_cfg("experiment=wedge_grid", *FAST, *overrides)
    cfg.grid.params = OmegaConf.create(params)
    return cfg


def test_chunked_and_unchunked_grids_give_identical_results(make_cfg, tmp_path):
    whole = run(small_cfg(make_cfg, "grid.chunk_size=5"), tmp_path / "whole", echo=False)
    for i in range(3):
        cfg = small_cfg(make_cfg, "grid.n_chunks=3", f"grid.chunk={i}", "grid.chunk_size=2")
        run(cfg, tmp_path / "multi" / str(i), echo=False)
    merged = merge(tmp_path / "multi", echo=False)
    a = pd.read_parquet(tmp_path / "whole" / "results" / "grid_results.parquet")
    b = pd.read_parquet(tmp_path / "multi" / "merged" / "results" / "grid_results.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(a) == 24 and whole["n_skipped"] == 8 == merged["n_skipped"]  # z_exit 1.5 > z_entry 1.0
    timing = {"configs_per_second", "n_distinct_portfolios"}
    assert {k: v for k, v in whole.items() if k not in timing} == {
        k: v for k, v in merged.items() if k not in timing
    }
    ra = pd.read_parquet(tmp_path / "whole" / "grid_data" / "grid_returns.parquet")
    rb = pd.read_parquet(tmp_path / "multi" / "merged" / "grid_data" / "grid_returns.parquet")
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    summary = json.loads((tmp_path / "whole" / "results" / "summary.json").read_text())
    best = a.loc[a["sharpe_excess_tbill"].idxmax()]
    assert summary["best.sharpe_excess_tbill"] == best["sharpe_excess_tbill"]
    assert summary["best_config"] == best.name
    assert 0 <= summary["pbo"] <= 1 and 0 <= summary["deflated_sharpe"] <= 1


def test_merge_refuses_missing_chunks(make_cfg, tmp_path):
    run(small_cfg(make_cfg, "grid.n_chunks=3", "grid.chunk=1"), tmp_path / "m" / "1", echo=False)
    with pytest.raises(Exception, match=r"chunks \[0, 2\] of 3 are missing"):
        merge(tmp_path / "m", echo=False)


def test_expansion_order_and_chunk_bounds_cover_the_grid_once():
    spec = G.GridSpec({"a.b.c": [1, 2, 3], "a.b.d": ["x", "y"]}, 10, False, 2, 1, None)
    assert G.expand(spec) == [{"a.b.c": c, "a.b.d": d} for c in (1, 2, 3) for d in ("x", "y")]
    for n, k in ((10, 3), (7, 7), (1000, 4), (5, 8)):
        ids = [i for c in range(k) for i in range(*G.chunk_bounds(n, k, c))]
        assert ids == list(range(n))


@pytest.mark.parametrize(
    ("params", "key", "words"),
    [
        ({}, "grid.params", "empty"),
        ({"backtest.lag": [1, 2]}, "grid.params.backtest.lag", "multirun"),
        ({"data": {"source": ["bundled", "yfinance"]}}, "grid.params.data.source", "multirun"),
        ({"strategy.signal._target_": ["a.b"]}, "grid.params.strategy.signal._target_", "multirun"),
        ({"strategy.signal.lookback": []}, "grid.params.strategy.signal.lookback", "non-empty list"),
        ({"strategy.signal.lookback": 63}, "grid.params.strategy.signal.lookback", "non-empty list"),
        ({"strategy.signal.z_exit": [3.0, 4.0]}, "grid.params.strategy.signal.z_exit", "every configuration"),
        ({"strategy.signal.lookbak": [63]}, "grid.params.strategy.signal.lookbak", "every configuration"),
    ],
)
def test_bad_grids_are_refused_before_any_work(make_cfg, tmp_path, params, key, words):
    cfg = small_cfg(make_cfg, params=params)
    with pytest.raises(ConfigError, match=words) as e:
        run(cfg, tmp_path / "out", echo=False)
    assert e.value.key == key
    assert not (tmp_path / "out").exists()


def test_a_grid_over_the_ceiling_states_memory_and_time_and_how_to_override(make_cfg, tmp_path):
    with pytest.raises(ConfigError) as e:
        run(small_cfg(make_cfg, "grid.ceiling=10"), tmp_path / "out", echo=False)
    err = e.value
    assert err.key == "grid.ceiling" and "32 configurations" in err.message
    assert "GiB" in err.message and " s in one process" in err.message
    assert "grid.allow_large=true" in err.hint and "grid.n_chunks" in err.hint
    assert not (tmp_path / "out").exists()
    spec, *_ = validate(small_cfg(make_cfg, "grid.ceiling=10", "grid.allow_large=true"))
    G.check_size(spec, 6000, 3)  # the override lets it through


def test_estimate_grows_with_configurations_and_days():
    m1, t1 = G.estimate(1000, 250, 5000, 3)
    m2, t2 = G.estimate(10_000, 250, 5000, 3)
    m3, _ = G.estimate(10_000, 250, 10_000, 3)
    assert m1 < m2 < m3 and t2 == pytest.approx(10 * t1)


def test_bad_chunk_index_is_refused(make_cfg):
    with pytest.raises(ConfigError) as e:
        validate(small_cfg(make_cfg, "grid.n_chunks=2", "grid.chunk=2"))
    assert e.value.key == "grid.chunk"


def test_grid_results_are_deterministic(make_cfg, tmp_path):
    a = run(small_cfg(make_cfg), tmp_path / "a", echo=False)
    b = run(small_cfg(make_cfg), tmp_path / "b", echo=False)
    a.pop("configs_per_second"), b.pop("configs_per_second")
    assert a == b
    assert np.isfinite(a["bootstrap_sharpe_lo"]) and a["bootstrap_sharpe_lo"] < a["best.sharpe_excess_tbill"]


def test_chunks_on_threads_give_the_same_results_to_the_last_bit(make_cfg, tmp_path):
    """Chunks simulated side by side on threads (`grid.threads`) equal chunks one after another."""
    one = run(small_cfg(make_cfg, "grid.chunk_size=3", "grid.threads=1"), tmp_path / "one", echo=False)
    two = run(small_cfg(make_cfg, "grid.chunk_size=3", "grid.threads=3"), tmp_path / "two", echo=False)
    for name in ("results/grid_results.parquet", "grid_data/grid_returns.parquet"):
        a, b = (pd.read_parquet(tmp_path / d / name) for d in ("one", "two"))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(a.columns) == 25  # 24 configurations and the cash return, in grid order
    assert list(a.columns[1:]) == sorted(a.columns[1:], key=int)
    one.pop("configs_per_second"), two.pop("configs_per_second")
    assert one == two


def test_threads_by_default_are_the_cpus_the_process_may_use_at_most_two(make_cfg, monkeypatch):
    from sweeps import results as P

    cfg = small_cfg(make_cfg)
    assert cfg.grid.threads is None
    for cpus, threads in (({3}, 1), ({0, 1}, 2), (set(range(16)), P.MAX_THREADS)):
        monkeypatch.setattr(P.os, "sched_getaffinity", lambda _, cpus=cpus: cpus, raising=False)
        assert P.settings(cfg).threads == threads
    cfg.grid.threads = 3  # asked for: as asked
    assert P.settings(cfg).threads == 3


@pytest.mark.slow
def test_chunks_in_parallel_processes_give_the_same_results(make_cfg, tmp_path):
    one = run(small_cfg(make_cfg, "grid.chunk_size=4"), tmp_path / "one", echo=False)
    two = run(small_cfg(make_cfg, "grid.chunk_size=4", "grid.n_jobs=2"), tmp_path / "two", echo=False)
    a = pd.read_parquet(tmp_path / "one" / "results" / "grid_results.parquet")
    b = pd.read_parquet(tmp_path / "two" / "results" / "grid_results.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    timing = {"configs_per_second", "n_distinct_portfolios"}
    one, two = ({k: v for k, v in m.items() if k not in timing} for m in (one, two))
    assert one == two


def test_the_returns_file_is_what_pandas_writes(tmp_path):
    import pyarrow as pa

    from sweeps.results import Sweep
    from sweeps.run import returns_table

    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2020-01-01", periods=50, name="date")
    table = pd.DataFrame({"cagr": rng.random(7)}, index=pd.Index([3, 5, 8, 13, 21, 34, 55], name="config"))
    for order in ("C", "F"):
        returns = np.asarray(rng.standard_normal((50, 7)), order=order)
        sweep = Sweep(table, returns, dates, rng.random(50), 7, {}, 7, 1.0)
        frame = pd.DataFrame(returns, index=dates, columns=[str(c) for c in table.index])
        frame.insert(0, "cash_return", sweep.cash_returns)
        got = returns_table(sweep)
        assert got.equals(pa.Table.from_pandas(frame, preserve_index=True), check_metadata=True)
        pd.testing.assert_frame_equal(got.to_pandas(), frame, check_exact=True, check_freq=False)


def test_a_failed_write_beside_the_statistics_fails_the_run_and_nothing_is_written_after(
    make_cfg, tmp_path, monkeypatch
):
    import sweeps.run as P

    def disk_full(sweep, folder):  # the results' writer runs on a thread beside the statistics
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(P, "write_sweep", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run(small_cfg(make_cfg), tmp_path / "r", echo=False)
    results = tmp_path / "r" / "results"
    assert not (results / "summary.json").exists() and not (results / "grid_report.html").exists()
