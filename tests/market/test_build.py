"""The build script's pieces, on small files written here; --live only with replaced downloads."""

import numpy as np
import pandas as pd
import pytest

from market import build, bundled
from market.frame import content_digest


def _s(values, dates, name="X"):
    return pd.Series(values, index=pd.DatetimeIndex(dates).as_unit("ns"), name=name, dtype="float64")


def test_move_stale_mask_flags_repeats_only():
    move = _s([100.0, 101.5, 101.5, 101.5, 99.0, 99.0, 120.0],
              pd.bdate_range("2024-01-01", periods=7))  # fmt: skip
    mask = build.move_stale_mask(move)
    assert mask.tolist() == [False, False, True, True, False, True, False]
    cleaned, n = build.clean_move(move)
    assert n == 3
    assert cleaned.isna().tolist() == mask.tolist()
    assert cleaned.index.equals(move.index)  # rows stay


def test_move_rule_has_no_look_ahead():
    move = _s([100.0, 100.0, 101.0, 102.0], pd.bdate_range("2024-01-01", periods=4))
    changed = move.copy()
    changed.iloc[3] = 101.0  # a later print cannot change earlier flags
    assert build.move_stale_mask(move).iloc[:3].equals(build.move_stale_mask(changed).iloc[:3])


def test_read_fred_txt(tmp_path):
    text = (
        "Title:               3-Month Treasury Bill: Secondary Market Rate\n"
        "Series ID:           DTB3\n"
        "Notes:               Discount Basis\n\n"
        "DATE        VALUE\n"
        "1990-01-01      .\n"
        "1990-01-02   7.83\n"
        "1990-01-03   7.89\n"
    )
    p = tmp_path / "DTB3.txt"
    p.write_text(text)
    s = build.read_fred_txt(p, "TBILL3M")
    assert s.index.strftime("%Y-%m-%d").tolist() == ["1990-01-02", "1990-01-03"]
    assert s.tolist() == [7.83, 7.89]


def test_read_date_value_csv_blanks(tmp_path):
    p = tmp_path / "sofr.csv"
    p.write_text("date,value\n2018-12-24,2.46\n2018-12-25,\n2018-12-26,2.45\n")
    s = build.read_date_value_csv(p, "SOFR")
    assert s.tolist() == [2.46, 2.45]


def test_read_yahoo_takes_second_column(tmp_path):
    p = tmp_path / "SPY.csv"
    p.write_text(
        "Price,Price,Close,High,Low,Open,Volume\n"
        "Ticker,SPY,SPY,SPY,SPY,SPY,SPY\n"
        "Ticker,SPY,SPY,SPY,SPY,SPY,SPY\n"
        "Date,,,,,,\n"
        "1993-01-29 00:00:00,24.31,43.94,43.97,43.75,43.97,1003200\n"
        "1993-02-01 00:00:00,24.48,44.25,44.25,43.97,43.97,480500\n"
    )
    s = build.read_yahoo_adjclose(p, "SPY")
    assert s.tolist() == [24.31, 24.48]


def test_splice():
    old = _s([1.0, 2.0, 3.0], ["1999-12-30", "1999-12-31", "2000-01-03"])
    new = _s([30.0, 40.0], ["2000-01-03", "2000-01-04"])
    out = build.splice(old, new, "2000-01-01", "T")
    assert out.tolist() == [1.0, 2.0, 30.0, 40.0]


def _series(dates_by_col=None):
    d = pd.bdate_range("1989-12-28", periods=6)
    series = {c: _s(np.arange(1.0, 7.0), d, c) for c in build.COLUMNS}
    series["SWAP10Y"] = _s([5.0], [d[3]], "SWAP10Y")
    return series


def test_assemble_union_no_fill_and_start():
    frame = build.assemble(_series())
    assert list(frame.columns) == list(build.COLUMNS)
    assert frame.index[0] == pd.Timestamp("1990-01-02")
    assert frame["SWAP10Y"].notna().sum() == 1  # not forward-filled
    assert all(str(t) == "float64" for t in frame.dtypes)


def test_live_build_with_replaced_downloads(tmp_path):
    dates = pd.bdate_range("2020-01-01", periods=5)

    def fred(sid):
        return _s([1.0, 1.1, np.nan, 1.2, 1.3], dates, sid).dropna()

    def yahoo(ticker, start):
        assert start == build.START
        vals = [100.0, 100.0, 101.0, 102.0, 103.0]  # one stale MOVE-like repeat
        return _s(vals, dates, ticker)

    def acm():
        return _s([0.5] * 5, dates, "ACMTP10")

    series, removed, notes = build.load_live(None, fred=fred, yahoo=yahoo, acm=acm)
    assert removed == 1
    kept = ", ".join(build.LIVE_KEPT)
    assert notes == (f"{kept}: not fetched by the live loaders; empty (no previous file)",)
    out = tmp_path / "live.parquet"
    frame, digest = build.build(series, out, tmp_path / "NOTICE.md", move_removed=removed, live=True)
    loaded = bundled.load(str(out))
    assert list(loaded.columns) == list(build.COLUMNS)
    assert content_digest(loaded) == digest
    notice = (tmp_path / "NOTICE.md").read_text()
    assert "fredgraph.csv" in notice and "^GSPC" in notice and digest in notice


def test_live_keeps_term_premium_when_acm_fails(tmp_path, monkeypatch):
    dates = pd.bdate_range("2020-01-01", periods=3)
    monkeypatch.setattr(build, "fetch_fred", lambda sid: _s([1.0, 2.0, 3.0], dates, sid))
    monkeypatch.setattr(build, "fetch_yahoo", lambda t, start: _s([1.0, 2.0, 3.0], dates, t))

    def broken():
        raise ImportError("xlrd is not installed")

    monkeypatch.setattr(build, "fetch_acm", broken)
    old = tmp_path / "old.parquet"
    build.build(_series(), old, tmp_path / "OLD.md", move_removed=0, live=False)
    assert build.main(["--live", "--out", str(old)]) == 0
    rebuilt = bundled.load(str(old))
    assert rebuilt["TERM_PREMIUM_10Y"].notna().sum() == 3  # the 1990 part of the old file
    assert "kept from the previous file" in (tmp_path / "NOTICE.md").read_text()
    with pytest.raises(RuntimeError, match="no existing file"):
        build.load_live(None)


def test_help_mentions_live_and_term_premium(capsys):
    with pytest.raises(SystemExit) as exc:
        build.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--live" in text and "TERM_PREMIUM_10Y" in text and "--sources" in text


def test_missing_sources_folder(tmp_path, capsys):
    assert build.main(["--sources", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.parquet")]) == 2
    assert "source folder not found" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()
