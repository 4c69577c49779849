"""MLflow as the lab notebook, end to end through `python run.py` and `python -m tracking`:
sweeps as parent and child runs (basic and joblib launchers), compare, resync after a dead store,
eight parallel jobs on one SQLite file, a real `mlflow server`, and the UI in headless Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.browser import dump_dom, screenshot
from tests.cli import REPO, run_py
from tests.reference import headline_by_hand
from tests.servers import free_port, start_mlflow_server, stop_group

Z_VALUES = ["1.0", "1.5", "2.0", "2.5"]

pytestmark = pytest.mark.slow


def tracking_cli(*args: str, uri: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])  # this checkout, from any cwd
    if uri:
        env["MLFLOW_TRACKING_URI"] = uri
    return subprocess.run(
        [sys.executable, "-m", "tracking", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def all_runs(uri: str) -> pd.DataFrame:
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=["regime-backtest"], output_format="pandas")


def check_sweep(uri: str, sweep_dir: Path, values: list[str]) -> tuple[pd.Series, pd.DataFrame]:
    """One parent with the sweep's overrides and count, one FINISHED child per value, leaderboard."""
    import mlflow

    df = all_runs(uri)
    parents = df[df["tags.sweep"] == "parent"]
    assert len(parents) == 1
    parent = parents.iloc[0]
    children = df[df["tags.mlflow.parentRunId"] == parent["run_id"]]
    assert len(children) == len(values)
    assert sorted(children["params.strategy.signal.z_entry"]) == sorted(values)
    assert set(children["status"]) == {"FINISHED"}
    assert parent["status"] == "FINISHED"
    assert parent["params.n_configurations"] == str(len(values))
    assert parent["params.sweep.strategy.signal.z_entry"] == ",".join(values)
    assert f"strategy.signal.z_entry={','.join(values)}" in parent["tags.sweep_overrides"]
    names = {a.path for a in mlflow.MlflowClient().list_artifacts(parent["run_id"], "leaderboard")}
    assert names == {"leaderboard/leaderboard.csv", "leaderboard/leaderboard.png"}
    board = pd.read_csv(sweep_dir / "leaderboard.csv")
    # independent ranking: the children's Sharpe as the store holds it, sorted here
    expected = children.sort_values("metrics.sharpe_excess_tbill", ascending=False)
    assert board["run_id"].tolist() == expected["run_id"].tolist()
    assert board["max_drawdown"].to_numpy() == pytest.approx(
        expected["metrics.max_drawdown"].to_numpy(), rel=1e-5
    )
    assert (sweep_dir / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return parent, children


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory):
    """A SQLite store holding one sweep of four jobs run with the basic launcher."""
    tmp = tmp_path_factory.mktemp("sweep")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    proc = run_py(
        "-m", f"strategy.signal.z_entry={','.join(Z_VALUES)}", f"hydra.sweep.dir={tmp / 'sweep'}", uri=uri
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return uri, tmp / "sweep", proc


def test_sweep_is_one_parent_with_a_child_per_job(sweep_store):
    uri, sweep_dir, proc = sweep_store
    _, children = check_sweep(uri, sweep_dir, Z_VALUES)
    assert "sweep leaderboard" in proc.stdout
    for _, child in children.iterrows():  # each child records how to re-run it alone
        z = child["params.strategy.signal.z_entry"]
        assert child["tags.rerun"] == f"python run.py strategy.signal.z_entry={z}"
        assert f"python run.py strategy.signal.z_entry={z}" in child["tags.mlflow.note.content"]


def test_sweep_with_the_joblib_launcher(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = run_py(
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"strategy.signal.z_entry={','.join(Z_VALUES)}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        uri=uri,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_sweep(uri, tmp_path / "sweep", Z_VALUES)


def test_eight_parallel_jobs_on_sqlite_lose_no_run(tmp_path):
    values = [str(1.0 + 0.25 * i) for i in range(8)]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = run_py(
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=8",
        f"strategy.signal.z_entry={','.join(values)}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        uri=uri,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "database is locked" not in proc.stderr + proc.stdout
    check_sweep(uri, tmp_path / "sweep", values)
    assert all((tmp_path / "sweep" / str(i) / "tracking" / "logged.json").is_file() for i in range(8))


def test_compare_filters_sorts_prints_and_charts(sweep_store, tmp_path):
    uri, _, _ = sweep_store
    df = all_runs(uri)
    children = df[df["tags.sweep"] != "parent"]
    chart = tmp_path / "cmp.png"
    proc = tracking_cli("compare", "--sort", "calmar", "--limit", "3", "--chart", str(chart), uri=uri)
    assert proc.returncode == 0, proc.stderr
    best = children.sort_values("metrics.calmar", ascending=False)["run_id"].str[:8].tolist()[:3]
    lines = [ln for ln in proc.stdout.splitlines() if ln[:8] in set(children["run_id"].str[:8])]
    assert [ln[:8] for ln in lines] == best
    assert chart.read_bytes()[:4] == b"\x89PNG"
    one = tracking_cli(
        "compare", "--sweep", "latest", "--param", "strategy.signal.z_entry=1.5", "--no-chart", uri=uri
    )
    assert one.returncode == 0, one.stderr
    z15 = children[children["params.strategy.signal.z_entry"] == "1.5"]["run_id"].iloc[0][:8]
    assert [ln[:8] for ln in one.stdout.splitlines() if ln[:8] in set(children["run_id"].str[:8])] == [z15]
    none = tracking_cli(
        "compare",
        "--strategy",
        "move_vix_wedge",
        "--param",
        "strategy.signal.z_entry=9.9",
        "--no-chart",
        uri=uri,
    )
    assert none.returncode == 0 and "no runs match" in none.stdout
    unknown = tracking_cli("compare", "--strategy", "sixty_forty", "--no-chart", uri=uri)  # none in the store
    assert unknown.returncode == 2 and "available: move_vix_wedge" in unknown.stderr


def test_compare_fits_120_columns_names_the_benchmark_and_shows_its_row(sweep_store, tmp_path):
    import mlflow

    uri, _, _ = sweep_store
    children = all_runs(uri)
    children = children[children["tags.sweep"] != "parent"]
    proc = tracking_cli("compare", "--no-chart", uri=uri)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(ln) for ln in lines) <= 120, max(lines, key=len)
    assert "vs 60/40:" in proc.stdout and "ΔSharpe" in proc.stdout and "sharpe_diff" not in proc.stdout
    assert lines[-1].endswith(": --wide)")  # how to see the rest
    (row,) = [ln.split() for ln in lines if ln.startswith("60/40")]  # one: every job ran on the same days
    run_id = children["run_id"].iloc[0]
    daily = pd.read_csv(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="daily.csv", dst_path=str(tmp_path), tracking_uri=uri
        ),
        index_col="date",
        parse_dates=["date"],
    )
    want = headline_by_hand(daily["value_sixty_forty"])  # re-derived from its daily values
    logged = children["metrics.sixty_forty.sharpe_excess_tbill"].iloc[0]
    assert row[1:4] == [f"{logged:.3f}", f"{want['cagr'] * 100:.2f}%", f"{want['max_drawdown'] * 100:.2f}%"]
    wide = tracking_cli("compare", "--no-chart", "--wide", uri=uri)
    assert wide.returncode == 0 and max(len(ln) for ln in wide.stdout.splitlines()) > 120
    assert "vs equity B&H:" in wide.stdout and "vol target" in wide.stdout  # every benchmark, named


def test_compare_writes_its_chart_to_a_new_folder_and_says_where(sweep_store, tmp_path):
    uri, _, _ = sweep_store
    (tmp_path / "comparison.png").write_bytes(b"mine")  # a file of the user's, in the folder it runs from
    paths = []
    for _ in range(2):
        proc = tracking_cli("compare", "--limit", "2", uri=uri, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (line,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("chart: ")]
        paths.append(Path(line.removeprefix("chart: ")))
    assert paths[0] != paths[1]  # never over an earlier chart
    for path in paths:
        assert path.is_absolute() and path.read_bytes()[:4] == b"\x89PNG"
        assert path.parent.parent.parent == tmp_path / "outputs" / "compare" and path.name == "comparison.png"
    assert (tmp_path / "comparison.png").read_bytes() == b"mine"


def test_compare_unknown_experiment_or_metric_lists_the_available(sweep_store):
    uri, _, _ = sweep_store
    proc = tracking_cli("compare", "--experiment", "regime-backtst", uri=uri)
    assert proc.returncode == 2
    assert "Did you mean `regime-backtest`" in proc.stderr and "available:" in proc.stderr
    proc = tracking_cli("compare", "--sort", "sharpe", uri=uri)
    assert proc.returncode == 2
    assert (
        "`sharpe`" in proc.stderr and "sharpe_excess_tbill" in proc.stderr and "Traceback" not in proc.stderr
    )


def test_malformed_tracking_uri_is_a_config_error(tmp_path):
    proc = run_py("tracking.uri=http//127.0.0.1:5000", f"hydra.run.dir={tmp_path / 'out'}")
    assert proc.returncode == 2
    assert "`tracking.uri`" in proc.stderr and "no scheme" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_dead_server_keeps_results_then_resync_logs_each_run_once(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    single = run_py(f"tracking.uri={dead}", f"hydra.run.dir={tmp_path / 'out'}")
    assert single.returncode == 3
    assert "connection refused" in single.stderr and "Traceback" not in single.stderr
    assert "python -m tracking resync" in single.stderr
    assert (tmp_path / "out" / "results" / "stats.json").is_file()
    record = json.loads((tmp_path / "out" / "tracking" / "record.json").read_text())
    assert len(record["repro"]["git_commit"]) == 40
    sweep = run_py(
        "-m", f"tracking.uri={dead}", "strategy.signal.z_entry=1.0,2.0", f"hydra.sweep.dir={tmp_path / 'sw'}"
    )
    assert sweep.returncode == 3, sweep.stderr[-2000:]
    assert "tracking failed for 2 of 2 runs" in sweep.stderr
    assert all((tmp_path / "sw" / str(i) / "results" / "daily.csv").is_file() for i in (0, 1))

    live = f"sqlite:///{tmp_path / 'mlflow.db'}"
    refused = tracking_cli("resync", str(tmp_path), "--uri", live)  # resync never creates a store
    assert refused.returncode == 2 and "no tracking store" in refused.stderr
    assert not (tmp_path / "mlflow.db").exists()
    import mlflow

    mlflow.MlflowClient(live).search_experiments()  # the user creates the store (its schema) first
    first = tracking_cli("resync", str(tmp_path), "--uri", live)
    assert first.returncode == 0, first.stderr
    assert "logged 3 runs, skipped 0" in first.stdout
    again = tracking_cli("resync", str(tmp_path / "out"), str(tmp_path / "sw"), "--uri", live)
    assert again.returncode == 0 and "logged 0 runs, skipped 3" in again.stdout

    df = all_runs(live)
    assert len(df) == 4  # the single run, the sweep's parent and its two children: each exactly once
    assert df["tags.run_uid"].dropna().is_unique
    check_sweep(live, tmp_path / "sw", ["1.0", "2.0"])
    single_row = df[df["tags.run_folder"] == str((tmp_path / "out").resolve())].iloc[0]
    stats = json.loads((tmp_path / "out" / "results" / "stats.json").read_text())
    assert single_row["metrics.cagr"] == pytest.approx(stats["portfolios"]["strategy"]["cagr"], rel=1e-12)
    assert single_row["tags.git_commit"] == record["repro"]["git_commit"]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """A real `mlflow server` on 127.0.0.1 and a free port, stopped after the module."""
    tmp = tmp_path_factory.mktemp("server")
    port = free_port()
    proc = start_mlflow_server(f"sqlite:///{tmp / 'server.db'}", tmp / "artifacts", port, tmp / "server.log")
    yield f"http://127.0.0.1:{port}", tmp
    stop_group(proc)


@pytest.fixture(scope="module")
def server_run(mlflow_server):
    url, tmp = mlflow_server
    proc = run_py(
        "tracking=server",
        f"tracking.uri={url}",
        "strategy.signal.z_entry=1.75",
        f"hydra.run.dir={tmp / 'out'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    df = all_runs(url)
    assert len(df) == 1
    return url, df.iloc[0], tmp


def test_a_real_server_receives_the_run_over_http(server_run):
    import mlflow

    url, row, tmp = server_run
    stats = json.loads((tmp / "out" / "results" / "stats.json").read_text())
    assert row["status"] == "FINISHED"
    assert row["metrics.sharpe_excess_tbill"] == pytest.approx(
        stats["portfolios"]["strategy"]["sharpe_excess_tbill"]
    )
    run = mlflow.MlflowClient(url).get_run(row["run_id"])
    (dataset,) = run.inputs.dataset_inputs
    assert dataset.dataset.digest == stats["data"]["digest"]
    assert json.loads(dataset.dataset.profile)["last"] == stats["data"]["last"]
    names = {a.path for a in mlflow.MlflowClient(url).list_artifacts(row["run_id"])}
    assert {"daily.csv", "stats.json", "equity_drawdown.png"} <= names  # uploaded through the server
    local = mlflow.artifacts.download_artifacts(
        run_id=row["run_id"], artifact_path="stats.json", tracking_uri=url
    )
    assert json.loads(Path(local).read_text()) == stats


def test_the_run_page_shows_in_a_real_browser(server_run, tmp_path):
    url, row, _ = server_run
    page = f"{url}/#/experiments/{row['experiment_id']}/runs/{row['run_id']}"
    dom = dump_dom(page, tmp_path / "dom")
    assert row["tags.mlflow.runName"] == "move_vix_wedge z_entry=1.75"
    assert "move_vix_wedge z_entry=1.75" in dom  # the run's name
    assert "sharpe_excess_tbill" in dom  # a metric, with its value
    assert f"{row['metrics.sharpe_excess_tbill']}"[:6] in dom
    screenshot(page, tmp_path / "shot", "mlflow_run_page.png")


def test_the_experiment_link_opens_the_runs_table_not_the_genai_view(server_run, tmp_path):
    from tracking.mlflow_store import runs_page

    url, row, _ = server_run
    page = runs_page(url, row["experiment_id"])  # the link a run prints
    dom = dump_dom(page, tmp_path / "dom")
    assert "Runs - Experiment" in dom  # the page's title: the runs view
    assert "Run Name" in dom and "move_vix_wedge z_entry=1.75" in dom  # the runs table, with our run
    assert "Evaluation runs" not in dom and "Tokens per Trace" not in dom  # not the GenAI overview
    screenshot(page, tmp_path / "shot", "mlflow_runs.png")
