"""The event study on the bundled data, re-derived with numpy; and its one-command CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from analysis.event_study import study
from core.plan import make_plan
from core.simulation import prepare_inputs
from tests.cli import REPO


@pytest.mark.parametrize("strategy", ["move_vix_wedge", "swap_spread"])
def test_bundled_event_study_matches_an_independent_computation(bundled, make_cfg, strategy):
    inputs = prepare_inputs(make_plan(make_cfg(f"strategy={strategy}")), bundled)
    p = inputs.prices["equity"].to_numpy()
    full = inputs.signal.risk_off
    on = full.reindex(inputs.prices.index).to_numpy(dtype=bool)
    before = full.shift(1, fill_value=False).reindex(inputs.prices.index).to_numpy(dtype=bool)
    starts = np.flatnonzero(on & ~before)
    ev = study(full, inputs.prices["equity"])
    assert ev.summary["n_episodes"] == len(starts) > 5
    for h in (5, 20, 60):
        ok = starts[starts + h < len(p)]
        fwd = p[ok + h] / p[ok] - 1
        worst = [
            min(0.0, *(p[t + 1 : t + h + 1] / np.maximum.accumulate(p[t : t + h + 1])[1:] - 1)) for t in ok
        ]
        row = ev.table.loc[h]
        assert row["n_onsets"] == len(ok)
        assert row["fwd_ret_mean"] == pytest.approx(fwd.mean(), rel=1e-12)
        assert row["hit_rate"] == pytest.approx((fwd < 0).mean())
        assert row["fwd_maxdd_mean"] == pytest.approx(np.mean(worst), rel=1e-12)
        assert row["uncond_ret_mean"] == pytest.approx((p[h:] / p[:-h] - 1).mean(), rel=1e-12)
    lengths = [int(np.argmin(np.append(on[s:], False))) for s in starts]
    assert ev.episodes["days"].tolist() == lengths


def test_one_command_answers_whether_the_wedge_precedes_a_correction():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "strategy=move_vix_wedge"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "move_vix_wedge: event study" in out and "episodes" in out
    assert "P(maxDD≤-5%)" in out and "60d" in out


def test_cli_bad_input_exits_2_with_a_message():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "strategy=sixty_forty"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2 and "no signal" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "strategy=yield_shock", "strategy.signal.k=9"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2 and "strategy.signal.k" in proc.stderr and "Traceback" not in proc.stderr


def test_a_signal_that_never_turns_on_says_0_episodes_not_nan_days(bundled, make_cfg):
    from analysis.event_study import headline, render

    inputs = prepare_inputs(
        make_plan(make_cfg("strategy=yield_breakout", "strategy.signal.level=5.0", "data.start=2010-01-01")),
        bundled,
        start="2010-01-01",
    )
    assert bundled.frame["UST10Y"].loc["2010":].max() < 5.0  # why: the 10-year never reached 5% since 2010
    ev = study(inputs.signal.risk_off, inputs.prices["equity"])
    assert ev.summary["n_episodes"] == 0
    text = render(ev, "yield_breakout")
    assert "0 episodes: the signal never turned on in the window" in text and "nan" not in text
    assert headline(ev) == "event study: 0 episodes: the signal never turned on in the window"
