"""An MLflow run opened in a worker process, overlapping the store with the backtest.

Importing mlflow and opening a SQLite store take about as long as the whole backtest; on a machine
with two or more cores, doing them in a spawned worker while the parent loads data, simulates and draws
charts removes them from the critical path. The worker is told to create the run only once the parent's
inputs have passed validation, so a user error never leaves a run behind; a backtest that raises ends
its run FAILED.

Protocol (parent → worker over a pipe): ``("start", run_name, start, params)`` creates the run with
``start.tags`` (a `tracking.record.StartInfo`: its uid, folder and sweep parent), answers, then logs what
is known at the start while the parent simulates: the input dataset (``start.dataset``), the git commit
and diff and package versions it computes itself, and the description with the re-run command (the
params are logged only if the run ends KILLED); ``("log", record, folder)`` logs the results of the
`tracking.record.RunRecord` (and its child runs, if any: `RunRecord.log_to`), ends the run FINISHED
and writes ``tracking/logged.json`` into ``start.folder``; ``("fail",)`` ends it FAILED; ``("abort",)``
leaves without creating a run. The worker answers each with ``("ok", info)`` or ``("error", message)``.
A parent that dies (kill -9) closes the pipe: the worker ends the run KILLED with the params and start
info it has.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import signal
import sys
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tracking import lineage, mlflow_store
from tracking.record import RunRecord, StartInfo, mark_logged

WAIT_SECONDS = 600.0
KILLED_NOTE = (
    "the backtest process died before its results were logged; "
    "its run folder (run_folder tag) holds what it wrote"
)


class TrackingError(RuntimeError):
    """The tracking store could not be reached or refused the run; results are kept locally."""


def _describe(tracker: Any, start: StartInfo) -> None:
    """Log what is known at the start of a run: dataset, code version, description."""
    lineage.describe(tracker, start, lineage.repro_info())


def _receive(conn: Connection) -> tuple[Any, ...] | None:
    """The parent's next message, or None when the parent is gone (killed: the pipe is closed)."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def _answer(conn: Connection, message: tuple[Any, ...]) -> None:
    """Answer the parent; a parent that died meanwhile changes nothing the worker did."""
    with contextlib.suppress(OSError):
        conn.send(message)


def _serve(conn: Connection, session: Any, tracker: Any, start: StartInfo, params: dict[str, str]) -> bool:
    """Describe the created run, then log it (``log``), end it FAILED (``fail``) or KILLED (parent died).

    Returns:
        False when the parent died (the run ended KILLED), else True: the worker may serve another run.
    """
    described: Exception | None = None
    try:  # overlaps the parent's simulation
        _describe(tracker, start)
    except Exception as exc:
        described = exc
    msg = _receive(conn)
    if msg is None:  # the parent died before its results: end the run KILLED with what is known
        with contextlib.suppress(Exception):
            tracker.log_params(params)
            tracker.describe(tags={"incomplete": KILLED_NOTE})
        session.end_run("KILLED")
        return False
    try:
        if msg[0] != "log":
            session.end_run("FAILED")
            _answer(conn, ("ok", {}))
            return True
        if described is not None:
            raise described
        record, folder = msg[1], msg[2]
        record.log_to(tracker, folder)
        session.end_run("FINISHED")
        if start.folder:  # the run folder's marker: `python -m tracking resync` skips it
            mark_logged(
                Path(start.folder),
                run_id=tracker.run_id,
                uri=session.uri,
                experiment_id=session.experiment_id,
            )
        _answer(conn, ("ok", {}))
    except Exception as exc:
        with contextlib.suppress(Exception):
            session.end_run("FAILED")
        _answer(conn, ("error", mlflow_store.describe_error(exc, session.uri)))
    return True


def _worker(conn: Connection, uri: str | None, experiment: str, run_name: str) -> None:
    """Worker body: open the store, then obey the parent's messages, one run after another.

    The run it creates is always ended by the worker itself (FINISHED, FAILED, or KILLED when the
    parent died), never left to MLflow's exit handler, which would end it FINISHED however empty.
    Ctrl-C is the parent's to handle: it ends the run FAILED through ``("fail",)``. Once a run has
    ended (or the parent aborted before creating one), the worker waits for the next ``start`` (a
    sweep's next job: `opened` with ``keep``), which names its run; it leaves when the parent closes
    the pipe or dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        session = mlflow_store.Session.open(uri=uri, experiment=experiment)
    except Exception as exc:  # report any failure to the parent, which decides what to say
        where = uri or os.environ.get("MLFLOW_TRACKING_URI")
        _answer(conn, ("error", mlflow_store.describe_error(exc, where)))
        return
    _answer(conn, ("ok", {"uri": session.uri}))
    while (msg := _receive(conn)) is not None:
        if msg[0] == "call":  # between runs: a sweep's parent run, for the parent
            _call(conn, msg)
            continue
        if msg[0] != "start":  # ("abort",): no run for this job; the next may start one
            continue
        _, name, start, params = msg
        try:
            tracker = session.start_run(name or run_name, tags=start.tags)
        except Exception as exc:
            _answer(conn, ("error", f"{type(exc).__name__}: {exc}"))
            return
        try:
            _answer(conn, ("ok", {"run_id": tracker.run_id, "experiment_id": tracker.experiment_id}))
            alive = _serve(conn, session, tracker, start, params)
        finally:
            session.end_active("KILLED")
        if not alive:
            return


def _call(conn: Connection, msg: tuple[Any, ...]) -> None:
    """Run ``function(*args, **kwargs)`` for the parent (`in_worker`); answer its result or its error."""
    _, function, args, kwargs = msg
    try:
        _answer(conn, ("ok", function(*args, **kwargs)))
    except Exception as exc:
        try:  # the exception itself, if it travels; else its words
            pickle.loads(pickle.dumps(exc))
            _answer(conn, ("raised", exc))
        except Exception:
            _answer(conn, ("error", f"{type(exc).__name__}: {exc}"))


def _standby(conn: Connection) -> None:
    """A worker spawned before its run is known (`prewarm`): import mlflow now, then serve as `_worker`.

    Its first message is ``("open", uri, experiment, run_name)``; anything else, or a parent that
    closed the pipe (the run turned out untracked, or stopped on bad input), ends it having touched no
    store.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # a failed import is reported by `_worker`'s own, later
        # lazy: this is the import `prewarm` moves off the critical path, in the worker only
        import mlflow  # noqa: F401
        import mlflow.store.tracking.sqlalchemy_store  # noqa: F401  (the default SQLite store's)
    while (msg := _receive(conn)) is not None and msg[0] == "call":
        _call(conn, msg)
    if msg is None or msg[0] != "open":
        return
    _worker(conn, *msg[1:])


#: Workers spawned by `prewarm`, importing mlflow, not yet given a store: the next `BackgroundRun` takes one.
_spare: list[tuple[Any, Connection]] = []


def _spawn(target: Any, *args: Any) -> tuple[Any, Connection]:
    """A spawned daemon process running ``target(child_end, *args)``, and the parent's end of its pipe."""
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(child, *args), daemon=True)
    with _standard_start_method(), _main_left_alone():
        proc.start()
    child.close()
    return proc, conn


def prewarm() -> None:
    """Spawn the tracking worker now, before the run's config is composed, so its mlflow import overlaps.

    An entry point calls this first thing when its command line leaves tracking on (`tracked_argv`):
    the worker imports mlflow (seconds) while the parent imports its own modules, composes the config
    and loads data. The run's `BackgroundRun` then hands it the store; an untracked run, or one stopped
    on bad input, leaves it unused, and it exits with the parent without touching any store.
    """
    if not _spare:
        _spare.append(_spawn(_standby))


def tracked_argv(argv: list[str]) -> bool:
    """Whether a command line may track: not ``--help``/``--cfg``/``--info``, not ``tracking=disabled``."""
    quiet = {"tracking=disabled", "tracking.enabled=false", "tracking.enabled=False"}
    info = ("-h", "--help", "--hydra-help", "--cfg", "-c", "--info", "-i", "--shell-completion", "-sc")
    return not any(a in quiet or a.split("=")[0] in info for a in argv)


def _take_spare() -> tuple[Any, Connection] | None:
    """A prewarmed worker still alive, or None."""
    while _spare:
        proc, conn = _spare.pop()
        if proc.is_alive():
            return proc, conn
        conn.close()
    return None


@contextlib.contextmanager
def _standard_start_method() -> Iterator[None]:
    """Let a spawned child start inside a joblib (loky) worker.

    A spawned child re-applies its parent's default start method; in a loky worker that is ``loky``,
    which a fresh interpreter does not know (``ValueError: cannot find context for 'loky'``). The
    default is set to ``spawn`` while the child starts, then restored.
    """
    method = mp.get_start_method(allow_none=True)
    if method in (None, "spawn", "fork", "forkserver"):
        yield
        return
    mp.set_start_method("spawn", force=True)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            mp.set_start_method(method, force=True)


@contextlib.contextmanager
def _main_left_alone() -> Iterator[None]:
    """Start a spawned child without re-running the parent's ``__main__`` in it.

    A spawned child imports the parent's main module (a script by its path, ``-m`` by its name) before
    it runs its target. The worker needs nothing of it (its target is `_worker`, imported by name), and
    a notebook user's script without an ``if __name__ == "__main__":`` guard would run its backtest again
    in the child, which then starts a worker of its own during its bootstrap and dies (multiprocessing's
    "start a new process before the current process has finished its bootstrapping phase"). While the
    child is started, ``__main__`` is a blank module: multiprocessing prepares the child from what it
    finds there, and has sent it by the time ``start()`` returns.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class BackgroundRun:
    """Parent-side handle on the worker process.

    Args:
        uri: Tracking URI (None: environment, then the repository's SQLite file).
        experiment: Experiment name.
        run_name: Display name of the run.
    """

    def __init__(self, uri: str | None, experiment: str, run_name: str) -> None:
        spare = _take_spare()
        self._proc, self._conn = spare or _spawn(_worker, uri, experiment, run_name)
        if spare is not None:  # prewarmed: its mlflow import is under way or done; it opens the store now
            try:
                self._conn.send(("open", uri, experiment, run_name))
            except OSError:  # it died meanwhile: a fresh one
                self._conn.close()
                self._proc, self._conn = _spawn(_worker, uri, experiment, run_name)
        self.uri: str | None = None
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self.key = (uri, experiment)
        self._name = run_name
        self._opened: dict[str, Any] | None = None
        self._pending_start = False
        #: Every answer the worker owes has been read and its last run ended: it may serve another.
        self.idle = True

    def reuse(self, run_name: str) -> BackgroundRun:
        """This worker (idle, alive, its store open) for the next run, named `run_name`."""
        self._name, self.run_id, self.experiment_id = run_name, None, None
        return self

    def alive(self) -> bool:
        """The worker process is running."""
        return self._proc.is_alive()

    def _reply(self) -> dict[str, Any]:
        if not self._conn.poll(WAIT_SECONDS):
            raise TrackingError(f"the tracking worker did not answer within {WAIT_SECONDS:.0f} s")
        try:
            status, info = self._conn.recv()
        except (EOFError, OSError):
            raise TrackingError("the tracking worker stopped unexpectedly") from None
        if status != "ok":
            raise TrackingError(info)
        return info

    def start(self, start: StartInfo | None = None, params: dict[str, str] | None = None) -> None:
        """Ask for the run to be created (after the inputs have been validated); does not wait.

        The worker may still be importing mlflow and opening the store: the parent goes on with the
        backtest, and the worker's answers are read in `log` or `fail`, where a store that could not be
        reached raises `TrackingError`.

        Args:
            start: ``tags`` set at creation, ``dataset`` for `mlflow.log_input`, ``rerun`` and
                ``command`` for the description, ``folder`` (the run folder) for the logged marker.
            params: The flattened config, logged if the run is ended KILLED (the parent died).
        """
        self.idle = False
        with contextlib.suppress(OSError):  # a worker that already failed has said why: see _started
            self._conn.send(("start", self._name, start or StartInfo(), params or {}))
        self._pending_start = True

    def _started(self) -> None:
        """Read the worker's answers to opening the store and creating the run."""
        if self._opened is None:
            self._opened = self._reply()
            self.uri = self._opened["uri"]
        if self._pending_start:
            self._pending_start = False
            reply = self._reply()
            self.run_id, self.experiment_id = reply["run_id"], reply.get("experiment_id")

    def log(self, record: RunRecord, folder: Path) -> None:
        """Log the record's params, metrics, tags, child runs and run folder; end the run FINISHED."""
        self._started()
        self._conn.send(("log", record, Path(folder)))
        self._reply()
        self.idle = True

    def fail(self) -> None:
        """End the run FAILED (best effort)."""
        with contextlib.suppress(Exception):
            self._started()
            self._conn.send(("fail",))
            self._reply()
            self.idle = True

    def abort(self) -> None:
        """Create no run for this job (the worker waits for another, or is closed)."""
        with contextlib.suppress(Exception):
            self._conn.send(("abort",))

    def close(self) -> None:
        """Stop the worker.

        Every reply it sent came after its store work was done, so nothing is lost by not waiting
        for its interpreter to shut down (which takes about a second).
        """
        self._proc.join(timeout=0.05)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout=5)
        self._conn.close()


#: The worker kept warm between the jobs of a sweep run in this process (`opened` with ``keep``).
_warm: list[BackgroundRun] = []


def _ask(conn: Connection, msg: tuple[Any, ...]) -> Any:
    """Send `msg` to an idle worker and return its answer's value; re-raise what it raised there."""
    conn.send(msg)
    if not conn.poll(WAIT_SECONDS):
        raise TrackingError(f"the tracking worker did not answer within {WAIT_SECONDS:.0f} s")
    status, value = conn.recv()
    if status == "raised":
        raise value
    if status != "ok":
        raise RuntimeError(value)  # what the call raised, in words: not the worker's failure
    return value


def in_worker(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, run by an idle tracking worker: a sweep's parent run, made there.

    `function` is a module-level function (the worker imports it by name: `tracking.sweep.start_parent`,
    `finish_parent`), so a ``-m`` sweep's main process need not import mlflow. The worker is the one
    `prewarm` spawned (its mlflow imported by the time a sweep starts) or the one a sweep's jobs kept
    warm; either stays as it was for the jobs that follow. Without one, or if it is gone, the call runs
    here (importing mlflow here, as before). What the call raises is raised here.
    """
    workers = [(proc.is_alive, conn, None) for proc, conn in _spare]
    workers += [(run.alive, run._conn, run._started) for run in _warm if run.idle]
    for alive, conn, settled in workers:
        if not alive():
            continue
        try:
            if settled is not None:  # a kept worker's answers still unread (its store's opening)
                settled()
            return _ask(conn, ("call", function, args, kwargs))
        except (OSError, EOFError, TrackingError):
            continue  # the worker died, hung or has no store: the next one, or here
    return function(*args, **kwargs)


@contextlib.contextmanager
def opened(uri: str | None, experiment: str, run_name: str, *, keep: bool = False) -> Iterator[BackgroundRun]:
    """A `BackgroundRun`; the caller starts, logs, fails or aborts it.

    Without `keep` the worker is closed on leaving. With `keep` (a ``-m`` sweep's jobs, run one after
    another in this process by Hydra's basic launcher) a worker whose conversation ended cleanly (its
    run logged, failed or never started, every answer read) is kept for the next job on the same store
    and experiment, its mlflow imported and its store open; any other (a store error, an exception
    between messages) is closed as without `keep`. A kept worker is a daemon: it ends with this process,
    and on its own when this process is killed (the pipe closes), with no run open between jobs.
    """
    run = None
    while _warm:
        held = _warm.pop()
        if keep and held.key == (uri, experiment) and held.alive():
            run = held.reuse(run_name)
        else:
            held.close()
    run = run or BackgroundRun(uri, experiment, run_name)
    kept = False
    try:
        yield run
        kept = keep and run.idle and run.alive()
    finally:
        if kept:
            _warm.append(run)
        else:
            run.close()
