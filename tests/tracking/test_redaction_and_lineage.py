"""Secrets never reach the store; each run records its dataset and how to re-run it."""

from __future__ import annotations

import subprocess
from importlib import metadata

import mlflow
import pytest

import pipeline.run as pr
from common.errors import ConfigError
from market.frame import content_digest
from tracking.mlflow_store import flatten, resolve_uri, uri_problem


@pytest.mark.parametrize(
    "uri", ["http//127.0.0.1:5000", "htp://127.0.0.1:5000", "http://:5000", "http://host:port", "mlflow.db"]
)
def test_malformed_uri_is_a_config_error(uri):
    assert uri_problem(uri) is not None
    with pytest.raises(ConfigError, match="tracking.uri"):
        resolve_uri(uri)


@pytest.mark.parametrize("uri", ["sqlite:///mlflow.db", "http://127.0.0.1:5000", "postgresql://u@db/mlflow"])
def test_wellformed_uri_passes(uri):
    assert uri_problem(uri) is None


def test_flatten_hides_secret_values_wherever_they_are():
    flat = flatten({"db": {"password": "p4ss", "host": "h"}, "files": [{"path": "a.csv", "api_key": "k3y"}]})
    assert flat["db.password"] == "<redacted>" and flat["db.host"] == "h"
    assert "k3y" not in flat["files"] and "a.csv" in flat["files"]


def test_a_run_logs_no_secret_and_records_lineage(make_cfg, tmp_path, bundled):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cfg = make_cfg(f"tracking.uri={uri}", "+tracking.token=s3cr3t-value", "strategy.signal.z_entry=1.5")
    pr.run(cfg, output_dir=tmp_path / "o", echo=False)
    mlflow.set_tracking_uri(uri)
    (run,) = mlflow.search_runs(experiment_names=["regime-backtest"], output_format="list")
    assert run.data.params["tracking.token"] == "<redacted>"
    everything = [*run.data.params.values(), *run.data.tags.values()]
    local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path / "dl"))
    everything += [p.read_text(errors="ignore") for p in (tmp_path / "dl").rglob("*") if p.is_file()]
    everything += [p.read_text() for p in (tmp_path / "o").rglob("*.json")]
    assert local and not any("s3cr3t-value" in text for text in everything)

    (ds,) = run.inputs.dataset_inputs
    assert ds.dataset.digest == content_digest(bundled.frame)  # the frame the fixture prepares independently
    assert ds.dataset.name == f"bundled {bundled.frame.index[0].date()}..{bundled.frame.index[-1].date()}"

    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert run.data.tags["git_commit"] == head
    for pkg in ("vectorbt", "pandas", "numpy", "mlflow", "hydra-core"):
        assert run.data.tags[f"version.{pkg}"] == metadata.version(pkg)
    assert run.data.params["strategy.signal.z_entry"] == "1.5"
    assert "git checkout" in run.data.tags["mlflow.note.content"]
    logged = (tmp_path / "o" / "tracking" / "logged.json").read_text()
    assert run.info.run_id in logged
