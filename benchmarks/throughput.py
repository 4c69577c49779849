"""Grid throughput as the user feels it: ``python run.py experiment=wedge_grid``, end to end, one process.

The marginal rate is 990 / (wall(1,000 configurations) − wall(10 configurations)): what each further
configuration costs once the fixed costs (interpreter, imports, data, benchmarks, report) are paid.
Both grids are timed as fresh processes, tracking off, alternately, `--repeats` times each; medians.
Beside it, in the same run:

- the same with ``grid.n_jobs=2`` (chunks in two worker processes);
- the same pinned to one core (``taskset -c 0``): the grid report's PNG is otherwise drawn on the
  second core, by a helper forked when the grid starts, while the HTML is written (`report.render`);
- the same as two chunks on a one-node Ray cluster with 2 CPUs (``scripts/ray_local.py``, the
  ``hydra/launcher=ray_cluster`` commands of docs/cluster.md, then ``python -m sweeps merge``), if Ray
  is installed;
- the warm in-process rate (`benchmarks/sweeps.py`'s worker: the simulation and metrics of 1,000
  configurations after a warm-up, no statistics, no files), as grid mode runs them (chunks of 125,
  two side by side on threads) and on one thread, and its numpy floor (the same signals, weights ×
  next-day returns, no orders, no costs);
- one backtest of the same strategy in the ``bt`` library (``pip install -e ".[bench]"``), on identical
  prices and executed weights: its configurations/s is one over its time;
- with ``--large``, a 100,000-configuration grid through chunks: ``grid.n_chunks`` processes of
  ``run.py experiment=wedge_grid grid.allow_large=true grid.chunk=i``, two at a time, then the merge
  (DSR, PBO, bootstrap, walk-forward over all 100,000); wall time and each process's peak memory.

The load average is printed before and after: a busy 2-core machine doubles every figure.

Usage::

    python benchmarks/throughput.py                  # about 3 minutes on 2 cores
    python benchmarks/throughput.py --repeats 5 --large --out benchmarks/throughput.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
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


#: Ray on this machine binds to 127.0.0.1 only with this (scripts/ray_local.py); the driver needs it too.
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def chunked_wall(args: list[str], launcher: list[str], n_chunks: int, env: dict[str, str]) -> float:
    """Seconds of a ``-m`` sweep of `n_chunks` chunks on `launcher`, then ``python -m sweeps merge``."""
    full = {**os.environ, **env, "PYTHONPATH": str(REPO)}  # Ray's workers import this checkout
    with tempfile.TemporaryDirectory() as tmp:
        chunks = ",".join(str(i) for i in range(n_chunks))
        cmd = [sys.executable, str(REPO / "run.py"), "-m", "experiment=wedge_grid", "tracking=disabled"]
        cmd += [*args, f"grid.n_chunks={n_chunks}", f"grid.chunk={chunks}", *launcher]
        cmd += [f"hydra.sweep.dir={tmp}/multi"]
        t = time.perf_counter()
        subprocess.run(cmd, cwd=tmp, check=True, capture_output=True, env=full)
        merge = [sys.executable, "-m", "sweeps", "merge", f"{tmp}/multi"]
        subprocess.run(merge, cwd=REPO, check=True, capture_output=True, env=full)
        return time.perf_counter() - t


def ray_marginal(repeats: int) -> dict | None:
    """`marginal` as two chunks on a one-node Ray cluster of 2 CPUs, then merged; None without Ray.

    ``hydra/launcher=ray_cluster`` gives each job one BLAS/numba thread (its ``env_vars``).
    """
    if importlib.util.find_spec("ray") is None:
        return None
    script = [sys.executable, str(REPO / "scripts" / "ray_local.py")]
    with tempfile.TemporaryDirectory() as tmp:
        started = subprocess.run([*script, "start", tmp], check=True, capture_output=True, text=True)
        address = started.stdout.strip().splitlines()[-1]
        try:
            launcher = ["hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={address}"]
            big, small = [], []
            for _ in range(repeats):
                big.append(chunked_wall([], launcher, 2, LOOPBACK))
                small.append(chunked_wall(list(SMALL), launcher, 2, LOOPBACK))
        finally:
            subprocess.run([*script, "stop", tmp], check=True, capture_output=True)
    b, s = statistics.median(big), statistics.median(small)
    return {"wall_1000": b, "wall_10": s, "rate": 990 / (b - s)}


#: 10 x 10 x 10 x 10 x 5 x 2 = 100,000 configurations of the wedge (with its two risk-off weight sets).
LARGE = (
    "grid.params.strategy.signal.lookback=[21,42,63,126,189,252,378,504,630,756]",
    "grid.params.strategy.signal.z_entry=[1.0,1.25,1.5,1.75,2.0,2.25,2.5,2.75,3.0,3.25]",
    "grid.params.strategy.signal.z_exit=[-1.0,-0.75,-0.5,-0.25,0.0,0.25,0.5,0.75,1.0,1.25]",
    "grid.params.strategy.signal.trend_window=[5,10,15,20,30,40,60,80,100,120]",
    "+grid.params.strategy.signal.vix_ceiling=[18.0,22.0,26.0,30.0,1000.0]",
    "grid.allow_large=true",
)


def _spawn(cmd: list[str], cwd: str) -> subprocess.Popen:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process; not a pipe: it could fill)
    return subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


def _reap(proc: subprocess.Popen) -> int:
    """Wait for `proc` (kept referenced: subprocess would reap a dropped one); its peak RSS in bytes."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        proc.stdout.seek(0)
        raise RuntimeError(f"{proc.args[1:4]} failed: {proc.stdout.read().decode()[-2000:]}")
    return usage.ru_maxrss * 1024  # Linux reports KiB


def large(n_chunks: int = 8, parallel: int = 2) -> dict:
    """The 100,000-configuration grid as `n_chunks` chunk processes, `parallel` at a time, then the merge."""
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, str(REPO / "run.py"), "experiment=wedge_grid", "tracking=disabled", *LARGE]
        base.append(f"grid.n_chunks={n_chunks}")
        t = time.perf_counter()
        todo, running, peaks = list(range(n_chunks)), [], []
        while todo or running:
            while todo and len(running) < parallel:
                i = todo.pop(0)
                running.append(_spawn([*base, f"grid.chunk={i}", f"hydra.run.dir={tmp}/multi/{i}"], tmp))
            peaks.append(_reap(running.pop(0)))
        chunks_s = time.perf_counter() - t
        t = time.perf_counter()
        merge = [sys.executable, "-m", "sweeps", "merge", f"{tmp}/multi"]
        merge_peak = _reap(_spawn(merge, str(REPO)))
        merge_s = time.perf_counter() - t
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        summary = json.loads((Path(tmp) / "multi" / "merged" / "results" / "summary.json").read_text())
    return {
        "chunks_seconds": chunks_s,
        "merge_seconds": merge_s,
        "chunk_peak_bytes": max(peaks),
        "merge_peak_bytes": merge_peak,
        "n_chunks": n_chunks,
        "parallel": parallel,
        "folder_bytes": size,
        "n_configs": int(summary["n_configs"]),
        "n_grid": int(summary["n_grid"]),
    }


def bt_rate(repeats: int) -> dict | None:
    """One bt backtest of the default wedge (`benchmarks/sweeps.py`'s comparison); None without bt."""
    if importlib.util.find_spec("bt") is None:
        return None
    r = _sweeps_bench().bt_comparison(repeats)["1bp fees + 1bp slippage"]
    return {"seconds": r["bt_seconds"], "rate": 1.0 / r["bt_seconds"]}


def _sweeps_bench():
    # benchmarks/sweeps.py by path: `import sweeps` is the project's package
    spec = importlib.util.spec_from_file_location("sweep_benchmark", REPO / "benchmarks" / "sweeps.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def in_process(mode: str, repeats: int) -> dict:
    """`benchmarks/sweeps.py`'s worker (warm, in one process) for 1,000 configurations."""
    return _sweeps_bench().in_subprocess(mode, 1000, None, repeats)


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
    ap.add_argument("--large", action="store_true", help="also the 100,000-configuration grid (~5 min)")
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
    ray = ray_marginal(a.repeats)
    if ray is not None:
        rows.append(
            (
                "end to end, marginal, 2 chunks on a Ray cluster of 2 CPUs, then the merge",
                f"{ray['wall_1000']:.2f} s − {ray['wall_10']:.2f} s",
                f"{ray['rate']:.0f}",
            )
        )
        print(rows[-1], flush=True)
    warm = (
        ("threads", "warm, in process (simulation + metrics), 2 threads (grid.threads=null: 2 on 2 CPUs)"),
        ("vectorized", "warm, in process, one thread, 250 configurations per chunk"),
        ("numpy", "numpy floor"),
    )
    for mode, label in warm:
        r = in_process(mode, a.repeats)
        rows.append((label, f"{r['seconds']:.2f} s", f"{r['rate']:.0f}"))
        print(rows[-1], flush=True)
    bt = bt_rate(a.repeats)
    if bt is not None:
        rows.append(("bt, one backtest of the same strategy", f"{bt['seconds']:.3f} s", f"{bt['rate']:.1f}"))
        print(rows[-1], flush=True)
    if a.large:
        big = large()
        total = big["chunks_seconds"] + big["merge_seconds"]
        rows.append(
            (
                f"{big['n_grid']:,} configurations ({big['n_configs']:,} valid): {big['n_chunks']} chunk "
                f"processes, {big['parallel']} at a time, "
                f"each at most {big['chunk_peak_bytes'] / 2**30:.2f} GiB; then the merge, "
                f"{big['merge_peak_bytes'] / 2**30:.2f} GiB; {big['folder_bytes'] / 2**30:.1f} GiB written",
                f"{big['chunks_seconds']:.0f} s + {big['merge_seconds']:.0f} s",
                f"{big['n_configs'] / total:.0f}",
            )
        )
        print(rows[-1], flush=True)
    text = report(rows, before, load())
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
