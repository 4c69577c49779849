"""A sweep's leaderboard: one row per configuration, ranked by Sharpe, as CSV and a PNG chart.

Plain pandas and matplotlib (Agg canvas): the rows come from wherever the caller read them (the tracking
store's `search_runs`, or the run folders' records).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from report.charts import save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHARPE = "sharpe_excess_tbill"
DRAWDOWN = "max_drawdown"
METRICS = (SHARPE, DRAWDOWN, "cagr", "calmar", "time_in_risk_off", "turnover_per_year")
#: The benchmark drawn on the chart: each run logs its metrics as ``sixty_forty.<metric>`` on its own days.
BENCHMARK, BENCHMARK_LABEL = "sixty_forty", "60/40"
REFERENCES = (f"{BENCHMARK}.{SHARPE}", f"{BENCHMARK}.{DRAWDOWN}")
DPI = 110


def label(row: pd.Series, swept: Sequence[str]) -> str:
    """A configuration's label: its swept parameters as ``name=value`` (last key component).

    >>> label(pd.Series({"strategy.signal.z_entry": "1.5", "backtest.lag": "2"}), ["strategy.signal.z_entry"])
    'z_entry=1.5'
    """
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={row[k]}" for k in swept) or "(no swept parameter)"


def table(runs: pd.DataFrame, swept: Sequence[str]) -> pd.DataFrame:
    """The leaderboard: swept parameters, the main metrics, run name and id, best Sharpe first.

    Args:
        runs: One row per run with columns ``run_id``, ``run_name``, the swept parameter names and the
            metric names (missing metrics become NaN).
        swept: The swept parameter names (flattened config keys).

    Returns:
        A frame ranked by `SHARPE` (descending, NaN last), with a 1-based ``rank`` column first.
    """
    cols = ["run_name", *swept, *METRICS, *REFERENCES, "run_id"]
    out = runs.reindex(columns=cols).copy()
    for m in (*METRICS, *REFERENCES):
        out[m] = pd.to_numeric(out[m], errors="coerce")
    out = out.sort_values(SHARPE, ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def axis_limits(values: Sequence[float], pad: float = 0.15) -> tuple[float, float]:
    """Axis limits that hold 0 and every value (the benchmark's too), so bars are honest lengths.

    The range of the finite values and 0, widened by `pad` of it on each side; (-1, 1) when none is
    finite. A range cut around the values (Sharpe 0.62 to 0.65) made a 0.03 difference look like
    twice the bar: bars start at 0 and the benchmark is a line beside them.

    >>> axis_limits([0.62, 0.65])
    (-0.0975, 0.7475)
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    if not finite:
        return -1.0, 1.0
    finite.append(0.0)
    lo, hi = min(finite), max(finite)
    span = hi - lo or abs(hi) or 1.0
    return round(lo - pad * span, 12), round(hi + pad * span, 12)


def figure(board: pd.DataFrame, swept: Sequence[str], *, title: str = "") -> Figure:
    """Bar charts of Sharpe and max drawdown per configuration, labelled by its swept parameters.

    Each axis holds 0, every bar and 60/40's value (`axis_limits`), drawn as a dashed line: a bar's
    length is its value, and the line says whether it beats 60/40.

    Args:
        board: Output of `table`.
        swept: The swept parameter names.
        title: Figure title.
    """
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [label(r, swept) for _, r in board.iterrows()][::-1]
    n = max(len(board), 1)
    fig = Figure(figsize=(12.0, 1.2 + 0.35 * n), dpi=DPI, layout="tight")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, sharey=True)
    sharpe = board[SHARPE].to_numpy(dtype=float)[::-1]
    drawdown = (board[DRAWDOWN].to_numpy(dtype=float) * 100.0)[::-1]
    left.barh(labels, sharpe, color=["#2ca02c" if v >= 0 else "#d62728" for v in sharpe])
    left.set_xlabel("Sharpe (excess of T-bill)")
    right.barh(labels, drawdown, color="#d62728")
    right.set_xlabel("max drawdown (%)")
    refs = [board[c].median() if c in board else float("nan") for c in REFERENCES]
    refs[1] *= 100.0  # drawdown in percent, as its bars
    for ax, values, ref in ((left, sharpe, refs[0]), (right, drawdown, refs[1])):
        lo, hi = axis_limits([*values, ref])
        ax.set_xlim(lo, hi)
        if lo < 0 < hi:
            ax.axvline(0.0, color="black", linewidth=0.6)
        if math.isfinite(ref):
            ax.axvline(ref, color="grey", linestyle="--", linewidth=1.2, label=f"{BENCHMARK_LABEL} {ref:.2f}")
            ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title or f"sweep leaderboard (best Sharpe at the top; dashed: {BENCHMARK_LABEL}, same days)")
    return fig


def png(board: pd.DataFrame, swept: Sequence[str], path: Path, *, title: str = "") -> Path:
    """Write `figure` as a PNG to `path`."""
    return save_png(figure(board, swept, title=title), path, dpi=DPI)
