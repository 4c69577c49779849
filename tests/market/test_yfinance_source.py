"""yfinance loader with `yfinance.download` replaced by recorded frames: never the network."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yfinance

from common.errors import DataError
from market import yfinance_source
from market.yfinance_source import cache_path, load

DATES = pd.DatetimeIndex(["2020-03-12", "2020-03-13", "2020-03-16", "2020-03-17"], name="Date")
RECORDED = {
    # ticker: (Adj Close, Close) as yfinance 1.x returns them with auto_adjust=False
    "SPY": ([229.1, 250.9, 223.4, 236.9], [248.1, 269.3, 239.9, 252.8]),
    "^VIX": ([75.47, 57.83, 82.69, 75.91], [75.47, 57.83, 82.69, 75.91]),
    "^TNX": ([0.851, 0.957, 0.726, 1.077], [0.851, 0.957, 0.726, 1.077]),
}


def recorded_frame(ticker: str, dates: pd.DatetimeIndex = DATES) -> pd.DataFrame:
    """A frame with yfinance's real layout: MultiIndex columns (Price, Ticker), fields sorted."""
    adj, close = RECORDED[ticker]
    n = len(dates)
    data = {
        ("Adj Close", ticker): adj[:n],
        ("Close", ticker): close[:n],
        ("High", ticker): [c * 1.01 for c in close[:n]],
        ("Low", ticker): [c * 0.99 for c in close[:n]],
        ("Open", ticker): close[:n],
        ("Volume", ticker): [1_000_000] * n,
    }
    df = pd.DataFrame(data, index=dates)
    df.columns = pd.MultiIndex.from_tuples(df.columns, names=["Price", "Ticker"])
    return df


class FakeDownload:
    def __init__(self, fail: bool = False, empty: bool = False):
        self.calls: list[tuple[str, dict]] = []
        self.fail = fail
        self.empty = empty

    def __call__(self, ticker, **kw):
        self.calls.append((ticker, kw))
        if self.fail:
            raise ConnectionError("no network")
        if self.empty:
            return pd.DataFrame()
        return recorded_frame(ticker)


@pytest.fixture
def fake(monkeypatch):
    f = FakeDownload()
    monkeypatch.setattr(yfinance, "download", f)
    return f


def test_load_takes_adj_close_and_writes_cache(tmp_path, fake):
    df = load({"SPY": "SPY", "VIX": "^VIX"}, cache_dir=str(tmp_path), start="2020-01-01")
    assert list(df.columns) == ["SPY", "VIX"]
    assert df["SPY"].tolist() == RECORDED["SPY"][0]
    assert df.loc["2020-03-16", "VIX"] == 82.69
    assert df.index.equals(pd.DatetimeIndex(DATES.values, name="date"))
    assert all(str(t) == "float64" for t in df.dtypes)
    assert (tmp_path / "SPY.parquet").exists() and (tmp_path / "_VIX.parquet").exists()
    ticker, kw = fake.calls[0]
    assert ticker == "SPY" and kw["auto_adjust"] is False and kw["start"] == "2020-01-01"
    assert kw["progress"] is False


def test_second_call_uses_cache_even_when_download_fails(tmp_path, fake, monkeypatch):
    first = load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    monkeypatch.setattr(yfinance, "download", FakeDownload(fail=True))
    second = load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    pd.testing.assert_frame_equal(first, second)


def test_cache_is_used_without_calling_download(tmp_path, fake):
    load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    assert len(fake.calls) == 1


def test_refresh_downloads_again_and_keeps_cache_on_failure(tmp_path, fake, monkeypatch):
    load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01", refresh=True)
    assert len(fake.calls) == 2
    monkeypatch.setattr(yfinance, "download", FakeDownload(fail=True))
    df = load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01", refresh=True)
    assert df["SPY"].tolist() == RECORDED["SPY"][0]


@pytest.mark.parametrize("mode", [{"fail": True}, {"empty": True}])
def test_no_network_no_cache(tmp_path, monkeypatch, mode):
    monkeypatch.setattr(yfinance, "download", FakeDownload(**mode))
    with pytest.raises(DataError) as err:
        load({"SPY": "SPY", "UST10Y": "^TNX"}, cache_dir=str(tmp_path / "c"), start="2020-01-01")
    assert err.value.key == "data"
    assert "SPY could not be downloaded and has no cache at" in err.value.message
    assert str(tmp_path / "c" / "SPY.parquet") in err.value.message
    no_rows = "Yahoo answered with no rows from 2020-01-01"
    cause = "ConnectionError: no network" if mode.get("fail") else no_rows
    assert cause in err.value.message  # the real cause, not a guess
    assert err.value.hint.endswith("use data=bundled (offline) or run once with network")


def test_index_without_adj_close_falls_back_to_close(tmp_path, monkeypatch):
    def download(ticker, **kw):
        df = recorded_frame(ticker).drop(columns="Adj Close", level=0)
        return df

    monkeypatch.setattr(yfinance, "download", download)
    df = load({"UST10Y": "^TNX"}, cache_dir=str(tmp_path), start="2020-01-01")
    assert df["UST10Y"].tolist() == RECORDED["^TNX"][1]  # percent, as Yahoo quotes it


def test_all_nan_adj_close_falls_back_to_close(tmp_path, monkeypatch):
    def download(ticker, **kw):
        df = recorded_frame(ticker)
        df[("Adj Close", ticker)] = np.nan
        return df

    monkeypatch.setattr(yfinance, "download", download)
    assert load({"V": "^VIX"}, cache_dir=str(tmp_path), start="2020-01-01")["V"].iloc[2] == 82.69


def test_flat_columns(tmp_path, monkeypatch):
    def download(ticker, **kw):
        return recorded_frame(ticker).droplevel(1, axis=1).rename_axis(None, axis=1)

    monkeypatch.setattr(yfinance, "download", download)
    assert load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")["SPY"].iloc[0] == 229.1


def test_start_end_trim_and_tz(tmp_path, monkeypatch):
    seen = {}

    def download(ticker, **kw):
        seen.update(kw)
        df = recorded_frame(ticker)
        df.index = df.index.tz_localize("America/New_York")
        return df

    monkeypatch.setattr(yfinance, "download", download)
    df = load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-03-13", end="2020-03-16")
    assert df.index.tz is None
    assert df.index.strftime("%Y-%m-%d").tolist() == ["2020-03-13", "2020-03-16"]
    assert seen["end"] == "2020-03-17"  # yfinance's end is exclusive, ours inclusive


def test_union_of_dates(tmp_path, monkeypatch):
    def download(ticker, **kw):
        return recorded_frame(ticker, DATES[:3] if ticker == "SPY" else DATES[1:])

    monkeypatch.setattr(yfinance, "download", download)
    df = load({"SPY": "SPY", "VIX": "^VIX"}, cache_dir=str(tmp_path), start="2020-01-01")
    assert len(df) == 4
    assert np.isnan(df["SPY"].iloc[3]) and np.isnan(df["VIX"].iloc[0])


def test_damaged_cache(tmp_path, fake):
    (tmp_path / "SPY.parquet").write_text("garbage")
    with pytest.raises(DataError) as err:
        load({"SPY": "SPY"}, cache_dir=str(tmp_path), start="2020-01-01")
    assert err.value.key == str(tmp_path / "SPY.parquet")  # the file is named


def test_cache_path_is_safe():
    assert cache_path("c", "^MOVE").name == "_MOVE.parquet"
    assert cache_path("c", "BRK-B").name == "BRK-B.parquet"
    assert cache_path("c", "../x").parent.name == "c"


def test_importing_market_does_not_import_yfinance():
    code = (
        "import sys; import market, market.frame, market.bundled, market.csv_source, "
        "market.yfinance_source, market.build; print('yfinance' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_download_price_handles_exceptions(monkeypatch):
    monkeypatch.setattr(yfinance, "download", FakeDownload(fail=True))
    assert yfinance_source.download_price("SPY", start="2020-01-01").empty
