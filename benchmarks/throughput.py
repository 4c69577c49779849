"""Grid throughput as the user feels it: ``python run.py experiment=wedge_grid``, end to end, one process.

The marginal rate is 990 / (wall(1,000 configurations) − wall(10 configurations)): what each further
configuration costs once the fixed costs (interpreter, imports, data, benchmarks, report) are paid.
Both grids are timed as fresh processes, tracking off, alternately, `--repeats` times each; medians.
Beside it, in the same run:

- the same with ``grid.n_jobs=2`` (chunks in two worker processes);
- the same pinned to one core (``taskset -c 0``): the grid report's PNG is otherwise drawn by a forked
  child on the second core while the HTML is written (`report.render`);
- the warm in-process rate (`benchmarks/sweeps.py`'s worker: the simulation and metrics of 1,000
  configurations after a warm-up, no statistics, no files) and its numpy floor (the same signals,
  weights × next-day returns, no orders, no costs).

The load average is printed before and after: a busy 2-core machine doubles every figure.

Usage::

    python benchmarks/throughput.py                  # about 3 minutes on 2 cores
    python benchmarks/throughput.py --repeats 5 --out benchmarks/throughput.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SMALL = (  # 10 of the 1,000 configurations: 5 z_entry x 2 weight sets
    "grid.params.strategy.signal.lookback=[252]",
    "grid.params.strategy.signal.z_exit=[0.0]",
    "grid.params.strategy.signal.trend_window=[20]",
)


def wall(args: list[str], prefix: tuple[str, ...] = ()) -> float:
    """Seconds of one fresh ``run.py experiment=wedge_grid`` process (tracking off, own folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*prefix, sys.executable, str(REPO / "run.py"), "experiment=wedge_grid", "tracking=disabled"]
        cmd += [*args, f"hydra.run.dir={tmp}/run"]
        t = time.perf_counter()
        subprocess.run(cmd, cwd=tmp, check=True, capture_output=True)
        return time.perf_counter() - t


def marginal(repeats: int, extra: tuple[str, ...] = (), prefix: tuple[str, ...] = ()) -> dict:
    """Medians of 1,000- and 10-configuration grids, timed alternately, and the marginal rate."""
    big, small = [], []
    for _ in range(repeats):
        big.append(wall(list(extra), prefix))
        small.append(wall([*SMALL, *extra], prefix))
    b, s = statistics.median(big), statistics.median(small)
    return {"wall_1000": b, "wall_10": s, "rate": 990 / (b - s), "all_1000": big, "all_10": small}


def in_process(mode: str, repeats: int) -> dict:
    """`benchmarks/sweeps.py`'s worker (warm, in one process) for 1,000 configurations."""
    import importlib.util

    # benchmarks/sweeps.py by path: `import sweeps` is the project's package
    spec = importlib.util.spec_from_file_location("sweep_benchmark", REPO / "benchmarks" / "sweeps.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.in_subprocess(mode, 1000, None, repeats)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(rows: list[tuple[str, str, str]], before: str, after: str) -> str:
    lines = [
        f"load average (1, 5, 15 min) before: {before}; after: {after}; {os.cpu_count()} cores",
        "",
        "| what | time | configurations/s |",
        "|---|---:|---:|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown table here")
    a = ap.parse_args(argv)
    before = load()
    print(f"load average before: {before}", flush=True)
    rows = []
    one = marginal(a.repeats)
    rows.append(
        (
            "end to end, marginal: 990 / (wall 1,000 − wall 10)",
            f"{one['wall_1000']:.2f} s − {one['wall_10']:.2f} s",
            f"**{one['rate']:.0f}**",
        )
    )
    print(rows[-1], flush=True)
    if shutil.which("taskset"):
        pinned = marginal(a.repeats, prefix=("taskset", "-c", "0"))
        rows.append(
            (
                "the same on one core (taskset -c 0)",
                f"{pinned['wall_1000']:.2f} s − {pinned['wall_10']:.2f} s",
                f"{pinned['rate']:.0f}",
            )
        )
        print(rows[-1], flush=True)
    two = marginal(a.repeats, extra=("grid.n_jobs=2",))
    rows.append(
        (
            "end to end, marginal, grid.n_jobs=2",
            f"{two['wall_1000']:.2f} s − {two['wall_10']:.2f} s",
            f"{two['rate']:.0f}",
        )
    )
    print(rows[-1], flush=True)
    for mode, label in (("vectorized", "warm, in process (simulation + metrics)"), ("numpy", "numpy floor")):
        r = in_process(mode, a.repeats)
        rows.append((label, f"{r['seconds']:.2f} s", f"{r['rate']:.0f}"))
        print(rows[-1], flush=True)
    text = report(rows, before, load())
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
