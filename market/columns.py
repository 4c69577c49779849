"""The catalogue of market columns: which data sources carry each column a signal may ask for."""

from __future__ import annotations

#: Which data sources carry each column a signal may ask for (for error hints).
COLUMN_SOURCES: dict[str, str] = {
    "MOVE": "bundled (2002-11 on), yfinance (^MOVE), csv",
    "VIX": "bundled, yfinance (^VIX), csv",
    "UST10Y": "bundled (FRED DGS10), yfinance (^TNX), csv",
    "UST2Y": "bundled (FRED DGS2), csv",
    "TBILL3M": "bundled (FRED DTB3), yfinance (^IRX), csv",
    "TERM_PREMIUM_10Y": "bundled (NY Fed ACMTP10), csv",
    "SWAP10Y": "bundled (FRED DSWP10, 2000-07 to 2016-10 only), csv",
    "SOFR": "bundled (FRED SOFR), csv",
    "SPX": "bundled (S&P 500 index), csv",
    "SPY": "bundled, yfinance, csv",
    "IEF": "bundled, yfinance, csv",
    "TLT": "bundled, yfinance, csv",
    "AGG": "bundled, yfinance, csv",
    "GLD": "bundled, yfinance, csv",
    "QQQ": "bundled, yfinance, csv",
    "UST10Y_HIGH": "csv only (your vendor's intraday high of the 10-year yield, in percent)",
    "UST10Y_LOW": "csv only (your vendor's intraday low of the 10-year yield, in percent)",
    "DTWEXBGS": "not the bundled data; FRED series DTWEXBGS (nominal broad U.S. dollar index, daily from "
    "2006) through data=live, or your own export (DXY, a trade-weighted index) through data=csv",
}
