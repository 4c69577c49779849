"""Search benchmark: how many evaluations an Optuna search needs to find (nearly) the grid's best.

Measures, on the bundled data, in one process (tracking off), with `sweeps.search.run` as
``grid.search=tpe|random`` runs it (batches of ``--batch`` trials, each simulated in one pass):

(a) the 1,000-configuration wedge grid (``conf/experiment/wedge_grid.yaml``): the exhaustive grid's
    best Sharpe, then, per sampler and seed, the evaluations (distinct configurations simulated) until
    the best found reaches 99% of it; median over seeds, and the searches' wall time;
(b) a 6-parameter space too large to enumerate (12 lookbacks x 10 entries x 5 exits x 6 trend
    windows x 4 risk-off weight sets x 5 minimum holding periods = 72,000 configurations, above the
    10,000 ceiling): TPE against random search at the same budget, the best Sharpe each found (median
    over seeds), and the evaluations until each reached 99% of the best any run found.

Usage::

    python benchmarks/search.py                         # both (several minutes)
    python benchmarks/search.py --only wedge --seeds 5 --budget 300
    python benchmarks/search.py --tiny                  # a check that it runs (short data, small budget)
    python benchmarks/search.py --out benchmarks/search.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WEIGHTS = [
    {"equity": 0.2, "bonds": 0.3, "cash": 0.5},
    {"equity": 0.0, "bonds": 0.5, "cash": 0.5},
    {"equity": 0.4, "bonds": 0.4, "cash": 0.2},
    {"equity": 0.0, "bonds": 0.0, "cash": 1.0},
]
SIX = {
    "strategy.signal.lookback": [21, 42, 63, 84, 126, 189, 252, 315, 378, 504, 630, 756],
    "strategy.signal.z_entry": [1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25],
    "strategy.signal.z_exit": [-1.0, -0.5, 0.0, 0.5, 1.0],
    "strategy.signal.trend_window": [5, 10, 20, 40, 60, 120],
    "strategy.allocation.risk_off_weights": WEIGHTS,
    "strategy.rebalance.min_hold_days": [1, 5, 10, 21, 42],
}
TARGET = 0.99


def compose(*overrides: str):
    from hydra import compose as hcompose
    from hydra import initialize_config_dir

    import core  # noqa: F401  (registers the structured configs)

    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return hcompose(
            config_name="config", overrides=["experiment=wedge_grid", "tracking=disabled", *overrides]
        )


def searched(cfg, market, kind: str, seed: int, budget: int, batch: int):
    """One search of `budget` configurations: the selection metric in evaluation order, and the wall time."""
    from sweeps import search
    from sweeps.run import validate

    cfg.grid.search, cfg.grid.seed, cfg.grid.n_trials, cfg.grid.batch_size = kind, seed, budget, batch
    spec, base, *_ = validate(cfg)
    opts = search.options(cfg, spec)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        found = search.run(
            opts, spec, base, market, Path(tmp), start=cfg.data.start, end=cfg.data.end, progress=False
        )
        seconds = time.perf_counter() - t0
    return found.table[opts.metric].to_numpy(dtype=float), seconds, found.n_asked


def to_reach(values, target: float) -> int | None:
    """Evaluations until the running best reaches `target` (None: never within the budget)."""
    import numpy as np

    best = np.fmax.accumulate(np.where(np.isnan(values), -np.inf, values))
    hit = np.flatnonzero(best >= target)
    return int(hit[0]) + 1 if hit.size else None


def best_of(values) -> float:
    """The best value found (configurations without a value, NaN, do not count)."""
    import numpy as np

    return float(np.nanmax(values))


def median_count(counts: list[int | None], budget: int) -> str:
    """Median evaluations over seeds, a run that never reached counting as above the budget."""
    ranked = sorted(c if c is not None else budget + 1 for c in counts)
    m = statistics.median_high(ranked)  # a count some seed needed (the larger of two middles)
    return f"> {budget}" if m > budget else f"{m:g}"


def wedge(args, market_cfg) -> list[str]:
    from core.data import load_market
    from sweeps.run import simulate, validate

    cfg = compose(*market_cfg)
    market = load_market(cfg)
    spec, _, plans, _, opts, _ = validate(cfg)
    t0 = time.perf_counter()
    table, *_ = simulate(cfg, spec, plans, market, opts)
    grid_s = time.perf_counter() - t0
    metric = str(cfg.grid.select_metric)
    best = float(table[metric].max())
    lines = [
        f"(a) the wedge grid: {len(table):,} configurations, exhaustive best {metric} {best:.4f} "
        f"({grid_s:.1f} s); target {TARGET:.0%} of it = {TARGET * best:.4f}; budget {args.budget}, "
        f"batches of {args.batch}, seeds 0..{args.seeds - 1}",
        "",
        "| sampler | evaluations to 99% (median) | per seed | best found (median) "
        "| trials asked (median) | s per search (median) |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for kind in ("tpe", "random"):
        runs = [
            searched(compose(*market_cfg), market, kind, s, args.budget, args.batch)
            for s in range(args.seeds)
        ]
        counts = [to_reach(v, TARGET * best) for v, _, _ in runs]
        lines.append(
            f"| {kind} | {median_count(counts, args.budget)} | "
            f"{', '.join('-' if c is None else str(c) for c in counts)} | "
            f"{statistics.median(best_of(v) for v, _, _ in runs):.4f} | "
            f"{statistics.median(a for _, _, a in runs):g} | {statistics.median(s for _, s, _ in runs):.1f} |"
        )
    return lines


def six(args, market_cfg) -> list[str]:
    from omegaconf import OmegaConf

    from core.data import load_market

    def cfg_six():
        cfg = compose(*market_cfg)
        cfg.grid.params = OmegaConf.create(SIX)
        return cfg

    market = load_market(cfg_six())
    size = 1
    for v in SIX.values():
        size *= len(v)
    runs = {
        k: [searched(cfg_six(), market, k, s, args.budget6, args.batch) for s in range(args.seeds)]
        for k in ("tpe", "random")
    }
    ref = max(best_of(v) for rs in runs.values() for v, _, _ in rs)
    lines = [
        f"(b) a 6-parameter space of {size:,} configurations (above the ceiling of 10,000; not enumerated): "
        f"budget {args.budget6}, batches of {args.batch}, seeds 0..{args.seeds - 1}; "
        f"reference = the best any run found, {ref:.4f}",
        "",
        "| sampler | best found (median) | per seed | evaluations to 99% of the reference (median) "
        "| s per search (median) |",
        "|---|---:|---|---:|---:|",
    ]
    for kind, rs in runs.items():
        counts = [to_reach(v, TARGET * ref) for v, _, _ in rs]
        lines.append(
            f"| {kind} | {statistics.median(best_of(v) for v, _, _ in rs):.4f} | "
            f"{', '.join(f'{best_of(v):.3f}' for v, _, _ in rs)} | {median_count(counts, args.budget6)} | "
            f"{statistics.median(s for _, s, _ in rs):.1f} |"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=("wedge", "six"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=300, help="configurations per search of the wedge grid")
    ap.add_argument(
        "--budget6", type=int, default=500, help="configurations per search of the 6-parameter space"
    )
    ap.add_argument("--batch", type=int, default=20, help="trials per vectorized pass (grid.batch_size)")
    ap.add_argument(
        "--tiny", action="store_true", help="a quick check: data from 2020, 2 seeds, small budgets"
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    market_cfg: list[str] = []
    if args.tiny:
        args.seeds, args.budget, args.budget6, args.batch = 2, 30, 30, 10
        market_cfg = ["data.start=2020-01-01", "grid.walk_forward.train_days=252"]
    import optuna

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    head = (
        f"search benchmark, {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, optuna {optuna.__version__}, load average {load} (start)"
    )
    lines = [head, ""]
    if args.only in (None, "wedge"):
        lines += wedge(args, market_cfg) + [""]
    if args.only in (None, "six"):
        lines += six(args, market_cfg) + [""]
    lines.append(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
