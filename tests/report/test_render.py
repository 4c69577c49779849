"""Charts drawn on two cores: every file is written, and a child that fails is made good by the parent."""

from __future__ import annotations

import os
from pathlib import Path

from report.render import ChartJob, Pending, job, render, split, start


def write_pid(path: Path) -> Path:
    path.write_text(str(os.getpid()))
    return path


def fail_outside(parent: int, path: Path) -> Path:
    if os.getpid() != parent:
        raise RuntimeError("drawing failed in the child")
    return write_pid(path)


def test_every_job_is_drawn_in_order(tmp_path):
    jobs = [job(write_pid, tmp_path / f"c{i}.{'png' if i % 2 else 'html'}") for i in range(6)]
    paths = render(jobs)
    assert paths == [j.path for j in jobs]
    pids = {p.read_text() for p in paths}
    assert all(p.exists() for p in paths)
    assert str(os.getpid()) in pids  # the parent drew its share (and a child the rest, where fork exists)


def test_a_failing_child_is_made_good_by_the_parent(tmp_path):
    jobs = [
        ChartJob(fail_outside, tmp_path / f"c{i}.png", (os.getpid(), tmp_path / f"c{i}.png"))
        for i in range(4)
    ]
    render(jobs)
    assert all(j.path.read_text() == str(os.getpid()) for j in jobs)


def test_started_jobs_finish(tmp_path):
    pending = start([job(write_pid, tmp_path / "a.png"), job(write_pid, tmp_path / "b.html")])
    assert [p.name for p in pending.finish()] == ["a.png", "b.html"]
    assert Pending([]).finish() == []


def test_split_balances_cost():
    jobs = [ChartJob(print, Path(n)) for n in ("a.png", "b.png", "c.png", "d.html", "e.html", "f.html")]
    a, b = split(jobs)
    assert abs(sum(j.cost for j in a) - sum(j.cost for j in b)) <= 1
    assert sorted(j.path.name for j in a + b) == sorted(j.path.name for j in jobs)
