"""Property: any csv the loader accepts gives back the file's dates and values exactly.

Files are written the ways exports write them (date styles, separators, decimal point or comma, thousands
separators, metadata lines, newest-first rows, missing-value tokens). When the file's `date_format` and
`decimal` are given, the loader must accept it; when they are inferred it may refuse an ambiguous file,
but only by asking for one of those two settings, never by reading it another way. (The one convention
the loader assumes, that a comma-separated file reads ``613.795`` with a decimal point, is never violated
here: numbers are written as spreadsheets write floats, ``613795.0`` or ``613,795.0``.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import DataError
from market.csv_source import read_file

DATE_STYLES = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%Y", "%Y%m%d", "%d-%b-%Y")
NA_CELLS = ("", "#N/A N/A", ".", "NaN")
#: Any float, and prices as vendors print them: 613.795 is also how 613795 looks with a thousands comma.
VALUES = {
    "any": st.floats(allow_nan=False, allow_infinity=False),
    "milli": st.integers(-(10**8), 10**8).map(lambda n: n / 1000),
    "centi": st.integers(-(10**8), 10**8).map(lambda n: n / 100),
    "whole": st.integers(-(10**8), 10**8).map(float),
}
METADATA = ("Security,USGG10YR Index,", "Start Date,1/2/62 0:00,", "Period,D,", ",,")


def number_text(x: float, decimal: str, grouped: bool) -> str:
    """How a spreadsheet writes `x`: shortest round-trip digits, optional thousands groups."""
    text = format(x, ",") if grouped else repr(x)
    return text.translate(str.maketrans(",.", ".,")) if decimal == "," else text


@st.composite
def exports(draw):
    days = draw(
        st.lists(
            st.dates(dt.date(1950, 1, 1), dt.date(2024, 12, 31)), min_size=1, max_size=25, unique=True
        ).map(sorted)
    )
    kind = draw(st.sampled_from(list(VALUES)))
    values = draw(st.lists(st.one_of(st.none(), VALUES[kind]), min_size=len(days), max_size=len(days)))
    spec = {
        "style": draw(st.sampled_from(DATE_STYLES)),
        "delimiter": draw(st.sampled_from([",", ";", "\t"])),
        "decimal": draw(st.sampled_from([".", ","])),
        "grouped": draw(st.booleans()),
        "newest_first": draw(st.booleans()),
        "metadata": draw(st.booleans()),
        "na": draw(st.sampled_from(NA_CELLS)),
        "given": draw(st.booleans()),
    }
    return days, values, spec


def write_export(path, days, values, spec) -> None:
    cells = [spec["na"] if v is None else number_text(v, spec["decimal"], spec["grouped"]) for v in values]
    rows = [[d.strftime(spec["style"]), c] for d, c in zip(days, cells, strict=True)]
    if spec["newest_first"]:
        rows = rows[::-1]
    out = io.StringIO()
    if spec["metadata"]:
        out.write("\n".join(METADATA) + "\n")
    csv.writer(out, delimiter=spec["delimiter"], lineterminator="\n").writerows([["Date", "PX_LAST"], *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(exports())
def test_an_accepted_csv_round_trips_its_dates_and_values(tmp_path_factory, export):
    days, values, spec = export
    path = tmp_path_factory.mktemp("rt") / "export.csv"
    write_export(path, days, values, spec)
    given_settings = {"date_format": spec["style"], "decimal": spec["decimal"]} if spec["given"] else {}
    try:
        df = read_file(path, {"PX_LAST": "X"}, **given_settings)
    except DataError as err:
        assert not spec["given"], f"refused although date_format and decimal were given: {err}"
        assert "`date_format`" in err.hint or "`decimal`" in err.hint, str(err)
        return
    assert df.index.equals(pd.DatetimeIndex(pd.to_datetime(days), name="date"))
    expected = np.array([np.nan if v is None else v for v in values], dtype="float64")
    np.testing.assert_array_equal(df["X"].to_numpy(), expected)
    assert str(df["X"].dtype) == "float64" and df.index.tz is None and df.index.is_unique
