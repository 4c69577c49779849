"""The vectorbt pin: `backtest/engine.py` calls private vectorbt API, so the installed versions must lie in
the range pyproject.toml pins, and the private names and keywords it uses must exist there."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest
from packaging.requirements import Requirement

from backtest.engine import (
    _FLEX_DTYPES,
    CALL_SEQ_DEFAULT,
    DIRECTION_BOTH,
    LOG_DT,
    ORDER_DT,
    RUST_DOOR,
    RUST_UNSUPPORTED,
    SIZE_TARGET_PERCENT,
    VBT_DEFAULTS,
    _for_rust,
    simulate_grid,
)
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
    from vectorbt._engine import RustSupport, resolve_engine
    from vectorbt.portfolio import dispatch, nb

    assert callable(nb.build_call_seq)
    # the numba call, made for real: a renamed keyword is a TypeError
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


def test_the_rust_door_is_written_for_the_pinned_version():
    """`_rust_orders` reproduces vectorbt 1.2's dispatch: a new vectorbt must be read before it is let in."""
    spec = _pin().specifier
    major, minor = RUST_DOOR.split(".")
    assert spec.contains(f"{RUST_DOOR}.0") and not spec.contains(f"{major}.{int(minor) + 1}.0"), str(spec)
    assert version("vectorbt").rsplit(".", 1)[0] == RUST_DOOR, (
        f"vectorbt {version('vectorbt')} is installed; backtest.engine's Rust door was written for "
        f"{RUST_DOOR}: compare vectorbt.portfolio.dispatch.simulate_from_orders with _rust_orders, then "
        "raise RUST_DOOR and the pin"
    )


def test_the_defaults_and_enums_the_door_mirrors_are_vectorbts():
    from vectorbt._settings import settings
    from vectorbt.portfolio.enums import CallSeqType, Direction, SizeType, log_dt, order_dt

    assert (order_dt, log_dt) == (ORDER_DT, LOG_DT)  # what the Rust kernels read at every call

    cfg = settings["portfolio"]
    for key, value in VBT_DEFAULTS.items():
        assert cfg[key] == value or (np.isnan(value) and np.isnan(cfg[key])), (key, cfg[key], value)
    assert (SizeType.TargetPercent, Direction.Both, CallSeqType.Default) == (
        SIZE_TARGET_PERCENT,
        DIRECTION_BOTH,
        CALL_SEQ_DEFAULT,
    )


def test_the_rust_kernels_take_what_the_door_passes():
    from vectorbt.portfolio import dispatch
    from vectorbt_rust.portfolio import simulate_from_orders_rs

    # the dispatch's flexible arrays, in its order, are the ones the door prepares
    params = list(inspect.signature(dispatch.simulate_from_orders).parameters)
    assert params[4 : 4 + len(_FLEX_DTYPES)] == list(_FLEX_DTYPES)
    rs = simulate_from_orders_rs.__text_signature__
    options = ["auto_call_seq", "max_orders", "max_logs", "init_temp_records", "seed", "flex_2d"]
    for name in [*_FLEX_DTYPES, *options]:
        assert name in rs, name
    # and the dispatch still prepares each with the dtype the door casts to
    src = re.sub(r"\s+", "", inspect.getsource(dispatch.simulate_from_orders))
    for name, dtype in _FLEX_DTYPES.items():
        np_name = "bool_" if dtype is np.bool_ else dtype.__name__
        want = f"prepare_flex_array_for_rust({name},target_shape,np.{np_name}"
        assert want in src, want


@pytest.mark.parametrize(
    ("name", "a", "dtype"),
    [
        ("close", np.ones((3, 2)), np.float64),
        ("close", np.ones((3, 2), dtype=np.int64), np.float64),  # int to float: refused (kind)
        ("close", np.ones((3, 2), dtype=np.float32), np.float64),  # float32: cast
        ("fees", np.array([0.001, 0.0]), np.float64),
        ("fees", np.array([0.001, 0.0, 0.0]), np.float64),  # does not broadcast to 2 columns
        ("fees", np.ones((2, 2, 2)), np.float64),
        ("size_type", np.asarray(5), np.int64),
        ("lock_cash", np.asarray(False), np.bool_),
        ("size_granularity", np.asarray(np.nan), np.float64),
        ("size", np.array([["a", "b"]] * 3), np.float64),
    ],
)
def test_the_door_accepts_and_prepares_arrays_as_vectorbts_dispatch(name, a, dtype):
    from vectorbt._engine import flex_array_compatible_with_rust, prepare_flex_array_for_rust

    shape = (3, 2)
    support = flex_array_compatible_with_rust(name, a, shape, dtype, True)
    if support.supported:
        mine = _for_rust(name, a, shape, dtype)
        theirs = prepare_flex_array_for_rust(a, shape, dtype, True, name=name)
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        np.testing.assert_array_equal(mine, theirs)
    else:
        with pytest.raises(ValueError) as exc:
            _for_rust(name, a, shape, dtype)
        assert str(exc.value) == f"{support.reason} {RUST_UNSUPPORTED}"


def test_a_rust_simulation_imports_no_vectorbt_and_lends_nothing_after():
    """In a fresh process: the door's Rust calls (one, then many overlapping on threads) read the dtypes
    from the stand-in, which is then gone; vectorbt imported afterwards is whole, and its `from_orders`
    gives the same records."""
    code = """
import sys
import numpy as np, pandas as pd
from backtest.engine import simulate
idx = pd.bdate_range("2024-01-01", periods=8)
prices = pd.DataFrame({"equity": [10., 11, 12, 11, 13, 14, 13, 15], "cash": [5.] * 8}, index=idx)
dec = pd.DataFrame(np.nan, index=idx, columns=prices.columns)
dec.iloc[0] = [0.6, 0.4]
dec.iloc[4] = [0.2, 0.8]
sim = simulate(prices, dec, fees_bp=10.0)
assert sim.engine == "rust", sim.engine
left = sorted(m for m in sys.modules if m.split(".")[0] in ("vectorbt", "numba"))
assert not left, left
from concurrent.futures import ThreadPoolExecutor
from backtest.engine import simulate_grid
rng = np.random.default_rng(0)
many = np.where(rng.random((8, 40, 2)) < 0.3, rng.dirichlet([1, 1], (8, 40)), np.nan)
with ThreadPoolExecutor(4) as pool:  # calls overlapping on threads share one stand-in
    grids = list(pool.map(lambda _: simulate_grid(prices, many, fees_bp=5.0).value, range(32)))
assert all((g == grids[0]).all() for g in grids)
left = sorted(m for m in sys.modules if m.split(".")[0] in ("vectorbt", "numba"))
assert not left, left
import vectorbt as vbt
pf = vbt.Portfolio.from_orders(prices, dec.shift(1), size_type="targetpercent", group_by=True,
    cash_sharing=True, call_seq="auto", fees=0.001, init_cash=1.0, freq="1D", engine="rust")
np.testing.assert_array_equal(pf.orders.records["size"], sim.orders["size"].to_numpy())
np.testing.assert_allclose(pf.value().to_numpy(), sim.value.to_numpy(), rtol=1e-12)
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
