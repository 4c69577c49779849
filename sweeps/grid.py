"""A parameter grid from config: expansion, what may vary, size ceiling, estimates, chunks.

The ``grid:`` config node (see ``conf/experiment/wedge_grid.yaml``)::

    grid:
      params:                              # config path -> list of values; the grid is their product
        strategy:                          # nested, or dotted keys: "strategy.signal.lookback": [...]
          signal: {lookback: [63, 126, 252]}
          allocation: {risk_off_weights: [{equity: 0.2, bonds: 0.3, cash: 0.5}, ...]}
      ceiling: 10000                       # refuse larger grids unless allow_large=true
      allow_large: false
      chunk_size: 250                      # configurations per vectorbt call (bounds memory)
      n_chunks: 1                          # split for multirun scale-out ...
      chunk: null                          # ... and run only this chunk (0-based); null = all

In vectorized mode, one simulation holds every configuration, so only what changes the weights or
the costs of a portfolio may vary: the signal's and the allocation's parameters, the rebalance
calendar and flag, fees and slippage. Anything else (the data, the lag, the engine, the signal or
allocation function itself) changes the dates or the machinery and must go through multirun.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from common import checks
from common.errors import ConfigError

#: Config prefixes whose leaves may vary in vectorized mode.
VARYING_PREFIXES = ("strategy.signal.", "strategy.allocation.", "strategy.overlay.")
#: Single config paths that may vary in vectorized mode.
VARYING_KEYS = (
    "strategy.rebalance.calendar",
    "strategy.rebalance.on_regime_change",
    "strategy.rebalance.drift_band",
    "strategy.rebalance.min_hold_days",
    "backtest.fees_bp",
    "backtest.slippage_bp",
)
#: Configurations per second of the vectorized mode on the 2-core development machine, one process
#: (docs/performance.md): used only to estimate a grid's run time before it starts.
CONFIGS_PER_SECOND = 500.0
#: Bytes per (day × configuration × sleeve) cell held while a chunk simulates (close, size, order
#: records, units, values), and per (day × configuration) kept for the statistics (daily returns).
CHUNK_BYTES_PER_CELL = 64
RESULT_BYTES_PER_CELL = 16


@dataclass(frozen=True)
class GridSpec:
    """A validated grid.

    Attributes:
        params: Config path -> the values it takes, in config order.
        ceiling: Largest grid run without `allow_large`.
        allow_large: Run grids above the ceiling.
        chunk_size: Configurations per vectorized simulation.
        n_chunks: Jobs the grid is split into for multirun.
        chunk: The job's chunk index, or None for the whole grid.
    """

    params: dict[str, list[Any]]
    ceiling: int
    allow_large: bool
    chunk_size: int
    n_chunks: int
    chunk: int | None

    @property
    def size(self) -> int:
        """Number of configurations in the full grid."""
        return math.prod(len(v) for v in self.params.values())


def _positive_int(node: DictConfig, name: str) -> int:
    return checks.whole(f"grid.{name}", node[name], lo=1)  # the default: core.schema.GridConfig


def check_varying(path: str) -> None:
    """Raise a ConfigError unless `path` may vary in vectorized mode.

    Raises:
        ConfigError: Naming the key, why it cannot vary, and the multirun command that sweeps it.
    """
    leaf = path.startswith(VARYING_PREFIXES) and path.count(".") == 2
    if path in VARYING_KEYS or (leaf and not path.endswith(("._target_", "._partial_"))):
        return
    raise ConfigError(
        f"`{path}` cannot vary in vectorized grid mode: one simulation holds every configuration, so "
        "only signal and allocation parameters, strategy.rebalance.calendar/on_regime_change and "
        "backtest.fees_bp/slippage_bp may vary.",
        key=f"grid.params.{path}",
        hint=f"sweep it with multirun around the grid, e.g. `python run.py -m experiment=<grid> {path}=a,b`.",
    )


def parse(cfg: DictConfig) -> GridSpec:
    """Read and validate the ``grid`` node of the config.

    Raises:
        ConfigError: No grid, an empty grid or value list, a key that cannot vary, bad chunking.
    """
    node = cfg.get("grid")
    hint = (
        "list config paths and their values under grid.params, "
        "e.g. grid.params.strategy.signal.lookback=[63,252]"
    )
    if node is None or node.get("params") is None:
        raise ConfigError("grid mode needs a `grid.params` node.", key="grid.params", hint=hint)
    raw = node.params
    if not isinstance(raw, DictConfig):
        raise ConfigError(f"must map config paths to value lists, got {raw!r}.", key="grid.params", hint=hint)
    flat = _flatten_paths(OmegaConf.to_container(raw, resolve=True))
    if not flat:
        raise ConfigError("the grid is empty: no parameter to vary.", key="grid.params", hint=hint)
    params: dict[str, list[Any]] = {}
    for path, values in flat.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"needs a non-empty list of values, got {values!r}.", key=f"grid.params.{path}", hint=hint
            )
        check_varying(path)
        params[path] = values
    spec = GridSpec(
        params=params,
        ceiling=_positive_int(node, "ceiling"),
        allow_large=bool(node.allow_large),
        chunk_size=_positive_int(node, "chunk_size"),
        n_chunks=_positive_int(node, "n_chunks"),
        chunk=node.chunk,
    )
    if spec.chunk is not None:
        checks.whole(
            "grid.chunk",
            spec.chunk,
            lo=0,
            hi=spec.n_chunks - 1,
            fix=f"a chunk index below grid.n_chunks={spec.n_chunks}, e.g. grid.n_chunks=4 grid.chunk=0,1,2,3 "
            "with -m.",
        )
    return spec


def _flatten_paths(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"strategy": {"signal": {"lookback": [..]}}}`` and ``{"strategy.signal.lookback": [..]}`` alike.

    A mapping whose values are not all mappings is a leaf only when it is reached at a full path
    (three levels); dict-valued parameters (weight sets) are given as lists of mappings.
    """
    out: dict[str, Any] = {}
    for k, v in tree.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten_paths(v, f"{path}."))
        else:
            out[path] = v
    return out


def check_size(spec: GridSpec, n_days: int, n_sleeves: int, n_trials: int | None = None) -> None:
    """Refuse a grid above the ceiling unless `allow_large`, stating its estimated memory and time.

    Args:
        spec: The grid.
        n_days: Days of the data.
        n_sleeves: Sleeves of the strategy.
        n_trials: For a search (`sweeps.search`): the configurations it evaluates, checked instead of
            the size of the space it searches.

    Raises:
        ConfigError: On ``grid.ceiling`` (on ``grid.n_trials`` for a search).
    """
    n = spec.size if n_trials is None else n_trials
    if n <= spec.ceiling or spec.allow_large:
        return
    mem, secs = estimate(n, spec.chunk_size, n_days, n_sleeves)
    what = "the grid has" if n_trials is None else "the search would evaluate"
    fix = (
        "split it across jobs: grid.n_chunks=N grid.chunk=0,...,N-1 with -m"
        if n_trials is None
        else "lower it"
    )
    raise ConfigError(
        f"{what} {n:,} configurations, above the ceiling of {spec.ceiling:,} "
        f"(estimated peak memory {mem / 2**30:.1f} GiB, time ~{secs:,.0f} s in one process).",
        key="grid.ceiling" if n_trials is None else "grid.n_trials",
        hint=f"set grid.allow_large=true to run it anyway, raise grid.ceiling, or {fix}.",
    )


def estimate(n_configs: int, chunk_size: int, n_days: int, n_sleeves: int) -> tuple[float, float]:
    """Estimated peak memory (bytes) and run time (seconds) of a grid in one process.

    Memory: one chunk's simulation arrays plus the daily returns kept for the statistics.
    """
    chunk = min(chunk_size, n_configs) * n_days * n_sleeves * CHUNK_BYTES_PER_CELL
    kept = n_configs * n_days * RESULT_BYTES_PER_CELL
    return float(chunk + kept + 400 * 2**20), n_configs / CONFIGS_PER_SECOND


def expand(spec: GridSpec) -> list[dict[str, Any]]:
    """Every configuration of the grid, in a fixed order (the last key varies fastest)."""
    keys = list(spec.params)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*spec.params.values())]


def config_at(spec: GridSpec, i: int) -> dict[str, Any]:
    """Configuration `i` of the grid, as `expand` numbers it, without expanding the grid.

    >>> config_at(GridSpec({"a.b.c": [1, 2, 3], "a.b.d": ["x", "y"]}, 10, False, 2, 1, None), 3)
    {'a.b.c': 2, 'a.b.d': 'y'}
    """
    out = {}
    for path, values in reversed(spec.params.items()):  # the last key varies fastest
        i, k = divmod(i, len(values))
        out[path] = values[k]
    return dict(reversed(out.items()))


def config_id(spec: GridSpec, positions: Sequence[int]) -> int:
    """The id (`expand`'s order) of the configuration taking value ``positions[k]`` of each list.

    >>> config_id(GridSpec({"a.b.c": [1, 2, 3], "a.b.d": ["x", "y"]}, 10, False, 2, 1, None), [1, 1])
    3
    """
    i = 0
    for values, k in zip(spec.params.values(), positions, strict=True):
        i = i * len(values) + k
    return i


def chunk_bounds(n: int, n_chunks: int, chunk: int) -> tuple[int, int]:
    """Half-open range of configuration ids of `chunk` when `n` configurations split into `n_chunks`.

    >>> [chunk_bounds(10, 3, i) for i in range(3)]
    [(0, 4), (4, 7), (7, 10)]
    """
    base, extra = divmod(n, n_chunks)
    lo = chunk * base + min(chunk, extra)
    return lo, lo + base + (1 if chunk < extra else 0)


def batches(ids: Sequence[int], size: int) -> list[list[int]]:
    """Split configuration ids into consecutive batches of at most `size`."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def key_of(value: Any) -> str:
    """A stable text key for a parameter value (dicts and lists included), for caching and tables."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)  # what json.dumps writes for them, without its encoder (called per configuration)
    if isinstance(value, DictConfig | ListConfig):
        value = OmegaConf.to_container(value, resolve=True)
    return json.dumps(value, sort_keys=True, default=str)
