"""The Treasury-trap study: a fresh run reproduces the committed claims.json, and two of its numbers
re-derived here in plain numpy/pandas from the bundled data."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from market.bundled import load
from tests.cli import REPO, python

STUDY = REPO / "experiments" / "treasury_trap"


def _assert_same(fresh, committed, path="claims"):
    if isinstance(committed, dict):
        assert isinstance(fresh, dict) and fresh.keys() == committed.keys(), path
        for key in committed:
            _assert_same(fresh[key], committed[key], f"{path}.{key}")
    elif isinstance(committed, float) or isinstance(fresh, float):
        assert fresh == pytest.approx(committed, rel=1e-9, abs=1e-9), path
    else:
        assert fresh == committed, path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("treasury_trap")
    (out / "stale_chart.png").write_bytes(b"a figure an earlier version wrote")
    study = ["-m", "experiments.treasury_trap.study", "--out", str(out)]
    proc = python(*study, env={"MPLBACKEND": "Agg"}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.slow
def test_a_fresh_run_reproduces_the_committed_claims(fresh):
    committed = json.loads((STUDY / "claims.json").read_text())
    _assert_same(json.loads((fresh / "claims.json").read_text()), committed)
    assert (fresh / "README.md").read_text() == (STUDY / "README.md").read_text()


@pytest.mark.slow
def test_a_regenerated_folder_is_clean(fresh):
    """The study writes exactly its outputs (a stale figure it no longer makes is removed), the same set as
    the committed folder's, and the README names every figure."""
    from experiments.treasury_trap.study import OUTPUTS

    written = {p.name for p in fresh.iterdir()}
    assert written == set(OUTPUTS)
    committed = {p.name for p in STUDY.iterdir() if p.suffix in (".png", ".json", ".md")}
    assert committed == set(OUTPUTS)
    readme = (fresh / "README.md").read_text()
    for name in OUTPUTS:
        if name.endswith(".png"):
            assert f"]({name})" in readme and (fresh / name).stat().st_size > 1000


@pytest.mark.slow
def test_two_numbers_rederived_from_the_bundled_data(fresh):
    claims = json.loads((fresh / "claims.json").read_text())
    spx = load()["SPX"].dropna()
    dates = spx.index.to_numpy()
    i = int(np.searchsorted(dates, np.datetime64("2026-02-04")))
    assert pd.Timestamp(dates[i]) == pd.Timestamp("2026-02-04")
    values = spx.to_numpy()
    # 30-day realized vol: 21 log returns ending on Feb 4, sample std, sqrt(252), in percent
    rets = np.log(values[i - 20 : i + 1] / values[i - 21 : i])
    rv = 100 * float(np.std(rets, ddof=1)) * math.sqrt(252)
    assert claims["snapshot"]["SPX_rv30"] == pytest.approx(rv, rel=1e-12)
    # the S&P 500 twenty trading days after the Feb 4 close
    assert claims["spx_after"]["SPX_fwd_20d"] == pytest.approx(values[i + 20] / values[i] - 1, rel=1e-12)


@pytest.mark.slow
def test_second_note_numbers_rederived_in_pandas(fresh):
    claims = json.loads((fresh / "claims.json").read_text())
    raw = load()
    # the tariff week: April 4 close to April 11, 2025 close, in basis points
    week = raw.loc[["2025-04-04", "2025-04-11"], ["UST2Y", "UST10Y"]]
    change = 100 * (week.iloc[1] - week.iloc[0])
    assert claims["rate_cuts"]["UST2Y_change_bp"] == pytest.approx(change["UST2Y"], abs=1e-9)
    assert claims["rate_cuts"]["UST10Y_change_bp"] == pytest.approx(change["UST10Y"], abs=1e-9)
    # share of days since 2015 the ISDAFIX swap spread was below zero
    both = raw.loc["2015":, ["SWAP10Y", "UST10Y"]].dropna()
    share = float((both["SWAP10Y"] < both["UST10Y"]).mean())
    assert claims["swap"]["swap_spread_share_negative_since_2015"] == pytest.approx(share, abs=1e-12)


@pytest.mark.slow
def test_the_nasdaq_and_the_intraday_swings_rederived_in_pandas(fresh):
    claims = json.loads((fresh / "claims.json").read_text())
    raw = load()
    qqq = raw["QQQ"].dropna()
    ytd = qqq.loc["2026-02-04"] / qqq.loc[:"2025-12-31"].iloc[-1] - 1
    assert claims["ytd"]["QQQ_ytd_feb4"] == pytest.approx(ytd, rel=1e-12)
    # the 10-year's intraday range (^TNX high - low) on the five trading days to Feb 4, in bp
    upto = raw.loc[:"2026-02-04"]
    rng = (upto["UST10Y_HIGH"] - upto["UST10Y_LOW"]).dropna().tail(5) * 100
    assert claims["swings"]["range_max_bp"] == pytest.approx(rng.max(), rel=1e-12)
    assert claims["swings"]["range_n_over_15bp"] == int((rng > 15).sum())


@pytest.mark.slow
def test_the_correction_after_feb_4_rederived_in_pandas(fresh):
    """The study's correction rule: a drawdown of 5% or more within 60 trading days of the Feb 4 close."""
    claims = json.loads((fresh / "claims.json").read_text())
    spx = load()["SPX"].dropna()
    after = spx.loc["2026-02-04":].iloc[:61]
    drawdown = after / after.cummax() - 1
    assert claims["spx_after"]["SPX_maxdd_60d"] == pytest.approx(drawdown.min(), rel=1e-12)
    assert claims["spx_after"]["SPX_trough_date"] == str(drawdown.idxmin().date())
    assert drawdown.min() <= -0.05  # so the row must not read "contradicted"
    lines = (fresh / "README.md").read_text().splitlines()
    row = next(line for line in lines if line.startswith("| A sharp correction in risk assets after Feb 4"))
    assert "**supported**" in row
    swap = next(line for line in lines if line.startswith("| The swap spread is normally positive"))
    assert "**contradicted**" in swap
