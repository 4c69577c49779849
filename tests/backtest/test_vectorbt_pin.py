"""The vectorbt pin: `backtest/engine.py` calls private vectorbt API, so the installed versions must lie in
the range pyproject.toml pins, and the private names and keywords it uses must exist there."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest
from packaging.requirements import Requirement

from backtest.engine import RUST_UNSUPPORTED, simulate_grid
from tests.cli import REPO


def _pin() -> Requirement:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "vectorbt"]
    return req


def test_pin_is_a_closed_range_with_the_rust_extra():
    req = _pin()
    assert "rust" in req.extras
    ops = {s.operator for s in req.specifier}
    assert ">=" in ops and "<" in ops, f"an open pin does not protect private API: {req}"


def test_installed_vectorbt_and_vectorbt_rust_satisfy_the_pin():
    spec = _pin().specifier
    assert spec.contains(version("vectorbt")), (version("vectorbt"), str(spec))
    # vectorbt runs Rust only when vectorbt-rust has its major.minor (vectorbt._engine.is_rust_available)
    assert spec.contains(version("vectorbt-rust")), (version("vectorbt-rust"), str(spec))
    assert version("vectorbt").rsplit(".", 1)[0] == version("vectorbt-rust").rsplit(".", 1)[0]


def test_private_names_the_engine_uses_exist():
    from vectorbt._engine import RustSupport, clear_engine_cache, is_rust_available, resolve_engine
    from vectorbt._settings import settings
    from vectorbt._version import __version__
    from vectorbt.portfolio import dispatch, nb
    from vectorbt.portfolio.enums import CallSeqType, Direction, SizeType

    assert callable(clear_engine_cache) and callable(is_rust_available) and __version__
    assert callable(nb.build_call_seq) and CallSeqType.Default is not None
    assert SizeType.TargetPercent is not None and Direction.Both is not None
    cfg = settings["portfolio"]
    for key in (
        "fixed_fees",
        "min_size",
        "max_size",
        "size_granularity",
        "lock_cash",
        "allow_partial",
        "raise_reject",
        "val_price",
        "ffill_val_price",
        "update_value",
    ):
        assert key in cfg, key
    # the 30-keyword private call, made for real on both engines: a renamed keyword is a TypeError
    prices = pd.DataFrame({"a": [1.0, 1.1, 1.2, 1.1], "b": [2.0, 2.0, 2.1, 2.2]})
    decisions = np.full((4, 1, 2), np.nan)
    decisions[0, 0] = [0.5, 0.5]
    for engine in ("numba", "rust"):
        sim = simulate_grid(prices, decisions, engine=engine)
        assert sim.engine == engine and sim.n_orders[0] == 2
        assert set(inspect.signature(dispatch.simulate_from_orders).parameters) >= {"engine", "flex_2d"}
    # the fallback is recognised by the end of vectorbt's message for a call Rust does not cover
    with pytest.raises(ValueError, match="Use engine='numba'") as exc:
        resolve_engine("rust", supports_rust=RustSupport(False, "not covered."))
    assert str(exc.value).endswith(RUST_UNSUPPORTED)
    assert resolve_engine("auto", supports_rust=RustSupport(False, "x")) == "numba"  # the silent fallback
