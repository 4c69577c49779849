"""Start-up benchmark: how long a backtest takes from the shell, against the cost of its imports.

Measures, as medians over N fresh subprocesses on this machine:

- bare import:   ``python -c "import vectorbt, mlflow, hydra"`` (the floor any run pays);
- bare import, quick exit: the same with ``gc.freeze`` registered at exit, as ``run.py`` does
  (`common.shutdown`): the interpreter's final collections over these libraries' objects take about a
  second, which ``run.py`` skips; this row gives the like-for-like ratio;
- charting import: ``python -c "import matplotlib.figure, plotly.graph_objects"`` (extra row, for reference);
- warm run:      ``python run.py strategy=move_vix_wedge`` after one untimed warm-up run, with a throw-away
  SQLite tracking store and Hydra output folder in a temporary directory;
- first run:     the same command after deleting numba's on-disk cache inside the installed vectorbt
  package (``*.nbi``/``*.nbc`` in its ``__pycache__`` folders) and with a fresh tracking store: what a user
  pays on the first run after ``pip install``. vectorbt's Rust engine is compiled ahead of time (a wheel)
  and needs no cache; the installed packages' bytecode (``*.pyc``) is kept, as ``pip install`` writes it,
  and the project's own (which an editable install does not write) is deleted.

Every timed process runs with Python's default bytecode caching (``PYTHONDONTWRITEBYTECODE`` removed
from its environment, as some sandboxes set it).

Targets: warm run <= 1.3 x bare import; first run <= 15 s.

Usage::

    python benchmarks/startup.py                 # everything, 5 runs each
    python benchmarks/startup.py --runs 3 --out benchmarks/startup.md
    python benchmarks/startup.py --only import   # just the import rows (no run.py needed)

Runs execute with the temporary directory as working directory (``python <repo>/run.py``), so nothing is
written into the repository. Deleting the numba cache changes the installed package's caches only; numba
rebuilds them on the next run.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN_PY = REPO / "run.py"
STRATEGY = "move_vix_wedge"
WARM_TARGET_RATIO = 1.3
FIRST_TARGET_SECONDS = 15.0
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


def repeat(what: str, runs: int, once: Callable[[int], float]) -> Row:
    """Call ``once(i)`` for i in 0..runs-1 and collect its seconds."""
    seconds = []
    for i in range(runs):
        seconds.append(once(i))
        print(f"  {what} #{i + 1}: {seconds[-1]:.2f} s", file=sys.stderr)
    return Row(what, seconds)


def base_env() -> dict[str, str]:
    """This process's environment with Python's default bytecode caching, as on a user's machine.

    Some sandboxes and CI images set ``PYTHONDONTWRITEBYTECODE=1``; then every run recompiles the
    project's own modules (an editable install has no ``.pyc`` for them), which no user pays twice.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def import_row(what: str, code: str, runs: int) -> Row:
    """Time ``python -c code`` in fresh interpreters."""
    return repeat(what, runs, lambda _i: time_command([sys.executable, "-c", code], env=base_env()))


def require_run_py() -> None:
    """Fail clearly if the entry point does not exist yet."""
    if not RUN_PY.is_file():
        raise BenchmarkError(
            f"{RUN_PY} not found: the run benchmarks need the entry point. "
            "Run `python benchmarks/startup.py --only import` to time the imports alone."
        )


def run_command(workdir: Path, label: int | str) -> list[str]:
    """The backtest command, with its Hydra output folder ``out-<label>`` under ``workdir``."""
    return [sys.executable, str(RUN_PY), f"strategy={STRATEGY}", f"hydra.run.dir={workdir / f'out-{label}'}"]


def run_env(workdir: Path) -> dict[str, str]:
    """Environment of a timed run: a SQLite tracking store under ``workdir``."""
    env = base_env()
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{workdir / 'mlflow.db'}"
    env["HYDRA_FULL_ERROR"] = "1"
    return env


def warm_row(runs: int) -> Row:
    """Median of ``runs`` backtests after one untimed warm-up, sharing one tracking store."""
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        workdir = Path(tmp)
        env = run_env(workdir)
        time_command(run_command(workdir, "warmup"), env=env, cwd=workdir)
        return repeat("warm run", runs, lambda i: time_command(run_command(workdir, i), env=env, cwd=workdir))


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
            return time_command(run_command(workdir, i), env=run_env(workdir), cwd=workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    row = repeat("first run after install", runs, once)
    return row, max(cleared, default=0)


def fmt_row(row: Row, bare: float | None) -> str:
    """A markdown table row: what, median, min, max, ratio to bare import."""
    ratio = f"{row.median / bare:.2f}x" if bare else "n/a"
    return f"| {row.what} | {row.median:.2f} | {min(row.seconds):.2f} | {max(row.seconds):.2f} | {ratio} |"


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def report(rows: dict[str, Row], runs: int, notes: list[str]) -> str:
    """The markdown report: machine, table, targets, notes."""
    bare = rows["import"].median
    lines = [
        "## Start-up benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, {platform.platform()}, "
        f"{os.cpu_count()} CPUs; medians over {runs} fresh processes (seconds, wall clock).",
        "",
        "| what | median s | min s | max s | ratio to bare import |",
        "|---|---:|---:|---:|---:|",
        *(fmt_row(row, bare) for row in rows.values()),
        "",
        "Targets:",
        "",
    ]
    if "warm" in rows:
        ratio = rows["warm"].median / bare
        ok = ratio <= WARM_TARGET_RATIO
        lines.append(f"- warm run <= {WARM_TARGET_RATIO}x bare import: {ratio:.2f}x, **{verdict(ok)}**")
        if "import_quick" in rows:
            like = rows["warm"].median / rows["import_quick"].median
            lines.append(
                f"- like for like (both skipping the final collections at exit): warm run "
                f"{like:.2f}x the bare import"
            )
    else:
        lines.append(f"- warm run <= {WARM_TARGET_RATIO}x bare import: not measured")
    if "first" in rows:
        first = rows["first"].median
        ok = first <= FIRST_TARGET_SECONDS
        lines.append(f"- first run <= {FIRST_TARGET_SECONDS:g} s: {first:.2f} s, **{verdict(ok)}**")
    else:
        lines.append(f"- first run <= {FIRST_TARGET_SECONDS:g} s: not measured")
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
        choices=["import", "warm", "first"],
        help="run only this benchmark (the import rows are always measured: they are the baseline)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the markdown report, optionally write it; return the exit status."""
    args = parse_args(argv)
    try:
        if args.only in (None, "warm", "first"):
            require_run_py()
        rows = {
            "import": import_row(
                "bare import (vectorbt, mlflow, hydra)", "import vectorbt, mlflow, hydra", args.runs
            ),
            "import_quick": import_row(
                "bare import, quick exit (gc.freeze at exit, as run.py does)",
                "import atexit, gc; atexit.register(gc.freeze); import vectorbt, mlflow, hydra",
                args.runs,
            ),
            "charts": import_row(
                "charting import (matplotlib.figure, plotly.graph_objects)",
                "import matplotlib.figure, plotly.graph_objects",
                args.runs,
            ),
        }
        notes = []
        if args.only in (None, "warm"):
            rows["warm"] = warm_row(args.runs)
        if args.only in (None, "first"):
            rows["first"], cleared = first_row(args.runs)
            notes.append(
                f"first run: deleted up to {cleared} numba cache files (*.nbi/*.nbc) under "
                f"{vectorbt_dir()} and the project's own __pycache__ folders before each run; "
                "vectorbt's Rust engine is precompiled and needs no cache."
            )
        if "PYTHONDONTWRITEBYTECODE" in os.environ:
            notes.append(
                "PYTHONDONTWRITEBYTECODE was set in this environment; the timed processes ran without it "
                "(Python's default bytecode caching, as on a user's machine)."
            )
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = report(rows, args.runs, notes)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
