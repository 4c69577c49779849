"""A weak 10-year Treasury auction: demand well below its trailing norm, or a wide spread of accepted bids."""

from __future__ import annotations

import pandas as pd

from signals.base import SignalOutput, Thresholds, Units, finite, positive_int, signal
from signals.primitives import hold

COUNT, BTC, INDIRECT, SPREAD = (
    "AUCTION10Y_COUNT",
    "AUCTION10Y_BID_TO_COVER",
    "AUCTION10Y_INDIRECT_SHARE",
    "AUCTION10Y_HIGH_MINUS_AVG_BP",
)


def _check(*, lookback: int, k: float, x_bp: float, hold_days: int) -> None:
    positive_int("lookback", lookback, lo=2)
    positive_int("hold_days", hold_days)
    finite("k", k, lo=0, lo_open=True, fix="standard deviations below the trailing mean, e.g. 1.5.")
    finite("x_bp", x_bp, fix="high minus average yield in basis points, e.g. 8.")


def vs_prior(x: pd.Series, lookback: int) -> pd.Series:
    """Each value's z-score against the `lookback` values before it (itself excluded)."""
    prior = x.shift(1).rolling(lookback, min_periods=lookback)
    return (x - prior.mean()) / prior.std(ddof=1)


@signal(requires=(COUNT, BTC, INDIRECT, SPREAD), check=_check)
def auction_stress(
    frame: pd.DataFrame, *, lookback: int = 12, k: float = 1.5, x_bp: float = 8.0, hold_days: int = 5
) -> SignalOutput:
    """“If the ‘tail’ on that auction is significant, expect the volatility in the bond market to finally spill over into the equity indices” (seed 000).

    A 10-year nominal note auction (new issue or reopening) is weak when its bid-to-cover or its
    indirect bidders' share is `k` standard deviations or more below its mean over the previous
    `lookback` 10-year auctions, or its high yield is `x_bp` basis points or more above the average
    yield. Risk-off is on for `hold_days` trading days from the auction's close (results are out at
    1 pm ET, before it). None of the three is the tail against the when-issued yield, which no free
    source publishes; high minus average is its nearest public cousin.

    The auctions reach the frame as daily columns (`market.auctions.ten_year_daily`): the latest
    auction known at each close, and a running count that steps up on each auction's date. A new
    auction is where the count rises, so a forward-fill of the columns cannot repeat one; the auction
    already known on the frame's first row is not one (its date is unknown).

    Requires: AUCTION10Y_COUNT, AUCTION10Y_BID_TO_COVER, AUCTION10Y_INDIRECT_SHARE,
    AUCTION10Y_HIGH_MINUS_AVG_BP (the bundled data; `market.auctions` for FiscalData rows).

    Args:
        frame: Market frame.
        lookback: 10-year auctions in the trailing mean and standard deviation (12: about a year).
        k: Standard deviations below the trailing mean that make demand weak.
        x_bp: High minus average yield, basis points, that makes the auction weak.
        hold_days: Trading days risk-off stays on after a weak auction.

    Returns:
        Risk-off state; score: the latest auction's weaker demand z-score (bid-to-cover or indirect
        share against the previous `lookback` auctions), carried to the next auction.
    """
    new = frame[COUNT].ffill().diff() > 0
    ev = frame.loc[new, [BTC, INDIRECT, SPREAD]]
    z = pd.DataFrame(
        {"bid-to-cover": vs_prior(ev[BTC], lookback), "indirect": vs_prior(ev[INDIRECT], lookback)}
    )
    parts = pd.DataFrame(
        {
            f"bid-to-cover z ≤ -{k:g}": z["bid-to-cover"] <= -k,
            f"indirect share z ≤ -{k:g}": z["indirect"] <= -k,
            f"high - average ≥ {x_bp:g}bp": ev[SPREAD] >= x_bp,
        }
    )
    fired = parts.any(axis=1).reindex(frame.index, fill_value=False)
    score = z.min(axis=1).reindex(frame.index).ffill().rename("weakest_demand_z")
    return SignalOutput(
        risk_off=hold(fired, hold_days),
        score=score,
        thresholds=Thresholds(
            -k,
            above=False,
            hold_days=hold_days,
            triggers=fired,
            units=Units("weakest demand z"),
            conditions=(f"or: high - average ≥ {x_bp:g}bp",),
        ),  # fmt: skip
        conditions=parts.reindex(frame.index, fill_value=False),
    )
