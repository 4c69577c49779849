"""A user's own DataFrame at the notebook door: read as a csv file is, refused as a csv file is, no file left.

The frame goes through `market.csv_source.read_frame` (the csv loader's date and value reading) and then
`market.frame.prepare`, like every loaded source; nothing is written to disk for it.
"""

from __future__ import annotations

import glob
import tempfile

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError, DataError, UserError
from market.csv_source import read_frame
from pipeline import api


def _frame(dates: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = len(dates)
    return pd.DataFrame({"SPY": 100 + rng.random(n), "MOVE": 80 + rng.random(n)}, index=dates)


def test_day_first_text_dates_are_read_day_first_never_month_first():
    true = pd.bdate_range("2021-01-01", periods=60)
    frame = _frame(true)
    frame.index = true.strftime("%d/%m/%Y")  # 05/01/2021 is 5 January: pandas alone reads 1 May
    read = read_frame(frame)
    assert (read.index == true).all()
    np.testing.assert_array_equal(read["SPY"].to_numpy(), frame["SPY"].to_numpy())


def test_text_dates_that_read_two_ways_are_refused_with_both_readings():
    true = pd.date_range("2021-01-01", periods=12, freq="MS")  # every day is the 1st: 01/02 reads two ways
    frame = _frame(true)
    frame.index = true.strftime("%d/%m/%Y")
    with pytest.raises(DataError) as err:
        read_frame(frame)
    text = str(err.value)
    assert err.value.key == "data.index"
    assert "'01/02/2021' is 2021-01-02" in text and "2021-02-01" in text
    assert "pd.to_datetime(frame.index, format=" in text and '"%d/%m/%Y" (day first)' in text


def test_iso_text_dates_with_a_utc_offset_keep_their_own_date():
    frame = _frame(pd.bdate_range("2024-01-02", periods=3))
    frame.index = ["2024-01-02T00:00:00-05:00", "2024-01-03T00:00:00-05:00", "2024-01-04T00:00:00+09:00"]
    assert list(read_frame(frame).index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03", "2024-01-04"]


def test_text_values_are_read_as_a_files_cells():
    frame = _frame(pd.bdate_range("2024-01-02", periods=4)).astype(object)
    frame.iloc[1, 0] = "n/a"
    frame.iloc[2, 0] = "101.5"
    read = read_frame(frame)
    assert np.isnan(read["SPY"].iloc[1]) and read["SPY"].iloc[2] == 101.5
    frame.iloc[3, 1] = "7.94x"
    with pytest.raises(DataError, match=r"column `MOVE` has the non-numeric value '7.94x' on row 4"):
        read_frame(frame)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (lambda f: f.set_axis(pd.MultiIndex.from_product([["px"], f.columns]), axis=1), "data", "2 levels"),
        (lambda f: pd.concat([f, f[["SPY"]]], axis=1), "data", "two columns named `SPY` (columns 1 and 3)"),
        (lambda f: f.reset_index(drop=True), "data.index", "not dates but RangeIndex"),
        (lambda f: f.assign(SPY=np.inf), "data", "infinite"),
    ],
    ids=["multiindex-columns", "two-SPY", "range-index", "infinite"],
)
def test_frames_no_loader_could_read_are_refused_naming_what(change, key, words):
    with pytest.raises(DataError) as err:
        read_frame(change(_frame(pd.bdate_range("2024-01-02", periods=5))))
    assert err.value.key == key and words in str(err.value)


def test_a_string_of_overrides_is_refused_with_the_list_to_write():
    with pytest.raises(ConfigError) as err:
        api.compose("move_vix_wedge", "strategy.signal.z_entry=2.0")
    assert err.value.key == "overrides" and "['strategy.signal.z_entry=2.0']" in str(err.value)


def test_the_frame_read_day_first_gives_the_backtest_of_the_true_dates_and_leaves_no_file(bundled):
    from market.bundled import load

    raw = load().loc["2012":]
    before = set(glob.glob(f"{tempfile.gettempdir()}/regime-api-*"))
    ref = api.backtest("move_vix_wedge", data=raw)
    text = raw.copy()
    text.index = raw.index.strftime("%d/%m/%Y")
    mine = api.backtest("move_vix_wedge", data=text)
    pd.testing.assert_frame_equal(mine.stats, ref.stats)
    with pytest.raises(UserError):  # a refusal leaves nothing either
        api.backtest("move_vix_wedge", data=raw.reset_index(drop=True))
    assert set(glob.glob(f"{tempfile.gettempdir()}/regime-api-*")) == before
