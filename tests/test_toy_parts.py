"""A toy signal and a toy allocation rule, each one file and one YAML in a scratch copy of the project,
are found by the registry-driven checks (causality, grid/single parity, YAML defaults) with no list
edited; a toy that peeks at tomorrow is caught by the same checks."""

from __future__ import annotations

import shutil
import sys
import textwrap

import pytest

from tests.cli import REPO
from tests.parts import default_mismatches, registered
from tests.signals.test_causality import assert_causal
from tests.strategies.test_registered_rules import assert_grid_equals_single, assert_rule_causal

TOY_SIGNAL = '''
import pandas as pd

from signals.base import SignalOutput, signal


@signal(requires=("VIX",))
def vix_jump(frame: pd.DataFrame, *, window: int = 5, jump: float = 2.0, peek: bool = False) -> SignalOutput:
    """“A toy: VIX up `jump` points over `window` days” (`peek` reads tomorrow's VIX: a bug to catch)."""
    vix = frame["VIX"].shift(-1) if peek else frame["VIX"]
    change = vix - vix.shift(window)
    return SignalOutput(risk_off=change >= jump, score=change)
'''

TOY_RULE = """
import pandas as pd

from strategies.rule import rule
from strategies.weights import check_weights, constant


@rule(kind="allocation", requires=("signal",))
def all_cash(signal, prices: pd.DataFrame, *, risk_on_weights, share: float = 0.5) -> pd.DataFrame:
    \"\"\"Risk-on weights; while risk-off, `share` of each moved to cash.\"\"\"
    on = check_weights(risk_on_weights, "strategy.allocation.risk_on_weights")
    w = constant(on, prices.index, list(prices.columns))
    off = signal.risk_off.reindex(prices.index, fill_value=False).to_numpy()
    moved = w.loc[off].drop(columns="cash").mul(share)
    w.loc[off, moved.columns] -= moved
    w.loc[off, "cash"] += moved.sum(axis=1)
    return w
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch copy of conf/ with the toys' YAMLs, and their package on sys.path."""
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    pkg = tmp_path / "toys"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "vix_jump.py").write_text(TOY_SIGNAL)
    (pkg / "all_cash.py").write_text(TOY_RULE)
    head = "_target_: {}\n_partial_: true\n"
    (conf / "signal" / "vix_jump.yaml").write_text(
        "# @package strategy.signal\n" + head.format("toys.vix_jump.vix_jump") + "window: 5\njump: 2.0\n"
    )
    (conf / "allocation" / "all_cash.yaml").write_text(
        "# @package strategy.allocation\n"
        + head.format("toys.all_cash.all_cash")
        + textwrap.dedent("""\
            risk_on_weights: {equity: 0.6, bonds: 0.4}
            share: 0.5
            """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield conf
    for name in [m for m in sys.modules if m == "toys" or m.startswith("toys.")]:
        del sys.modules[name]


def test_a_toy_signal_is_found_and_checked(project):
    parts = {p.name: p for p in registered("signal", project)}
    toy = parts["vix_jump"]
    assert len(parts) == len(registered("signal")) + 1  # the project's, and the toy
    assert default_mismatches(toy) == []
    for seed in range(3):
        assert_causal({"vix_jump": toy.built}, seed, 120, 0.6, 0.0)
    # the same checks catch a toy that reads tomorrow, and a YAML that drifted from its function
    peeking = toy.built.func
    with pytest.raises(AssertionError, match="vix_jump"):
        assert_causal({"vix_jump": lambda f: peeking(f, peek=True)}, 0, 120, 0.6, 0.0)
    (project / "signal" / "vix_jump.yaml").write_text(
        (project / "signal" / "vix_jump.yaml").read_text().replace("jump: 2.0", "jump: 3.0")
    )
    drifted = {p.name: p for p in registered("signal", project)}["vix_jump"]
    assert default_mismatches(drifted) == ["signal=vix_jump: jump is 3.0 in its YAML, 2.0 in vix_jump"]


def test_a_toy_allocation_rule_is_found_and_checked(project, bundled):
    parts = {p.name: p for p in registered("allocation", project)}
    toy = parts["all_cash"]
    assert toy.fn.kind == "allocation" and default_mismatches(toy) == []
    for seed in range(3):
        assert_rule_causal(toy, seed)
    assert_grid_equals_single(toy, bundled, project)
