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
    "SOFR": "bundled and live (FRED SOFR), csv",
    "SPX": "bundled (S&P 500 index), live (^GSPC), csv",
    "SPY": "bundled, live, yfinance, csv",
    "IEF": "bundled, live, yfinance, csv",
    "TLT": "bundled, live, yfinance, csv",
    "AGG": "bundled, live, yfinance, csv",
    "GLD": "bundled, live, yfinance, csv",
    "QQQ": "bundled, live, yfinance, csv",
    "UST10Y_HIGH": "csv only (your vendor's intraday high of the 10-year yield, in percent)",
    "UST10Y_LOW": "csv only (your vendor's intraday low of the 10-year yield, in percent)",
    "DTWEXBGS": "not the bundled data; FRED series DTWEXBGS (nominal broad U.S. dollar index, daily from "
    "2006) through data=live, or your own export (DXY, a trade-weighted index) through data=csv",
}
