"""The live sources parse their services' real formats: FRED's CSV, the NY Fed's JSON, FiscalData's page."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from market import fiscaldata, fred, live, nyfed_rates
from market.cache import FetchError
from tests.market.test_live import (
    AUCTION_FIELDS,
    AUCTIONS,
    DAYS,
    fiscal_page,
    net,  # noqa: F401 - the recorded network, a fixture
    recorded,
)

# fredgraph.csv since late 2024: `observation_date`, a "." or a blank cell where there is no print
FREDGRAPH = "observation_date,DTWEXBGS\n2024-12-23,129.6514\n2024-12-24,.\n2024-12-25,\n2024-12-26,129.8923\n"
# the NY Fed's search.json, newest first (values as the API gives them: numbers)
SOFR = {
    "refRates": [
        {"effectiveDate": "2026-08-04", "type": "SOFR", "percentRate": 3.66, "percentPercentile1": 3.60,
         "percentPercentile25": 3.64, "percentPercentile75": 3.71, "percentPercentile99": 3.74,
         "volumeInBillions": 3036, "revisionIndicator": ""},
        {"effectiveDate": "2026-08-03", "type": "SOFR", "percentRate": 3.65, "percentPercentile1": 3.61,
         "percentPercentile25": 3.63, "percentPercentile75": 3.70, "percentPercentile99": 3.73,
         "volumeInBillions": 3055, "revisionIndicator": ""},
    ]
}
EFFR = {
    "refRates": [
        {"effectiveDate": "2026-07-30", "type": "EFFR", "percentRate": 3.63, "percentPercentile1": 3.60,
         "percentPercentile25": 3.62, "percentPercentile75": 3.64, "percentPercentile99": 3.68,
         "targetRateFrom": 3.50, "targetRateTo": 3.75, "volumeInBillions": 121, "revisionIndicator": ""}
    ]
}


def test_fredgraph_current_header_dot_and_blank_are_missing():
    s = fred.parse_fredgraph(FREDGRAPH, "DTWEXBGS")
    assert s.to_dict() == {pd.Timestamp("2024-12-23"): 129.6514, pd.Timestamp("2024-12-26"): 129.8923}
    old = fred.parse_fredgraph(FREDGRAPH.replace("observation_date", "DATE"), "DTWEXBGS")  # before late 2024
    pd.testing.assert_series_equal(s, old)


def test_nyfed_json_rate_and_percentiles_on_their_dates_oldest_first():
    text = json.dumps(SOFR)
    rate = nyfed_rates.parse_rates(text, "sofr", "percentRate")
    p99 = nyfed_rates.parse_rates(text, "sofr", "percentPercentile99")
    assert rate.index.tolist() == [pd.Timestamp("2026-08-03"), pd.Timestamp("2026-08-04")]
    assert rate.tolist() == [3.65, 3.66] and p99.tolist() == [3.73, 3.74]
    cap = nyfed_rates.parse_rates(json.dumps(EFFR), *nyfed_rates.split_spec("effr:targetRateTo"))
    assert cap.to_dict() == {pd.Timestamp("2026-07-30"): 3.75}


def test_fiscaldata_page_typed_with_its_own_field_names():
    link = "&page%5Bnumber%5D=2&page%5Bsize%5D=10000"
    frame, following = fiscaldata.parse_page(fiscal_page(next_link=link))
    assert following == link
    assert list(frame.columns) == AUCTION_FIELDS
    assert str(frame["auction_date"].dtype) == "datetime64[ns]"
    for col in AUCTION_FIELDS[5:]:
        assert frame[col].dtype == "float64", col
    first = frame.iloc[0]
    assert first["cusip"] == "91282CJJ1" and first["security_term"] == "10-Year"
    assert first["reopening"] == "No" and first["bid_to_cover_ratio"] == 2.45
    assert first["high_yield"] == 4.499 and first["total_accepted"] == 4e10
    assert frame.iloc[2][["bid_to_cover_ratio", "total_accepted"]].isna().all()  # "null": announced
    done = fiscaldata.with_results(frame, pd.Timestamp("2024-01-31"))
    assert done["auction_date"].tolist() == [pd.Timestamp("2023-11-08"), pd.Timestamp("2023-12-12")]


def test_fiscaldata_follows_links_next_through_every_page(monkeypatch):
    pages = {"1": fiscal_page(AUCTIONS[:1], next_link="&page%5Bnumber%5D=2"), "2": fiscal_page(AUCTIONS[1:])}
    asked = []

    class Answer:
        def __init__(self, text):
            self.status_code, self.text, self.content, self.headers = 200, text, text.encode(), {}

    def get(url, params=None, timeout=None):
        asked.append(params["page[number]"])
        assert params["filter"] == "auction_date:gte:2023-01-01" and params["sort"] == "auction_date"
        assert timeout
        return Answer(pages[params["page[number]"]])

    monkeypatch.setattr("requests.get", get)
    frame = fiscaldata.fetch_auctions("2023-01-01")(None)
    assert asked == ["1", "2"] and frame["cusip"].tolist() == ["91282CJJ1", "91282CJJ1"]


def test_a_ticker_field_and_an_unknown_field(tmp_path, net):  # noqa: F811
    raw = live.load(
        sources=["yahoo"],
        cache_dir=str(tmp_path),
        start="2021-01-01",
        yahoo={"tickers": {"UST10Y_HIGH": "^TNX:High", "UST10Y_LOW": "^TNX:low"}},
    )
    want = recorded("^TNX")
    np.testing.assert_allclose(raw["UST10Y_HIGH"].to_numpy(), (want + 0.1).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(raw["UST10Y_LOW"].to_numpy(), (want - 0.1).to_numpy(), rtol=1e-12)
    from common.errors import DataError

    with pytest.raises(DataError) as err:
        live.load(sources=["yahoo"], cache_dir=str(tmp_path), yahoo={"tickers": {"X": "^TNX:Hihg"}})
    assert "`^TNX:Hihg` names the field `Hihg`" in err.value.message and "High" in err.value.hint


def test_the_new_sources_compose_into_one_frame_and_an_event_table(tmp_path, net):  # noqa: F811
    raw = live.load(
        sources=["fred", "nyfed_rates", "fiscaldata"],
        cache_dir=str(tmp_path),
        start="2021-01-01",
        fred={"series": {"IORB": "DGS10"}},  # the recorded network answers any id with DGS10's values
        nyfed_rates={"rates": {"SOFR": "sofr", "SOFR_P1": "sofr:percentPercentile1",
                               "SOFR_P99": "sofr:percentPercentile99", "TGCR": "tgcr"}},
        fiscaldata={"tables": ["auctions"]},
    )
    daily = ["AUCTION10Y_COUNT", "AUCTION10Y_BID_TO_COVER", "AUCTION10Y_INDIRECT_SHARE",
             "AUCTION10Y_HIGH_MINUS_AVG_BP"]  # derived from the auctions (tests/market/test_live_auctions.py)
    assert list(raw.columns) == ["IORB", "SOFR", "SOFR_P1", "SOFR_P99", "TGCR", *daily]
    sofr = recorded("sofr").round(2)
    np.testing.assert_allclose(raw["SOFR"].dropna().to_numpy(), sofr.to_numpy())
    np.testing.assert_allclose(raw["SOFR_P99"].dropna().to_numpy(), (sofr + 0.1).round(2).to_numpy())
    assert [c for c in net.calls if c[0] == "nyfed_rates"] == [  # the rate and its percentiles: one request
        ("nyfed_rates", "sofr", "2021-01-01"), ("nyfed_rates", "tgcr", "2021-01-01")
    ]
    auctions = live.events(raw)["auctions"]
    assert auctions["auction_date"].tolist() == [pd.Timestamp("2023-11-08"), pd.Timestamp("2023-12-12")]
    assert auctions["bid_to_cover_ratio"].tolist() == [2.45, 2.58]
    vintage = next(v for v in raw.attrs["vintages"] if v["source"] == "fiscaldata")
    assert vintage["events"] == "auctions" and vintage["last"] == "2023-12-12"
    assert {v["source"] for v in raw.attrs["vintages"]} == {"fred", "nyfed_rates", "fiscaldata"}


def test_a_revised_fred_series_is_refetched_whole(tmp_path, net, monkeypatch):  # noqa: F811
    from tests.market.test_live import set_today

    def load():
        return live.load(
            sources=["fred"], cache_dir=str(tmp_path), start="2021-01-01",
            fred={"series": {"NFCI": "DGS10", "UST10Y": "DTB3"}, "revised": ["DGS10"]},
        )

    load()
    set_today(monkeypatch, "2024-01-08")
    net.calls.clear()
    raw = load()
    assert ("fred", "DGS10", "2021-01-01") in net.calls  # whole
    assert ("fred", "DTB3", str(DAYS[-1].date())) in net.calls  # extended
    assert any(n.startswith("revised series: DGS10 refetched whole from FRED") for n in raw.attrs["notes"])


def test_an_unknown_nyfed_rate_is_a_config_error_with_a_near_miss():
    from common.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        nyfed_rates.split_spec("sofrr")
    assert "Did you mean `sofr`" in err.value.message and err.value.key == "data.loader.nyfed_rates.rates"


def test_fiscaldata_without_a_page_of_results_fails_honestly():
    with pytest.raises(FetchError, match="no field bid_to_cover_ratio"):
        fiscaldata.parse_page(
            fiscal_page([r[:5] + r[6:] for r in AUCTIONS], AUCTION_FIELDS[:5] + AUCTION_FIELDS[6:])
        )
