"""The notebook door: the same backtests as ``python run.py``, as Python objects.

>>> from pipeline import api                                   # doctest: +SKIP
>>> r = api.backtest("move_vix_wedge", ["strategy.signal.z_entry=2.0"])
>>> r.stats.loc["sharpe_excess_tbill"]        # metric x portfolio, as the terminal table
>>> r.plot("equity")                          # a matplotlib figure (plotly: interactive=True)
>>> r.save("my_run")                          # the run folder run.py would write
>>> r.log()                                   # and the MLflow run

Every function composes ``conf/`` with Hydra exactly as ``run.py`` does (the config is found through the
installed project, so any working directory will do), validates it in the same place and runs the same
core (`core`, through `single.run` or `sweeps.run`, as `pipeline.run` picks): the numbers are run.py's.
`data` may be a DataFrame of your own, with the loaders' column contract (a DatetimeIndex, one float
column per series, e.g. ``SPY``, ``IEF``, ``TBILL3M``, ``MOVE``, ``VIX``, ``SPX``); it is read as a csv
file is (`market.csv_source.read_frame`: text dates that read two ways are refused) and aligned and
checked by `market.frame.prepare` like any loaded file. It stays in memory (no file is written).
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from analysis.event_study import level_changes, study
from analysis.verdict import Comparison
from common.errors import ConfigError, DataError
from core.data import load_market
from core.job import REPO_ROOT
from core.plan import make_plan
from core.simulation import RunResult, prepare_inputs
from core.simulation import backtest as _backtest
from market.csv_source import read_frame
from market.frame import content_digest
from market.types import MarketData
from pipeline.cli import compose_config
from pipeline.run import execute
from single import outputs
from single.run import run_single
from single.summary import stats_frame, summary
from tracking.lineage import rerun_command
from tracking.mlflow_store import redacted_config

__all__ = ["GridResult", "Result", "backtest", "compose", "event_study", "grid", "signals"]

PLOTS = ("equity", "signal", "allocation", "events", "episodes")


#: The users' frames, read and checked, by content digest: what ``data.loader`` names (no file written).
_FRAMES: dict[str, pd.DataFrame] = {}


def given_frame(digest: str) -> pd.DataFrame:
    """The loader of a frame passed as ``data=``: the checked copy `_data_overrides` kept in memory."""
    if digest not in _FRAMES:
        raise ConfigError(
            f"no frame {digest!r} in this Python session",
            key="data.loader.digest",
            hint="pass the DataFrame again as data=...",
        )
    return _FRAMES[digest]


def _data_overrides(data: pd.DataFrame | None) -> list[str]:
    """Point the loader at the user's frame, read as a file is (`market.csv_source.read_frame`)."""
    if data is None:
        return []
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(f"must be a pandas DataFrame, got {type(data).__name__}.", key="data")
    frame = read_frame(data)
    digest = content_digest(frame)
    _FRAMES.setdefault(digest, frame)
    loader = f"data.loader={{_target_: pipeline.api.given_frame, digest: '{digest}'}}"
    return [loader, "data.source=dataframe"]


def compose(
    strategy: str | None = None,
    overrides: Sequence[str] = (),
    *,
    experiment: str | None = None,
    data: pd.DataFrame | None = None,
) -> DictConfig:
    """The composed config, as ``python run.py strategy=<strategy> <overrides>`` would compose it.

    Args:
        strategy: A preset of ``conf/strategy`` (None: the default, move_vix_wedge).
        overrides: Hydra overrides, e.g. ``["signal=term_premium", "backtest.fees_bp=2"]``.
        experiment: A preset of ``conf/experiment`` (e.g. ``wedge_grid``).
        data: A DataFrame to use instead of the configured loader.

    Raises:
        ConfigError: An unknown option or key (with a suggestion), or a malformed override.
    """
    if isinstance(overrides, str):
        raise ConfigError(
            f"must be a list of overrides, got the string {overrides!r}",
            key="overrides",
            hint=f"put it in a list: [{overrides!r}]",
        )
    ovs = [f"strategy={strategy}"] if strategy else []
    ovs += [f"experiment={experiment}"] if experiment else []
    return compose_config([*ovs, *overrides, *_data_overrides(data)])


@dataclass
class Result:
    """One backtest: the strategy and its benchmarks on the same dates and costs.

    Attributes:
        cfg: The composed config it ran.
        run: The core's result (plan, market data, portfolios, signal).
        rerun: The ``python run.py ...`` command that runs the same config (the tearsheet's lineage).
    """

    cfg: DictConfig
    run: RunResult
    rerun: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def stats(self) -> pd.DataFrame:
        """Metric x portfolio: exactly the numbers of the terminal table (fractions, not percent)."""
        return stats_frame(self.run)

    @property
    def metrics(self) -> dict[str, float]:
        """Every metric as tracked in MLflow (the strategy's unprefixed, ``<benchmark>.<metric>``, ...)."""
        if "metrics" not in self._cache:
            self._cache["metrics"] = outputs.flat_metrics(self.run)
        return self._cache["metrics"]

    @property
    def verdict(self) -> Comparison | None:
        """The strategy against the primary benchmark (``verdict.primary``, 60/40 by default).

        ``r.verdict.verdict`` is the `analysis.verdict.Verdict` on the Sharpe difference (``str(r.verdict)``
        its sentence); ``.cagr`` and ``.max_drawdown`` the other intervals, ``.information_ratio``,
        ``.psr``, ``.active`` the daily active returns. None when the window is too short to test.
        """
        return next(iter(self.run.verdicts.values()), None)

    @property
    def verdicts(self) -> dict[str, Comparison]:
        """The strategy against each benchmark of ``verdict.benchmarks``, the primary first."""
        return dict(self.run.verdicts)

    @property
    def episodes(self) -> pd.DataFrame | None:
        """One row per risk-off episode against the primary benchmark (``episodes.csv``; None: no signal).

        Dates, trading days, the equity sleeve's return during it, strategy minus benchmark during it
        and over the 20 and 60 days after, and the costs paid (`analysis.verdict.scorecard`).
        """
        return self.run.episodes

    @property
    def daily(self) -> pd.DataFrame:
        """One row per day: each portfolio's value and return, the strategy's weights, the signal."""
        return outputs.daily_frame(self.run)

    @property
    def orders(self) -> pd.DataFrame:
        """The strategy's orders."""
        return self.run.strategy.orders

    @property
    def equity(self) -> pd.DataFrame:
        """Each portfolio's value at each close (one column per portfolio)."""
        return pd.DataFrame({n: p.value for n, p in self.run.portfolios.items()})

    @property
    def signal(self) -> pd.DataFrame | None:
        """The signal on the backtest's days: ``risk_off``, ``score`` (where it has one), ``covered``."""
        return None if self.run.signal is None else _signal_frame(self.run.signal, self.equity.index)

    @property
    def event_study(self) -> Any:
        """The signal's event study (`analysis.event_study.EventStudy`), or None without a signal."""
        if self.run.signal is None:
            return None
        if "event_study" not in self._cache:
            self._cache["event_study"] = outputs.event_study_of(self.run)
        return self._cache["event_study"]

    def table(self) -> str:
        """The terminal summary, as ``python run.py`` prints it."""
        return summary(self.run)

    def __repr__(self) -> str:
        return self.table()

    def plot(self, kind: str = "equity", *, interactive: bool = False) -> Any:
        """A figure of the run, without writing any file.

        Args:
            kind: ``equity`` (growth and drawdown of every portfolio), ``signal`` (the signal over its
                inputs), ``allocation`` (realised and target weights), ``events`` (forward returns after
                onsets vs all days) or ``episodes`` (the equity sleeve with the episodes).
            interactive: A plotly figure instead of a matplotlib one.
        """
        if kind not in PLOTS:
            raise ConfigError(f"unknown plot `{kind}`.", key="kind", hint=f"one of: {', '.join(PLOTS)}.")
        return outputs.figure(self.run, kind, interactive=interactive)

    def save(self, folder: str | Path) -> Path:
        """Write the run folder ``python run.py`` writes (``results/``: daily, orders, stats, charts)."""
        results = Path(folder) / "results"
        charts_on = bool(self.cfg.charts.get("enabled", True))
        outputs.write(
            self.run, results, plotlyjs=self.cfg.charts.plotlyjs, rerun=self.rerun, charts_on=charts_on
        )
        (results / "config.yaml").write_text(OmegaConf.to_yaml(redacted_config(self.cfg)))
        return results

    def log(self, folder: str | Path | None = None) -> dict[str, float]:
        """Track this backtest in MLflow as ``python run.py`` would (run folder, record, MLflow run).

        The run goes through run.py's own path with this config (the same numbers: it is deterministic).
        """
        cfg = self.cfg.copy()
        OmegaConf.update(cfg, "tracking.enabled", True, force_add=True)
        return execute(cfg, Path(folder) if folder else _api_folder(str(cfg.strategy.name)), echo=False)[1]


def _signal_frame(signal: Any, index: pd.Index | None = None) -> pd.DataFrame:
    cols = {"risk_off": signal.risk_off.astype(bool), "covered": signal.covered.astype(bool)}
    if signal.score is not None:
        cols["score"] = signal.score.astype(float)
    frame = pd.DataFrame(cols)
    return frame if index is None else frame.reindex(index)


def _api_folder(name: str) -> Path:
    """``outputs/api/<date>/<time>-<name>`` in the project, like run.py's Hydra folders."""
    now = _dt.datetime.now()
    return REPO_ROOT / "outputs" / "api" / f"{now:%Y-%m-%d}" / f"{now:%H-%M-%S-%f}-{name}"


def backtest(
    strategy: str | None = "move_vix_wedge",
    overrides: Sequence[str] = (),
    data: pd.DataFrame | None = None,
    track: bool = False,
) -> Result:
    """Backtest a strategy preset (with overrides) against its benchmarks.

    Args:
        strategy: A preset of ``conf/strategy``; its parts can be swapped in `overrides`
            (``signal=term_premium``, ``allocation=graded``, ``rebalance=weekly``).
        overrides: Hydra overrides, exactly as on run.py's command line.
        data: A DataFrame to use instead of the configured loader (see the module docstring).
        track: Also write the run folder and the MLflow run, as run.py does.

    Returns:
        The `Result`: ``.stats``, ``.daily``, ``.orders``, ``.signal``, ``.event_study``, ``.equity``,
        ``.plot()``, ``.save()``, ``.log()``.

    Raises:
        UserError: A bad config value or data (the message names the key and a fix).
    """
    cfg = compose(strategy, overrides, data=data)
    if cfg.get("mode") == "grid":
        raise ConfigError("is a grid experiment; use api.grid(...).", key="mode")
    plan = make_plan(cfg)
    market = load_market(cfg)
    rerun = rerun_command([*([f"strategy={strategy}"] if strategy else []), *overrides])
    if track:
        run, _ = run_single(cfg, plan, _api_folder(plan.name), echo=False, market=market, tree=False)
        return Result(cfg, run, rerun)
    return Result(cfg, _backtest(plan, market, start=cfg.data.start, end=cfg.data.end), rerun)


def _inputs(strategy: str | None, overrides: Sequence[str], data: pd.DataFrame | None) -> tuple:
    cfg = compose(strategy, overrides, data=data)
    plan = make_plan(cfg)
    if plan.signal is None:
        raise ConfigError(
            f"strategy `{plan.name}` has no signal.",
            key="strategy.signal",
            hint="pick one with signal=<name>.",
        )
    market: MarketData = load_market(cfg)
    return plan, market, prepare_inputs(plan, market, start=cfg.data.start, end=cfg.data.end)


def signals(
    strategy: str | None = "move_vix_wedge",
    overrides: Sequence[str] = (),
    data: pd.DataFrame | None = None,
    *,
    signal: str | None = None,
) -> pd.DataFrame:
    """The signal frame (``risk_off``, ``covered``, ``score``) of a preset, or of a ``conf/signal`` option.

    Computed on the whole data (lookbacks warm up on all of it), not only the backtest window.
    """
    ovs = [*overrides, *([f"signal={signal}"] if signal else [])]
    plan, market, _ = _inputs(strategy, ovs, data)
    return _signal_frame(plan.signal(market))


def event_study(
    strategy: str | None = "move_vix_wedge", overrides: Sequence[str] = (), data: pd.DataFrame | None = None
) -> Any:
    """The signal's event study on the equity sleeve over the backtest window (what run.py reports)."""
    _, _, inputs = _inputs(strategy, overrides, data)
    return study(inputs.signal.risk_off, inputs.prices["equity"])


def spillover(
    strategy: str | None = "auction_stress",
    overrides: Sequence[str] = (),
    data: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] = ("VIX", "MOVE"),
) -> pd.DataFrame:
    """What `columns` (levels, e.g. VIX and MOVE) did 1-5 days after the signal's onsets.

    On the backtest window, through `analysis.event_study.level_changes`: the note's "spill-over",
    beside the equity study of `event_study`.
    """
    _, market, inputs = _inputs(strategy, overrides, data)
    missing = [c for c in columns if c not in market.frame.columns]
    if missing:
        raise DataError(
            f"no column {missing[0]} in the data (it has: {', '.join(map(str, market.frame.columns))}).",
            key="levels",
            hint="name columns of the data, e.g. VIX,MOVE.",
        )
    window = inputs.prices.index
    return level_changes(inputs.signal.risk_off, market.frame.loc[window, list(columns)])


@dataclass(frozen=True)
class GridResult:
    """A grid sweep, as written to its run folder.

    Attributes:
        folder: The run folder (``results/`` inside).
        table: One row per configuration: its parameters, then its metrics.
        summary: The best configuration's metrics and the luck statistics (deflated Sharpe, PBO, the
            bootstrap interval, walk-forward out of sample), as logged on the MLflow parent run; and the
            sweep against the primary benchmark (``spa.<benchmark>.p_consistent``, the StepM survivors'
            ids in ``stepm.<benchmark>.survivors``, ``deflated_active_sharpe.<benchmark>``) with the
            ``verdict`` sentence (text, not logged as metrics).
        walk_forward: The walk-forward choices (one row per test window), or None when too short.
    """

    folder: Path
    table: pd.DataFrame
    summary: dict[str, Any]
    walk_forward: pd.DataFrame | None

    @functools.cached_property
    def best(self) -> pd.Series:
        """The best configuration's row."""
        return self.table.loc[int(self.summary["best_config"])]

    @property
    def verdict(self) -> str | None:
        """The search's verdict against the primary benchmark (SPA, every configuration counted)."""
        return self.summary.get("verdict")


def grid(
    experiment: str = "wedge_grid",
    overrides: Sequence[str] = (),
    data: pd.DataFrame | None = None,
    *,
    folder: str | Path | None = None,
    track: bool = False,
) -> GridResult:
    """Run a vectorized grid experiment (``python run.py experiment=<experiment>``).

    Args:
        experiment: A preset of ``conf/experiment``.
        overrides: Hydra overrides, e.g. ``["grid.params.strategy.signal.lookback=[63,252]"]``.
        data: A DataFrame to use instead of the configured loader.
        folder: The run folder (default ``outputs/api/<date>/<time>-<strategy>-grid``).
        track: Log the parent run and its top-k children to MLflow.
    """
    # lazy: the grid's code loads only for a grid (a single run through the API never pays it)
    from sweeps.run import TABLE

    ovs = [*overrides, *([] if track else ["tracking.enabled=false"])]
    cfg = compose(None, ovs, experiment=experiment, data=data)
    if cfg.get("mode") != "grid":
        raise ConfigError(f"`{experiment}` is not a grid experiment (mode: grid).", key="experiment")
    out = Path(folder) if folder else _api_folder(f"{cfg.strategy.name}-grid")
    execute(cfg, out, echo=False)
    results = out / "results"
    wf = results / "walk_forward.csv"
    return GridResult(
        folder=out,
        table=pd.read_parquet(results / TABLE),
        summary=json.loads((results / "summary.json").read_text()),
        walk_forward=pd.read_csv(wf) if wf.is_file() else None,
    )
