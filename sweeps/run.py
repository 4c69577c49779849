"""Grid mode end to end: `run_grid(cfg)` validates, simulates the grid in chunks, measures luck, records.

``python run.py experiment=wedge_grid`` comes here (``mode: grid``). The steps:

1. validate the grid and every configuration before any work (`sweeps.grid`, `sweeps.evaluate.config_plan`);
2. load the data, refuse a grid above the ceiling, simulate it chunk by chunk (`sweeps.evaluate`),
   with a progress bar (chunks done, configurations per second), optionally in several processes;
3. a job of a multirun scale-out (``grid.chunk=i``) stops here: it writes its chunk and logs it;
   ``python -m sweeps merge <multirun folder>`` merges the chunks and continues with step 4;
4. choose the best configuration, compute its deflated Sharpe ratio, the sweep's PBO, a bootstrap
   interval for its Sharpe, and a walk-forward record (`sweeps.stats`, `sweeps.walkforward`);
5. write the results folder first (results table, daily returns, summary) and the tracking record,
   then log one MLflow parent run (with child runs for the top k), then print the summary; steps 2 to 5
   go through `tracking.tracked.opened`, the single run's path (redaction, lineage, record, resync).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from analysis.search_tests import Resampled, superiority
from analysis.verdict import compare_each, sentence
from backtest.engine import import_engine
from backtest.metrics import METRICS, YEAR, describe
from common import checks, progress
from common.errors import ConfigError, UserError
from core.data import load_market
from core.plan import Plan, check_windows, make_plan
from core.simulation import PortfolioResult, benchmark_portfolios
from report.render import Helper, can_fork
from sweeps import grid as G
from sweeps import search
from sweeps import stats as S
from sweeps.evaluate import Batch, Evaluator, Prepared, config_plan
from sweeps.results import PRIMARY, Against, GridSettings, Luck, Sweep, settings
from sweeps.summary import render
from sweeps.visuals import parameters, prepare_png, start_png, write_grid_report
from sweeps.walkforward import against, verdict_metrics, walk_forward
from tracking.headline import params_name
from tracking.lineage import run_name
from tracking.tracked import Outcome, base_tags, job_overrides, opened

TABLE = "grid_results.parquet"
RETURNS = "grid_returns.parquet"
#: Beside ``results/`` (which is uploaded to MLflow): the daily returns of every configuration, ~57 MB per
#: 1,000 configurations over 23 years, kept in the run folder only (reproducible from the config).
DATA = "grid_data"
#: Configurations whose excess returns `luck` holds at once: 12 MB at 25 years, reused from block to
#: block (a fresh 50 MB array costs ~0.1 s of page faults here), and a merged grid's GBs never twice.
LUCK_BLOCK = 250
CHUNK_META = "grid_chunk.json"


def check_values(spec: G.GridSpec, base: Plan) -> None:
    """Refuse the whole grid if one of its values is bad alone (wrong type, not finite, out of range).

    Each value of each list is checked on the base plan (`common.checks.BadValue`: a value that no
    configuration could take), so a grid holding one lists every such value and runs nothing; values
    that conflict only with others (``z_exit`` above ``z_entry``) skip their configurations, as before.

    Raises:
        BadValue: Listing each bad value under its ``grid.params`` key.
    """
    bad = []
    for path, values in spec.params.items():
        for value in values:
            try:
                config_plan(base, {path: value})
            except checks.BadValue as err:
                bad.append(f"grid.params.{path} = {value!r}: `{err.key}` {err.message}")
            except UserError:  # conflicts with the base's other values: judged per configuration
                pass
    if bad:
        raise checks.BadValue(
            f"{len(bad)} value(s) of the grid cannot be used; nothing ran:\n    " + "\n    ".join(bad),
            key="grid.params",
            hint="fix or remove those values in the grid's lists.",
        )


def check_grid_windows(plans: dict[int, Plan], index: pd.DatetimeIndex) -> None:
    """`core.plan.check_windows` on every configuration: the windows too long for the data, listed.

    Raises:
        ConfigError: Listing each window that is not shorter than the data; nothing runs.
    """
    bad: dict[str, None] = {}  # distinct messages, in grid order
    for plan in plans.values():
        try:
            check_windows(plan, index)
        except checks.BadValue as err:
            bad[f"`{err.key}` {err.message}"] = None
    if bad:
        raise ConfigError(
            f"{len(bad)} window(s) of the grid are too long for the data; nothing ran:\n    "
            + "\n    ".join(bad),
            key="grid.params",
            hint="use windows shorter than the data in the grid's lists.",
        )


def check_walk_forward(cfg: DictConfig, index: pd.DatetimeIndex, opts: GridSettings) -> None:
    """Refuse walk-forward windows longer than the backtest's days, before anything is simulated.

    Raises:
        ConfigError: Naming ``grid.walk_forward.train_days``, the days there are and a fit.
    """
    first, last = pd.Timestamp(cfg.data.start or index[0]), pd.Timestamp(cfg.data.end or index[-1])
    days = index[(index >= first) & (index <= last)]
    train, test = opts.wf_train, opts.wf_test
    if train + test > len(days):
        span = f" ({days[0].date()} to {days[-1].date()})" if len(days) else ""
        raise ConfigError(
            f"train_days={train} and test_days={test} do not fit in the backtest's {len(days)} days{span}; "
            "nothing ran.",
            key="grid.walk_forward.train_days",
            hint=f"use train_days + test_days of at most {len(days)}, "
            f"e.g. train_days={max(2, len(days) * 3 // 5)} test_days={max(1, len(days) // 5)}.",
        )


class Checked(NamedTuple):
    """A grid validated before any data is loaded (`validate`): what the rest of its run reads.

    Attributes:
        spec: The grid (`sweeps.grid.GridSpec`).
        base: The base config's plan (`core.plan.make_plan`, made once a run).
        plans: Each configuration's plan by id (this job's chunk; empty for a search).
        skipped: Configurations refused alone, by id, and why.
        opts: The grid's settings (`sweeps.results.settings`, parsed once a run).
        hunt: A search's settings (`sweeps.search.options`), or None for every configuration.
    """

    spec: G.GridSpec
    base: Plan
    plans: dict[int, Plan]
    skipped: dict[int, str]
    opts: GridSettings
    hunt: search.SearchOptions | None = None


def validate(cfg: DictConfig) -> Checked:
    """Validate the grid and build each configuration's plan, before any data is loaded.

    Configurations the signal or allocation refuses (e.g. ``z_exit > z_entry``) are skipped and
    reported; a grid with none left is an error.
    """
    spec = G.parse(cfg)
    base = make_plan(cfg)
    opts = settings(cfg)
    check_values(spec, base)
    if search.searching(cfg):  # a search plans its configurations as it asks for them (sweeps/search.py)
        return Checked(spec, base, {}, {}, opts, search.options(cfg, spec))
    configs = G.expand(spec)
    lo, hi = (
        (0, len(configs)) if spec.chunk is None else G.chunk_bounds(len(configs), spec.n_chunks, spec.chunk)
    )
    plans, skipped = {}, {}
    first_error: UserError | None = None
    for i in range(lo, hi):
        try:
            plans[i] = config_plan(base, configs[i])
        except UserError as err:
            skipped[i] = err.message
            first_error = first_error or err
    if not plans:
        assert first_error is not None
        raise ConfigError(
            f"every configuration of the grid is invalid; the first: {first_error}",
            key=f"grid.params.{first_error.key or ''}".rstrip("."),
            hint="fix the value lists in grid.params.",
        )
    return Checked(spec, base, plans, skipped, opts)


def simulate(
    cfg: DictConfig, spec: G.GridSpec, plans: dict[int, Plan], market, opts: GridSettings, *, bar=None
) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex, np.ndarray, int, Resampled | None]:
    """Simulate configurations chunk by chunk, `grid.threads` at a time, or in `grid.n_jobs` processes.

    `bar` is the run's progress bar (`common.progress`, told each stage); None: no bar. On threads,
    a whole grid's SPA statistics are computed chunk by chunk beside the simulation (`Resampled`).

    Returns:
        Metrics table, daily returns, dates, cash returns, distinct portfolios simulated, and the
        resampled statistics (None: in processes, or a chunk of a scaled-out grid).
    """
    ids = sorted(plans)
    chunks = G.batches(ids, spec.chunk_size)
    n_jobs = opts.n_jobs
    resampled = None
    bar = bar if bar is not None else progress.open_bar(len(ids), enabled=False)
    progress.stage(bar, "loading the engine")
    import_engine(plans[ids[0]].engine)
    ev = Evaluator(market, start=cfg.data.start, end=cfg.data.end)
    if n_jobs > 1 and len(chunks) > 1 and can_fork():
        ev.evaluate([plans[ids[0]]], ids[:1])  # warms what the workers inherit: prices, benchmarks
        progress.stage(bar, f"simulating in {n_jobs} processes")
        results = forked_batches(ev, plans, chunks, n_jobs)
    else:
        progress.stage(bar, "simulating")
        if spec.chunk is None:  # a whole grid: concluded here, SPA included
            resampled = Resampled(
                len(ids), reps=opts.boot_samples, block=round(opts.boot_block), seed=opts.boot_seed
            )
        results = threaded_batches(ev, plans, chunks, opts.threads, resampled)
    batches: list[Batch] = []
    for done, batch in enumerate(results, 1):
        batches.append(batch)
        bar.update(len(batch.table))
        bar.set_postfix_str(f"chunk {done}/{len(chunks)}")
    bar.close()
    dates = batches[0].dates
    for b in batches[1:]:
        if not b.dates.equals(dates):
            raise ConfigError(
                "chunks ran on different dates.", key="data.start", hint="set data.start and data.end."
            )
    table = pd.concat([b.table for b in batches])
    returns = _all_returns(batches)
    n_sim = sum(b.n_simulated for b in batches)
    return table, returns, dates, batches[0].cash_returns, n_sim, resampled


def _all_returns(batches: list[Batch]) -> np.ndarray:
    """The batches' daily returns side by side: a batch's, the array `threaded_batches` wrote, or stacked."""
    if len(batches) == 1:
        return batches[0].returns
    every = batches[0].returns.base  # an unpickled array's (a forked worker's batch) is its bytes
    shared = isinstance(every, np.ndarray) and all(b.returns.base is every for b in batches)
    if shared and every.shape[1] == sum(b.returns.shape[1] for b in batches):
        return every
    return np.hstack([b.returns for b in batches])


def threaded_batches(
    ev: Evaluator,
    plans: dict[int, Plan],
    chunks: list[list[int]],
    threads: int = 1,
    resampled: Resampled | None = None,
) -> Iterator[Batch]:
    """Each chunk's `Batch`, in order, simulated on up to `threads` threads side by side.

    This thread prepares each chunk's decisions (`Evaluator.prepare`: the GIL-bound part, and every
    cache) while the threads simulate and measure those before it (vectorbt's Rust and numpy's
    passes release the GIL); results do not depend on how many run at once. The daily returns of
    every chunk are written straight into their columns of one array of all (not copied there by an
    `np.hstack` afterwards: 56 MB per 1,000 configurations), its rows the first chunk's days; a chunk
    on other days gets an array of its own.

    `resampled`: each chunk's SPA statistics are added to it on the thread that simulated the chunk
    (matrix products and FFTs, which release the GIL too), instead of all after the grid.
    """
    n = sum(len(c) for c in chunks)
    every: np.ndarray | None = None
    lo = 0
    blas = _one_blas_thread(resampled is not None)
    with blas, ThreadPoolExecutor(threads, thread_name_prefix="simulate") as pool:
        running: deque[Future[Batch]] = deque()
        for c in chunks:
            job = ev.prepare([plans[i] for i in c], c)
            if every is None and len(chunks) > 1:
                every = np.empty((job.n_days, n), order="F")  # as a batch's (`Batch`)
            out = None if every is None else every[:, lo : lo + len(c)]
            running.append(pool.submit(_run_chunk, job, out, lo, resampled))
            lo += len(c)
            while len(running) >= threads:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def _one_blas_thread(on: bool) -> contextlib.AbstractContextManager:
    """BLAS on one thread while the chunks' threads call it side by side (`Resampled.add`'s products).

    OpenBLAS would start its own threads in each call, two callers' threads then spinning on two cores.
    """
    if not on:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _run_chunk(job: Prepared, out: np.ndarray | None, lo: int, resampled: Resampled | None) -> Batch:
    """A prepared chunk simulated (on a thread), its statistics added to `resampled` at column `lo`."""
    batch = job.run(out=out)
    if resampled is not None:
        resampled.add(lo, batch.returns)
    return batch


#: What forked workers evaluate: the parent's warm `Evaluator` and the plans by id, inherited at fork.
_FORKED: tuple[Evaluator, dict[int, Plan]] | None = None


def forked_batches(
    ev: Evaluator, plans: dict[int, Plan], chunks: list[list[int]], n_jobs: int
) -> Iterator[Batch]:
    """Each chunk's `Batch`, in order, from `n_jobs` worker processes forked from this one.

    Forked, not spawned: a worker starts with vectorbt imported and the evaluator's caches filled
    (a spawned one re-imports vectorbt, ~3 s, and recomputes the benchmarks); only the chunk's
    configuration ids go to it and its `Batch` comes back.
    """
    global _FORKED
    _FORKED = (ev, plans)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # a child must not write the parent's buffered output a second time
    try:
        with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context("fork")) as pool:
            yield from pool.map(_evaluate_forked, chunks)
    finally:
        _FORKED = None


def _evaluate_forked(ids: list[int]) -> Batch:
    assert _FORKED is not None, "only in a worker forked by `forked_batches`"
    ev, plans = _FORKED
    return ev.evaluate([plans[i] for i in ids], ids)


def param_columns(spec: G.GridSpec, ids: list[int]) -> pd.DataFrame:
    """The varied parameters of each configuration, one column per config path (dicts as JSON text)."""
    rows = {
        i: {k: (G.key_of(v) if isinstance(v, dict | list) else v) for k, v in G.config_at(spec, i).items()}
        for i in ids
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("config")


def run_grid(cfg: DictConfig, output_dir: Path, *, echo: bool = True) -> dict[str, float]:
    """Run a grid sweep (or one chunk of it): see the module docstring.

    Tracked as a single run is (`tracking.tracked.opened`): redacted config, record, lineage.

    Returns:
        The summary metrics (best configuration's metrics, DSR, PBO, ...), as logged on the parent run.
    """
    spec, base, plans, skipped, opts, hunt = validate(cfg)
    # on screen before the data and vectorbt load (a search draws its own bar)
    bar = progress.open_bar(len(plans), enabled=echo and hunt is None)

    def load():
        progress.stage(bar, "loading data")
        market = load_market(cfg)
        G.check_size(spec, len(market.frame), len(base.sleeves), None if hunt is None else hunt.n_trials)
        check_grid_windows(plans or search.probes(spec, base), market.frame.index)
        check_walk_forward(cfg, market.frame.index, opts)
        if hunt is not None:
            search.check_folder(hunt, Path(output_dir))
        return market

    def compute(market, results: Path):
        nonlocal skipped
        t0 = time.perf_counter()
        if hunt is None:
            ran = simulate(cfg, spec, plans, market, opts, bar=bar)
            table, returns, dates, cash_r, n_sim, resampled = ran
        else:  # the configurations an Optuna search evaluated, then as a grid's
            found = search.run(
                hunt,
                spec,
                base,
                market,
                results.parent,
                start=cfg.data.start,
                end=cfg.data.end,
                progress=echo,
            )
            table, returns, dates = found.table, found.returns, found.dates
            cash_r, n_sim, skipped = found.cash_returns, found.n_simulated, found.skipped
            resampled = None
        seconds = time.perf_counter() - t0 if hunt is None else found.seconds
        ids = list(table.index)
        known = columns is not None and list(columns.index) == ids
        table = (columns if known else param_columns(spec, ids)).join(table)
        sweep = Sweep(table, returns, dates, cash_r, spec.size, skipped, n_sim, seconds, resampled)
        results.mkdir(parents=True, exist_ok=True)
        if hunt is not None:
            concluded = conclude(cfg, sweep, results, market, base, opts, helper)
            return search.annotate(concluded, found, hunt, spec.size)
        if spec.chunk is None:
            return conclude(cfg, sweep, results, market, base, opts, helper)
        write_sweep(sweep, results)
        meta = {
            "sweep_id": sweep_id(cfg),
            "chunk": spec.chunk,
            "n_chunks": spec.n_chunks,
            "n_grid": spec.size,
            "seconds": seconds,
            "n_simulated": n_sim,
            "skipped": {str(k): v for k, v in skipped.items()},
        }
        (results / CHUNK_META).write_text(json.dumps(meta, indent=1))
        return _finish_chunk(cfg, sweep, meta, market, opts)

    kind = "grid" if spec.chunk is None else f"grid-chunk{spec.chunk}"
    name = run_name(f"{cfg.strategy.name}-{kind}", job_overrides())
    # the report's PNG is drawn by a child forked now, while this process is small (`Helper`)
    helper = Helper() if spec.chunk is None and can_fork() else None
    columns = None  # the configurations' parameters: the PNG's axes are drawn from them meanwhile
    try:
        if helper is not None and hunt is None:
            columns = param_columns(spec, sorted(plans))
            prepare_png(helper, Path(output_dir) / "results", cfg, columns, opts.metric)
        with opened(cfg, name, Path(output_dir)) as run:
            market = load()  # bad input raises here: no run is created
            run.start(market)
            return run.finish(compute(market, run.results), echo=echo)
    finally:
        bar.close()  # also when the data refuses the grid: the error below a finished bar
        if helper is not None:
            helper.close()


def sweep_id(cfg: DictConfig) -> str:
    """An id shared by every chunk of one sweep and its merge: a digest of the config without the split."""
    tree = OmegaConf.to_container(cfg, resolve=True)
    split = ("chunk", "n_chunks", "chunk_size", "n_jobs", "threads")  # how it is split, not what it computes
    for how in split:
        tree.get("grid", {}).pop(how, None)
    tree.pop("hydra", None)
    return hashlib.sha1(json.dumps(tree, sort_keys=True, default=str).encode()).hexdigest()[:12]


def write_sweep(sweep: Sweep, folder: Path) -> None:
    """Write the results table (parquet, CSV) to `folder`, the daily returns to ``../grid_data``."""
    sweep.table.to_parquet(folder / TABLE)
    sweep.table.to_csv(folder / "grid_results.csv")
    (folder.parent / DATA).mkdir(parents=True, exist_ok=True)
    # floats barely compress and dictionary-encode not at all: written plain, 2.4x faster, 15% smaller
    pq.write_table(
        returns_table(sweep), folder.parent / DATA / RETURNS, compression="none", use_dictionary=False
    )


def returns_table(sweep: Sweep) -> pa.Table:
    """The daily returns as the Arrow table that ``DataFrame.to_parquet`` writes, metadata included.

    ``cash_return``, then a column per configuration (named by its id), the dates as the index.
    Built from the arrays themselves, each configuration's column a view (a merged
    100,000-configuration grid's returns are 4.7 GB; column-major, so Arrow takes each without a
    copy), with pandas' own schema from an empty frame of the same columns: pandas converts column
    by column in Python, ~50 µs a column.
    """
    names = [str(c) for c in sweep.table.index]
    head = pd.DataFrame(sweep.returns[:0], index=sweep.dates[:0], columns=names)
    head.insert(0, "cash_return", sweep.cash_returns[:0])
    schema = pa.Schema.from_pandas(head, preserve_index=True)
    columns = [sweep.cash_returns, *(sweep.returns[:, j] for j in range(len(names))), sweep.dates]
    arrays = [pa.array(x, type=f.type) for x, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def read_table(folder: Path) -> pd.DataFrame:
    """The results table `write_sweep` wrote (small: read it first to size the returns)."""
    return pd.read_parquet(folder / TABLE)


def read_returns(folder: Path, out: np.ndarray) -> None:
    """Put the daily returns `write_sweep` wrote into `out` (days × this folder's configurations).

    `out` is a slice of the merged sweep's array, so that a merge holds the returns once.
    """
    r = pd.read_parquet(folder.parent / DATA / RETURNS)
    del r["cash_return"]  # not a copy of the chunk without it
    out[...] = r.to_numpy()


def read_days(folder: Path) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The dates and cash returns `write_sweep` wrote (without the configurations' returns)."""
    r = pd.read_parquet(folder.parent / DATA / RETURNS, columns=["cash_return"])
    return pd.DatetimeIndex(r.index), r["cash_return"].to_numpy()


def best_config(table: pd.DataFrame, metric: str) -> int:
    """The id of the configuration with the highest `metric` (NaN lowest; the first of ties)."""
    vals = table[metric].to_numpy(dtype=float)
    return int(table.index[int(np.nanargmax(np.where(np.isnan(vals), -np.inf, vals)))])


def luck(sweep: Sweep, opts: GridSettings, bench: tuple[str, np.ndarray] | None = None) -> Luck:
    """Choose the best configuration by the selection metric and measure how much of it is luck.

    Args:
        sweep: The simulated sweep.
        opts: `settings`.
        bench: The primary benchmark's key and daily returns on the sweep's days: the sweep against it
            (SPA, StepM, the deflated active Sharpe: `Against`); None: not measured.
    """
    pos = sweep.table.index.get_loc(best_config(sweep.table, opts.metric))
    n = sweep.returns.shape[1]
    srs, sums = np.empty(n), []
    for lo in range(0, n, LUCK_BLOCK):  # a block of configurations at a time: a merged grid's are GBs
        # row-major whatever the returns' layout (a merge's differs from a run's): the same sums
        excess = np.subtract(sweep.returns[:, lo : lo + LUCK_BLOCK], sweep.cash_returns[:, None], order="C")
        srs[lo : lo + LUCK_BLOCK] = S.per_period_sharpe(excess)
        sums.append(S.block_sums(excess, opts.pbo_blocks))
    best = sweep.returns[:, pos] - sweep.cash_returns
    against = None if bench is None else versus(sweep, opts, pos, *bench)
    dsr = S.deflated_from(srs, best, pos)
    overfit = None
    if n > 1:
        s1, s2 = (np.hstack([x[i] for x in sums]) for i in (0, 1))
        overfit = S.pbo_from_sums(s1, s2, sums[0][2])
    ci = S.bootstrap_sharpe_ci(
        best, samples=opts.boot_samples, mean_block=opts.boot_block, seed=opts.boot_seed
    )
    wf = None
    if opts.wf_train + opts.wf_test <= len(sweep.dates):
        wf = walk_forward(
            sweep.returns,
            sweep.cash_returns,
            sweep.dates,
            sweep.table.index.to_numpy(),
            train_days=opts.wf_train,
            test_days=opts.wf_test,
            mode=opts.wf_mode,
            metric=opts.metric,
            in_sample=pos,  # the results table's best by the same metric: the same configuration
        )
    return Luck(int(sweep.table.index[pos]), dsr, overfit, ci, wf, against)


def versus(sweep: Sweep, opts: GridSettings, pos: int, name: str, bench: np.ndarray) -> Against:
    """The sweep against benchmark `name` (daily returns `bench` on its days): SPA, StepM, deflated IR.

    SPA and StepM resample with the grid's bootstrap settings (``grid.bootstrap``: resamples, mean
    block, seed); the deflated Sharpe of the chosen configuration's active returns counts every
    configuration as a trial, as the deflated Sharpe against T-bills does.
    """
    n = sweep.returns.shape[1]
    srs = np.empty(n)

    def blocks():  # a block of configurations' active returns at a time, as `luck` reads them
        for lo in range(0, n, LUCK_BLOCK):
            active = np.subtract(sweep.returns[:, lo : lo + LUCK_BLOCK], bench[:, None], order="C")
            srs[lo : lo + LUCK_BLOCK] = S.per_period_sharpe(active)
            yield active

    reps, block, seed = opts.boot_samples, round(opts.boot_block), opts.boot_seed
    r = sweep.resampled
    if r is not None and r.ready(reps, block, seed, len(bench)):  # computed as the chunks ran
        spa = r.against(sweep.returns, bench)
        deque(blocks(), maxlen=0)  # the active Sharpe ratios only
    else:
        spa = superiority(blocks(), reps=reps, block=block, seed=seed)
    with np.errstate(invalid="ignore", divide="ignore"):  # a best that never leaves the benchmark: NaN
        deflated = S.deflated_from(srs, sweep.returns[:, pos] - bench, pos)
    pair = np.column_stack([sweep.returns[:, pos], bench]) - sweep.cash_returns[:, None]
    sharpe = S.per_period_sharpe(pair) * np.sqrt(YEAR)
    return Against(name, spa, deflated, float(sharpe[0] - sharpe[1]))


def summary_metrics(sweep: Sweep, lk: Luck) -> dict[str, float]:
    """Flat metrics for the parent run: the best configuration's, then the sweep's statistics."""
    best = sweep.table.loc[lk.best]
    out = {
        f"best.{k}": float(best[k])
        for k in sweep.table.columns
        if isinstance(best[k], int | float | np.number)
    }
    out = {k: v for k, v in out.items() if not k.startswith(("best.strategy.", "best.backtest."))}
    out |= {
        "n_configs": float(len(sweep.table)),
        "n_grid": float(sweep.n_grid),
        "n_skipped": float(len(sweep.skipped)),
        "n_distinct_portfolios": float(sweep.n_simulated),
        "configs_per_second": len(sweep.table) / sweep.seconds if sweep.seconds > 0 else float("nan"),
        "best_config": float(lk.best),
        "deflated_sharpe": lk.deflated.dsr,
        "dsr_expected_max_sharpe": lk.deflated.sr0,
        "bootstrap_sharpe_lo": lk.ci[0],
        "bootstrap_sharpe_hi": lk.ci[1],
    }
    if lk.overfit is not None:
        out |= {
            "pbo": lk.overfit.pbo,
            "pbo_median_logit": lk.overfit.median_logit,
            "pbo_prob_oos_loss": lk.overfit.prob_oos_loss,
        }
    if lk.against is not None:
        a, b = lk.against, lk.against.benchmark
        survivors = [int(sweep.table.index[j]) for j in a.spa.survivors]
        out |= {
            f"spa.{b}.p_consistent": a.spa.p_consistent,
            f"spa.{b}.p_lower": a.spa.p_lower,
            f"spa.{b}.p_upper": a.spa.p_upper,
            f"spa.{b}.best_config": float(sweep.table.index[a.spa.best]),
            f"stepm.{b}.n_survivors": float(len(survivors)),
            f"deflated_active_sharpe.{b}": a.deflated.dsr,
            f"deflated_active_sharpe.{b}.information_ratio": a.deflated.sharpe,
            f"deflated_active_sharpe.{b}.expected_max": a.deflated.sr0,
            f"sharpe_gap.{b}": a.sharpe_gap,
        }
    if lk.wf is not None:
        out |= {f"walk_forward.{k}": v for k, v in lk.wf.oos_metrics.items()}
        out |= {f"in_sample_best_same_days.{k}": v for k, v in lk.wf.in_sample_metrics.items()}
    return out


def best_verdict_metrics(lk: Luck) -> dict[str, float]:
    """The best configuration's verdicts over the whole window as ``best.verdict.<benchmark>.<name>``."""
    return {f"best.verdict.{b}.{k}": v for b, c in lk.verdicts.items() for k, v in c.metrics().items()}


def finish(
    cfg: DictConfig,
    sweep: Sweep,
    folder: Path,
    *,
    echo: bool = True,
    rerun: str | None = None,
    helper: Helper | None = None,
):
    """Finish a whole sweep simulated elsewhere (`sweeps.merge`) in run folder `folder`.

    Tracked as `run_grid` tracks one: statistics, results folder, MLflow parent run, terminal summary.
    `helper` draws the report's PNG (see `conclude`).
    """
    base, opts = make_plan(cfg), settings(cfg)

    name = run_name(f"{cfg.strategy.name}-grid", [])
    with opened(cfg, name, Path(folder), rerun) as run:
        market = load_market(cfg)
        run.start(market)
        run.results.mkdir(parents=True, exist_ok=True)
        return run.finish(conclude(cfg, sweep, run.results, market, base, opts, helper), echo=echo)


def conclude(
    cfg: DictConfig,
    sweep: Sweep,
    results: Path,
    market,
    base: Plan,
    opts: GridSettings,
    helper: Helper | None = None,
):
    """Statistics, results folder and terminal summary of a whole sweep; its top k as child runs.

    `base` is the base config's plan (its benchmarks, costs and verdict), `opts` the grid's settings;
    `helper` draws the PNG if given (`report.render.Helper`, started before the data loaded).

    Returns:
        A `tracking.tracked.Outcome`.
    """
    # the PNG needs only the table and the best: drawn beside this process while the rest is computed
    best = best_config(sweep.table, opts.metric)
    png = start_png(results, cfg, sweep, opts.metric, best, helper)
    # the results and daily returns are written by a thread meanwhile: Arrow's writer and numpy's
    # reductions in the statistics release the GIL, so the two share the cores
    writer = ThreadPoolExecutor(1, thread_name_prefix="write_sweep")
    try:
        wrote = writer.submit(write_sweep, sweep, results)
        portfolios = benchmark_portfolios(base, market, sweep.dates)  # on their own, once
        lk = luck(sweep, opts, primary(base, portfolios))
        metrics = summary_metrics(sweep, lk)
        bench = benchmarks(portfolios)
        metrics |= {f"{name}.{k}": v for name, m in bench.items() for k, v in m.items()}
        cash = pd.Series(sweep.cash_returns, index=sweep.dates)
        returns = {name: p.returns for name, p in portfolios.items()}
        chosen = pd.Series(sweep.returns[:, sweep.table.index.get_loc(lk.best)], index=sweep.dates)
        lk = replace(lk, verdicts=compare_each(chosen, returns, cash, base.verdict, base.verdict_settings))
        metrics |= best_verdict_metrics(lk)
        if lk.wf is not None:  # out of sample against the benchmarks, on the same days
            wf = against(lk.wf, returns, cash, base.verdict, base.verdict_settings)
            lk = replace(lk, wf=wf)
            metrics |= verdict_metrics(wf)
        wrote.result()
        if lk.wf is not None:
            lk.wf.choices.to_csv(results / "walk_forward.csv", index=False)
            lk.wf.oos_returns.to_frame().to_parquet(results / "walk_forward_returns.parquet")
        summary = dict(metrics)
        if lk.against is not None:  # the survivors' ids and the sentence: text, kept out of MLflow's metrics
            b = lk.against.benchmark
            summary[f"stepm.{b}.survivors"] = [int(sweep.table.index[j]) for j in lk.against.spa.survivors]
            summary["verdict"] = sentence(lk.against.verdict())
        summary |= {f"best.verdict.{b}.sentence": sentence(c.verdict) for b, c in lk.verdicts.items()}
        (results / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
    except BaseException:
        png.cancel()
        raise
    finally:
        writer.shutdown()  # waits for the writes: nothing is left half-written behind an error
    write_grid_report(results, cfg, sweep, lk, opts, portfolios, png=png)
    top = sweep.table.sort_values(opts.metric, ascending=False, na_position="last").head(opts.top_k)
    swept = parameters(sweep.table)
    children = [
        {
            "name": params_name({k: sweep.table.at[i, k] for k in swept}),  # `.at`: each column's dtype
            "params": {k: str(row[k]) for k in swept},
            "metrics": _numeric(row),
            "tags": {"mode": "grid_child", "config": str(i)},
        }
        for i, row in top.iterrows()
    ]
    tags = _tags(cfg, market) | {"results_dir": str(results.parent)}
    if lk.against is not None:  # the sentence on the parent run too, beside its metrics
        tags["verdict"] = sentence(lk.against.verdict())
    return Outcome(metrics, render(cfg, sweep, lk, opts, bench), tags, children)


def primary(plan: Plan, portfolios: dict[str, PortfolioResult]) -> tuple[str, np.ndarray] | None:
    """The primary benchmark (``verdict.primary``: the plan's first, else `PRIMARY`) and its daily returns."""
    name = plan.verdict[0] if plan.verdict else PRIMARY
    p = portfolios.get(name)
    return None if p is None else (name, p.returns.to_numpy(dtype=float))


def benchmarks(portfolios: dict[str, PortfolioResult]) -> dict[str, dict[str, float]]:
    """The benchmarks' headline metrics (`benchmark_portfolios`), for comparison."""
    # every metric of the registry (`backtest.metrics.METRICS`) the benchmark has
    return {name: {k: v for k, v in p.metrics.items() if k in METRICS} for name, p in portfolios.items()}


def _tags(cfg: DictConfig, market) -> dict[str, str]:
    return base_tags(cfg, market) | {"mode": "grid", "sweep_id": sweep_id(cfg)}


def _numeric(row: pd.Series) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in row.items()
        if describe(k) is not None and isinstance(v, int | float | np.number)
    }


def _finish_chunk(cfg, sweep: Sweep, meta: dict, market, opts: GridSettings):
    """The outcome of one chunk of a scaled-out grid: its best, for the multirun's leaderboard."""
    best = sweep.table[opts.metric]
    metrics = {
        "n_configs": float(len(sweep.table)),
        "configs_per_second": len(sweep.table) / sweep.seconds if sweep.seconds > 0 else float("nan"),
        # the chunk's best, for the multirun's leaderboard of its jobs (statistics come with the merge)
        "sharpe_excess_tbill": float(sweep.table.loc[best.idxmax(), "sharpe_excess_tbill"]),
        "max_drawdown": float(sweep.table.loc[best.idxmax(), "max_drawdown"]),
    }
    text = (
        f"grid chunk {meta['chunk'] + 1}/{meta['n_chunks']} of sweep {meta['sweep_id']}: "
        f"{len(sweep.table)} of "
        f"{sweep.n_grid} configurations in {sweep.seconds:.1f} s ({metrics['configs_per_second']:.0f}/s)"
    )
    tags = _tags(cfg, market) | {"mode": "grid_chunk", "chunk": str(meta["chunk"])}
    return Outcome(
        metrics, text, tags, footer="\nmerge the chunks: python -m sweeps merge <the multirun folder>"
    )
