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
    frame = read_built(PACKAGED if path is None else Path(path), key="data.loader.path", what="bundled data")
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame.index.name = "date"
    return frame.astype("float64")


def read_built(file: Path, *, key: str, what: str) -> pd.DataFrame:
    """A parquet file `python -m market.build` writes, or a DataError naming `key` and how to rebuild it."""
    if not file.is_file():
        raise DataError(
            f"{what} file not found: {file}",
            key=key,
            hint=f"run `python -m market.build` to compile it, or set {key}=null for the packaged file",
        )
    try:
        return pd.read_parquet(file)
    except Exception as exc:  # noqa: BLE001 - any read failure is reported the same way
        raise DataError(
            f"cannot read {file} ({exc})", key=key, hint="rebuild it with `python -m market.build`"
        ) from exc
