"""The data contract between the market room and the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class MarketData:
    """An aligned daily market frame and what is known about it.

    Attributes:
        frame: Sorted, unique, tz-naive DatetimeIndex on the equity calendar; float columns
            (yields and rates in percent, indices and adjusted closes as levels). NaN where a series
            has no observation within the forward-fill bound.
        source: ``"bundled"``, ``"yfinance"``, ``"csv"`` or ``"live"``.
        digest: Hex digest of the frame's content (index and values), for lineage.
        staleness: For each column, the longest run of forward-filled rows that was used.
        notes: Human-readable remarks about the data (gaps filled, rows dropped, ...).
        last_observed: For each column, the last date of the frame on which it had its own print
            (not a forward-filled one): where a series really ends. Used only to end a backtest
            window, never for a decision.
        vintages: One mapping per series of a live source (`market.live`): ``source``, ``series``,
            ``columns``, ``downloaded``, ``file_date``, ``as_of``, ``first``, ``last``, ``stale``.
        lineage: What the loader decided while reading, for the run's lineage (e.g. ``csv.read_as``: the
            date format and decimal mark of each csv file, given or inferred). Loaders return it in their
            raw frame's ``attrs["lineage"]``.
    """

    frame: pd.DataFrame
    source: str
    digest: str
    staleness: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    last_observed: dict[str, pd.Timestamp] = field(default_factory=dict)
    vintages: tuple[dict, ...] = ()
    lineage: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> pd.Timestamp:
        """First date of the frame."""
        return self.frame.index[0]

    @property
    def end(self) -> pd.Timestamp:
        """Last date of the frame."""
        return self.frame.index[-1]
