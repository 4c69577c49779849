"""A grid is tracked as a single run is: secrets hidden everywhere, the code version and dataset on its
parent run, and a tracking record in its folder that `python -m tracking resync` logs after an outage
(parent and child runs). Through `python run.py experiment=wedge_grid` on a small grid, real SQLite store."""

from __future__ import annotations

import json
import socket
import subprocess
import uuid
from importlib import metadata

import pytest

from tests.cli import REPO
from tests.cli import python as cli

EXPERIMENT = "regime-backtest"
#: 8 configurations; the statistics made cheap (as in test_grid_run.py)
SMALL = [
    "experiment=wedge_grid",
    "grid.params.strategy.signal.lookback=[63,252]",
    "grid.params.strategy.signal.z_entry=[1.5,2.0]",
    "grid.params.strategy.signal.z_exit=[0.0]",
    "grid.params.strategy.signal.trend_window=[20]",
    "grid.bootstrap.samples=200",
    "grid.pbo_blocks=6",
    "grid.walk_forward.train_days=756",
]
#: made at run time, so that no file of the repository (nor its git diff, logged as repro info) holds it
SECRET = f"S3CR3T{uuid.uuid4().hex[:12]}"

pytestmark = pytest.mark.slow


def store_runs(uri: str) -> list:
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=[EXPERIMENT], output_format="list")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parent_and_children(uri: str):
    runs = store_runs(uri)
    (parent,) = [r for r in runs if r.data.tags.get("mode") == "grid"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    return parent, children, runs


@pytest.fixture(scope="module")
def grid_with_secrets(tmp_path_factory):
    """A small grid given a secret-looking value at the top and a nested one, on a SQLite store."""
    tmp = tmp_path_factory.mktemp("grid")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    proc = cli(
        "run.py",
        *SMALL,
        f"+tracking.api_key={SECRET}",
        f"+data.vendor.password={SECRET}",
        f"hydra.run.dir={tmp / 'out'}",
        uri=uri,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp, uri, proc


def test_a_secret_given_to_a_grid_reaches_no_file_and_no_mlflow_field(grid_with_secrets):
    tmp, uri, proc = grid_with_secrets
    folder = tmp / "out"
    assert (folder / ".hydra" / "hydra.yaml").is_file() and (folder / "results" / "config.yaml").is_file()
    # every file: the run folder (Hydra's own .hydra copies included), the artifact store, the SQLite db
    files = [p for p in tmp.rglob("*") if p.is_file()]
    assert any(p.name == "mlflow.db" for p in files)
    assert any("mlartifacts" in p.parts and p.parent.name == "hydra" for p in files)  # uploaded copies
    leaked = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert leaked == []
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    parent, children, runs = parent_and_children(uri)
    assert len(children) == 5
    for run in runs:  # every MLflow field, as the store hands it back
        fields = [*run.data.params.values(), *run.data.tags.values(), run.info.run_name or ""]
        fields += [json.dumps(d.dataset.source) + d.dataset.name for d in run.inputs.dataset_inputs]
        assert not any(SECRET in f for f in fields)
    assert parent.data.params["tracking.api_key"] == "<redacted>"
    assert parent.data.params["data.vendor.password"] == "<redacted>"
    assert "+tracking.api_key=<redacted>" in parent.data.tags["command"]
    assert "'+data.vendor.password=<redacted>'" in parent.data.tags["rerun"]
    config = (folder / "results" / "config.yaml").read_text()
    assert "api_key: <redacted>" in config and "password: <redacted>" in config


def test_a_grid_parent_carries_the_code_version_and_dataset_a_single_run_carries(grid_with_secrets):
    import mlflow

    from market.bundled import load
    from market.frame import content_digest, prepare

    tmp, uri, _ = grid_with_secrets
    parent, children, _ = parent_and_children(uri)
    tags = parent.data.tags
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    assert tags["git_commit"] == head.stdout.strip()
    assert tags["git_dirty"] in ("true", "false")
    for pkg in ("vectorbt", "pandas", "numpy", "mlflow", "hydra-core"):
        assert tags[f"version.{pkg}"] == metadata.version(pkg)
    assert "git checkout" in tags["mlflow.note.content"] and tags["rerun"].startswith("python run.py ")
    assert tags["run_folder"] == str((tmp / "out").resolve()) and tags["run_uid"]
    summary = json.loads((tmp / "out" / "results" / "summary.json").read_text())
    assert tags["verdict"] == summary["verdict"] and "60/40" in tags["verdict"]  # the search's sentence
    # the description opens on it, as a single run's does (tracking.mlflow_store.with_headline)
    first = tags["mlflow.note.content"].splitlines()[0]
    assert first == f"**Verdict: {summary['verdict']}**" and "configurations counted" in first
    assert parent.data.metrics["spa.sixty_forty.p_consistent"] == summary["spa.sixty_forty.p_consistent"]
    arts = {a.path for a in mlflow.MlflowClient(uri).list_artifacts(parent.info.run_id, "repro")}
    assert "repro/environment.json" in arts
    frame = prepare(load(), source="bundled", calendar_column="SPX", max_ffill_days=5).frame
    (ds,) = parent.inputs.dataset_inputs
    assert ds.dataset.digest == content_digest(frame) == tags["data_digest"]
    assert all(c.data.tags["git_commit"] == tags["git_commit"] for c in children)
    record = json.loads((tmp / "out" / "tracking" / "record.json").read_text())
    logged = json.loads((tmp / "out" / "tracking" / "logged.json").read_text())
    assert logged["run_id"] == parent.info.run_id and len(record["children"]) == 5


def test_a_grid_whose_store_is_down_keeps_its_record_and_resync_logs_parent_and_children(tmp_path):
    import mlflow

    dead = f"http://127.0.0.1:{free_port()}"
    folder = tmp_path / "out"
    proc = cli("run.py", *SMALL, f"tracking.uri={dead}", f"hydra.run.dir={folder}")
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert "connection refused" in proc.stderr and "Traceback" not in proc.stderr
    assert f"python -m tracking resync {folder}" in proc.stderr
    record = json.loads((folder / "tracking" / "record.json").read_text())
    assert len(record["repro"]["git_commit"]) == 40 and len(record["children"]) == 5
    assert not (folder / "tracking" / "logged.json").exists()
    summary = json.loads((folder / "results" / "summary.json").read_text())

    live = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.MlflowClient(live).search_experiments()  # resync never creates a store: it exists first
    first = cli("-m", "tracking", "resync", str(folder), "--uri", live)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "logged 1 runs, skipped 0" in first.stdout
    again = cli("-m", "tracking", "resync", str(folder), "--uri", live)
    assert again.returncode == 0 and "logged 0 runs, skipped 1" in again.stdout

    parent, children, runs = parent_and_children(live)
    assert len(runs) == 6 and parent.info.status == "FINISHED"
    numbers = {k: v for k, v in summary.items() if isinstance(v, int | float)}  # text: the verdict, survivors
    assert "verdict" in summary and parent.data.tags["verdict"] == summary["verdict"]
    for k, v in numbers.items():  # the same metrics the grid computed (NaN values are not logged)
        if v == v:
            assert parent.data.metrics[k] == pytest.approx(v, rel=1e-12), k
    assert parent.data.tags["resynced"] == "true"
    assert parent.data.tags["git_commit"] == record["repro"]["git_commit"]
    assert parent.data.tags["run_uid"] == record["start"]["tags"]["run_uid"]
    assert len(parent.inputs.dataset_inputs) == 1
    by_name = {c["name"]: c for c in record["children"]}
    assert sorted(c.info.run_name for c in children) == sorted(by_name)
    import pandas as pd

    table = pd.read_parquet(folder / "results" / "grid_results.parquet")
    top = table["sharpe_excess_tbill"].nlargest(5)
    for child in children:
        assert child.info.status == "FINISHED" and child.data.tags["mode"] == "grid_child"
        config = int(child.data.tags["config"])
        assert config in top.index
        sharpe = child.data.metrics["sharpe_excess_tbill"]
        assert sharpe == pytest.approx(table.loc[config, "sharpe_excess_tbill"], rel=1e-12)
        assert sharpe == pytest.approx(
            by_name[child.info.run_name]["metrics"]["sharpe_excess_tbill"], rel=1e-12
        )
        assert child.data.params["strategy.signal.lookback"] == str(
            table.loc[config, "strategy.signal.lookback"]
        )


def test_a_merged_grid_is_tracked_and_resynced_like_any_run(make_cfg, tmp_path):
    import mlflow

    from pipeline.run import run
    from sweeps.merge import merge
    from tracking.resync import resync

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    over = [o for o in SMALL if o != "experiment=wedge_grid"]
    for i in range(2):
        cfg = make_cfg(
            "experiment=wedge_grid", *over, f"tracking.uri={uri}", "grid.n_chunks=2", f"grid.chunk={i}"
        )
        run(cfg, tmp_path / "multi" / str(i), echo=False)
        assert (tmp_path / "multi" / str(i) / "tracking" / "logged.json").is_file()
    merge(tmp_path / "multi", echo=False)
    folder = tmp_path / "multi" / "merged"
    record = json.loads((folder / "tracking" / "record.json").read_text())
    assert record["tags"]["mode"] == "grid" and len(record["children"]) == 5
    assert record["start"]["rerun"].startswith("python -m sweeps merge ")
    parent, children, runs = parent_and_children(uri)
    assert len(children) == 5 and {r.data.tags["mode"] for r in runs} == {"grid", "grid_child", "grid_chunk"}
    assert len(parent.data.tags["git_commit"]) == 40 and len(parent.inputs.dataset_inputs) == 1
    assert parent.data.tags["run_uid"] == record["start"]["tags"]["run_uid"]

    # a store that died after two of the children: resync completes the parent and adds the other three
    other = f"sqlite:///{tmp_path / 'other.db'}"
    mlflow.set_tracking_uri(other)
    client = mlflow.MlflowClient(other)
    exp = client.create_experiment(EXPERIMENT)
    half = client.create_run(exp, run_name=record["run_name"], tags=record["start"]["tags"])
    for child in record["children"][:2]:
        tags = {"mlflow.parentRunId": half.info.run_id, **child["tags"]}
        done = client.create_run(exp, run_name=child["name"], tags=tags)
        client.set_terminated(done.info.run_id, "FINISHED")
    (folder / "tracking" / "logged.json").unlink()
    out = resync([folder], uri=other)
    assert out.logged == [folder.resolve()]
    parent, children, runs = parent_and_children(other)
    assert parent.info.run_id == half.info.run_id and parent.info.status == "FINISHED"
    assert sorted(c.info.run_name for c in children) == sorted(c["name"] for c in record["children"])
