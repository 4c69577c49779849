"""Structured configs (Hydra's ConfigStore) for ``backtest``, ``data``, ``tracking``, ``grid``, ``verdict``.

Each default lives here, once; the YAML files of those groups name their schema in their defaults list
and set only what differs. Hydra checks every value against these types as it composes (``backtest.lag=abc``
or ``backtest.engine=rustt`` is refused there, naming the key), and a key the schema does not have is a
typo, answered with the keys that exist (`pipeline.cli`). What a type cannot say (a date that exists, a
non-empty name, a choice, a range) `check` says for these sections, with `common.checks`, before any
work; the rooms check their own parameters with the same primitives (`core.plan.make_plan` runs all).

Registered when the `pipeline` package is imported (`pipeline/__init__.py`), before any composition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from analysis.verdict import BOOTSTRAPS, Settings
from common import checks
from common.errors import ConfigError


@dataclass
class BacktestConfig:
    """Execution and costs; annualisation is fixed at 252 trading days, cash earns the 3-month T-bill."""

    lag: int = 1  # weights decided on the close of day t trade on the close of day t+lag (>= 1)
    fees_bp: Any = 1.0  # proportional fee, bp of traded notional; or {sleeve: bp}
    slippage_bp: Any = 1.0  # fill price = close x (1 +/- slippage), bp; or {sleeve: bp}
    engine: str = "auto"  # vectorbt engine: auto (Rust when installed), rust or numba (checked in plan)


@dataclass
class DataConfig:
    """Where the market data comes from and how it is aligned (the loader is the source's own)."""

    source: str = "bundled"
    loader: Any = None  # a `_target_` node: the source's loader and its arguments
    calendar_column: str = "SPX"  # the equity calendar: days this series printed
    max_ffill_days: int = 5  # series on other calendars are carried forward at most this many rows
    start: str | None = None  # e.g. "2005-01-01"; null = as far back as the sleeves allow
    end: str | None = None
    sleeves: dict[str, str] = field(
        default_factory=lambda: {"equity": "SPY", "bonds": "IEF", "gold": "GLD", "cash": "TBILL3M"}
    )  # sleeve -> column; cash is a synthetic T-bill price built from a rate column (percent)


@dataclass
class TrackingConfig:
    """MLflow: a SQLite file at the repository root by default (MLFLOW_TRACKING_URI takes precedence)."""

    enabled: bool = True
    uri: str | None = None
    experiment: str = "regime-backtest"


@dataclass
class BootstrapConfig:
    """Stationary bootstrap of the best configuration's Sharpe ratio."""

    samples: int = 1000
    block: float = 21.0  # mean block length, trading days
    seed: int = 0


@dataclass
class WalkForwardConfig:
    """Walk-forward: choose the best on each training window, hold it over the next test window."""

    train_days: int = 1260  # 5 years
    test_days: int = 252  # 1 year
    mode: str = "rolling"  # rolling | expanding


@dataclass
class GridConfig:
    """A vectorized grid (``mode: grid``): the product of the value lists in ``params``."""

    params: Any = None  # config path -> values (nested like the config), e.g. strategy.signal.lookback
    ceiling: int = 10000  # larger grids are refused unless allow_large=true
    allow_large: bool = False
    chunk_size: int = 125  # configurations per vectorbt call: bounds memory (125: fastest here)
    n_jobs: int = 1  # processes simulating chunks in parallel (forked); 2 on a 2-core machine
    threads: int | None = None  # chunks simulated side by side on threads; null: the CPUs it may use, ≤ 2
    n_chunks: int = 1  # split the grid into this many multirun jobs ...
    chunk: int | None = None  # ... and run only this one (0-based); null = the whole grid
    select_metric: str = "sharpe_excess_tbill"  # how "best" is chosen (also walk-forward's choice)
    top_k: int = 5  # child MLflow runs for the top k configurations
    wide: bool = False  # the terminal's top table with every parameter and metric (else 120 columns)
    pbo_blocks: int = 16  # CSCV blocks: C(16, 8) = 12,870 train/test splits
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)
    walk_forward: WalkForwardConfig = field(default_factory=WalkForwardConfig)
    search: str = "grid"  # grid: every configuration | tpe | random: an Optuna search (sweeps/search.py)
    n_trials: int = 100  # a search: distinct configurations to evaluate (repeats are not simulated again)
    batch_size: int = 20  # a search: trials asked, then simulated in one vectorized pass, then told
    seed: int = 0  # a search: the sampler's seed
    resume: str | None = None  # a search: continue the study of this run folder (or its search.journal)


@dataclass
class VerdictConfig:
    """The verdict: the strategy against its benchmarks on the same days (`analysis.verdict.compare`).

    The test's defaults are `analysis.verdict.Settings`'s, read here so they live in one place.
    """

    primary: str = "sixty_forty"  # the benchmark the headline sentence is drawn against
    benchmarks: list[str] | None = None  # compared, the primary first; null: every one of `benchmarks:`
    resamples: int = Settings.resamples  # bootstrap resamples
    seed: int = Settings.seed  # the resampling's seed
    level: float = Settings.level  # 0.05: a 95% interval, "beats" when its lower end is above zero
    bootstrap: str = Settings.bootstrap  # circular (fixed blocks, Ledoit & Wolf) | stationary
    block: int | None = Settings.block  # block length in days; null: Politis-White's


#: ``charts.plotlyjs``: how ``report.html`` carries plotly.js (`report.tearsheet.PLOTLYJS`): inlined once
#: (the default: the page renders offline), a link to plotly's CDN (an explicit opt-in), or one copy
#: shared by the output tree's pages (a run's folder, a sweep's).
PLOTLYJS = ("inline", "cdn", "shared")


def check(cfg: Any) -> None:
    """Check what the types of these sections cannot: dates, names, choices, ranges (`common.checks`).

    Args:
        cfg: The composed config.

    Raises:
        ConfigError: Naming the first bad key, its value and a fix.
    """
    start, end = (checks.date(f"data.{key}", cfg.data[key]) for key in ("start", "end"))
    if start is not None and end is not None and start > end:  # the data's span is checked when it loads
        raise ConfigError(
            f"{start.date()} is after `data.end` {end.date()}.",
            key="data.start",
            hint="swap them, or set one to null for the whole history on that side.",
        )
    if cfg.tracking.enabled:
        checks.text(
            "tracking.experiment",
            cfg.tracking.experiment,
            what="a non-empty MLflow experiment name",
            fix="e.g. tracking.experiment=regime-backtest (the default).",
        )
    verdict = cfg.get("verdict")
    if verdict is not None:
        check_verdict(verdict)
    charts = cfg.get("charts")
    if charts is not None:
        checks.choice(
            "charts.enabled",
            charts.get("enabled", True),
            (True, False),
            fix="true (the default: the PNGs and report.html) or false (no figure: the tables, stats and "
            "tracking only, for CI smoke runs and sweeps).",
        )
        checks.choice(
            "charts.plotlyjs",
            charts.get("plotlyjs"),
            PLOTLYJS,
            fix="inline (the default: plotly.js inlined once in report.html, which renders offline), "
            "shared (plotly.js written once at the top of the run's or sweep's folder, each report.html "
            "linking it: small pages that render offline beside it) or cdn (a smaller page that loads "
            "plotly.js from its CDN and is blank without internet).",
        )


def check_verdict(v: Any) -> Settings:
    """The ``verdict`` section's test settings, checked (its benchmarks are checked with the plan's).

    Raises:
        BadValue: Naming the key, its value and a fix.
    """
    return Settings(
        resamples=checks.whole("verdict.resamples", v.resamples, lo=100, fix="e.g. 1000 (the default)."),
        seed=checks.whole("verdict.seed", v.seed, lo=0, fix="a whole number ≥ 0, e.g. 0 (the default)."),
        level=checks.number(
            "verdict.level", v.level, lo=0, hi=0.5, lo_open=True, hi_open=True, fix="e.g. 0.05 (95%)."
        ),
        bootstrap=checks.choice("verdict.bootstrap", v.bootstrap, BOOTSTRAPS),
        block=None
        if v.block is None
        else checks.whole("verdict.block", v.block, lo=1, unit="trading days", fix="or null: Politis-White."),
    )


SCHEMAS = {
    "backtest": BacktestConfig,
    "data": DataConfig,
    "tracking": TrackingConfig,
    "grid": GridConfig,
    "verdict": VerdictConfig,
}


def register() -> None:
    """Store each schema as ``schema/<group>`` (package ``<group>``) in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    for group, node in SCHEMAS.items():
        cs.store(group="schema", name=group, node=node, package=group)
