"""The allocation chart: PNG and plotly figure of realised and target weights, with their numbers."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
from PIL import Image

from report import allocation_charts as ac


def frames():
    idx = pd.bdate_range("2021-01-01", periods=60)
    rng = np.random.default_rng(2)
    eq = 0.6 + rng.normal(0, 0.01, 60)
    weights = pd.DataFrame({"equity": eq, "bonds": 0.4, "cash": 1 - eq - 0.4, "gold": 0.0}, index=idx)
    targets = pd.DataFrame(np.nan, index=idx, columns=weights.columns)
    targets.iloc[0] = [0.6, 0.4, 0.0, 0.0]
    targets.iloc[30] = [1.2, 0.3, -0.5, 0.0]  # levered: a negative cash weight
    return weights, targets


def test_doctests():
    assert doctest.testmod(ac).failed == 0


def test_png_has_one_panel_per_sleeve_held(tmp_path):
    weights, targets = frames()
    path = ac.allocation_png(weights, targets, tmp_path / "a.png", title="t")
    with Image.open(path) as im:
        assert im.size == (1320, int(round((1.2 + ac.PANEL_HEIGHT_IN * 3) * 110)))  # gold never held


def test_plotly_traces_carry_realised_and_target_in_force():
    weights, targets = frames()
    risk_off = pd.Series(False, index=weights.index)
    risk_off.iloc[30:40] = True
    fig = ac.allocation_plotly(weights, targets, risk_off=risk_off)
    names = [t.name for t in fig.data]
    assert names == ["equity realised", "equity target", "bonds realised", "bonds target",
                     "cash (T-bills) realised", "cash (T-bills) target"]  # fmt: skip
    # the target in force as a step line through the days it changes (and the last day)
    cash = fig.data[5]
    assert list(cash.x) == [str(weights.index[i].date()) for i in (0, 30, 59)]
    assert list(np.asarray(cash.y)) == [0.0, -50.0, -50.0] and cash.line.shape == "hv"
    step = pd.Series(np.asarray(cash.y), index=pd.to_datetime(list(cash.x))).reindex(weights.index).ffill()
    np.testing.assert_allclose(step.to_numpy(), targets["cash"].ffill().to_numpy() * 100)
    np.testing.assert_allclose(np.asarray(fig.data[0].y), weights["equity"].to_numpy() * 100)
    assert len(fig.layout.shapes) == 1
