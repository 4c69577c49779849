import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError, DataError
from market.frame import content_digest, prepare, tbill_price

NAN = np.nan


def _raw(rows: dict[str, list[float]], dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=pd.DatetimeIndex(dates, name="date"))


def _prep(raw: pd.DataFrame, **kw) -> pd.DataFrame:
    kw.setdefault("max_ffill_days", 5)
    return prepare(raw, source="test", calendar_column="EQ", **kw)


# ------------------------------------------------------------------------------------ forward-fill


def test_gap_longer_than_bound_stays_nan():
    dates = pd.bdate_range("2024-01-01", periods=8).strftime("%Y-%m-%d").tolist()
    raw = _raw({"EQ": [1.0] * 8, "X": [10.0, NAN, NAN, NAN, NAN, NAN, NAN, 17.0]}, dates)
    out = _prep(raw, max_ffill_days=2).frame
    assert out["X"].tolist()[:3] == [10.0, 10.0, 10.0]
    assert out["X"].iloc[3:7].isna().all()
    assert out["X"].iloc[7] == 17.0


def test_zero_bound_fills_nothing():
    raw = _raw({"EQ": [1.0, 2.0, 3.0], "X": [5.0, NAN, 6.0]}, ["2024-01-02", "2024-01-03", "2024-01-04"])
    out = _prep(raw, max_ffill_days=0)
    assert np.isnan(out.frame["X"].iloc[1])
    assert out.staleness == {"EQ": 0, "X": 0}


def test_bond_only_day_carries_to_next_equity_day():
    # 2024-01-04 is a bond-only day (no EQ print); its yield must reach the next equity day.
    raw = _raw(
        {"EQ": [100.0, 101.0, NAN, 102.0], "Y": [4.00, NAN, 4.10, NAN]},
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
    )
    md = _prep(raw, max_ffill_days=1)
    assert list(md.frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03", "2024-01-05"]
    assert md.frame["Y"].tolist() == [4.00, 4.00, 4.10]
    assert md.frame["EQ"].tolist() == [100.0, 101.0, 102.0]
    assert md.staleness == {"EQ": 0, "Y": 1}


def test_calendar_is_raw_calendar_column_not_the_filled_one():
    raw = _raw(
        {"EQ": [1.0, NAN, NAN, 2.0], "Y": [1.0, 2.0, 3.0, 4.0]},
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
    )
    md = _prep(raw)
    assert len(md.frame) == 2
    assert md.frame["Y"].tolist() == [1.0, 4.0]


def test_staleness_counts_longest_filled_run_on_calendar():
    dates = pd.bdate_range("2024-01-01", periods=10).strftime("%Y-%m-%d").tolist()
    x = [1.0, NAN, 2.0, NAN, NAN, NAN, 3.0, NAN, NAN, 4.0]
    eq = [1.0] * 10
    md = _prep(_raw({"EQ": eq, "X": x}, dates), max_ffill_days=5)
    assert md.staleness["X"] == 3
    assert md.staleness["EQ"] == 0
    # with a bound of 2, only 2 of the 3 rows are filled and used
    md2 = _prep(_raw({"EQ": eq, "X": x}, dates), max_ffill_days=2)
    assert md2.staleness["X"] == 2
    assert np.isnan(md2.frame["X"].iloc[5])


def test_leading_nans_are_not_filled_and_not_stale():
    raw = _raw({"EQ": [1.0, 2.0, 3.0], "X": [NAN, NAN, 5.0]}, ["2024-01-02", "2024-01-03", "2024-01-04"])
    md = _prep(raw)
    assert md.frame["X"].isna().tolist() == [True, True, False]
    assert md.staleness["X"] == 0


# ------------------------------------------------------------------------------------ normalisation


def test_index_sorted_tz_naive_float64_and_ns():
    idx = pd.DatetimeIndex(["2024-01-03", "2024-01-02"], tz="UTC")
    raw = pd.DataFrame({"EQ": [2, 1], "Y": ["4.5", "4.4"]}, index=idx)
    md = prepare(raw, source="x", calendar_column="EQ", max_ffill_days=5)
    assert md.frame.index.tz is None
    assert md.frame.index.is_monotonic_increasing and md.frame.index.is_unique
    assert str(md.frame.index.dtype) == "datetime64[ns]"
    assert all(str(t) == "float64" for t in md.frame.dtypes)
    assert md.frame["Y"].tolist() == [4.4, 4.5]
    assert md.source == "x"
    assert md.start == pd.Timestamp("2024-01-02") and md.end == pd.Timestamp("2024-01-03")


def test_identical_duplicate_rows_dropped_conflicting_rejected():
    idx = pd.DatetimeIndex(["2024-01-02", "2024-01-02", "2024-01-03"])
    same = pd.DataFrame({"EQ": [1.0, 1.0, 2.0]}, index=idx)
    md = prepare(same, source="x", calendar_column="EQ", max_ffill_days=5)
    assert len(md.frame) == 2
    assert any("repeated" in n for n in md.notes)
    clash = pd.DataFrame({"EQ": [1.0, 1.5, 2.0]}, index=idx)
    with pytest.raises(DataError, match="2024-01-02"):
        prepare(clash, source="x", calendar_column="EQ", max_ffill_days=5)


# ------------------------------------------------------------------------------------ errors


@pytest.fixture
def small() -> pd.DataFrame:
    return _raw({"EQ": [1.0, 2.0, 3.0], "Y": [1.0, 2.0, 3.0]}, ["2024-01-02", "2024-01-03", "2024-01-04"])


def test_missing_calendar_column(small):
    with pytest.raises(ConfigError) as err:
        prepare(small, source="x", calendar_column="SPY", max_ffill_days=5)
    assert err.value.key == "data.calendar_column"
    assert "EQ" in err.value.message and "Y" in err.value.message
    assert err.value.hint


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_max_ffill_days(small, bad):
    with pytest.raises(ConfigError) as err:
        prepare(small, source="x", calendar_column="EQ", max_ffill_days=bad)
    assert err.value.key == "data.max_ffill_days"


def test_start_after_end(small):
    with pytest.raises(ConfigError) as err:
        _prep(small, start="2024-01-04", end="2024-01-02")
    assert err.value.key == "data.start"


def test_range_after_data(small):
    with pytest.raises(ConfigError) as err:
        _prep(small, start="2025-01-01")
    assert err.value.key == "data.start"
    assert "2024-01-04" in err.value.message


def test_range_before_data(small):
    with pytest.raises(ConfigError) as err:
        _prep(small, end="2023-01-01")
    assert err.value.key == "data.end"
    assert "2024-01-02" in err.value.message


def test_range_inside_a_hole(small):
    with pytest.raises(ConfigError):
        _prep(small, start="2024-01-02 12:00", end="2024-01-02 18:00")


def test_trim_inclusive(small):
    md = _prep(small, start="2024-01-03", end="2024-01-04")
    assert md.frame.index.strftime("%Y-%m-%d").tolist() == ["2024-01-03", "2024-01-04"]


def test_trim_keeps_fill_from_before_start():
    raw = _raw({"EQ": [1.0, 2.0, 3.0], "Y": [7.0, NAN, NAN]}, ["2024-01-02", "2024-01-03", "2024-01-04"])
    md = _prep(raw, start="2024-01-03")
    assert md.frame["Y"].tolist() == [7.0, 7.0]
    assert md.staleness["Y"] == 2


def test_empty_calendar_column():
    raw = _raw({"EQ": [NAN, NAN], "Y": [1.0, 2.0]}, ["2024-01-02", "2024-01-03"])
    with pytest.raises(DataError):
        _prep(raw)


# ------------------------------------------------------------------------------------ digest


def test_digest_changes_with_one_value(small):
    a = _prep(small).digest
    changed = small.copy()
    changed.iloc[1, 1] = 2.0000001
    assert _prep(changed).digest != a
    assert _prep(small.copy()).digest == a
    assert len(a) == 16 and int(a, 16) >= 0


def test_digest_sees_dates_and_names_not_units(small):
    a = content_digest(small)
    shifted = small.copy()
    shifted.index = shifted.index + pd.Timedelta(days=1)
    assert content_digest(shifted) != a
    assert content_digest(small.rename(columns={"Y": "Z"})) != a
    us = small.copy()
    us.index = us.index.as_unit("us")
    assert content_digest(us) == a


def test_digest_canonical_nan():
    f1 = pd.DataFrame({"a": [np.nan, 1.0]}, index=pd.DatetimeIndex(["2024-01-01", "2024-01-02"]))
    f2 = f1.copy()
    weird = np.frombuffer(np.uint64(0xFFF8000000000001).tobytes(), dtype=np.float64)[0]
    f2.iloc[0, 0] = weird
    assert content_digest(f1) == content_digest(f2)


# ------------------------------------------------------------------------------------ no look-ahead


def _random_raw(rng: np.random.Generator, n: int = 60) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    eq = rng.normal(100, 5, n)
    eq[rng.random(n) < 0.3] = np.nan  # bond-only days / weekends
    rates = rng.normal(4, 0.2, n)
    rates[rng.random(n) < 0.4] = np.nan
    sparse = rng.normal(50, 1, n)
    sparse[rng.random(n) < 0.8] = np.nan
    return pd.DataFrame({"EQ": eq, "R": rates, "S": sparse}, index=dates)


@pytest.mark.parametrize("seed", range(12))
def test_no_look_ahead(seed):
    rng = np.random.default_rng(seed)
    raw = _random_raw(rng)
    base = _prep(raw, max_ffill_days=3).frame
    for t in raw.index[5:-1:7]:
        later = raw.index > t
        tampered = raw.copy()
        noise = rng.normal(0, 10, (int(later.sum()), raw.shape[1]))
        tampered.loc[later] = tampered.loc[later].to_numpy() + noise
        holes = rng.random((int(later.sum()), raw.shape[1])) < 0.3
        vals = tampered.loc[later].to_numpy().copy()
        vals[holes] = np.nan
        fills = rng.random(vals.shape) < 0.3
        vals[fills] = 1.0
        tampered.loc[later] = vals
        extra = pd.DataFrame(
            {"EQ": [1.0], "R": [9.0], "S": [9.0]}, index=[raw.index[-1] + pd.Timedelta(days=3)]
        )
        tampered = pd.concat([tampered, extra])
        out = _prep(tampered, max_ffill_days=3).frame
        pd.testing.assert_frame_equal(out.loc[:t], base.loc[:t])


# ------------------------------------------------------------------------------------ tbill_price


def test_tbill_price_hand_computed():
    dates = pd.DatetimeIndex(["2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"])
    rate = pd.Series([5.0, 4.0, 4.0, 3.6, 3.0], index=dates)  # Monday's 4% carried by `prepare`
    level = tbill_price(rate)
    l0 = 1.0
    l1 = l0 * (1 + 0.05 * 1 / 360)  # Thu -> Fri at Thursday's 5%
    l2 = l1 * (1 + 0.04 * 3 / 360)  # Fri -> Mon: three days at Friday's 4%
    l3 = l2 * (1 + 0.04 * 1 / 360)  # Monday's (carried) 4%
    l4 = l3 * (1 + 0.036 * 1 / 360)
    np.testing.assert_allclose(level.to_numpy(), [l0, l1, l2, l3, l4], rtol=0, atol=1e-15)
    assert level.index.equals(dates)


def test_tbill_price_fills_nothing_itself():
    # the rate obeys data.max_ffill_days in `prepare`; a rate still missing has no cash price
    dates = pd.bdate_range("2024-01-01", periods=6)
    level = tbill_price(pd.Series([5.0, 5.0, NAN, NAN, 4.0, 4.0], index=dates))
    assert level.iloc[2:4].isna().all()
    l1 = 1 + 0.05 / 360
    # after the gap the index resumes from its last level, then accrues the new rate
    np.testing.assert_allclose(
        level.iloc[[0, 1, 4, 5]].to_numpy(), [1.0, l1, l1, l1 * (1 + 0.04 * 3 / 360)]
    )  # Fri -> Mon


def test_tbill_price_leading_nan_and_no_backfill():
    dates = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
    level = tbill_price(pd.Series([NAN, NAN, 3.6, 3.6], index=dates))
    assert level.iloc[:2].isna().all()
    assert level.iloc[2] == 1.0
    assert level.iloc[3] == pytest.approx(1 + 0.036 / 360, abs=1e-15)


def test_tbill_price_uses_previous_rate_only():
    dates = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"])
    a = tbill_price(pd.Series([5.0, 5.0, 5.0], index=dates))
    b = tbill_price(pd.Series([5.0, 5.0, 99.0], index=dates))
    pd.testing.assert_series_equal(a, b)  # today's rate only earns from tomorrow


def test_tbill_price_all_nan_and_empty():
    dates = pd.DatetimeIndex(["2024-01-02", "2024-01-03"])
    assert tbill_price(pd.Series([NAN, NAN], index=dates)).isna().all()
    assert tbill_price(pd.Series([], dtype="float64", index=pd.DatetimeIndex([]))).empty


def test_last_observed_is_the_last_own_print_not_the_filled_tail():
    dates = pd.bdate_range("2024-01-01", periods=6).strftime("%Y-%m-%d").tolist()
    raw = _raw({"EQ": [1.0] * 6, "X": [10.0, 11.0, 12.0, NAN, NAN, NAN]}, dates)
    md = _prep(raw, max_ffill_days=5)
    assert md.frame["X"].iloc[-1] == 12.0  # carried forward ...
    assert md.last_observed["X"] == pd.Timestamp(dates[2])  # ... but it really ended here
    assert md.last_observed["EQ"] == pd.Timestamp(dates[-1])
