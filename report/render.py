"""Render a run's charts on two cores: a forked child draws part of them while the parent draws the rest.

A grid forks its `Helper` when it starts, while it is small, and sends it the report's PNG later.

Drawing about ten charts (PNG with matplotlib, HTML with plotly) costs about two seconds, mostly in
matplotlib's rasteriser, which holds the GIL; threads would not help. Where ``fork`` is available
and there are two or more cores, the jobs are split by expected cost between the parent and one forked
child (which shares the parent's memory, so nothing is pickled). A child that fails is not trusted:
its charts are drawn again by the parent. Elsewhere the charts are drawn one after another.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: ``fn(*args, **kwargs)`` writes `path`."""

    fn: Callable[..., Any]
    path: Path
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def cost(self) -> int:
        """Relative cost: a PNG (rasterised) is about three times an HTML file."""
        return 3 if self.path.suffix == ".png" else 1

    def run(self) -> None:
        """Draw the chart."""
        self.fn(*self.args, **self.kwargs)


def job(fn: Callable[..., Any], path: Path, *args: Any, **kwargs: Any) -> ChartJob:
    """A `ChartJob` for ``fn(*args, path, **kwargs)``-style chart functions: `path` is passed through.

    The chart functions of `report` take their output path as a positional argument; `args` are the
    arguments before it.
    """
    return ChartJob(fn, Path(path), (*args, Path(path)), kwargs)


def split(jobs: Sequence[ChartJob]) -> tuple[list[ChartJob], list[ChartJob]]:
    """Two groups of about equal cost (largest first, each to the lighter group); order kept within.

    >>> a = ChartJob(print, Path("a.png")); b = ChartJob(print, Path("b.html"))
    >>> c = ChartJob(print, Path("c.png")); d = ChartJob(print, Path("d.html"))
    >>> [[j.path.name for j in g] for g in split([a, b, c, d])]
    [['a.png', 'b.html'], ['c.png', 'd.html']]
    """
    groups: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for i in sorted(range(len(jobs)), key=lambda i: -jobs[i].cost):
        g = 0 if load[0] <= load[1] else 1
        groups[g].append(i)
        load[g] += jobs[i].cost
    return [jobs[i] for i in sorted(groups[0])], [jobs[i] for i in sorted(groups[1])]


def _run_all(jobs: Sequence[ChartJob]) -> None:
    for j in jobs:
        j.run()


def _run_all_niced(jobs: Sequence[ChartJob]) -> None:
    """Draw in a child at a lower priority: the parent's own work stays on the critical path."""
    with contextlib.suppress(OSError):
        os.nice(10)
    _run_all(jobs)


@dataclass
class Pending:
    """Charts being drawn by a forked child (see `start`); `finish` waits and redraws on failure."""

    jobs: list[ChartJob]
    child: Any = None

    def cancel(self) -> None:
        """Stop the child (the run failed before its charts were needed)."""
        if self.child is not None and self.child.is_alive():
            self.child.terminate()
            self.child.join()
        self.child = None

    def finish(self) -> list[Path]:
        """Wait for the child; draw its charts here if it failed (or if no child was started)."""
        if self.child is not None:
            self.child.join()
        if self.child is None or self.child.exitcode != 0 or not all(j.path.exists() for j in self.jobs):
            _run_all(self.jobs)
        return [j.path for j in self.jobs]


def can_fork() -> bool:
    """Whether work can go to a forked child that runs beside this process (fork, and two cores)."""
    return "fork" in mp.get_all_start_methods() and (os.cpu_count() or 1) >= 2


def start(jobs: Sequence[ChartJob]) -> Pending:
    """Start drawing `jobs` in a forked child and return at once (drawn by `finish` where no fork)."""
    if not jobs or not can_fork():
        return Pending(list(jobs))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # a child must not write the parent's buffered output a second time
    child = mp.get_context("fork").Process(target=_run_all_niced, args=(list(jobs),))
    child.start()
    return Pending(list(jobs), child)


def _serve(conn: Any) -> None:
    """A `Helper`'s loop: draw each list of jobs received and answer whether it was drawn; None stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the helper
    with contextlib.suppress(OSError):
        os.nice(10)
    # lazy: matplotlib loads in this helper process only (never in the run's), while the parent still
    # works: what every chart needs, imported before the first job arrives
    from matplotlib import figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401

    while True:
        try:
            jobs = conn.recv()
        except (EOFError, OSError):
            return
        if jobs is None:
            return
        try:
            _run_all(jobs)
        except Exception:  # the parent draws them again
            conn.send(False)
        else:
            conn.send(True)


class Helper:
    """A child forked early, while this process is small, that draws the charts sent to it later.

    A child forked when the charts are due shares the parent's memory at its largest, and until it
    exits every page the parent writes to is first copied (on a 1,000-configuration grid ~0.3 s of
    the parent's time, growing with the grid). A helper forked before the data and the simulation
    shares only what the parent held then; its jobs (a results table and a few numbers) are pickled
    to it. Stop it with `close` (a context manager: on leaving); it is a daemon, so it never
    outlives this process.
    """

    def __init__(self) -> None:
        ctx = mp.get_context("fork")
        self._conn, theirs = ctx.Pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # a child must not write the parent's buffered output a second time
        self.process = ctx.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self._sent = 0  # job lists sent; the helper answers them in order
        self._answers: list[bool] = []  # its answers read so far, in that order

    def start(self, jobs: Sequence[ChartJob]) -> Pending:
        """Send `jobs` to the helper and return at once (`Pending.finish` waits for them).

        A `Pending` that is never finished (e.g. a job that only prepares a later one) is fine: its
        answer is read, and passed over, when a later one is awaited.
        """
        jobs = list(jobs)
        try:
            self._conn.send(jobs)  # pickled before anything is written: a failure leaves the pipe clean
        except Exception:  # the helper is gone, or a job does not pickle: `finish` draws them here
            return Pending(jobs)
        self._sent += 1
        return Pending(jobs, _Reply(self, self._sent - 1))

    def answer(self, n: int) -> bool:
        """Wait for the helper's answer to the `n`-th job list sent (from 0): drawn, or not."""
        while len(self._answers) <= n:
            try:
                self._answers.append(bool(self._conn.recv()))
            except (EOFError, OSError):  # it died or was stopped
                return False
        return self._answers[n]

    def close(self) -> None:
        """Stop the helper (at once if it is drawing: its charts are no longer wanted)."""
        if self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(None)
            self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self._conn.close()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Reply:
    """The helper's answer to one `Helper.start`, with the parts of a process `Pending` uses."""

    helper: Helper
    n: int
    exitcode: int | None = None

    def is_alive(self) -> bool:
        return self.exitcode is None and self.helper.process.is_alive()

    def join(self) -> None:
        if self.exitcode is None:
            self.exitcode = 0 if self.helper.answer(self.n) else 1

    def terminate(self) -> None:
        self.helper.process.terminate()
        self.exitcode = 1


def render(jobs: Sequence[ChartJob], *, parallel: bool = True) -> list[Path]:
    """Draw every job; return their paths in order.

    Args:
        jobs: The charts.
        parallel: Use a forked child for part of them when the machine allows.
    """
    if not (parallel and can_fork() and len(jobs) >= 2):
        _run_all(jobs)
        return [j.path for j in jobs]
    theirs, ours = split(jobs)
    pending = start(theirs)
    _run_all(ours)
    pending.finish()
    return [j.path for j in jobs]
