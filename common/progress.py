"""The grid's progress bar, on screen from the start of the run: its description says the stage.

Loading the data, loading the engine (vectorbt's Rust kernels; on numba vectorbt's package, about 6 s)
and the first chunk happen before any configuration is done; the bar shows from before them, saying
which is under way, so a grid never sits silently at 0%.
"""

from __future__ import annotations

from typing import Any


def open_bar(
    total: int,
    *,
    enabled: bool = True,
    label: str = "grid",
    unit: str = "config",
    first: str = "validated",
    leave: bool = True,
) -> Any:
    """A tqdm bar over `total` configurations (on stderr), already drawn, saying "validated".

    A single run and the monitor use it too, over their stages (``label``: the run's name, ``unit``:
    ``stage``), so that no run sits silent while it loads and computes.
    """
    from tqdm import tqdm  # lazy: tqdm costs ~30 ms at import

    bar = tqdm(
        total=total, unit=unit, desc=f"{label}: {first}", disable=not enabled, smoothing=0, leave=leave
    )
    bar.label = label
    bar.refresh()
    return bar


def stage(bar: Any, what: str, *, done: int = 0) -> None:
    """Say on the bar what the run is doing now (``loading data``, ``loading the engine``, ...).

    Args:
        bar: The bar `open_bar` drew.
        what: The stage under way.
        done: Units finished since the last call (a stage-counting bar: 1 per stage).
    """
    bar.set_description_str(f"{getattr(bar, 'label', 'grid')}: {what}", refresh=not done)
    if done:
        bar.update(done)
