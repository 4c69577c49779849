"""Sweep benchmark: the vectorized grid against bt, one-job-per-configuration multirun and a numpy floor.

Measures, on the bundled data, on this machine:

(a) one backtest of the default `move_vix_wedge` switch, this project vs the `bt` library on identical
    prices and executed target weights: how closely the two agree (zero costs, and our default costs),
    and the time of one bt backtest;
(b) grids of 1,000 and 10,000 `move_vix_wedge` configurations: configurations/s (warm: after a warm-up
    grid in the same process, a fresh `Evaluator` each repeat, median of repeats) and peak memory (the
    worker subprocess's max RSS, imports included) for the vectorized mode; for one-job-per-configuration
    Hydra multirun (``python run.py -m`` over 5 values, tracking off, wall time / 5: per configuration,
    extrapolated); and for a plain numpy lower bound (the same signals, weights × returns, no orders,
    no costs);
(c) how time and memory grow from 100 to 10,000 configurations (20+ years) and from 5 to 20 years
    (1,000 configurations).

Usage::

    pip install -e ".[bench]"                    # bt
    python benchmarks/sweeps.py                  # everything (several minutes)
    python benchmarks/sweeps.py --only bt        # (a) only; also: grid, scaling
    python benchmarks/sweeps.py --repeats 5 --out benchmarks/sweeps.md
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WEIGHTS = [{"equity": 0.2, "bonds": 0.3, "cash": 0.5}, {"equity": 0.0, "bonds": 0.5, "cash": 0.5}]
LISTS_10K = {
    "strategy.signal.lookback": [21, 42, 63, 126, 189, 252, 378, 504, 630, 756],
    "strategy.signal.z_entry": [1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25],
    "strategy.signal.z_exit": [-1.0, -0.5, 0.0, 0.5, 1.0],
    "strategy.signal.trend_window": [5, 10, 20, 40, 60],
    "strategy.signal.vix_ceiling": [20.0, 1000.0],
    "strategy.allocation.risk_off_weights": WEIGHTS,
}
END = "2025-09-26"


def compose(*overrides: str):
    from hydra import compose as hcompose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return hcompose(config_name="config", overrides=["tracking=disabled", *overrides])


def configs(n: int) -> list[dict]:
    """`n` configurations: the whole 10,000 grid, or a fixed random sample of it."""
    import numpy as np

    keys = list(LISTS_10K)
    full = [dict(zip(keys, c, strict=True)) for c in itertools.product(*LISTS_10K.values())]
    if n >= len(full):
        return full
    pick = np.random.default_rng(0).choice(len(full), size=n, replace=False)
    return [full[i] for i in sorted(pick)]


def years_start(years: int | None) -> str | None:
    return None if years is None else f"{int(END[:4]) - years}{END[4:]}"


# ---------------------------------------------------------------------------------------------- workers


def worker(mode: str, n: int, years: int | None, repeats: int) -> dict:
    """Run in a subprocess: time `repeats` warm grids of `n` configurations; report rate and max RSS."""
    from core.data import load_market
    from core.plan import make_plan
    from sweeps.evaluate import Evaluator, config_plan

    cfg = compose("strategy=move_vix_wedge", f"data.start={years_start(years) or 'null'}")
    base = make_plan(cfg)
    market = load_market(cfg)
    plans = [config_plan(base, c) for c in configs(n)]
    run = {
        "numpy": _numpy_floor,
        "vectorized": _vectorized,
        "vectorized2": _vectorized_2,
        "threads": _vectorized_threads,
    }[mode]
    run(market, plans[: min(500, n)], cfg, chunk=250)  # warm-up: engine, kernels, worker processes
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        days = run(market, plans, cfg, chunk=250)
        times.append(time.perf_counter() - t)
    _ = Evaluator
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    med = statistics.median(times)
    return {"mode": mode, "configs": n, "days": days, "seconds": med, "rate": n / med, "peak_bytes": rss}


def _vectorized(market, plans, cfg, chunk: int) -> int:
    from sweeps.evaluate import Evaluator

    ev = Evaluator(market, start=cfg.data.start, end=cfg.data.end)
    days = 0
    kept = []
    for lo in range(0, len(plans), chunk):
        b = ev.evaluate(plans[lo : lo + chunk], list(range(lo, min(lo + chunk, len(plans)))))
        kept.append(b.returns)  # what grid mode keeps for its statistics
        days = len(b.dates)
    return days


def _vectorized_threads(market, plans, cfg, chunk: int) -> int:
    """Grid mode's defaults: `GridConfig`'s chunk size, chunks side by side on `default_threads` threads.

    `chunk` is not used: the chunks are `GridConfig.chunk_size`'s, as `sweeps.run.simulate` cuts them.
    """
    from core.schema import GridConfig
    from sweeps.evaluate import Evaluator
    from sweeps.results import default_threads
    from sweeps.run import threaded_batches

    ev = Evaluator(market, start=cfg.data.start, end=cfg.data.end)
    size = GridConfig.chunk_size
    chunks = [list(range(lo, min(lo + size, len(plans)))) for lo in range(0, len(plans), size)]
    out = list(threaded_batches(ev, dict(enumerate(plans)), chunks, default_threads()))
    return len(out[0].dates)


def _vectorized_2(market, plans, cfg, chunk: int) -> int:
    """Grid mode with ``grid.n_jobs=2``: chunks in two worker processes forked from a warm evaluator."""
    from sweeps.evaluate import Evaluator
    from sweeps.run import forked_batches

    ev = Evaluator(market, start=cfg.data.start, end=cfg.data.end)
    ev.evaluate(plans[:1], [0])  # as `sweeps.run.simulate` warms it before forking
    chunks = [list(range(lo, min(lo + chunk, len(plans)))) for lo in range(0, len(plans), chunk)]
    out = list(forked_batches(ev, dict(enumerate(plans)), chunks, 2))
    return len(out[0].dates)


def _numpy_floor(market, plans, cfg, chunk: int) -> int:
    """Lower bound: the same signals (vectorized kernel), daily target weights × next-day sleeve returns."""
    import numpy as np

    from backtest.metrics import YEAR, performance
    from core.simulation import sleeve_prices, window
    from signals.base import params_of
    from sweeps import kernels

    prices = sleeve_prices(market.frame, plans[0].sleeves)[["equity", "bonds", "cash"]]
    ends = min(market.last_observed[plans[0].sleeves[s]] for s in ("equity", "bonds"))
    idx = window(prices, cfg.data.start, cfg.data.end, ends)
    rows = prices.index.get_indexer(idx)
    r = prices.loc[idx].pct_change().fillna(0.0).to_numpy()
    cash = r[:, 2]
    fn = plans[0].signal.func
    for lo in range(0, len(plans), chunk):
        part = plans[lo : lo + chunk]
        outs = kernels.wedge_kernel(market.frame, [params_of(fn, p.signal.keywords) for p in part])
        state = np.column_stack([o.risk_off.to_numpy()[rows] for o in outs])
        sleeves = ["equity", "bonds", "cash"]
        on = kernels.weight_vector(part[0].allocation.keywords["risk_on_weights"], sleeves)
        off = np.stack(
            [kernels.weight_vector(p.allocation.keywords["risk_off_weights"], sleeves) for p in part]
        )
        w = np.where(state[:, :, None], off[None, :, :], on[None, None, :])
        port = np.einsum("tck,tk->tc", w[:-1], r[1:])
        value = np.cumprod(1.0 + port, axis=0)
        performance(value, cash[1:], 1.0)
        _ = YEAR
    return len(idx) - 1


# ------------------------------------------------------------------------------------------ measurements


def in_subprocess(mode: str, n: int, years: int | None, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "_worker", mode, str(n), str(years or 0), str(repeats)]
    out = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def multirun_per_config(jobs: int = 5) -> float:
    """Seconds per configuration of ``python run.py -m`` over `jobs` values (basic launcher, tracking off)."""
    values = ",".join(str(1.0 + 0.25 * i) for i in range(jobs))
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            str(REPO / "run.py"),
            "-m",
            f"strategy.signal.z_entry={values}",
            "tracking=disabled",
            f"hydra.sweep.dir={tmp}/multi",
        ]
        t = time.perf_counter()
        subprocess.run(
            cmd, cwd=tmp, capture_output=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)}
        )
        return (time.perf_counter() - t) / jobs


def bt_comparison(repeats: int) -> dict:
    """(a): our default switch backtest against bt on identical prices and executed target weights."""
    import bt

    from core.data import load_market
    from core.plan import make_plan
    from core.simulation import backtest

    out = {}
    cases = (
        ("zero costs", ("backtest.fees_bp=0", "backtest.slippage_bp=0")),
        ("1bp fees + 1bp slippage", ()),
    )
    for label, costs in cases:
        cfg = compose("strategy=move_vix_wedge", *costs)
        plan, market = make_plan(cfg), load_market(cfg)
        t = time.perf_counter()
        ours = backtest(plan, market).strategy
        ours_s = time.perf_counter() - t
        prices = backtest(plan, market).prices
        # bt trades on the close of the day it is given weights: give it our *executed* targets (lag applied)
        targets = ours.targets.dropna(how="all")
        fee = (plan.fees_bp + plan.slippage_bp + plan.fees_bp * plan.slippage_bp / 1e4) / 1e4
        px = prices.loc[prices.index >= prices.index[prices.index.get_loc(ours.value.index[0]) - 1]]

        def one(targets=targets, px=px, fee=fee):
            strat = bt.Strategy("switch", [bt.algos.WeighTarget(targets), bt.algos.Rebalance()])
            test = bt.Backtest(
                strat,
                px,
                initial_capital=1.0,
                integer_positions=False,
                commissions=lambda q, p: abs(q * p) * fee,
            )
            return bt.run(test)

        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            res = one()
            times.append(time.perf_counter() - t)
        theirs = res.prices["switch"].loc[ours.value.index] / 100.0  # bt rebases to 100
        ours_v = ours.value / ours.value.iloc[0] * theirs.iloc[0]
        rel = (theirs / ours_v - 1.0).abs()
        r_ours, r_bt = ours_v.pct_change().dropna(), theirs.pct_change().dropna()
        out[label] = {
            "final_value_ours": float(ours_v.iloc[-1]),
            "final_value_bt": float(theirs.iloc[-1]),
            "max_rel_value_diff": float(rel.max()),
            "max_abs_daily_return_diff": float((r_ours - r_bt).abs().max()),
            "bt_seconds": statistics.median(times),
            "ours_single_seconds": ours_s,
            "days": len(ours.value),
        }
    return out


def fmt_bytes(b: float) -> str:
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["bt", "grid", "scaling"], default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown report here")
    args = ap.parse_args(argv)
    lines = [
        f"sweeps benchmark, {platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"python {platform.python_version()}",
        "",
    ]
    rates = {}
    if args.only in (None, "bt"):
        res = bt_comparison(args.repeats)
        lines += [
            "(a) one move_vix_wedge switch backtest, this project vs bt 1.4.1 (identical prices and weights)",
            "",
        ]
        lines += [
            "| costs | final value (ours) | final value (bt) | max rel. value diff | max daily return diff "
            "| bt s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, r in res.items():
            lines.append(
                f"| {label} | {r['final_value_ours']:.6f} | {r['final_value_bt']:.6f} | "
                f"{r['max_rel_value_diff']:.2e} | {r['max_abs_daily_return_diff']:.2e} | "
                f"{r['bt_seconds']:.2f} |"
            )
        rates["bt"] = 1.0 / res["zero costs"]["bt_seconds"]
        lines.append("")
    if args.only in (None, "grid"):
        per = multirun_per_config(5)
        rates["multirun"] = 1.0 / per
        lines += [
            "(b) grids of move_vix_wedge over the bundled history (2002-07 to 2025-09, 5,828 days)",
            "",
            "| configs | mode | configs/s | peak memory (RSS) | vs multirun | vs bt |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for n in (1000, 10_000):
            for mode in ("threads", "vectorized", "vectorized2", "numpy"):
                r = in_subprocess(mode, n, None, args.repeats if n <= 1000 else 1)
                vs_m = r["rate"] / rates["multirun"]
                vs_bt = f"{r['rate'] / rates['bt']:,.0f}x" if "bt" in rates else "-"
                name = {
                    "threads": "vectorized (grid mode's defaults: 1 process, 2 threads)",
                    "vectorized": "vectorized (1 process, 1 thread, 250 per chunk)",
                    "vectorized2": "vectorized (grid mode, grid.n_jobs=2)",
                    "numpy": "numpy floor (weights x returns)",
                }[mode]
                mem = fmt_bytes(r["peak_bytes"]) + (" (parent only)" if mode == "vectorized2" else "")
                lines.append(f"| {n:,} | {name} | {r['rate']:,.0f} | {mem} | {vs_m:,.0f}x | {vs_bt} |")
            multi = "one job per config (Hydra multirun, 5 jobs, extrapolated)"
            lines.append(f"| {n:,} | {multi} | {rates['multirun']:.2f} | - | 1x | - |")
        lines.append("")
    if args.only in (None, "scaling"):
        lines += [
            "(c) scaling, vectorized mode",
            "",
            "| configs | years | days | seconds | configs/s | peak memory |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        cases = ((100, None), (1000, None), (3000, None), (10_000, None), (1000, 5), (1000, 10), (1000, 20))
        for n, years in cases:
            r = in_subprocess("vectorized", n, years, args.repeats if n <= 1000 else 1)
            lines.append(
                f"| {n:,} | {years or 'all (23)'} | {r['days']:,} | {r['seconds']:.2f} | {r['rate']:,.0f} | "
                f"{fmt_bytes(r['peak_bytes'])} |"
            )
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        mode, n, years, repeats = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) or None, int(sys.argv[5])
        print(json.dumps(worker(mode, n, years, repeats)))
        sys.exit(0)
    sys.exit(main())
