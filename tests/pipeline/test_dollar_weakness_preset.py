"""The dollar_weakness preset: it runs on the bundled dollar index, refused on a frame without one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError
from market.bundled import load
from pipeline import api
from tests.cli import run_py


def with_dollar(raw: pd.DataFrame) -> pd.DataFrame:
    """The bundled frame with a hand-built dollar index from 2006 (DTWEXBGS's start) with a planted fall."""
    days = raw.index[raw.index >= "2006-01-02"]
    rng = np.random.default_rng(0)
    level = 100 * np.cumprod(1 + rng.normal(0, 0.003, len(days)))
    level[2000:2063] *= np.linspace(1.0, 0.9, 63)  # a 10% fall over 63 days
    level[2063:] *= 0.9
    return raw.assign(DTWEXBGS=pd.Series(level, index=days))


def test_dollar_weakness_preset_runs_end_to_end_on_a_frame_with_the_dollar_index():
    r = api.backtest("dollar_weakness", data=with_dollar(load()))
    sig = r.signal
    x = with_dollar(load())["DTWEXBGS"].reindex(sig.index)
    fall = (1 - x / x.shift(63)) * 100  # not forward-filled across the index: the frame has every day
    assert sig["risk_off"].any()
    first_on = sig.index[sig["risk_off"].to_numpy(dtype=bool)][0]
    assert fall.loc[first_on] >= 3.0 and (fall.loc[:first_on].iloc[:-1].fillna(0) < 3.0).all()
    assert "pval_ret" in r.event_study.table
    assert 0 < r.run.strategy.metrics["signal_coverage"] < 1  # no dollar index before 2006


def test_dollar_weakness_runs_on_the_bundled_dollar_index():
    r = api.backtest("dollar_weakness")
    sig = r.signal
    # re-derived from the raw file's DTWEXBGS on its own print dates, then read on the run's days
    x = load()["DTWEXBGS"].dropna()
    on_days = x.reindex(sig.index, method="ffill", limit=5)
    fall = (1 - on_days / on_days.shift(63)) * 100
    first_on = sig.index[sig["risk_off"].to_numpy(dtype=bool)][0]
    assert fall.loc[first_on] >= 3.0 and (fall.loc[:first_on].iloc[:-1].fillna(0) < 3.0).all()
    # the run ends where its sleeves end (the T-bill's 2026-08-20), not where the dollar does (2026-08-14)
    raw = load()
    assert sig.index[-1] == min(raw[c].last_valid_index() for c in ("SPY", "IEF", "TBILL3M"))
    assert raw["DTWEXBGS"].last_valid_index() < sig.index[-1]
    assert 0.5 < r.run.strategy.metrics["signal_coverage"] < 1  # DTWEXBGS from 2006


def test_dollar_weakness_on_a_frame_without_the_dollar_names_the_sources_that_carry_it():
    with pytest.raises(DataError) as err:
        api.backtest("dollar_weakness", data=load().drop(columns=["DTWEXBGS"]))
    assert "data=live" in str(err.value) and "FRED" in str(err.value) and "bundled" in str(err.value)


@pytest.mark.slow
def test_run_py_refuses_a_missing_dollar_column_with_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    proc = run_py(
        "strategy=dollar_weakness", "strategy.signal.column=DXY", f"hydra.run.dir={out}",
        store=tmp_path, timeout=600,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "DXY" in proc.stderr and "data=csv" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "results").exists()
