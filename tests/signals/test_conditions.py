"""The conditions a signal exposes explain its state: each onset has every entry condition, each close
its exit condition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signals.base import observed_frame
from signals.move_vix_wedge import move_vix_wedge
from signals.yield_breakout import yield_breakout


def test_wedge_conditions_explain_every_onset_and_close(bundled):
    out = move_vix_wedge(bundled)
    c, state = out.conditions, out.risk_off
    assert list(c.columns) == [
        "wedge z ≥ 1.5 (entry)", "MOVE above its level 20 days ago", "VIX < 20", "wedge z < 0.5 (exit)"
    ]  # fmt: skip
    assert c.index.equals(bundled.frame.index) and all(pd.api.types.is_bool_dtype(t) for t in c.dtypes)
    prev = state.shift(1, fill_value=False)
    onsets, closes = state & ~prev, ~state & prev
    assert onsets.sum() > 20 and closes.sum() > 20
    entry = c.iloc[:, :3].all(axis=1)
    assert entry[onsets].all()  # the wedge opened: all three entry conditions held that close
    z = out.score
    assert (c.iloc[:, 3][closes] | z[closes].isna()).all()  # it closed: z fell below the exit
    # re-derived: the wedge z-score against its thresholds, and VIX against its ceiling
    np.testing.assert_array_equal(c.iloc[:, 0], (z >= 1.5).to_numpy())
    frame = observed_frame(bundled)  # what the signal reads
    np.testing.assert_array_equal(c.iloc[:, 2], (frame["VIX"] < 20).to_numpy())
    move = frame["MOVE"]
    np.testing.assert_array_equal(c.iloc[:, 1], (move > move.shift(20)).to_numpy())


def test_breakout_conditions_name_the_level_and_the_confirmation(bundled):
    out = yield_breakout(bundled, level=4.55)
    y = observed_frame(bundled)["UST10Y"]
    assert list(out.conditions.columns) == [
        "UST10Y ≥ 4.55% (entry)", "MOVE above its level 20 days ago", "UST10Y < 4.55% (exit)"
    ]  # fmt: skip
    pd.testing.assert_series_equal(out.conditions.iloc[:, 0], (y >= 4.55), check_names=False)
    onsets = out.risk_off & ~out.risk_off.shift(1, fill_value=False)
    assert out.conditions.iloc[:, :2][onsets].all().all()


def test_a_composites_conditions_are_its_childrens_states(bundled):
    import functools

    from signals.composite import composite
    from signals.yield_shock import yield_shock

    children = {"wedge": functools.partial(move_vix_wedge), "shock": functools.partial(yield_shock)}
    out = composite(bundled, signals=children, rule="any")
    assert list(out.conditions.columns) == ["wedge on", "shock on"]
    pd.testing.assert_series_equal(
        out.conditions["wedge on"], move_vix_wedge(bundled).risk_off, check_names=False
    )
    either = out.conditions.any(axis=1) & out.covered
    pd.testing.assert_series_equal(out.risk_off, either, check_names=False)
