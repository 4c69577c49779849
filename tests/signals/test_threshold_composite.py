"""The generic threshold signal and the composite, on hand-built series and through Hydra."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from common.errors import ConfigError, DataError
from core.plan import make_plan
from signals.composite import composite
from signals.threshold import threshold


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.bdate_range("2024-01-01", periods=n), dtype=float)


def test_threshold_level_above_with_hysteresis_and_below():
    f = frame(X=[1.0, 3.0, 2.5, 1.9, 3.1, np.nan, 3.0])
    up = threshold(f, column="X", entry=3.0, exit=2.0)
    assert up.risk_off.tolist() == [False, True, True, False, True, False, True]
    down = threshold(f, column="X", direction="below", entry=2.0, exit=3.0)
    # on at or below 2.0; off only once above 3.0 (3.0 itself keeps it on), NaN is neutral
    assert down.risk_off.tolist() == [True, True, True, True, False, False, False]
    assert up.coverage == pytest.approx(6 / 7)


def test_threshold_zscore_rule_by_hand():
    x = [1.0, 2.0, 1.0, 2.0, 9.0]
    out = threshold(frame(X=x), column="X", rule="zscore", window=5, entry=1.5)
    z = (9.0 - np.mean(x)) / np.std(x, ddof=1)
    assert out.score.iloc[-1] == pytest.approx(z)
    assert out.risk_off.tolist() == [False, False, False, False, z >= 1.5]


def test_threshold_breakout_both_directions():
    f = frame(X=[5.0, 4.0, 6.0, 3.0, 3.5])
    assert threshold(f, column="X", rule="breakout", window=2).risk_off.tolist() == [
        False, False, True, False, False,
    ]  # fmt: skip
    below = threshold(f, column="X", rule="breakout", direction="below", window=2, hold_days=2)
    assert below.risk_off.tolist() == [False, False, False, True, True]


def test_threshold_on_a_missing_column_names_it():
    with pytest.raises(DataError, match="`SOFR_OIS`"):
        threshold(frame(X=[1.0]), column="SOFR_OIS", entry=1.0)


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"rule": "level", "entry": None}, "strategy.signal.entry"),
        ({"entry": 2.0, "exit": 3.0}, "strategy.signal.exit"),
        ({"direction": "below", "entry": 2.0, "exit": 1.0}, "strategy.signal.exit"),
        ({"entry": 1.0, "window": 0}, "strategy.signal.window"),
        ({"entry": 1.0, "direction": "up"}, "strategy.signal.direction"),
        ({"entry": 1.0, "column": ""}, "strategy.signal.column"),
    ],
)
def test_threshold_bad_parameters(params, key):
    with pytest.raises(ConfigError) as err:
        threshold.validate(**params)
    assert err.value.key == key


A = functools.partial(threshold, column="A", entry=1.0)
B = functools.partial(threshold, column="B", entry=1.0)
C = functools.partial(threshold, column="C", entry=1.0)
F3 = frame(A=[0, 1, 1, 1, 0], B=[0, 0, 1, 1, np.nan], C=[0, 0, 0, 1, 1])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rule": "any"}, [False, True, True, True, True]),
        ({"rule": "all"}, [False, False, False, True, False]),
        ({"rule": "k_of_n", "k": 2}, [False, False, True, True, False]),
        ({"rule": "weighted", "weights": [2, 1, 1], "threshold": 0.5}, [False, True, True, True, False]),
        ({"rule": "weighted", "weights": [1, 1, 2], "threshold": 0.5}, [False, False, True, True, True]),
    ],
)
def test_composite_rules(params, expected):
    out = composite(F3, signals=[A, B, C], **params)
    assert out.risk_off.tolist() == expected


def test_composite_named_children_score_and_coverage():
    out = composite(F3, signals={"a": A, "b": B, "c": C}, rule="all")
    assert out.score.round(6).tolist() == [0.0, round(1 / 3, 6), round(2 / 3, 6), 1.0, round(1 / 3, 6)]
    # B has no data on the last day: "all" cannot fire there; "any" still can
    assert out.covered.tolist() == [True, True, True, True, False]
    assert composite(F3, signals=[A, B, C], rule="any").coverage == 1.0
    assert composite.columns(signals=[A, B, C]) == ("A", "B", "C")


def test_composite_missing_column_names_it():
    with pytest.raises(DataError, match="`C`"):
        composite(F3.drop(columns="C"), signals=[A, B, C])


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"signals": []}, "strategy.signal.signals"),
        ({"signals": [A, B], "rule": "k_of_n", "k": 3}, "strategy.signal.k"),
        ({"signals": [A, B], "rule": "k_of_n"}, "strategy.signal.k"),
        ({"signals": [A, B], "rule": "weighted", "weights": [1]}, "strategy.signal.weights"),
        ({"signals": [A, B], "rule": "weighted", "threshold": 1.5}, "strategy.signal.threshold"),
        (
            {"signals": [A, functools.partial(threshold, column="B", entry=1.0, exit=2.0)]},
            "strategy.signal.signals.1.exit",
        ),
        (
            {"signals": {"x": A, "y": functools.partial(threshold, window=0, entry=1.0)}},
            "strategy.signal.signals.y.window",
        ),
        ({"signals": [A, len]}, "strategy.signal.signals.1"),
        ({"signals": [A], "rule": "most"}, "strategy.signal.rule"),
    ],
)
def test_composite_bad_parameters_name_the_key_inside_the_composite(params, key):
    with pytest.raises(ConfigError) as err:
        composite.validate(**params)
    assert err.value.key == key


def test_composite_from_a_yaml_list_of_signal_nodes():
    node = OmegaConf.create(
        """
        _target_: signals.composite.composite
        _partial_: true
        rule: k_of_n
        k: 2
        signals:
          - {_target_: signals.threshold.threshold, _partial_: true, column: A, entry: 1.0}
          - {_target_: signals.threshold.threshold, _partial_: true, column: B, entry: 1.0}
          - {_target_: signals.threshold.threshold, _partial_: true, column: C, entry: 1.0}
        """
    )
    built = instantiate(node, _convert_="all")
    assert built(F3).risk_off.tolist() == [False, False, True, True, False]


def test_composite_preset_builds_validates_children_and_takes_overrides(make_cfg):
    plan = make_plan(make_cfg("strategy=composite", "strategy.signal.signals.wedge.z_entry=2.5"))
    assert plan.signal.keywords["signals"]["wedge"].keywords["z_entry"] == 2.5
    cols = plan.signal.func.columns(**plan.signal.keywords)
    assert {"MOVE", "VIX", "UST10Y", "TERM_PREMIUM_10Y"} == set(cols)
    with pytest.raises(ConfigError) as err:
        make_plan(make_cfg("strategy=composite", "strategy.signal.signals.wedge.z_exit=3.0"))
    assert err.value.key == "strategy.signal.signals.wedge.z_exit"
    with pytest.raises(ConfigError) as err:
        make_plan(make_cfg("strategy=composite", "strategy.signal.k=5"))
    assert err.value.key == "strategy.signal.k"
