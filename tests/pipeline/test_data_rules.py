"""Cash and ended series held to the same rules as prices; coverage counts days a signal can decide;
the engine recorded is the one that ran; outputs carry full precision. Real Hydra composition, the
bundled data (edited as a user's file would be), real vectorbt; expectations re-derived in pandas."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError
from market.bundled import load
from pipeline import api
from single import outputs
from single.run import tags_of

START = "2018-01-01"  # short windows keep these quick; the signal warms up on the whole history


def _calendar(raw: pd.DataFrame) -> pd.DatetimeIndex:
    return raw.index[raw["SPX"].notna()]  # data=bundled's calendar column


def _punch(raw: pd.DataFrame, column: str, first: str, rows: int) -> pd.DataFrame:
    """`rows` consecutive calendar days of `column` without a print (every union row between too)."""
    days = _calendar(raw)
    days = days[days >= first][:rows]
    out = raw.copy()
    out.loc[days[0] : days[-1], column] = np.nan
    return out


@pytest.mark.parametrize("column", ["TBILL3M", "SPY"])
def test_a_30_row_gap_is_refused_in_the_cash_rate_as_in_a_price(column):
    raw = _punch(load(), column, "2020-03-02", 30)
    with pytest.raises(DataError) as exc:
        api.backtest("sixty_forty", [f"data.start={START}"], data=raw)
    sleeve = {"TBILL3M": "cash", "SPY": "equity"}[column]
    assert exc.value.key == "data.max_ffill_days"
    assert f"sleeve `{sleeve}`" in str(exc.value) and "2020-03-" in str(exc.value)


def test_a_gap_within_the_bound_carries_the_rate_and_is_counted():
    raw = _punch(load(), "TBILL3M", "2020-03-02", 4)  # bound 5
    r = api.backtest("sixty_forty", [f"data.start={START}"], data=raw)
    days = _calendar(raw)
    gap = days[(days >= "2020-03-02")][:4]
    before = days[days < gap[0]][-1]
    carried = raw.loc[:before, "TBILL3M"].dropna().iloc[-1]
    cash = r.run.prices["cash"]
    # each day of the gap (and the day after it) accrues the last print, act/360
    for d in [*gap, days[days > gap[-1]][0]]:
        prev = cash.index[cash.index.get_loc(d) - 1]
        expected = carried / 100 * (d - prev).days / 360
        assert cash.loc[d] / cash.loc[prev] - 1 == pytest.approx(expected, rel=1e-12)
    # longest carry, re-derived: calendar rows without their own print, grouped by the print they carry
    own = raw["TBILL3M"].notna()
    source = own.cumsum()  # which print a row carries (union rows: bond-only days count as prints)
    frame = r.run.market.frame
    on_cal = frame.index[frame["TBILL3M"].notna()]  # rows with a rate: own print or carried
    carry = source.loc[on_cal][~own.loc[on_cal]].value_counts().max()
    assert carry >= 4
    assert r.run.market.staleness["TBILL3M"] == carry
    assert outputs.stats(r.run)["data"]["staleness"]["TBILL3M"] == carry


def test_the_hint_holds_a_start_past_a_long_cash_gap_runs():
    raw = _punch(load(), "TBILL3M", "2017-03-01", 30)
    r = api.backtest("sixty_forty", [f"data.start={START}"], data=raw)
    assert r.equity.index[0] >= pd.Timestamp(START)


def test_an_ended_series_stops_driving_its_signal_at_its_last_print():
    raw = load()
    last = pd.Timestamp("2025-07-22")
    raw.loc[raw.index > last, "VIX"] = np.nan  # a user's file that ends on 2025-07-22 ...
    raw.loc[last, "VIX"] = 40.0  # ... on a print that turns the VIX >= 30 rule on
    r = api.backtest("threshold", [f"data.start={START}"], data=raw)
    assert r.run.market.frame.loc["2025-07-29", "VIX"] == 40.0  # the bounded carry is still in the frame
    sig = r.signal
    assert sig.loc[last, "risk_off"] and sig.loc[last, "covered"]
    after = sig.loc[sig.index > last]
    assert len(after) > 5 and not after["risk_off"].any() and not after["covered"].any()
    ev = r.equity.index
    expected = float(np.mean(ev <= last))  # VIX has a print on every earlier evaluated day
    assert r.run.strategy.metrics["signal_coverage"] == pytest.approx(expected, abs=1e-15)


def test_an_ended_series_is_cut_for_the_grid_as_for_a_single_run():
    from signals.base import observed_frame

    raw = load()
    raw.loc[raw.index > "2025-07-22", "MOVE"] = np.nan
    r = api.backtest("move_vix_wedge", [f"data.start={START}"], data=raw)
    cut = observed_frame(r.run.market)
    assert cut.loc["2025-07-23":, "MOVE"].isna().all() and cut["MOVE"].notna().sum() > 5000
    assert r.run.market.frame.loc["2025-07-23", "MOVE"] == raw.loc["2025-07-22", "MOVE"]


def _z_defined(frame: pd.DataFrame, need: int) -> pd.Series:
    """Days the 252-day MOVE/VIX z-score exists: the ratio today and `need` of the last 252 rows."""
    ratio = frame["MOVE"] / frame["VIX"]
    return ratio.notna() & (ratio.notna().astype(int).rolling(252, min_periods=1).sum() >= need)


@pytest.mark.parametrize(("full", "need"), [(False, 202), (True, 252)])
def test_wedge_coverage_counts_the_days_its_z_score_can_decide(bundled, full, need):
    r = api.backtest("move_vix_wedge", [f"strategy.signal.full_window={str(full).lower()}"])
    ev = r.equity.index
    defined = _z_defined(bundled.frame, need).reindex(ev, fill_value=False)
    assert r.run.strategy.metrics["signal_coverage"] == pytest.approx(defined.mean(), abs=1e-15)
    first = defined.idxmax()
    assert r.run.first_decision == first
    assert f"first decides on {first.date()}" in r.table()
    assert outputs.stats(r.run)["signal"]["first_decision"] == str(first.date())
    assert not r.signal["risk_off"].reindex(ev)[~defined].any()
    if not full:  # the figures README.md and docs/data.md quote
        assert str(first.date()) == "2003-09-02" and int((~defined).sum()) == 274


def test_the_engine_recorded_is_the_one_that_ran(rust_version):
    ok = api.backtest("sixty_forty", [f"data.start={START}"])
    assert ok.run.engines == dict.fromkeys(ok.run.portfolios, "rust")
    rust_version("0.9.0")
    r = api.backtest("sixty_forty", [f"data.start={START}"])
    assert r.cfg.backtest.engine == "auto"
    want = "numba (vectorbt-rust 0.9.0 does not match vectorbt "
    assert r.run.engine.startswith(want)
    assert f"engine={want}" in r.table()
    assert set(outputs.stats(r.run)["engines"]) == set(r.run.portfolios)
    assert all(e.startswith(want) for e in outputs.stats(r.run)["engines"].values())
    assert tags_of(r.run, r.cfg)["engine"].startswith(want)
    assert r.stats.equals(ok.stats) or np.allclose(r.stats.to_numpy(), ok.stats.to_numpy(), equal_nan=True)


def test_daily_and_orders_csv_reread_exactly(tmp_path):
    r = api.backtest("move_vix_wedge", [f"data.start={START}"])
    folder = r.save(tmp_path)
    daily = pd.read_csv(folder / "daily.csv", index_col="date", parse_dates=["date"])
    mine = r.daily
    assert list(daily.columns) == list(mine.columns)
    for col in mine.columns:
        assert np.array_equal(daily[col].to_numpy(), mine[col].to_numpy(dtype=float), equal_nan=True), col
    orders = pd.read_csv(folder / "orders.csv", parse_dates=["date"])
    for col in ("size", "price", "close", "fees"):
        assert np.array_equal(orders[col].to_numpy(), r.orders[col].to_numpy()), col
    assert json.loads((folder / "stats.json").read_text())["engines"]["strategy"] == r.run.engines["strategy"]
