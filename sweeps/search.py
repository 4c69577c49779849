"""A search instead of an enumeration: ``grid.search=tpe`` (or ``random``) with Optuna, every trial counted.

    python run.py experiment=wedge_grid grid.search=tpe grid.n_trials=200
    python run.py experiment=wedge_grid grid.search=tpe grid.n_trials=400 grid.resume=<that run folder>

The space is the grid's: each list under ``grid.params`` is one parameter taking one of its values
(numeric lists in increasing or decreasing order as ordered integers, so TPE can learn that nearby
values score alike; any other list as categories). A configuration is named by its id in the full
grid (`sweeps.grid.config_id`), so a search's row for configuration 417 is the exhaustive grid's
row 417. Trials are asked until a batch holds ``grid.batch_size`` configurations new to the study;
those are simulated in one vectorized pass by the grid's `sweeps.evaluate.Evaluator` (in chunks of
``grid.chunk_size``), then every trial of the batch is told its ``grid.select_metric``. A
configuration asked again is not simulated again: the trial is told the value it had, and the
configuration counts once. The search ends when ``grid.n_trials`` distinct configurations are
evaluated (or the space is exhausted, or the sampler only repeats itself); then grid mode finishes as
for an exhaustive grid (`sweeps.run.conclude`) on the evaluated configurations: they are the
trials the deflated Sharpe ratio counts, and PBO's.

The study lives in the run folder, ``search.journal`` (Optuna's JournalStorage in a file: appends,
about ten times faster per trial than its SQLite storage here), and each simulated batch under
``grid_data/search/``, written before its trials are told. ``grid.resume=<run
folder or its search.journal>`` copies both into the new run folder and continues the same study: what
was evaluated is read back, not simulated again, and ``grid.n_trials`` counts the total.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from common import checks
from common.errors import ConfigError, UserError
from core.plan import Plan
from market.types import MarketData
from sweeps import grid as G
from sweeps.evaluate import Batch, Evaluator, config_plan

if TYPE_CHECKING:
    import optuna

    from tracking.tracked import Outcome

KINDS = ("grid", "tpe", "random")
STUDY = "grid-search"
STORE = "search.journal"
#: Under the run folder, beside the grid's daily returns: one table, returns and note per batch.
BATCHES = Path("grid_data") / "search"
#: Consecutive asks that bring no new configuration before the search stops (the sampler is stuck).
#: TPE repeats itself often on a small discrete space: told a repeat's value, it sharpens around it.
REPEAT_LIMIT = 200
#: What a resumed study must share with the run that continues it: everything that changes a
#: configuration's numbers or the objective (the data, the strategy, the costs, the space, the metric).
_SAME = ("params", "select_metric", "search")


@dataclass(frozen=True)
class SearchOptions:
    """A validated ``grid.search`` setting.

    Attributes:
        kind: ``tpe`` or ``random``.
        n_trials: Distinct configurations to evaluate (in total, resumed ones included).
        batch_size: Trials asked before one vectorized simulation.
        seed: The sampler's seed.
        metric: The objective, maximised (``grid.select_metric``).
        resume: The study to continue (a ``search.journal``), or None.
        digest: What the study must share with a run resuming it, as flat config keys -> JSON text.
    """

    kind: str
    n_trials: int
    batch_size: int
    seed: int
    metric: str
    resume: Path | None
    digest: dict[str, str]


@dataclass(frozen=True)
class Found:
    """The configurations a search evaluated, in the order it evaluated them.

    Attributes:
        table: Metrics, one row per configuration (index ``config``, its id in the full grid).
        returns: Daily returns, days × configurations (columns in `table` order).
        dates: The evaluation days.
        cash_returns: Daily T-bill returns on those days.
        skipped: Configurations asked that validation refused, and why.
        n_simulated: Distinct portfolios simulated.
        seconds: Wall time of the batches (ask, simulate, tell), resumed ones included.
        n_asked: Trials in the study (repeats and refused configurations included).
        n_repeats: Trials that asked for a configuration asked before (not simulated again).
        n_resumed: Configurations read back from the study resumed.
        storage: The study's storage URL.
        stalled: The sampler stopped bringing new configurations before `n_trials`.
    """

    table: pd.DataFrame
    returns: np.ndarray
    dates: pd.DatetimeIndex
    cash_returns: np.ndarray
    skipped: dict[int, str]
    n_simulated: int
    seconds: float
    n_asked: int
    n_repeats: int
    n_resumed: int
    storage: str
    stalled: bool


def searching(cfg: DictConfig) -> bool:
    """True when ``grid.search`` asks for a search rather than every configuration.

    Raises:
        BadValue: An unknown ``grid.search`` (with "did you mean"), or ``grid.resume`` without a search.
    """
    node = cfg.grid
    kind = checks.choice(
        "grid.search",
        node.get("search", "grid"),
        KINDS,
        fix="grid (every configuration), tpe (Optuna's TPE sampler) or random.",
    )
    if kind == "grid" and node.get("resume") is not None:
        raise ConfigError(
            "resumes a search, but grid.search=grid enumerates every configuration.",
            key="grid.resume",
            hint="add grid.search=tpe (or random, as the study was run), or drop grid.resume.",
        )
    return kind != "grid"


def options(cfg: DictConfig, spec: G.GridSpec) -> SearchOptions:
    """Validate a search's settings against its space, before any data is loaded.

    Raises:
        ConfigError: Nothing to search, more trials than configurations, a split or parallel grid,
            a resume target that is missing or searched another space.
    """
    node = cfg.grid
    kind = str(node.search)
    if spec.size == 1:
        raise ConfigError(
            "nothing to search: every list has one value, so the space is one configuration.",
            key="grid.params",
            hint="give a parameter several values, e.g. 'grid.params.strategy.signal.lookback=[63,252]', "
            "or run the one configuration with grid.search=grid.",
        )
    n_trials = checks.whole("grid.n_trials", node.n_trials, lo=1, fix="configurations to evaluate, e.g. 200.")
    if n_trials > spec.size:
        raise ConfigError(
            f"{n_trials:,} is more than the {spec.size:,} configurations of the space.",
            key="grid.n_trials",
            hint=f"evaluate them all with grid.search=grid, or set grid.n_trials below {spec.size:,}.",
        )
    for key in ("n_chunks", "n_jobs"):
        if node.get(key, 1) != 1:
            raise ConfigError(
                f"a search runs in one process (each batch follows what the last told), got {node[key]!r}.",
                key=f"grid.{key}",
                hint=f"set grid.{key}=1, or enumerate the grid (grid.search=grid) to split it.",
            )
    opts = SearchOptions(
        kind=kind,
        n_trials=n_trials,
        batch_size=checks.whole(
            "grid.batch_size", node.batch_size, lo=1, fix="trials per vectorized pass, e.g. 20."
        ),
        seed=checks.whole("grid.seed", node.seed, lo=0),
        metric=str(node.select_metric),
        resume=None,
        digest=digest(cfg),
    )
    if node.get("resume") is None:
        return opts
    return replace(opts, resume=check_resume(str(node.resume), opts))


def digest(cfg: DictConfig) -> dict[str, str]:
    """The config a study's numbers depend on, flat (key -> JSON text): all but how the run is kept.

    Tracking, charts, Hydra, the statistics and the search's own budget (trials, batch, seed) may
    change between a study and its resumption; nothing else may.
    """
    tree = OmegaConf.to_container(cfg, resolve=True)
    for k in ("hydra", "tracking", "charts"):
        tree.pop(k, None)
    grid = tree.get("grid") or {}
    tree["grid"] = {k: grid.get(k) for k in _SAME}
    return {k: json.dumps(v, sort_keys=True, default=str) for k, v in _flat(tree).items()}


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in tree.items():
        if isinstance(v, Mapping) and v:
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def check_resume(given: str, opts: SearchOptions) -> Path:
    """The ``search.journal`` that ``grid.resume`` names, checked to hold a study of the same space.

    Raises:
        ConfigError: No study there, or one run with another config (naming the keys that differ).
    """
    path = Path(given).expanduser()
    db = path / STORE if path.is_dir() else path
    hint = (
        "pass the run folder of a search (it holds search.journal), e.g. grid.resume=outputs/<date>/<time>."
    )
    if not db.is_file():  # checked first: opening a missing SQLite file would create it
        raise ConfigError(f"no search study at {db}.", key="grid.resume", hint=hint)
    optuna = _optuna()
    try:
        study = optuna.load_study(study_name=STUDY, storage=_storage(db))
    except Exception as err:  # not an Optuna database, or no study of ours in it
        raise ConfigError(
            f"{db} holds no search study ({type(err).__name__}).", key="grid.resume", hint=hint
        ) from None
    before = study.user_attrs.get("digest", {})
    differ = sorted(k for k in set(before) | set(opts.digest) if before.get(k) != opts.digest.get(k))
    if differ:
        shown = ", ".join(f"{k} (was {before.get(k, 'unset')})" for k in differ[:3])
        raise ConfigError(
            f"the study at {db} was run with another config: {shown}"
            + (f" and {len(differ) - 3} more" if len(differ) > 3 else "")
            + ".",
            key="grid.resume",
            hint="resume with the same experiment and overrides (only grid.n_trials, batch_size and seed "
            "may change), or start a new search without grid.resume.",
        )
    kept = _batch_ids(db.parent)
    missing = _told(study) - kept
    if missing:
        raise ConfigError(
            f"{len(missing)} configuration(s) the study evaluated have no results under "
            f"{db.parent / BATCHES}.",
            key="grid.resume",
            hint="resume from the run folder the study was run in, with its grid_data/ folder.",
        )
    if opts.n_trials < len(kept):
        raise ConfigError(
            f"{opts.n_trials:,} is fewer than the {len(kept):,} configurations the study at {db} evaluated.",
            key="grid.n_trials",
            hint=f"grid.n_trials counts the total: set it above {len(kept):,} to continue the search.",
        )
    return db


def check_folder(opts: SearchOptions, folder: Path) -> None:
    """Refuse to start a new study in a run folder that holds one (it would be resumed silently).

    Raises:
        ConfigError: The folder has a ``search.journal`` and ``grid.resume`` does not name it.
    """
    db = Path(folder) / STORE
    if db.exists() and (opts.resume is None or opts.resume.resolve() != db.resolve()):
        raise ConfigError(
            f"the run folder {folder} already holds a search study.",
            key="grid.resume",
            hint=f"continue it with grid.resume={folder}, or run in a new folder.",
        )


def probes(spec: G.GridSpec, base: Plan) -> dict[int, Plan]:
    """One plan per value of each list (on the base config): what `check_grid_windows` checks for a search.

    A search does not plan every configuration; a window too long for the data is one value's.
    """
    out, n = {}, 0
    for path, values in spec.params.items():
        for value in values:
            with contextlib.suppress(UserError):  # conflicts with the base's other values: judged when asked
                out[n] = config_plan(base, {path: value})
            n += 1
    return out


def space(spec: G.GridSpec) -> dict[str, optuna.distributions.BaseDistribution]:
    """Optuna's distributions: each list's position, ordered for monotonic numeric lists."""
    optuna = _optuna()
    out = {}
    for path, values in spec.params.items():
        if _ordered(values):
            out[path] = optuna.distributions.IntDistribution(0, len(values) - 1)
        else:
            out[path] = optuna.distributions.CategoricalDistribution(list(range(len(values))))
    return out


def _ordered(values: Sequence[Any]) -> bool:
    """Numbers in strictly increasing or decreasing order (so a neighbour is a similar value).

    >>> _ordered([63, 126, 252]), _ordered([1.0, 0.5]), _ordered([1, 3, 2]), _ordered([True, False])
    (True, True, False, False)
    """
    if len(values) < 2 or not all(checks.is_number(v) for v in values):
        return False
    d = np.diff(np.asarray(values, dtype=float))
    return bool((d > 0).all() or (d < 0).all())


def sampler(opts: SearchOptions) -> optuna.samplers.BaseSampler:
    """Optuna's TPE (multivariate, with the constant liar for a batch's pending trials) or random sampler."""
    optuna = _optuna()
    if opts.kind == "tpe":
        return optuna.samplers.TPESampler(seed=opts.seed, multivariate=True, constant_liar=True)
    return optuna.samplers.RandomSampler(seed=opts.seed)


def open_study(opts: SearchOptions, folder: Path) -> optuna.Study:
    """The run folder's study: new, or the resumed one copied in (its batches too)."""
    optuna = _optuna()
    db = Path(folder) / STORE
    db.parent.mkdir(parents=True, exist_ok=True)
    if opts.resume is not None and opts.resume.resolve() != db.resolve():
        optuna.copy_study(from_study_name=STUDY, from_storage=_storage(opts.resume), to_storage=_storage(db))
        src = opts.resume.parent / BATCHES
        if src.is_dir():
            shutil.copytree(src, Path(folder) / BATCHES, dirs_exist_ok=True)
    if db.exists():
        return optuna.load_study(study_name=STUDY, storage=_storage(db), sampler=sampler(opts))
    study = optuna.create_study(
        storage=_storage(db), study_name=STUDY, direction="maximize", sampler=sampler(opts)
    )
    study.set_user_attr("digest", opts.digest)
    study.set_user_attr("metric", opts.metric)
    return study


def run(
    opts: SearchOptions,
    spec: G.GridSpec,
    base: Plan,
    market: MarketData,
    folder: Path,
    *,
    start: str | None = None,
    end: str | None = None,
    progress: bool = True,
) -> Found:
    """Search the space: ask a batch, simulate its new configurations in one pass, tell; repeat.

    Args:
        opts: The search's settings (`options`).
        spec: The grid whose lists are the space.
        base: The plan of the base config (`core.plan.make_plan`).
        market: The market data.
        folder: The run folder: the study and the simulated batches are kept there.
        start: ``data.start``.
        end: ``data.end``.
        progress: Draw a progress bar.

    Returns:
        The evaluated configurations, resumed ones first.
    """
    from tqdm import tqdm  # lazy, as in `sweeps.run.simulate`

    study = open_study(opts, folder)
    done = _read_batches(folder)  # what a resumed study evaluated
    n_resumed = sum(len(b.table) for b, _ in done)
    values = {i: v for b, _ in done for i, v in _values(b, opts.metric).items()}
    skipped = {int(t.user_attrs["config"]): t.user_attrs["skipped"] for t in study.trials if _refused(t)}
    for t in study.get_trials(deepcopy=False, states=(_optuna().trial.TrialState.RUNNING,)):
        _tell(study, t.number, values.get(t.user_attrs.get("config"), float("nan")))  # interrupted
    ev = Evaluator(market, start=start, end=end)
    bar = tqdm(total=opts.n_trials, initial=len(values), unit="config", desc=opts.kind, disable=not progress)
    repeats = 0
    while len(values) < opts.n_trials and len(values) + len(skipped) < spec.size and repeats < REPEAT_LIMIT:
        t0 = time.perf_counter()
        asked, new, repeats = _ask(
            study, spec, base, opts.batch_size, opts.n_trials, values, skipped, repeats
        )
        if new:
            batch = _simulate(ev, new, spec.chunk_size, done[0][0].dates if done else None)
            note = {
                "n_simulated": batch.n_simulated,
                "seconds": time.perf_counter() - t0,
                "engine": batch.engine,
            }
            _write_batch(folder, len(done), batch, note)  # before telling: a crash here loses no result
            done.append((batch, note))
            values |= _values(batch, opts.metric)
        for trial, i in asked:
            _tell(study, trial, values.get(i, float("nan")))
        best = max((v for v in values.values() if np.isfinite(v)), default=float("nan"))
        bar.set_postfix_str(f"{len(study.trials)} trials, best {opts.metric} {best:.3f}", refresh=False)
        bar.update(len(new))
    bar.close()
    if not done:
        raise ConfigError(
            f"every configuration the search asked is invalid; the first: {next(iter(skipped.values()))}",
            key="grid.params",
            hint="fix the value lists in grid.params.",
        )
    return Found(
        table=pd.concat([b.table for b, _ in done]),
        returns=np.hstack([b.returns for b, _ in done]),
        dates=done[0][0].dates,
        cash_returns=done[0][0].cash_returns,
        skipped=skipped,
        n_simulated=sum(n["n_simulated"] for _, n in done),
        seconds=sum(n["seconds"] for _, n in done),
        n_asked=len(study.trials),
        n_repeats=sum(1 for t in study.trials if t.user_attrs.get("repeat")),
        n_resumed=n_resumed,
        storage=str(Path(folder).resolve() / STORE),
        stalled=len(values) < opts.n_trials and len(values) + len(skipped) < spec.size,
    )


def _ask(
    study: optuna.Study,
    spec: G.GridSpec,
    base: Plan,
    batch_size: int,
    n_trials: int,
    values: Mapping[int, float],
    skipped: dict[int, str],
    repeats: int,
) -> tuple[list[tuple[optuna.Trial, int]], dict[int, Plan], int]:
    """Ask trials until a batch of new configurations: their ids, and plans for the new ones.

    Asks until `batch_size` configurations new to the study (fewer if the budget or the space is
    nearly spent), or `REPEAT_LIMIT` asks in a row repeat a configuration: a repeat takes no place in
    the vectorized pass. A configuration the signal or allocation refuses is added to `skipped`. The
    count of consecutive repeats carries over from batch to batch.

    Returns:
        The trials with their configuration ids, the new configurations' plans, the repeat count.
    """
    dists, paths = space(spec), list(spec.params)
    asked: list[tuple[optuna.Trial, int]] = []
    new: dict[int, Plan] = {}
    want = min(batch_size, n_trials - len(values))
    while len(new) < want and repeats < REPEAT_LIMIT and len(values) + len(skipped) + len(new) < spec.size:
        trial = study.ask(dists)
        i = G.config_id(spec, [trial.params[p] for p in paths])
        trial.set_user_attr("config", i)
        asked.append((trial, i))
        if i in values or i in skipped or i in new:
            repeats += 1
            trial.set_user_attr("repeat", True)
            continue
        repeats = 0
        try:
            new[i] = config_plan(base, G.config_at(spec, i))
        except UserError as err:  # e.g. z_exit above z_entry: skipped, as a grid skips it
            skipped[i] = err.message
            trial.set_user_attr("skipped", err.message)
    return asked, new, repeats


def _values(batch: Batch, metric: str) -> dict[int, float]:
    return dict(zip(map(int, batch.table.index), batch.table[metric].to_numpy(dtype=float), strict=True))


def _simulate(ev: Evaluator, plans: dict[int, Plan], chunk_size: int, dates: pd.Index | None) -> Batch:
    """The batch's new configurations through the grid's evaluator, one pass per `chunk_size`.

    Raises:
        ConfigError: A pass ran on other dates than the search's first.
    """
    parts = [ev.evaluate([plans[i] for i in c], c) for c in G.batches(list(plans), chunk_size)]
    dates = parts[0].dates if dates is None else dates
    if any(not p.dates.equals(dates) for p in parts):
        raise ConfigError(
            "batches ran on different dates.", key="data.start", hint="set data.start and data.end."
        )
    if len(parts) == 1:
        return parts[0]
    return replace(
        parts[0],
        table=pd.concat([p.table for p in parts]),
        returns=np.hstack([p.returns for p in parts]),
        n_simulated=sum(p.n_simulated for p in parts),
    )


def _tell(study: optuna.Study, trial: optuna.Trial | int, value: float) -> None:
    """Tell a trial its value; a configuration without one (refused, or NaN) is a failed trial."""
    state = _optuna().trial.TrialState
    if np.isfinite(value):
        study.tell(trial, float(value))
    else:
        study.tell(trial, state=state.FAIL)


def _refused(trial: optuna.trial.FrozenTrial) -> bool:
    return "skipped" in trial.user_attrs


def _told(study: optuna.Study) -> set[int]:
    complete = _optuna().trial.TrialState.COMPLETE
    return {int(t.user_attrs["config"]) for t in study.trials if t.state == complete}


def _write_batch(folder: Path, k: int, batch: Batch, note: dict[str, float]) -> None:
    """Write batch `k`: returns and note first, the table last (its presence marks the batch done)."""
    out = Path(folder) / BATCHES
    out.mkdir(parents=True, exist_ok=True)
    r = pd.DataFrame(batch.returns, index=batch.dates, columns=[str(c) for c in batch.table.index])
    r.insert(0, "cash_return", batch.cash_returns)
    r.to_parquet(out / f"{k:05d}-returns.parquet")
    (out / f"{k:05d}-note.json").write_text(json.dumps(note))
    tmp = out / f"{k:05d}-table.parquet.tmp"
    batch.table.to_parquet(tmp)
    os.replace(tmp, out / f"{k:05d}-table.parquet")


def _batch_ids(folder: Path) -> set[int]:
    """The configurations of the batches written under `folder` (their tables only)."""
    return {
        int(i) for t in (Path(folder) / BATCHES).glob("*-table.parquet") for i in pd.read_parquet(t).index
    }


def _read_batches(folder: Path) -> list[tuple[Batch, dict[str, float]]]:
    """What `_write_batch` wrote under `folder`, in batch order: each batch and its note."""
    out = []
    for t in sorted((Path(folder) / BATCHES).glob("*-table.parquet")):
        r = pd.read_parquet(str(t).replace("-table", "-returns"))
        note = json.loads(Path(str(t).replace("-table.parquet", "-note.json")).read_text())
        batch = Batch(
            table=pd.read_parquet(t),
            returns=r.drop(columns="cash_return").to_numpy(),
            dates=pd.DatetimeIndex(r.index),
            cash_returns=r["cash_return"].to_numpy(),
            n_simulated=int(note["n_simulated"]),
            engine=str(note.get("engine", "")),
        )
        out.append((batch, note))
    return out


def annotate(out: Outcome, found: Found, opts: SearchOptions, n_space: int) -> Outcome:
    """The grid's outcome with the search's line, metrics and tags added."""
    from optuna import __version__  # lazy: optuna costs ~0.3 s at import

    n = len(found.table)
    line = (
        f"{opts.kind} search (Optuna {__version__}, seed {opts.seed}): {n:,} of {n_space:,} configurations "
        f"evaluated in {found.n_asked:,} trials ({found.n_repeats:,} repeats not "
        f"simulated again, {len(found.skipped):,} invalid)"
        + (f", {found.n_resumed:,} resumed from {opts.resume}" if opts.resume is not None else "")
        + (f"; stopped: the sampler repeated itself {REPEAT_LIMIT} times in a row" if found.stalled else "")
        + f"; study {found.storage}"
    )
    metrics = out.metrics | {
        "search.n_trials": float(found.n_asked),
        "search.n_repeats": float(found.n_repeats),
        "search.n_resumed": float(found.n_resumed),
    }
    tags = out.tags | {"search": opts.kind, "search_storage": found.storage}
    folder = Path(found.storage).parent
    footer = f"\ncontinue the search: add grid.resume={folder} grid.n_trials=<a larger total>"
    return replace(out, text=f"{line}\n{out.text}", metrics=metrics, tags=tags, footer=footer)


def _storage(path: Path) -> optuna.storages.JournalStorage:
    """The study's storage: Optuna's journal, one file (its lock beside it while a process writes)."""
    optuna = _optuna()
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))


def _optuna():
    """Optuna, imported when a search runs (~0.3 s), its per-trial log lines silenced."""
    import optuna  # lazy: ~0.3 s at import; only a search (grid.search=tpe/random) needs it

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna
