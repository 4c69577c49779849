"""Merge the chunks of a scaled-out grid into one sweep summary.

    python run.py -m experiment=wedge_grid grid.n_chunks=4 grid.chunk=0,1,2,3 hydra/launcher=joblib
    python -m sweeps merge multirun/<date>/<time>   # sweeps/__main__.py

Each job wrote its chunk (results table, daily returns, ``grid_chunk.json``) under
``<job folder>/results``. The merge checks that every chunk of one sweep is there, concatenates them
in configuration order, and finishes as an unchunked run would: statistics, a results folder
(``<multirun folder>/merged/results``) with its tracking record, one MLflow parent run, the terminal
summary. If the store is down, ``python -m tracking resync <multirun folder>/merged`` logs it later.
"""

from __future__ import annotations

import contextlib
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from common.errors import DataError
from report.render import Helper, can_fork
from sweeps import grid as G
from sweeps.results import Sweep
from sweeps.run import CHUNK_META, DATA, RETURNS, TABLE, finish, read_days, read_returns, read_table

RETURNS_ARE = "daily returns (parquet) of the chunk's configurations"
META_KEYS = ("sweep_id", "chunk", "n_chunks", "skipped", "n_simulated", "seconds")
T = TypeVar("T")


def read_chunk(path: Path, what: str, read: Callable[[], T]) -> T:
    """`read()` of a chunk's file, or a DataError naming the file and what is wrong with it.

    A chunk's files are written by its job; one cut short (a full disk, a killed job) or replaced is
    named, with how to get it back, before anything of the merge is written.
    """
    try:
        return read()
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            f"the chunk file {path} cannot be read as {what} ({type(exc).__name__}: {str(exc)[:200]}).",
            key="folder",
            hint=f"re-run that chunk's job into the same folder (its overrides: {path.parents[1]}/.hydra/"
            "overrides.yaml), then merge again",
        ) from None


def _meta(path: Path) -> dict:
    data = json.loads(path.read_text())
    missing = [k for k in META_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return data


def find_chunks(folder: Path) -> list[Path]:
    """Results folders of grid chunks under `folder`, in chunk order.

    Raises:
        DataError: No chunk, a chunk description that cannot be read, chunks of different sweeps, or
            missing chunks.
    """
    metas = {
        p.parent: read_chunk(p, "a chunk description (JSON)", lambda p=p: _meta(p))
        for p in sorted(Path(folder).glob(f"**/results/{CHUNK_META}"))
    }
    if not metas:
        raise DataError(
            f"no grid chunk under {folder}.",
            key="folder",
            hint="pass the multirun folder of a -m grid sweep.",
        )
    ids = {m["sweep_id"] for m in metas.values()}
    if len(ids) > 1:
        raise DataError(f"chunks of {len(ids)} different sweeps under {folder}: {sorted(ids)}.", key="folder")
    n = next(iter(metas.values()))["n_chunks"]
    by_chunk = {m["chunk"]: p for p, m in metas.items()}
    missing = sorted(set(range(n)) - set(by_chunk))
    if missing:
        raise DataError(
            f"chunks {missing} of {n} are missing under {folder}.",
            key="grid.chunk",
            hint=f"run them: grid.chunk={','.join(map(str, missing))} with -m, into the same folder.",
        )
    return [by_chunk[i] for i in range(n)]


def merge(folder: Path, *, echo: bool = True) -> dict[str, float]:
    """Merge a multirun folder's grid chunks and finish the sweep; returns the summary metrics."""
    folders = find_chunks(folder)
    tables = [read_chunk(p / TABLE, "a results table (parquet)", lambda p=p: read_table(p)) for p in folders]
    metas = [_meta(p / CHUNK_META) for p in folders]
    skipped = {int(k): v for m in metas for k, v in m["skipped"].items()}
    table = pd.concat(tables)
    days = [read_chunk(p.parent / DATA / RETURNS, RETURNS_ARE, lambda p=p: read_days(p)) for p in folders]
    dates, cash = days[0]
    if not all(d.equals(dates) for d, _ in days[1:]):
        raise DataError("chunks ran on different dates.", key="folder")
    # the report's PNG is drawn by a child forked before the returns are read (`Helper`)
    with Helper() if can_fork() else contextlib.nullcontext() as helper:
        returns = np.empty((len(dates), len(table)), order="F")  # a run's layout; each chunk's columns,
        at = 0  # read into it in turn: the returns are held once
        for p, t in zip(folders, tables, strict=True):
            cols = returns[:, at : at + len(t)]
            read_chunk(p.parent / DATA / RETURNS, RETURNS_ARE, lambda p=p, c=cols: read_returns(p, out=c))
            at += len(t)
        cfg = OmegaConf.load(folders[0] / "config.yaml")
        cfg.grid.chunk = None
        cfg.grid.n_chunks = 1
        n_sim = sum(m["n_simulated"] for m in metas)
        seconds = sum(m["seconds"] for m in metas)
        sweep = Sweep(table, returns, dates, cash, G.parse(cfg).size, skipped, n_sim, seconds)
        rerun = f"python -m sweeps merge {shlex.quote(str(folder))}"
        return finish(cfg, sweep, Path(folder) / "merged", echo=echo, rerun=rerun, helper=helper)
