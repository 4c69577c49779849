"""Charts drawn on two cores: every file is written, and a child that fails is made good by the parent."""

from __future__ import annotations

import os
import time
from pathlib import Path

from report.render import ChartJob, Helper, Pending, job, render, split, start


def write_pid(path: Path) -> Path:
    path.write_text(str(os.getpid()))
    return path


def draw_slowly(path: Path) -> Path:
    time.sleep(60)
    return write_pid(path)


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


def test_a_helper_forked_early_draws_what_it_is_sent_later(tmp_path):
    with Helper() as helper:
        pid = helper.process.pid
        big = bytearray(64 << 20)  # allocated after the fork: the helper does not share it
        first = helper.start([job(write_pid, tmp_path / "a.png")])
        assert first.finish() == [tmp_path / "a.png"]
        second = helper.start([job(write_pid, tmp_path / "b.png"), job(write_pid, tmp_path / "c.html")])
        assert [p.name for p in second.finish()] == ["b.png", "c.html"]
        del big
    assert {(tmp_path / n).read_text() for n in ("a.png", "b.png", "c.html")} == {str(pid)}
    assert not helper.process.is_alive() and helper.process.exitcode == 0  # stopped, not killed


def test_a_failing_helper_is_made_good_by_the_parent(tmp_path):
    path = tmp_path / "a.png"
    with Helper() as helper:
        pending = helper.start([ChartJob(fail_outside, path, (os.getpid(), path))])
        pending.finish()
        assert path.read_text() == str(os.getpid())
        again = helper.start([job(write_pid, tmp_path / "b.png")])  # the helper still serves
        again.finish()
        assert (tmp_path / "b.png").read_text() == str(helper.process.pid)


def test_a_cancelled_helper_job_stops_the_helper(tmp_path):
    with Helper() as helper:
        pending = helper.start([job(draw_slowly, tmp_path / "never.png")])
        t0 = time.monotonic()
        pending.cancel()
        assert time.monotonic() - t0 < 10 and not (tmp_path / "never.png").exists()
        helper.process.join(5)
        assert not helper.process.is_alive()
        late = helper.start([job(write_pid, tmp_path / "b.png")])  # a dead helper: drawn here
        late.finish()
        assert (tmp_path / "b.png").read_text() == str(os.getpid())


def test_a_job_that_cannot_be_sent_is_drawn_here_and_the_helper_still_serves(tmp_path):
    with Helper() as helper:
        path = tmp_path / "a.png"
        local = helper.start([ChartJob(lambda p: write_pid(p), path, (path,))])
        local.finish()  # a lambda does not pickle: drawn by this process
        assert (tmp_path / "a.png").read_text() == str(os.getpid())
        helper.start([job(write_pid, tmp_path / "b.png")]).finish()
        assert (tmp_path / "b.png").read_text() == str(helper.process.pid)


def test_a_job_whose_answer_is_never_awaited_does_not_answer_for_the_next(tmp_path):
    with Helper() as helper:
        helper.start([job(write_pid, tmp_path / "ahead.png")])  # e.g. a scaffold prepared: not awaited
        slow = helper.start([ChartJob(fail_outside, tmp_path / "b.png", (os.getpid(), tmp_path / "b.png"))])
        slow.finish()  # the first list's answer (drawn) is not taken for this one's (failed, redrawn here)
        assert (tmp_path / "ahead.png").read_text() == str(helper.process.pid)
        assert (tmp_path / "b.png").read_text() == str(os.getpid())
        last = helper.start([job(write_pid, tmp_path / "c.png")])
        assert last.finish() == [tmp_path / "c.png"]
        assert (tmp_path / "c.png").read_text() == str(helper.process.pid)
