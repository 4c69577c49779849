"""Start-up benchmark: the strategist's loop from the shell, against the bare imports (issue 38).

Measures, as medians over N fresh subprocesses on this machine, in interleaved rounds (each round times
every command once, so a load that drifts during the benchmark weighs on every row alike), after one
untimed warm-up of each command:

- bare import: ``python -c "import vectorbt, mlflow, hydra"`` (what a run paid before the engine door);
- floor: ``python -c "import pandas, hydra"`` (what any run pays: Python, numpy, pandas, Hydra);
- warm run: ``python run.py strategy=move_vix_wedge`` (tracked to a throw-away SQLite store, charts on);
- lean run: the same with ``tracking=disabled charts=none`` (CI smoke runs);
- monitor: ``python -m monitor`` (every signal preset on the bundled data, tracked);
- analysis: ``python -m analysis`` (the event study of the default strategy);
- sweep: ``python run.py -m strategy.signal.z_entry=1,1.5,2`` (3 jobs on Hydra's basic launcher, tracked);
- first run (``--first`` only): the warm run's command after deleting numba's on-disk cache inside the
  installed vectorbt package and the project's own bytecode, with a fresh tracking store.

The load average (1, 5, 15 minutes) is printed before and after: figures from a loaded machine are not
comparable with a quiet one's, and the targets are for a quiet machine. Every timed process runs with
Python's default bytecode caching (``PYTHONDONTWRITEBYTECODE`` removed from its environment) and the
repository first on its path (``PYTHONPATH``), from a temporary working directory.

Targets (issue 38): warm run <= 0.45 x bare import; lean run <= 1.5 x floor; monitor <= 0.5 x bare
import; sweep of 3 jobs <= 2 x warm run.

Usage::

    python benchmarks/startup.py                       # every row, 5 runs each
    python benchmarks/startup.py --runs 3 --out benchmarks/startup.md
    python benchmarks/startup.py --only import         # just the two import rows
    python benchmarks/startup.py --only run --first    # the imports, the runs, and the first run

Nothing is written into the repository. Deleting the numba cache (``--first``) changes the installed
package's caches only; numba rebuilds them on the next numba run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN_PY = REPO / "run.py"
STRATEGY = "strategy=move_vix_wedge"
FIRST_TARGET_SECONDS = 15.0
SWEEP = "strategy.signal.z_entry=1,1.5,2"

#: name -> (what the row measures, the row it is compared with, the target ratio or None)
TARGETS: dict[str, tuple[str, float | None]] = {
    "import": ("import", None),
    "floor": ("import", None),
    "warm": ("import", 0.45),
    "lean": ("floor", 1.5),
    "monitor": ("import", 0.5),
    "analysis": ("import", None),
    "sweep": ("warm", 2.0),
    "first": ("import", None),
}
NUMBA_CACHE_SUFFIXES = (".nbi", ".nbc")


@dataclass(frozen=True)
class Row:
    """One benchmark result: what was timed and the wall-clock seconds of each run."""

    what: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class BenchmarkError(RuntimeError):
    """A timed command failed or a prerequisite is missing."""


def time_command(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Run ``cmd`` to completion and return its wall-clock seconds; raise with its stderr if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise BenchmarkError(f"command failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return elapsed


def load() -> str:
    """The load average over 1, 5 and 15 minutes, and the CPUs."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def base_env() -> dict[str, str]:
    """This process's environment with Python's default bytecode caching, as on a user's machine.

    Some sandboxes and CI images set ``PYTHONDONTWRITEBYTECODE=1``; then every run recompiles the
    project's own modules (an editable install has no ``.pyc`` for them), which no user pays twice.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def require_run_py() -> None:
    """Fail clearly if the entry point does not exist yet."""
    if not RUN_PY.is_file():
        raise BenchmarkError(
            f"{RUN_PY} not found: the run benchmarks need the entry point. "
            "Run `python benchmarks/startup.py --only import` to time the imports alone."
        )


def commands(workdir: Path, label: int | str) -> dict[str, tuple[str, list[str]]]:
    """Each row's name -> (label, command); run outputs under ``workdir`` (``<row>-<label>``)."""
    py = sys.executable
    run = [py, str(RUN_PY)]
    out = {name: f"hydra.run.dir={workdir / f'{name}-{label}'}" for name in ("warm", "lean")}
    return {
        "import": ("bare import (vectorbt, mlflow, hydra)", [py, "-c", "import vectorbt, mlflow, hydra"]),
        "floor": ("floor (pandas, hydra)", [py, "-c", "import pandas, hydra"]),
        "warm": ("warm run (tracked, charts)", [*run, STRATEGY, out["warm"]]),
        "lean": (
            "run, tracking=disabled charts=none",
            [*run, STRATEGY, "tracking=disabled", "charts=none", out["lean"]],
        ),
        "monitor": ("python -m monitor", [py, "-m", "monitor"]),
        "analysis": ("python -m analysis", [py, "-m", "analysis"]),
        "sweep": (
            "3-job -m sweep (basic launcher)",
            [*run, "-m", STRATEGY, SWEEP, f"hydra.sweep.dir={workdir / f'sweep-{label}'}"],
        ),
    }


def run_env(workdir: Path) -> dict[str, str]:
    """Environment of a timed command: the repository first on the path, a SQLite store under ``workdir``."""
    env = base_env()
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{workdir / 'mlflow.db'}"
    env["HYDRA_FULL_ERROR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return env


def interleaved(names: list[str], runs: int) -> dict[str, Row]:
    """Time every row's command once per round, `runs` rounds, after one untimed warm-up of each."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        workdir = Path(tmp)
        env = run_env(workdir)
        for name in names:
            time_command(commands(workdir, "warmup")[name][1], env=env, cwd=workdir)
        seconds: dict[str, list[float]] = {name: [] for name in names}
        for i in range(runs):
            cmds = commands(workdir, i)
            for name in names:
                seconds[name].append(time_command(cmds[name][1], env=env, cwd=workdir))
                print(f"  {cmds[name][0]} #{i + 1}: {seconds[name][-1]:.2f} s", file=sys.stderr)
        labels = commands(workdir, 0)
    return {name: Row(labels[name][0], seconds[name]) for name in names}


def vectorbt_dir() -> Path:
    """The installed vectorbt package folder, found without importing it."""
    spec = importlib.util.find_spec("vectorbt")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError("vectorbt is not installed: pip install -e . first")
    return Path(next(iter(spec.submodule_search_locations)))


def numba_cache_files(package: Path) -> list[Path]:
    """numba's on-disk cache files (index and data) in the ``__pycache__`` folders under ``package``."""
    return sorted(
        p
        for cache in package.rglob("__pycache__")
        for p in cache.iterdir()
        if p.suffix in NUMBA_CACHE_SUFFIXES
    )


def clear_numba_cache(package: Path) -> int:
    """Delete numba's cache files under ``package`` (and under NUMBA_CACHE_DIR if set); return how many."""
    files = numba_cache_files(package)
    extra = os.environ.get("NUMBA_CACHE_DIR")
    if extra and Path(extra).is_dir():
        files += [p for p in Path(extra).rglob("*") if p.suffix in NUMBA_CACHE_SUFFIXES]
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)


def clear_project_bytecode() -> int:
    """Delete the project's own ``__pycache__`` folders (not the installed packages'); return how many.

    ``pip install -e .`` compiles no bytecode for the project itself, so a user's first run does.
    """
    folders = [p for p in REPO.rglob("__pycache__") if ".git" not in p.parts and ".venv" not in p.parts]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def first_row(runs: int) -> tuple[Row, int]:
    """Median of ``runs`` clear-caches-then-run cycles, each with a fresh tracking store."""
    package = vectorbt_dir()
    cleared = []

    def once(i: int) -> float:
        clear_project_bytecode()
        cleared.append(clear_numba_cache(package))
        workdir = Path(tempfile.mkdtemp(prefix="bench-first-"))
        try:
            return time_command(commands(workdir, i)["warm"][1], env=run_env(workdir), cwd=workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    seconds = []
    for i in range(runs):
        seconds.append(once(i))
        print(f"  first run after install #{i + 1}: {seconds[-1]:.2f} s", file=sys.stderr)
    return Row("first run after install", seconds), max(cleared, default=0)


def fmt_row(name: str, rows: dict[str, Row]) -> str:
    """A markdown table row: what, median, min, max, ratio to the row it is compared with, target."""
    row = rows[name]
    base, target = TARGETS[name]
    ratio = ""
    if base != name and base in rows:
        ratio = f"{row.median / rows[base].median:.2f}x {rows[base].what}"
    goal = f"<= {target:g}x" if target else ""
    spread = f"{row.median:.2f} | {min(row.seconds):.2f} | {max(row.seconds):.2f}"
    return f"| {row.what} | {spread} | {ratio} | {goal} |"


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def report(rows: dict[str, Row], runs: int, loads: tuple[str, str], notes: list[str]) -> str:
    """The markdown report: machine, load, table, targets, notes."""
    lines = [
        "## Start-up benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {platform.platform()}, "
        f"{os.cpu_count()} CPUs; medians over {runs} fresh processes in interleaved rounds (seconds, wall "
        f"clock). Load average (1 / 5 / 15 min) before: {loads[0]}; after: {loads[1]}.",
        "",
        "| what | median s | min s | max s | ratio | target |",
        "|---|---:|---:|---:|---|---|",
        *(fmt_row(name, rows) for name in rows),
        "",
        "Targets (on a quiet machine):",
        "",
    ]
    for name, (base, target) in TARGETS.items():
        if target is None:
            continue
        if name in rows and base in rows:
            ratio = rows[name].median / rows[base].median
            lines.append(
                f"- {rows[name].what} <= {target:g}x {rows[base].what}: {ratio:.2f}x, "
                f"**{verdict(ratio <= target)}**"
            )
        else:
            lines.append(f"- {name} <= {target:g}x {base}: not measured")
    if "first" in rows:
        first = rows["first"].median
        ok = first <= FIRST_TARGET_SECONDS
        lines.append(f"- first run <= {FIRST_TARGET_SECONDS:g} s: {first:.2f} s, **{verdict(ok)}**")
    if notes:
        lines += ["", "Notes:", "", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per row (default 5)")
    parser.add_argument("--out", type=Path, help="also write the markdown report to this file")
    parser.add_argument(
        "--only",
        choices=["import", "run"],
        help="import: the two import rows only; run: those and the run rows (no monitor, analysis, sweep)",
    )
    parser.add_argument("--first", action="store_true", help="also time the first run after install")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the markdown report, optionally write it; return the exit status."""
    args = parse_args(argv)
    names = ["import", "floor", "warm", "lean", "monitor", "analysis", "sweep"]
    names = {"import": names[:2], "run": names[:4], None: names}[args.only]
    loads = [load()]
    print(f"load average (1 / 5 / 15 min): {loads[0]}", file=sys.stderr)
    try:
        if len(names) > 2 or args.first:
            require_run_py()
        rows = interleaved(names, args.runs)
        notes = []
        if args.first:
            rows["first"], cleared = first_row(args.runs)
            notes.append(
                f"first run: deleted up to {cleared} numba cache files (*.nbi/*.nbc) under "
                f"{vectorbt_dir()} and the project's own __pycache__ folders before each run."
            )
        if "PYTHONDONTWRITEBYTECODE" in os.environ:
            notes.append(
                "PYTHONDONTWRITEBYTECODE was set in this environment; the timed processes ran without it "
                "(Python's default bytecode caching, as on a user's machine)."
            )
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    loads.append(load())
    text = report(rows, args.runs, (loads[0], loads[1]), notes)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
