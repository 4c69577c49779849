"""The grid's progress bar, on screen from the start of the run: its description says the stage.

Loading the data, loading the engine (vectorbt's Rust kernels; on numba vectorbt's package, about 6 s)
and the first chunk happen before any configuration is done; the bar shows from before them, saying
which is under way, so a grid never sits silently at 0%.
"""

from __future__ import annotations

from typing import Any


def open_bar(total: int, *, enabled: bool = True) -> Any:
    """A tqdm bar over `total` configurations (on stderr), already drawn, saying "validated"."""
    from tqdm import tqdm  # lazy: tqdm costs ~30 ms at import; only grid runs draw a progress bar

    bar = tqdm(total=total, unit="config", desc="grid: validated", disable=not enabled, smoothing=0)
    bar.refresh()
    return bar


def stage(bar: Any, what: str) -> None:
    """Say on the bar what the grid is doing now (``loading data``, ``loading the engine``, ...)."""
    bar.set_description_str(f"grid: {what}", refresh=True)
