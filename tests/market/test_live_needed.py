"""A source failing with no cache stops data=live only when the run reads one of its columns."""

from __future__ import annotations

import pytest

from common.errors import DataError
from core.data import needed_columns
from core.plan import make_plan
from market import auctions, live
from tests.market.test_live import net  # noqa: F401 (the fixture)

SETTINGS = {
    "yahoo": {"tickers": {"SPY": "SPY", "GLD": "GLD"}},
    "fred": {"series": {"UST10Y": "DGS10", "TBILL3M": "DTB3"}},
    "fiscaldata": {"tables": ["auctions"]},
}


def load(tmp_path, needed, sources=("fred", "yahoo", "fiscaldata")):
    return live.load(sources=list(sources), cache_dir=str(tmp_path), start="2021-01-01", needed=needed,
                     **SETTINGS)


def test_a_failed_source_nobody_reads_is_left_out_with_a_note(tmp_path, net):  # noqa: F811
    net.down.add("yahoo")
    raw = load(tmp_path, needed=["UST10Y", "TBILL3M"])
    assert {"UST10Y", "TBILL3M"} <= set(raw.columns) and not {"SPY", "GLD"} & set(raw.columns)
    note = next(n for n in raw.attrs["notes"] if n.startswith("missing: yahoo"))
    assert "columns SPY, GLD left out" in note and "nothing this run computes reads them" in note
    assert not (tmp_path / "yahoo").exists() or not any((tmp_path / "yahoo").iterdir())  # nothing cached


def test_a_needed_column_of_a_failed_source_stops_the_run_naming_only_the_needed(tmp_path, net):  # noqa: F811
    net.down.add("yahoo")
    with pytest.raises(DataError) as err:
        load(tmp_path, needed=["UST10Y", "SPY"])
    msg = err.value.message
    assert "source `yahoo` failed with no cache: columns SPY left missing" in msg and "GLD" not in msg
    assert (tmp_path / "fred").exists()  # the sources that worked keep their caches


def test_every_column_is_needed_when_the_run_does_not_say(tmp_path, net):  # noqa: F811
    net.down.add("yahoo")
    with pytest.raises(DataError, match="columns SPY, GLD left missing"):
        load(tmp_path, needed=None)


def test_fiscaldata_failing_stops_only_a_run_reading_the_auction_columns(tmp_path, net):  # noqa: F811
    net.down.add("fiscaldata")
    raw = load(tmp_path, needed=["UST10Y", "SPY"])
    assert "AUCTION10Y_COUNT" not in raw.columns
    assert any(n.startswith("missing: fiscaldata") and "auctions_query" in n for n in raw.attrs["notes"])
    with pytest.raises(DataError) as err:
        load(tmp_path, needed=["UST10Y", "AUCTION10Y_COUNT"])
    said = "columns AUCTION10Y_COUNT left missing (auctions_query: cannot reach FiscalData"
    assert said in err.value.message
    assert err.value.message.count("auctions_query") == 1


def test_a_run_needs_its_calendar_its_sleeves_and_its_signals_columns(make_cfg):
    cfg = make_cfg("strategy=auction_stress")
    plan = make_plan(cfg)
    got = needed_columns(cfg, plan.signal)
    assert got[0] == cfg.data.calendar_column
    assert set(cfg.data.sleeves.values()) <= set(got)
    assert set(auctions.DAILY) <= set(got)
    assert not set(auctions.DAILY) & set(needed_columns(cfg, None))
