import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError, DataError
from market.csv_source import load, read_file

BLOOMBERG = (
    "\ufeffSecurity,MOVE Index,\r\n"
    "Start Date,5/30/25 0:00,\r\n"
    "End Date,7/21/25 0:00,\r\n"
    "Period,D,\r\n"
    "Currency,USD,\r\n"
    ",,\r\n"
    "Date,PX_LAST,VOLATILITY_30D\r\n"
    "7/21/25,86.62,57.64\r\n"
    "7/18/25,83.29,#N/A N/A\r\n"
    "7/17/25,#N/A N/A,58.1\r\n"
    "7/16/25,88.10,59.0\r\n"
    "12/31/99,101.5,#N/A N/A\r\n"
)


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return str(p)


def test_bloomberg_export(tmp_path):
    path = _write(tmp_path, "move.csv", BLOOMBERG)
    df = load([{"path": path, "columns": {"PX_LAST": "MOVE", "VOLATILITY_30D": "MOVE_VOL"}}])
    assert list(df.columns) == ["MOVE", "MOVE_VOL"]
    assert df.index.is_monotonic_increasing
    assert df.index.strftime("%Y-%m-%d").tolist() == [
        "1999-12-31", "2025-07-16", "2025-07-17", "2025-07-18", "2025-07-21",
    ]  # fmt: skip
    assert df.loc["2025-07-21", "MOVE"] == 86.62
    assert df.loc["1999-12-31", "MOVE"] == 101.5  # two-digit year 99 -> 1999
    assert np.isnan(df.loc["2025-07-17", "MOVE"])
    assert np.isnan(df.loc["2025-07-18", "MOVE_VOL"])
    assert all(str(t) == "float64" for t in df.dtypes)


def test_four_digit_years_and_five_metadata_lines(tmp_path):
    text = (
        "\ufeffSecurity,USGG10YR Index,\nStart Date,1/2/1962 0:00,\nEnd Date,7/25/2025 0:00,\nPeriod,D,\n,,\n"
        "Date,PX_LAST,VOLATILITY_30D\n7/25/2025,4.4118,13.7\n3/9/2020,0.5407,20.1\n9/12/2001,#N/A N/A,1\n"
    )
    df = load([{"path": _write(tmp_path, "y.csv", text), "columns": {"PX_LAST": "UST10Y"}}])
    assert df.loc["2020-03-09", "UST10Y"] == 0.5407
    assert np.isnan(df.loc["2001-09-12", "UST10Y"])


def test_iso_fred_style_with_dots_and_blanks(tmp_path):
    text = "observation_date,DTB3\n2020-03-13,0.28\n2020-03-16,0.24\n2020-03-17,.\n2020-03-18,\n"
    df = load([{"path": _write(tmp_path, "d.csv", text), "columns": {"DTB3": "TBILL3M"},
                "date_column": "observation_date"}])  # fmt: skip
    assert df["TBILL3M"].tolist()[:2] == [0.28, 0.24]
    assert df["TBILL3M"].iloc[2:].isna().all()


def test_lowercase_date_header_and_alias_key(tmp_path):
    text = "date,value\n2024-01-02,1.5\n2024-01-03,1.6\n"
    path = _write(tmp_path, "v.csv", text)
    assert load([{"path": path, "columns": {"value": "X"}}])["X"].tolist() == [1.5, 1.6]
    assert load([{"path": path, "columns": {"value": "X"}, "date": "date"}])["X"].tolist() == [1.5, 1.6]


def test_day_first_inferred_and_format_override(tmp_path):
    text = "\ufeffDate,.TRXVUSGOV10U (TOT_RETURN)\n20/6/2025,613.795\n19/6/2025,613.476\n2/6/2025,610.0\n"
    path = _write(tmp_path, "r.csv", text)
    df = load([{"path": path, "columns": {".TRXVUSGOV10U (TOT_RETURN)": "TR"}}])
    assert df.loc["2025-06-20", "TR"] == 613.795
    assert df.loc["2025-06-02", "TR"] == 610.0
    # ambiguous dates: refused (see test_csv_misreads.py), read as the file's date_format says
    amb = _write(tmp_path, "a.csv", "Date,P\n1/2/2024,1\n1/3/2024,2\n")
    df1 = load([{"path": amb, "columns": {"P": "X"}, "date_format": "%m/%d/%Y"}])
    assert df1.index.tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    df2 = load([{"path": amb, "columns": {"P": "X"}, "date_format": "%d/%m/%Y"}])
    assert df2.index.tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]


def test_semicolon_and_thousands(tmp_path):
    text = 'Date;Close\n2024-01-02;"4,769.83"\n2024-01-03;4704.81\n'
    df = read_file(_write(tmp_path, "s.csv", text), {"Close": "SPX"})
    assert df["SPX"].tolist() == [4769.83, 4704.81]


def test_merge_outer_join(tmp_path):
    a = _write(tmp_path, "a.csv", "Date,PX_LAST\n1/3/24,2\n1/2/24,1\n")  # ambiguous: date_format given
    b = _write(tmp_path, "b.csv", "date,value\n2024-01-03,30\n2024-01-04,40\n")
    a_entry = {"path": a, "columns": {"PX_LAST": "A"}, "date_format": "%m/%d/%y"}
    df = load([a_entry, {"path": b, "columns": {"value": "B"}}])
    assert df.index.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert df["A"].tolist()[:2] == [1.0, 2.0] and np.isnan(df["A"].iloc[2])
    assert np.isnan(df["B"].iloc[0]) and df["B"].tolist()[1:] == [30.0, 40.0]


def test_omegaconf_style_entries(tmp_path):
    class Cfg(dict):
        pass

    path = _write(tmp_path, "v.csv", "Date,P\n2024-01-02,1\n")
    assert load([Cfg(path=path, columns=Cfg(P="X"))])["X"].tolist() == [1.0]


# ------------------------------------------------------------------------------------ errors


def test_file_not_found(tmp_path):
    with pytest.raises(DataError) as err:
        load([{"path": str(tmp_path / "missing.csv"), "columns": {"PX_LAST": "MOVE"}}])
    assert "missing.csv" in str(err.value)
    assert err.value.hint


def test_missing_column_lists_columns(tmp_path):
    path = _write(tmp_path, "move.csv", BLOOMBERG)
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"PX_CLOSE": "MOVE"}}])
    msg = str(err.value)
    assert "PX_CLOSE" in msg and "PX_LAST" in msg and "VOLATILITY_30D" in msg
    assert "move.csv" in msg


def test_no_header_line(tmp_path):
    path = _write(tmp_path, "x.csv", "Security,X\nwhen,PX_LAST\n1/2/24,1\n")
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"PX_LAST": "X"}}])
    assert "date_column" in err.value.hint


def test_bad_date_shows_value_and_line(tmp_path):
    text = BLOOMBERG.replace("7/16/25,88.10", "7/16/2x,88.10")
    path = _write(tmp_path, "move.csv", text)
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"PX_LAST": "MOVE"}}])
    assert "'7/16/2x'" in err.value.message and "line 11" in err.value.message
    assert "date_format" in err.value.hint


def test_date_format_override_mismatch(tmp_path):
    path = _write(tmp_path, "move.csv", BLOOMBERG)
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"PX_LAST": "MOVE"}, "date_format": "%Y-%m-%d"}])
    assert "'7/21/25'" in err.value.message and "line 8" in err.value.message


def test_duplicate_dates(tmp_path):
    text = "Date,PX_LAST\n1/3/24,2\n1/2/24,1\n1/3/24,3\n"
    with pytest.raises(DataError) as err:
        load([{"path": _write(tmp_path, "d.csv", text), "columns": {"PX_LAST": "X"}}])
    assert "2024-01-03" in err.value.message and "lines 2 and 4" in err.value.message


def test_non_numeric_value(tmp_path):
    text = "Date,PX_LAST\n1/13/24,2\n1/12/24,abc\n"
    with pytest.raises(DataError) as err:
        load([{"path": _write(tmp_path, "d.csv", text), "columns": {"PX_LAST": "X"}}])
    assert "'abc'" in err.value.message and "line 3" in err.value.message


def test_non_positive_price(tmp_path):
    text = "Date,Adj Close\n2024-01-02,470.1\n2024-01-03,0\n"
    path = _write(tmp_path, "spy.csv", text)
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"Adj Close": "SPY"}}], price_columns=["SPY", "IEF"])
    assert "2024-01-03" in err.value.message and "0.0" in err.value.message and "SPY" in err.value.message
    # not a price column: zero is allowed (a rate)
    assert (
        load([{"path": path, "columns": {"Adj Close": "RATE"}}], price_columns=["SPY"])["RATE"].iloc[1] == 0
    )


def test_two_files_same_output_column(tmp_path):
    a = _write(tmp_path, "a.csv", "Date,P\n2024-01-02,1\n")
    b = _write(tmp_path, "b.csv", "Date,P\n2024-01-03,1\n")
    with pytest.raises(ConfigError) as err:
        load([{"path": a, "columns": {"P": "X"}}, {"path": b, "columns": {"P": "X"}}])
    assert "`X`" in err.value.message and "a.csv" in err.value.message and "b.csv" in err.value.message


def test_bad_entries():
    with pytest.raises(ConfigError):
        load([])
    with pytest.raises(ConfigError) as err:
        load([{"columns": {"P": "X"}}])
    assert err.value.key == "data.loader.files[0]"
    with pytest.raises(ConfigError):
        load([{"path": "x.csv"}])


def test_two_columns_of_one_name_are_refused_naming_both_positions(tmp_path):
    text = "Date,SPY,IEF,SPY\n2024-01-02,470.1,95.2,1.0\n2024-01-03,468.8,95.4,2.0\n"
    path = _write(tmp_path, "spy.csv", text)
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"SPY": "SPY", "IEF": "IEF"}}])
    assert err.value.key == path and "two columns named `SPY` (columns 2 and 4)" in str(err.value)
    # a repeated column the entry does not map is no question
    assert load([{"path": path, "columns": {"IEF": "IEF"}}])["IEF"].tolist() == [95.2, 95.4]


def test_iso_dates_with_utc_offsets_are_read_as_the_dates_they_name(tmp_path):
    text = (
        "Date,SPY\n2024-01-02T00:00:00-05:00,470.1\n2024-07-03T00:00:00-04:00,468.8\n"
        "2024-07-05T00:00:00Z,469.0\n2024-07-08 00:00+0100,470.0\n"
    )
    df = load([{"path": _write(tmp_path, "tz.csv", text), "columns": {"SPY": "SPY"}}])
    assert df.index.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2024-07-03", "2024-07-05", "2024-07-08"]
    assert df.index.tz is None and df["SPY"].tolist() == [470.1, 468.8, 469.0, 470.0]
