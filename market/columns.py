"""The catalogue of market columns: which data sources carry each column a signal may ask for."""

from __future__ import annotations

#: Which data sources carry each column a signal may ask for (for error hints).
COLUMN_SOURCES: dict[str, str] = {
    "MOVE": "bundled (2002-11 on), live and yfinance (^MOVE), csv",
    "VIX": "bundled, live and yfinance (^VIX), csv",
    "UST10Y": "bundled and live (FRED DGS10), yfinance (^TNX), csv",
    "UST2Y": "bundled and live (FRED DGS2), csv",
    "TBILL3M": "bundled and live (FRED DTB3), yfinance (^IRX), csv",
    "TERM_PREMIUM_10Y": "bundled and live (NY Fed ACMTP10), csv",
    "SWAP10Y": "bundled and live (FRED DSWP10, 2000-07 to 2016-10 only), csv",
    "SOFR": "bundled and live (the NY Fed's reference rates), csv",
    "SPX": "bundled (S&P 500 index), live (^GSPC), csv",
    "SPY": "bundled, live, yfinance, csv",
    "IEF": "bundled, live, yfinance, csv",
    "TLT": "bundled, live, yfinance, csv",
    "AGG": "bundled, live, yfinance, csv",
    "GLD": "bundled, live, yfinance, csv",
    "QQQ": "bundled, live, yfinance, csv",
    "UST10Y_HIGH": "bundled (Yahoo ^TNX daily high, 1993-10 to 2026-06-05), csv (your vendor's intraday "
    "high of the 10-year yield, in percent)",
    "UST10Y_LOW": "bundled (Yahoo ^TNX daily low, 1993-10 to 2026-06-05), csv (your vendor's intraday "
    "low of the 10-year yield, in percent)",
    "DTWEXBGS": "bundled and data=live (FRED DTWEXBGS, nominal broad U.S. dollar index, daily from 2006), "
    "or your own export (DXY, a trade-weighted index) through data=csv",
    "T10YIE": "bundled and live (FRED T10YIE, 10-year breakeven inflation, percent), csv",
    "DFII10": "bundled and live (FRED DFII10, 10-year TIPS real yield, percent), csv",
    "GVZ": "bundled (CBOE gold volatility index), live (FRED GVZCLS), csv",
    "VIX9D": "bundled (CBOE 9-day VIX, 2011 on), live (map ^VIX9D in data.loader.yahoo.tickers), csv",
    "VIX3M": "bundled (CBOE 3-month VIX, 2009-09 on), live (map FRED VXVCLS in data.loader.fred.series), csv",
    "VIX6M": "bundled (CBOE 6-month VIX, 2008-01 on), live (map ^VIX6M in data.loader.yahoo.tickers), csv",
    "SOFR_P1": "bundled and live (the NY Fed: SOFR's 1st percentile, percent), csv",
    "SOFR_P99": "bundled and live (the NY Fed: SOFR's 99th percentile, percent), csv",
    "TGCR": "bundled and live (the NY Fed's TGCR, tri-party general collateral rate, percent), csv",
    "BGCR": "bundled and live (the NY Fed's BGCR, broad general collateral rate, percent), csv",
    "IORB": "bundled and live (FRED IORB, interest on reserve balances, from 2021-07-29, percent), csv",
    "UST3M": "bundled and live (FRED DGS3MO), csv",
    "UST1Y": "bundled and live (FRED DGS1), csv",
    "UST30Y": "bundled and live (FRED DGS30), csv",
    "HY_OAS": "bundled (FRED BAMLH0A0HYM2, to 2026-03-26), live (FRED serves its last three years), csv",
    "NFCI": "bundled and live (FRED NFCI, Chicago Fed, weekly), csv",
    "AUCTION10Y_COUNT": "bundled and live (FiscalData auctions_query: the running number of 10-year nominal "
    "note auctions, market.auctions)",
    "AUCTION10Y_BID_TO_COVER": "bundled and live (FiscalData: the latest 10-year nominal auction's "
    "bid-to-cover, market.auctions)",
    "AUCTION10Y_INDIRECT_SHARE": "bundled and live (FiscalData: the latest 10-year nominal auction's "
    "indirect share of the accepted amount, percent, market.auctions)",
    "AUCTION10Y_HIGH_MINUS_AVG_BP": "bundled and live (FiscalData: the latest 10-year nominal auction's high "
    "minus average yield, basis points, market.auctions)",
}
