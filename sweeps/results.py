"""The grid's typed values: its settings, the simulated sweep, and how much of its best is luck.

`sweeps.run` makes them; the terminal summary (`sweeps.summary`) and the report (`sweeps.visuals`) read them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from analysis.search_tests import Resampled, Superiority
from analysis.verdict import Comparison, Verdict
from common import checks
from common.errors import ConfigError
from sweeps import stats as S
from sweeps.walkforward import CHOOSERS, MODES, WalkForward

#: `grid.threads` when null: a third thread was slower here (its GIL-bound share, ~40%, is the limit).
MAX_THREADS = 2


def default_threads() -> int:
    """``grid.threads=null``: the CPUs this process may run on (taskset, a cgroup), at most `MAX_THREADS`."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_THREADS, cpus))


@dataclass(frozen=True)
class GridSettings:
    """How a grid is run and judged: ``grid``'s keys, validated (`settings`).

    Attributes:
        metric: The selection metric (``grid.select_metric``).
        top_k: Child MLflow runs for the top configurations.
        n_jobs: Processes (``grid.n_jobs``); threads: threads side by side (``grid.threads``).
        pbo_blocks: The PBO's blocks (even, 2 to 20).
        boot_samples, boot_block, boot_seed: The bootstrap's resamples, mean block and seed.
        wf_train, wf_test, wf_mode: The walk-forward's windows (trading days) and mode.
    """

    metric: str
    top_k: int
    n_jobs: int
    threads: int
    pbo_blocks: int
    boot_samples: int
    boot_block: float
    boot_seed: int
    wf_train: int
    wf_test: int
    wf_mode: str


def settings(cfg: DictConfig) -> GridSettings:
    """The grid's settings from ``grid`` (defaults: `core.schema.GridConfig`), validated; parsed once a run.

    Raises:
        BadValue: Naming the first bad ``grid.`` key.
        ConfigError: ``grid.pbo_blocks`` odd.
    """
    node, wf, boot = cfg.grid, cfg.grid.walk_forward, cfg.grid.bootstrap
    out = GridSettings(
        metric=str(checks.choice("grid.select_metric", node.select_metric, CHOOSERS)),
        top_k=checks.whole("grid.top_k", node.top_k, lo=0, fix="child MLflow runs, e.g. 5."),
        n_jobs=checks.whole("grid.n_jobs", node.n_jobs, lo=1, fix="processes, e.g. 2 on 2 cores."),
        threads=default_threads()
        if node.threads is None
        else checks.whole("grid.threads", node.threads, lo=1, fix="threads, e.g. 2 on 2 cores, or null."),
        pbo_blocks=checks.whole("grid.pbo_blocks", node.pbo_blocks, lo=2, hi=20, fix="16 is usual."),
        boot_samples=checks.whole("grid.bootstrap.samples", boot.samples, lo=1, fix="e.g. 1000 resamples."),
        boot_block=checks.number(
            "grid.bootstrap.block", boot.block, lo=1, fix="a mean block length in trading days, e.g. 21."
        ),
        boot_seed=checks.whole("grid.bootstrap.seed", boot.seed, lo=0),
        wf_train=checks.whole(
            "grid.walk_forward.train_days", wf.train_days, lo=2, fix="trading days, e.g. 756 (3 years)."
        ),
        wf_test=checks.whole(
            "grid.walk_forward.test_days", wf.test_days, lo=1, fix="trading days, e.g. 252 (1 year)."
        ),
        wf_mode=str(checks.choice("grid.walk_forward.mode", wf.mode, MODES)),
    )
    if out.pbo_blocks % 2:
        raise ConfigError(
            f"must be an even number from 2 to 20, got {out.pbo_blocks}.",
            key="grid.pbo_blocks",
            hint="16 is usual.",
        )
    return out


@dataclass(frozen=True)
class Sweep:
    """A simulated grid (whole or one chunk).

    Attributes:
        table: One row per configuration (index ``config``): its parameter values, then its metrics.
        returns: Daily returns, days × configurations (columns in `table` order).
        dates: The evaluation days.
        cash_returns: Daily T-bill returns on those days.
        n_grid: Configurations in the full grid.
        skipped: Configurations refused by validation (e.g. z_exit above z_entry) and why.
        n_simulated: Distinct portfolios simulated.
        seconds: Wall time of the simulation.
        resampled: SPA's resampled statistics of every configuration, computed on the simulation
            threads as the chunks ran (`analysis.search_tests.Resampled`); None: computed at the end.
    """

    table: pd.DataFrame
    returns: np.ndarray
    dates: pd.DatetimeIndex
    cash_returns: np.ndarray
    n_grid: int
    skipped: dict[int, str]
    n_simulated: int
    seconds: float
    resampled: Resampled | None = None


#: The benchmark a grid's verdict is drawn against unless ``verdict.primary`` names another.
PRIMARY = "sixty_forty"


@dataclass(frozen=True)
class Against:
    """The sweep against the primary benchmark on the same days: the search counted.

    Attributes:
        benchmark: The benchmark's key (``sixty_forty``).
        spa: Hansen's SPA and Romano-Wolf StepM over every configuration's active returns.
        deflated: The deflated Sharpe of the best configuration's active returns (its information
            ratio; trials: every configuration).
        sharpe_gap: The best configuration's Sharpe minus the benchmark's (annualised, excess of T-bill).
    """

    benchmark: str
    spa: Superiority
    deflated: S.Deflated
    sharpe_gap: float

    def verdict(self) -> Verdict:
        """The search's verdict: SPA's consistent p, every configuration counted (no interval)."""
        return Verdict(
            self.benchmark,
            "Sharpe",
            self.sharpe_gap,
            p_value=self.spa.p_consistent,
            ci=None,
            trials=self.spa.trials,
            test=self.spa.test,
        )


@dataclass(frozen=True)
class Luck:
    """The overfitting statistics of a sweep, and the sweep against its benchmark.

    ``verdicts``: the best configuration over the whole window against each benchmark of ``verdict``
    (`analysis.verdict.compare`, as a single run's verdict: the search not counted), the primary first.
    """

    best: int
    deflated: S.Deflated
    overfit: S.Overfitting | None
    ci: tuple[float, float]
    wf: WalkForward | None
    against: Against | None = None
    verdicts: dict[str, Comparison] = field(default_factory=dict)
