"""The engine a simulation reports is the one that ran it, never the config's wish."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest

from backtest.engine import simulate, simulate_grid
from common.errors import ConfigError


def _inputs(dtype: str = "float64") -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = pd.bdate_range("2024-01-01", periods=8)
    prices = pd.DataFrame({"equity": [10, 11, 12, 11, 13, 14, 13, 15], "cash": [5] * 8}, index=idx)
    decisions = pd.DataFrame(np.nan, index=idx, columns=prices.columns)
    decisions.iloc[0] = [0.6, 0.4]
    decisions.iloc[4] = [0.2, 0.8]
    return prices.astype(dtype), decisions


def _numpy_value(prices: pd.DataFrame, decisions: pd.DataFrame) -> np.ndarray:
    """Independent: no costs, lag 1, target weights traded at the close."""
    px = prices.to_numpy(dtype=float)
    units, cash, out = np.zeros(px.shape[1]), 1.0, []
    targets = decisions.shift(1).to_numpy()
    for t in range(len(px)):
        value = cash + units @ px[t]
        if not np.isnan(targets[t]).all():
            new = targets[t] * value / px[t]
            cash -= (new - units) @ px[t]
            units = new
        out.append(cash + units @ px[t])
    return np.array(out)


def test_auto_runs_rust_when_rust_covers_the_call():
    prices, decisions = _inputs()
    sim = simulate(prices, decisions, engine="auto")
    assert (sim.engine, sim.engine_fallback) == ("rust", "")
    np.testing.assert_allclose(sim.value.to_numpy(), _numpy_value(prices, decisions), rtol=1e-12)


def test_a_call_rust_does_not_cover_falls_back_and_says_so():
    prices, decisions = _inputs("int64")  # Rust needs float64 closes; vectorbt's auto goes numba silently
    sim = simulate(prices, decisions, engine="auto")
    assert sim.engine == "numba"
    assert "close" in sim.engine_fallback and "Rust does not cover" in sim.engine_fallback
    np.testing.assert_allclose(sim.value.to_numpy(), _numpy_value(prices, decisions), rtol=1e-12)
    with pytest.raises(ConfigError) as exc:
        simulate(prices, decisions, engine="rust")  # asked for explicitly: refused, not swapped
    assert exc.value.key == "backtest.engine" and "close" in str(exc.value)


def test_a_version_mismatch_falls_back_and_names_both_versions(rust_version):
    rust_version("0.9.0")
    prices, decisions = _inputs()
    sim = simulate(prices, decisions, engine="auto")
    assert sim.engine == "numba"
    assert sim.engine_fallback == f"vectorbt-rust 0.9.0 does not match vectorbt {version('vectorbt')}"
    np.testing.assert_allclose(sim.value.to_numpy(), _numpy_value(prices, decisions), rtol=1e-12)
    grid = simulate_grid(prices, decisions.to_numpy()[:, None, :], engine="auto")
    assert (grid.engine, grid.engine_fallback) == ("numba", sim.engine_fallback)
    with pytest.raises(ConfigError, match="does not match") as exc:
        simulate(prices, decisions, engine="rust")
    assert exc.value.key == "backtest.engine"


def test_numba_asked_is_numba():
    prices, decisions = _inputs()
    assert simulate(prices, decisions, engine="numba").engine == "numba"


def test_another_vectorbt_than_the_rust_door_was_written_for_runs_on_numba(monkeypatch, rust_version):
    import backtest.engine as engine

    monkeypatch.setattr(engine, "version", lambda name: "1.3.0")
    rust_version("1.3.0")  # a matching pair, but not the dispatch `_rust_orders` reproduces
    prices, decisions = _inputs()
    sim = simulate(prices, decisions, engine="auto")
    assert sim.engine == "numba" and "vectorbt 1.2's dispatch, not 1.3.0's" in sim.engine_fallback
    np.testing.assert_allclose(sim.value.to_numpy(), _numpy_value(prices, decisions), rtol=1e-12)


def test_vectorbt_rust_not_installed_runs_on_numba(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "vectorbt_rust", None)  # `import vectorbt_rust` raises ImportError
    prices, decisions = _inputs()
    sim = simulate(prices, decisions, engine="auto")
    assert (sim.engine, sim.engine_fallback) == ("numba", "vectorbt-rust is not installed")
    with pytest.raises(ConfigError, match="not installed"):
        simulate(prices, decisions, engine="rust")
