"""A team's MLflow server on PostgreSQL, for real: a PostgreSQL cluster (Debian's package, started by
scripts/postgres.py on a free port) behind `mlflow server`, written to by eight parallel joblib jobs, a grid
with its child runs, and a sweep during which the server is killed (its process group, SIGKILL), restarted
on the same database, and caught up by `python -m tracking resync`. Counted from the store: no run lost,
none duplicated (by `run_uid`), none left RUNNING. And a database URI with a wrong password is refused
before any work: one line naming the host and database, exit 2, the password never printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from common.errors import ConfigError
from tests.cli import REPO
from tests.servers import free_port, postgres_cluster, start_mlflow_server, stop_group
from tracking.mlflow_store import check_store, database_name, database_refusal

PASSWORD = "team-s3cret"
EXPERIMENT = "regime-backtest"
FAST = "data.start=2019-01-01"  # short runs: the store is under test, not the strategy
POLL = 0.05  # polling a sweep's progress (never a timed assertion)


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}


def python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env(), capture_output=True, text=True, timeout=1200
    )


def run_py(*args: str) -> subprocess.CompletedProcess:
    return python("run.py", *args)


@pytest.fixture(scope="module")
def postgres():
    with postgres_cluster(PASSWORD) as uri:
        yield uri


def store_runs(backend: str) -> list:
    """Every run of the experiment, read straight from the database (any status)."""
    from mlflow import MlflowClient

    client = MlflowClient(backend)
    exp = client.get_experiment_by_name(EXPERIMENT)
    return [] if exp is None else client.search_runs([exp.experiment_id], max_results=50_000)


def tables(backend: str) -> list[str]:
    """The database's tables, read with SQLAlchemy (mlflow would create its own on connecting)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(backend, poolclass=sqlalchemy.pool.NullPool)
    try:
        return sqlalchemy.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_wrong_password_is_one_line_exit_2_and_nothing_created(postgres, tmp_path):
    wrong = postgres.replace(PASSWORD, "not-the-password")
    where = wrong.split("@", 1)[1]  # host:port/db
    single = run_py(f"tracking.uri={wrong}", FAST, f"hydra.run.dir={tmp_path / 'out'}")
    sweep = run_py(
        "-m",
        f"tracking.uri={wrong}",
        FAST,
        "strategy.signal.z_entry=1.0,2.0",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    for proc in (single, sweep):
        text = proc.stdout + proc.stderr
        assert proc.returncode == 2, text[-3000:]
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and "`tracking.uri`" in errors[0], proc.stderr
        assert where in errors[0] and "password authentication failed" in errors[0]
        assert "not-the-password" not in text and PASSWORD not in text and "<redacted>" in errors[0]
        assert "Traceback" not in text
    assert not (tmp_path / "out").exists() and not (tmp_path / "sweep").exists()
    assert tables(postgres) == []  # no run, not even MLflow's tables


CHECK = """
import sys
from common.errors import ConfigError
from tracking.mlflow_store import check_store
try:
    print(check_store(sys.argv[1], create=sys.argv[2] == "create"))
except ConfigError as err:
    print("ConfigError:", err)
print("sqlalchemy" in sys.modules)
"""


@pytest.mark.slow
def test_the_store_check_of_a_postgresql_uri_needs_no_sqlalchemy(postgres, tmp_path):
    def check(uri: str, create: str = "create") -> list[str]:
        proc = python("-c", CHECK, uri, create)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    assert check(postgres) == ["True", "False"]  # an empty database: a new store, found with psycopg
    assert check(postgres.replace("postgresql://", "postgresql+psycopg://")) == ["True", "False"]
    *refused, imported = check(postgres.replace(PASSWORD, "not-the-password"))
    assert refused[0].startswith("ConfigError:") and "password authentication failed" in refused[0]
    assert "not-the-password" not in "\n".join(refused) and imported == "False"
    missing = check(postgres, "no")[0]  # compare/resync create nothing
    assert missing.startswith("ConfigError:") and "holds no MLflow" in missing
    from mlflow import MlflowClient

    MlflowClient(postgres).search_experiments()  # MLflow creates its tables
    assert check(postgres) == ["False", "False"]  # the store exists now
    assert check_store(postgres, create=False) is False  # in process too
    down = f"postgresql://mlflow:{PASSWORD}@127.0.0.1:{free_port()}/mlflow"
    assert check(down) == ["False", "False"]  # down: left to the run, which keeps its results


def test_database_refusals_are_named_without_the_password():
    message = (
        '(psycopg.OperationalError) connection failed: connection to server at "10.0.0.5", port 5432 '
        'failed: FATAL:  password authentication failed for user "mlflow"\n(Background on this error at: x)'
    )
    assert database_refusal(message) == 'password authentication failed for user "mlflow"'
    assert database_refusal('FATAL:  database "mlflw" does not exist') == 'database "mlflw" does not exist'
    assert database_refusal("connection refused\n\tIs the server running on that host?") is None
    assert database_name("postgresql+psycopg://mlflow:pw@db.example:6543/team") == "db.example:6543/team"
    # a driver that is not installed: refused before any connection, the password hidden
    with pytest.raises(ConfigError) as err:
        check_store("postgresql+pg8000://mlflow:hunter2@127.0.0.1:9/mlflow")
    assert "driver" in str(err.value) and "hunter2" not in str(err.value) and ".[postgres]" in str(err.value)


def run_uids(folders: list[Path]) -> list[str]:
    """The `run_uid` each run folder's record gave its run (the ground truth on disk)."""
    return [
        json.loads((f / "tracking" / "record.json").read_text())["start"]["tags"]["run_uid"] for f in folders
    ]


def sweep_uid(sweep_dir: Path) -> str:
    return json.loads((sweep_dir / "tracking" / "sweep.json").read_text())["sweep_uid"]


@pytest.mark.slow
def test_team_server_parallel_writers_a_grid_and_an_outage(postgres, tmp_path):
    port, artifacts, log = free_port(), tmp_path / "artifacts", tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = start_mlflow_server(postgres, artifacts, port, log)
    track = ["tracking=server", f"tracking.uri={url}", FAST]
    try:
        # eight jobs writing at once, as a team's laptops would
        z8 = ",".join(str(1.0 + 0.25 * i) for i in range(8))
        par = run_py(
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=8",
            f"strategy.signal.z_entry={z8}",
            *track,
            f"hydra.sweep.dir={tmp_path / 'parallel'}",
        )
        assert par.returncode == 0, par.stderr[-3000:]
        # a small grid: 2 x 2 x 1 x 1 x 2 = 8 configurations, its top 5 as child runs
        grid = run_py(
            "experiment=wedge_grid",
            "grid.params.strategy.signal.lookback=[126,252]",
            "grid.params.strategy.signal.z_entry=[1.5,2.0]",
            "grid.params.strategy.signal.z_exit=[0.0]",
            "grid.params.strategy.signal.trend_window=[20]",
            *track,
            "data.start=2012-01-01",
            f"hydra.run.dir={tmp_path / 'grid'}",
        )
        assert grid.returncode == 0, grid.stderr[-3000:]
        # a sweep whose server is killed once its first job has logged
        outage_dir = tmp_path / "outage"
        sweep = subprocess.Popen(
            [
                sys.executable,
                "run.py",
                "-m",
                "strategy.signal.z_entry=1.0,2.0",
                *track,
                f"hydra.sweep.dir={outage_dir}",
            ],
            cwd=REPO,
            env=env(),
            stdout=open(tmp_path / "outage.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        while not (outage_dir / "0" / "tracking" / "logged.json").is_file():
            assert sweep.poll() is None, (tmp_path / "outage.out").read_text()[-3000:]
            time.sleep(POLL)
        stop_group(server, signal.SIGKILL)
        assert sweep.wait(timeout=1200) == 3, (tmp_path / "outage.out").read_text()[-3000:]
        server = start_mlflow_server(postgres, artifacts, port, log)  # same database, same address
        resync = python("-m", "tracking", "resync", str(outage_dir))
        assert resync.returncode == 0, resync.stderr[-3000:]
        print(resync.stdout)
    finally:
        stop_group(server)

    runs = store_runs(postgres)
    by_uid = Counter(r.data.tags.get("run_uid") for r in runs)
    folders = [
        *(tmp_path / "parallel" / str(i) for i in range(8)),
        tmp_path / "grid",
        *(outage_dir / str(i) for i in range(2)),
    ]
    expected = run_uids(folders)
    parents = [sweep_uid(tmp_path / "parallel"), sweep_uid(outage_dir)]
    by_sweep = Counter(r.data.tags["sweep_uid"] for r in runs if r.data.tags.get("sweep") == "parent")
    grid_id = next(r.info.run_id for r in runs if r.data.tags.get("run_uid") == expected[8])
    grid_children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == grid_id]
    lost = sum(by_uid[u] == 0 for u in expected) + sum(by_sweep[u] == 0 for u in parents)
    duplicated = sum(by_uid[u] > 1 for u in expected) + sum(by_sweep[u] > 1 for u in parents)
    running = sum(r.info.status == "RUNNING" for r in runs)
    print(
        f"PostgreSQL store: {len(runs)} runs (2 sweep parents, 10 jobs, 1 grid, {len(grid_children)} grid "
        f"children); runs lost {lost}, duplicated {duplicated}, left RUNNING {running}"
    )
    assert (lost, duplicated, running) == (0, 0, 0)
    assert len(grid_children) == 5
    assert len(runs) == 2 + len(expected) + len(grid_children)  # nothing else: no stray or empty runs
    assert {r.info.status for r in runs} == {"FINISHED"}
    # the runs the outage kept from the store were logged by resync, with their own numbers
    for folder in (outage_dir / str(i) for i in range(2)):
        stats = json.loads((folder / "results" / "stats.json").read_text())
        (run,) = [r for r in runs if r.data.tags.get("run_folder") == str(folder.resolve())]
        assert run.data.metrics["cagr"] == pytest.approx(stats["portfolios"]["strategy"]["cagr"], rel=1e-12)
