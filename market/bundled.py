"""The bundled, offline dataset: `market/data/bundled.parquet` (see `market/data/NOTICE.md`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common.errors import DataError

PACKAGED = Path(__file__).resolve().parent / "data" / "bundled.parquet"


def load(path: str | None = None) -> pd.DataFrame:
    """Read the bundled dataset as a raw frame.

    Each series is on its own observation dates: the index is the union of all of them, with NaN where
    a series has no print. Align it with `market.frame.prepare`.

    Args:
        path: A parquet file built by ``python -m market.build``; None for the file shipped with the
            package.

    Returns:
        The raw frame (DatetimeIndex named ``date``, float64 columns).

    Raises:
        DataError: The file is missing or unreadable.
    """
    file = PACKAGED if path is None else Path(path)
    if not file.is_file():
        raise DataError(
            f"bundled data file not found: {file}",
            key="data.loader.path",
            hint="run `python -m market.build` to compile it, "
            "or set data.loader.path=null for the packaged file",
        )
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # noqa: BLE001 - any read failure is reported the same way
        raise DataError(
            f"cannot read {file} ({exc})",
            key="data.loader.path",
            hint="rebuild it with `python -m market.build`",
        ) from exc
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame.index.name = "date"
    return frame.astype("float64")
