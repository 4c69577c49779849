"""Files a loader could read wrong without a word (issue 15): each is refused, or read as the file means.

Every file is written here; the expected dates and values are built independently with pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError, DataError
from market.csv_source import load, read_file


def _write(tmp_path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _read_as(frame: pd.DataFrame) -> str:
    return frame.attrs["lineage"]["csv.read_as"]


# ------------------------------------------------------------------------------ day and month swapped


def refinitiv_day_first(days: pd.DatetimeIndex) -> str:
    """A Refinitiv-style export: d/m/yyyy with a zero-padded day, newest first."""
    rows = [f"{d.day:02d}/{d.month}/{d.year},{600 + i}.5" for i, d in enumerate(days[::-1])]
    return "Date,TR\n" + "\n".join(rows) + "\n"


def test_day_first_file_whose_days_are_all_up_to_12_is_refused_with_both_readings(tmp_path):
    days = pd.bdate_range("2025-06-02", "2025-06-12")  # 02/6/2025 ... 12/6/2025
    path = _write(tmp_path, "refinitiv.csv", refinitiv_day_first(days))
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"TR": "X"}}])
    msg, hint = err.value.message, err.value.hint
    assert err.value.key == path
    # two example lines, each read both ways (the file is newest first: line 2 is 12/6/2025)
    assert "line 2 '12/6/2025' is 2025-12-06 as %m/%d/%Y or 2025-06-12 as %d/%m/%Y" in msg
    assert "line 3 '11/6/2025' is 2025-11-06 as %m/%d/%Y or 2025-06-11 as %d/%m/%Y" in msg
    assert "date_format" in hint and '"%m/%d/%Y" (month first)' in hint and '"%d/%m/%Y" (day first)' in hint


def test_day_first_file_read_as_its_date_format_says(tmp_path):
    days = pd.bdate_range("2025-06-02", "2025-06-12")
    path = _write(tmp_path, "refinitiv.csv", refinitiv_day_first(days))
    df = read_file(path, {"TR": "X"}, date_format="%d/%m/%Y")
    assert df.index.equals(pd.DatetimeIndex(days, name="date"))
    assert df["X"].tolist() == [600 + i + 0.5 for i in range(len(days))][::-1]
    assert "date_format=%d/%m/%Y (given)" in _read_as(df)


def test_monthly_file_dated_on_the_first_is_refused_then_read_month_first(tmp_path):
    months = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    text = "Date,CPI\n" + "\n".join(f"{d.month}/{d.day}/{d.year},{300 + k}" for k, d in enumerate(months))
    path = _write(tmp_path, "monthly.csv", text + "\n")
    with pytest.raises(DataError, match=r"read two ways") as err:
        read_file(path, {"CPI": "CPI"})
    assert "'2/1/2023' is 2023-02-01 as %m/%d/%Y or 2023-01-02 as %d/%m/%Y" in err.value.message
    df = read_file(path, {"CPI": "CPI"}, date_format="%m/%d/%Y")
    assert df.index.equals(pd.DatetimeIndex(months, name="date"))


def test_a_day_above_12_decides_and_the_inferred_format_is_recorded(tmp_path):
    days = pd.bdate_range("2025-06-02", "2025-06-20")
    path = _write(tmp_path, "refinitiv.csv", refinitiv_day_first(days))
    df = load([{"path": path, "columns": {"TR": "X"}}])
    assert df.index.equals(pd.DatetimeIndex(days, name="date"))
    assert _read_as(df) == f"{path}: date_format=%d/%m/%Y (inferred), decimal=. (inferred)"


def test_same_dates_from_two_formats_are_not_ambiguous(tmp_path):
    # 1/1, 2/2, 3/3: month-first and day-first give the same dates
    path = _write(tmp_path, "same.csv", "Date,P\n1/1/2024,1\n2/2/2024,2\n3/3/2024,3\n")
    df = read_file(path, {"P": "X"})
    assert df.index.tolist() == [pd.Timestamp(f"2024-0{m}-0{m}") for m in (1, 2, 3)]


# ------------------------------------------------------------------------------ two-digit years


def bloomberg_two_digit(days: pd.DatetimeIndex, values: np.ndarray) -> str:
    """A Bloomberg export: metadata lines, m/d/yy dates, newest first."""
    head = "Security,USGG10YR Index,\nStart Date,1/2/62 0:00,\nPeriod,D,\n,,\nDate,PX_LAST\n"
    rows = [f"{d.month}/{d.day}/{d:%y},{float(v)!r}" for d, v in zip(days[::-1], values[::-1], strict=True)]
    return head + "\n".join(rows) + "\n"


@pytest.mark.parametrize("date_format", [None, "%m/%d/%y"])
def test_bloomberg_two_digit_years_back_to_1962_stay_in_their_century(tmp_path, date_format):
    days = pd.bdate_range("1962-01-02", "1975-12-31").append(pd.bdate_range("2020-01-01", "2025-07-25"))
    values = np.round(np.linspace(3.85, 4.41, len(days)), 4)
    path = _write(tmp_path, "ust.csv", bloomberg_two_digit(days, values))
    df = load([{"path": path, "columns": {"PX_LAST": "UST10Y"}, "date_format": date_format}])
    assert df.index.equals(pd.DatetimeIndex(days, name="date"))  # nothing in 2062-2068
    assert df.index.max() <= pd.Timestamp.today()
    np.testing.assert_array_equal(df["UST10Y"].to_numpy(), values)


def test_two_digit_years_spanning_more_than_a_century_are_refused(tmp_path):
    # 1920 and 2024 both written "xx": 1/2/20 is 2020, so the file's order breaks
    text = "Date,P\n1/2/20,1\n1/2/60,2\n1/2/24,3\n"
    with pytest.raises(DataError, match=r"out of order: line 3 \(1960-01-02\) follows line 2 \(2020-01-02\)"):
        read_file(_write(tmp_path, "old.csv", text), {"P": "X"})


def test_rows_out_of_order_are_refused_whatever_the_format(tmp_path):
    text = "Date,P\n2024-01-02,1\n2024-01-04,2\n2024-01-03,3\n"
    path = _write(tmp_path, "shuffled.csv", text)
    for fmt in (None, "%Y-%m-%d"):
        with pytest.raises(DataError, match="out of order: line 4") as err:
            read_file(path, {"P": "X"}, date_format=fmt)
        assert "sort the file" in err.value.hint


def test_a_date_after_today_is_refused(tmp_path):
    future = pd.Timestamp.today().normalize() + pd.Timedelta(days=400)
    text = f"Date,P\n2024-01-02,1\n{future:%Y-%m-%d},2\n"
    with pytest.raises(DataError, match=f"the date {future.date()} on line 3 is after today"):
        read_file(_write(tmp_path, "future.csv", text), {"P": "X"})


# ------------------------------------------------------------------------------ decimal commas


def test_decimal_comma_that_could_be_thousands_is_refused_in_a_semicolon_file(tmp_path):
    path = _write(tmp_path, "eu.csv", "Date;TR\n2025-06-19;613,476\n2025-06-20;613,795\n")
    with pytest.raises(DataError) as err:
        read_file(path, {"TR": "X"})
    msg = err.value.message
    assert "'613,476' (`TR`, line 2) is 613.476 with a decimal comma or 613476.0 with a decimal point" in msg
    assert "`decimal`" in err.value.hint and err.value.key == path
    assert read_file(path, {"TR": "X"}, decimal=",")["X"].tolist() == [613.476, 613.795]
    assert read_file(path, {"TR": "X"}, decimal=".")["X"].tolist() == [613476.0, 613795.0]


def test_one_value_decides_the_decimal_comma_for_the_whole_file(tmp_path):
    text = "Date;TR;VOL\n2025-06-18;613,4;1.234\n2025-06-19;613,476;2.000,5\n2025-06-20;613,795;12\n"
    df = load([{"path": _write(tmp_path, "eu.csv", text), "columns": {"TR": "X", "VOL": "V"}}])
    assert df["X"].tolist() == [613.4, 613.476, 613.795]
    assert df["V"].tolist() == [1234.0, 2000.5, 12.0]  # "." is the thousands separator here
    assert "decimal=, (inferred)" in _read_as(df)


def test_decimal_marks_that_disagree_are_refused(tmp_path):
    text = "Date;A;B\n2025-06-19;4,769.83;1\n2025-06-20;613,79;2\n"
    with pytest.raises(DataError, match=r"mix decimal marks: '4,769.83' \(`A`, line 2\) needs a decimal"):
        read_file(_write(tmp_path, "mixed.csv", text), {"A": "X", "B": "Y"})


def test_comma_separated_file_reads_three_decimals_with_a_point_and_asks_for_a_quoted_comma(tmp_path):
    text = "Date,TR\n2025-06-19,613.476\n2025-06-20,613.795\n"
    assert read_file(_write(tmp_path, "tr.csv", text), {"TR": "X"})["X"].tolist() == [613.476, 613.795]
    semi = _write(tmp_path, "semi.csv", "Date;TR\n2025-06-19;613.476\n")  # a ; file may use decimal commas
    with pytest.raises(DataError, match=r"is 613476.0 with a decimal comma or 613.476 with a decimal point"):
        read_file(semi, {"TR": "X"})
    path = _write(tmp_path, "us.csv", 'Date,TR\n2024-01-02,"4,769"\n2024-01-03,"4,704"\n')
    with pytest.raises(DataError, match=r"'4,769' \(`TR`, line 2\) is 4.769 with a decimal comma or 4769.0"):
        read_file(path, {"TR": "X"})
    assert read_file(path, {"TR": "X"}, decimal=".")["X"].tolist() == [4769.0, 4704.0]


def test_a_value_the_given_decimal_cannot_read_is_refused(tmp_path):
    path = _write(tmp_path, "eu.csv", "Date;TR\n2025-06-19;4,769.83\n")
    with pytest.raises(DataError, match=r"value '4,769.83' on line 2 \(read with decimal mark ','\)"):
        read_file(path, {"TR": "X"}, decimal=",")


# ------------------------------------------------------------------------------ infinite values


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity"])
@pytest.mark.parametrize("column", ["SPY", "RATE"])
def test_an_infinite_value_is_refused_naming_file_column_and_line(tmp_path, cell, column):
    path = _write(tmp_path, "spy.csv", f"Date,Adj Close\n2024-01-02,470.1\n2024-01-03,{cell}\n")
    with pytest.raises(DataError) as err:
        load([{"path": path, "columns": {"Adj Close": column}}], price_columns=["SPY"])
    assert err.value.key == path
    assert f"column `Adj Close` has the infinite value '{cell}' on line 3" in err.value.message


def test_a_non_positive_price_names_its_line(tmp_path):
    path = _write(tmp_path, "spy.csv", "Date,Adj Close\n2024-01-03,-1\n2024-01-02,470.1\n")
    with pytest.raises(DataError, match=r"non-positive value -1.0 on 2024-01-03 \(line 2\)"):
        load([{"path": path, "columns": {"Adj Close": "SPY"}}], price_columns=["SPY"])


# ------------------------------------------------------------------------------ settings


def test_a_misspelt_setting_is_refused_with_a_suggestion(tmp_path):
    path = _write(tmp_path, "v.csv", "Date;P\n2024-01-02;1,5\n")
    with pytest.raises(ConfigError) as err:
        load([{"path": path, "columns": {"P": "X"}, "decmial": ","}])
    assert err.value.key == "data.loader.files[0].decmial" and "Did you mean `decimal`?" in err.value.hint
    with pytest.raises(ConfigError, match=r"decimal must be"):
        load([{"path": path, "columns": {"P": "X"}, "decimal": ";"}])
    with pytest.raises(ConfigError, match=r"date_format must be a strftime format"):
        load([{"path": path, "columns": {"P": "X"}, "date_format": "dd/mm/yyyy"}])


def test_how_each_file_was_read_reaches_the_run_lineage(tmp_path, make_cfg):
    from core.data import load_market
    from tracking.tracked import start_info

    days = pd.bdate_range("2024-01-01", "2024-03-29")
    rows = [f"{d:%d/%m/%Y};{400 + k},25;1,{k:02d};{100 + k},5;5,25" for k, d in enumerate(days)]
    path = _write(tmp_path, "eu.csv", "Date;SPY;IEF;GLD;DTB3\n" + "\n".join(rows) + "\n")
    entry = (
        f"{{path: '{path}', columns: {{SPY: SPY, IEF: IEF, GLD: GLD, DTB3: TBILL3M}}, "
        "date_format: '%d/%m/%Y'}"
    )
    cfg = make_cfg("data=csv", f"data.loader.files=[{entry}]")
    market = load_market(cfg)
    assert market.frame.index.equals(pd.DatetimeIndex(days, name="date"))
    assert market.frame["SPY"].iloc[0] == 400.25 and market.frame["IEF"].iloc[0] == 1.0
    expected = f"{path}: date_format=%d/%m/%Y (given), decimal=, (inferred)"
    assert market.lineage == {"csv.read_as": expected}
    assert "lineage" not in market.frame.attrs  # the frame itself carries no metadata on
    info = start_info(cfg, market, tmp_path)  # what the run's record and its MLflow dataset hold
    assert info.dataset["source"]["csv.read_as"] == expected
