"""The Treasury-trap study's figures, offline PNGs from the bundled data (`report.charts.save_png`).

Honest axes: each series on its own labelled axis in its own unit (no dual axes that rescale one series
against another), dates on the x axis, the note's figures marked where the note gives one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline import api  # noqa: E402
from report.charts import save_png  # noqa: E402

SNAPSHOT = pd.Timestamp("2026-02-04")
AUCTION = pd.Timestamp("2026-02-11")
LEVEL = 4.55
NOTE = {"MOVE": 132.0, "VIX": 12.7, "UST10Y": 4.48}
TP_WINDOW = 378
APRIL_STARTS = ("2025-04-02", "2025-04-04", "2025-04-11")


def _mark(ax: Any, day: pd.Timestamp, label: str | None = None) -> None:
    ax.axvline(day, color="grey", ls=":", lw=1, label=label)


def ten_year_panel(raw: pd.DataFrame, path: Path) -> Path:
    """MOVE, VIX and the 10-year, December 2025 to August 2026, the note's Feb 4 values marked."""
    win = raw.loc["2025-12-01":"2026-08-31"]
    fig, (a, v, b) = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    for ax, col, colour in ((a, "MOVE", "C0"), (v, "VIX", "C1")):
        s = win[col].dropna()
        ax.plot(s.index, s, color=colour, label=f"{col} (bundled)")
        ax.scatter([SNAPSHOT], [NOTE[col]], color=colour, marker="x", label=f"{col} in the note")
        ax.set_ylabel(f"{col} (points)")
        ax.legend(fontsize=8)
    a.set_title("MOVE, VIX and the 10-year after February 4, 2026: the bundled data against the note")
    y = win["UST10Y"].dropna()
    b.plot(y.index, y, color="C2", label="UST10Y")
    b.axhline(LEVEL, color="grey", ls="--", label="4.55%")
    b.scatter([SNAPSHOT], [NOTE["UST10Y"]], color="C2", marker="x", label="the note's 4.48%")
    _mark(b, AUCTION, "Feb 11 auction")
    b.set_ylabel("10-year yield (%)")
    b.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def what_happened_next(raw: pd.DataFrame, path: Path) -> Path:
    """February to August 2026: the S&P 500's drawdown, VIX and MOVE, the 10-year, SPY and IEF from Feb 4."""
    win = raw.loc[SNAPSHOT:]
    fig, axes = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    spx = win["SPX"].dropna()
    axes[0].plot(spx.index, 100 * (spx / spx.cummax() - 1), color="C3")
    axes[0].axhline(-5, color="grey", ls="--", label="-5%: a correction")
    axes[0].set_ylabel("S&P 500 drawdown\nsince Feb 4 (%)")
    axes[0].legend(fontsize=8)
    axes[0].set_title("What happened after February 4, 2026 (bundled data)")
    for col, colour in (("VIX", "C1"), ("MOVE", "C0")):
        s = win[col].dropna()
        axes[1].plot(s.index, s, color=colour, label=col)
    axes[1].set_ylabel("index points")
    axes[1].legend(fontsize=8)
    y = win["UST10Y"].dropna()
    axes[2].plot(y.index, y, color="C2")
    axes[2].axhline(LEVEL, color="grey", ls="--", label="4.55%")
    axes[2].set_ylabel("10-year yield (%)")
    axes[2].legend(fontsize=8)
    px = win[["SPY", "IEF"]].dropna()
    for col, colour in (("SPY", "C3"), ("IEF", "C0")):
        axes[3].plot(px.index, 100 * (px[col] / px[col].iloc[0] - 1), color=colour, label=col)
    axes[3].axhline(0, color="grey", lw=0.8)
    axes[3].set_ylabel("return since Feb 4 (%)")
    axes[3].legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def wedge_zscore(path: Path) -> Path:
    """The move_vix_wedge preset's score over its history, with its entry level and its episodes shaded."""
    sig = api.signals("move_vix_wedge")
    entry = float(api.compose("move_vix_wedge").strategy.signal.z_entry)
    score = sig["score"].dropna()
    on = sig["risk_off"].reindex(score.index).fillna(False).astype(bool)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(score.index, score, color="C0", lw=0.8, label="MOVE/VIX ratio z-score (preset)")
    ax.axhline(entry, color="grey", ls="--", label=f"z_entry {entry:g}")
    ax.fill_between(score.index, score.min(), score.max(), where=on.to_numpy(), color="C3", alpha=0.25,
                    step="post", label="wedge on (risk-off)")  # fmt: skip
    _mark(ax, SNAPSHOT, "Feb 4, 2026")
    return _finish(fig, ax, "z-score", "The MOVE/VIX wedge: its score and its episodes", path, "lower left")


def term_premium_18m(raw: pd.DataFrame, path: Path) -> Path:
    """The ACM term premium: the 378 trading days to Feb 4 shaded, their high marked, and after."""
    tp = raw["TERM_PREMIUM_10Y"].dropna()
    window = tp.loc[:SNAPSHOT].tail(TP_WINDOW)
    shown = tp.loc[window.index[0] - pd.Timedelta(days=90) :]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(shown.index, 100 * shown, color="C0", label="ACM 10-year term premium (today's vintage)")
    ax.axvspan(window.index[0], window.index[-1], color="C0", alpha=0.08, label="the 18 months to Feb 4")
    ax.scatter([window.idxmax()], [100 * window.max()], color="C3", zorder=3, label="the window's high")
    ax.scatter([SNAPSHOT], [100 * window.iloc[-1]], color="k", marker="x", zorder=3, label="Feb 4, 2026")
    title = "Was the term premium at its highest in eighteen months on February 4, 2026?"
    return _finish(fig, ax, "term premium (bp)", title, path, "lower right")


def swap_spread(raw: pd.DataFrame, path: Path) -> Path:
    """The bundled 10-year swap spread (ISDAFIX SWAP10Y minus DGS10) in basis points, zero marked."""
    both = raw[["SWAP10Y", "UST10Y"]].dropna()
    spread = 100 * (both["SWAP10Y"] - both["UST10Y"])
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(spread.index, spread, color="C0", lw=0.8, label="SWAP10Y - UST10Y (ISDAFIX, FRED DSWP10)")
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(pd.Timestamp("2015-01-01"), color="grey", ls=":", label="2015")
    title = "The 10-year swap spread: negative most days since 2015 (the bundled series ends in 2016)"
    return _finish(fig, ax, "spread (bp)", title, path, "upper right")


def april_2025(raw: pd.DataFrame, path: Path) -> Path:
    """April 2025: the 2-year, the 10-year, the term premium and the S&P 500, the three week starts marked."""
    win = raw.loc["2025-03-20":"2025-05-09"]
    panels = (
        ("UST2Y", "2-year yield (%)", 1.0),
        ("UST10Y", "10-year yield (%)", 1.0),
        ("TERM_PREMIUM_10Y", "term premium (bp)", 100.0),
        ("SPX", "S&P 500", 1.0),
    )
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 9), sharex=True)
    for ax, (col, label, k) in zip(axes, panels, strict=True):
        s = win[col].dropna()
        ax.plot(s.index, k * s, color="C0", marker=".", ms=3)
        ax.set_ylabel(label)
        for day in APRIL_STARTS:
            _mark(ax, pd.Timestamp(day), f"week start {day}" if ax is axes[0] else None)
    axes[0].legend(fontsize=8)
    axes[0].set_title("Note 004's week: April 2025 on the bundled data")
    fig.tight_layout()
    return _save(fig, path)


def _finish(fig: Any, ax: Any, ylabel: str, title: str, path: Path, legend: str) -> Path:
    """A one-panel figure labelled, its legend drawn where the data leave room (`legend`), saved."""
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc=legend)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    out = save_png(fig, path)
    plt.close(fig)
    return out


def write_all(raw: pd.DataFrame, out: Path) -> list[Path]:
    """Every figure of the study into `out` (the README names them)."""
    return [
        what_happened_next(raw, out / "what_happened_next.png"),
        ten_year_panel(raw, out / "move_vix_10y.png"),
        wedge_zscore(out / "wedge_zscore.png"),
        term_premium_18m(raw, out / "term_premium_18m.png"),
        swap_spread(raw, out / "swap_spread.png"),
        april_2025(raw, out / "april_2025.png"),
    ]
