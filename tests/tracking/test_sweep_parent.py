"""A sweep's parent finishes even when its children carry no Sharpe (e.g. grid-chunk jobs)."""

from __future__ import annotations

from mlflow import MlflowClient

from tracking.sweep import finish_parent, start_parent


def test_parent_finishes_when_children_have_no_sharpe(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ctx = {
        "uri": uri,
        "experiment": "regime-backtest",
        "overrides": ["grid.chunk=0,1"],
        "n_configurations": 2,
        "sweep_dir": str(tmp_path),
        "sweep_uid": "u1",
        "name": "chunks",
    }
    rid, uri, exp_id = start_parent(ctx)
    client = MlflowClient(uri)
    for chunk in ("0", "1"):
        child = client.create_run(exp_id, tags={"mlflow.parentRunId": rid})
        client.log_param(child.info.run_id, "grid.chunk", chunk)
        client.log_metric(child.info.run_id, "n_configs", 10.0)
        client.set_terminated(child.info.run_id)
    runs = finish_parent({**ctx, "parent_run_id": rid, "experiment_id": exp_id}, title="chunks")
    assert len(runs) == 2
    parent = client.get_run(rid)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["n_children_logged"] == 2.0
    assert "best.sharpe_excess_tbill" not in parent.data.metrics


def test_mlflows_own_run_link_is_off_so_a_servers_password_is_not_printed(monkeypatch):
    """MLflow prints "View run ... at: http://user:PASSWORD@host/..." unless told not to; ours is redacted."""
    from mlflow.environment_variables import MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT

    from tracking.mlflow_store import set_http_env_defaults

    monkeypatch.delenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", raising=False)
    set_http_env_defaults()
    assert MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT.get() is True
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "false")  # the user's own choice stays
    set_http_env_defaults()
    assert MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT.get() is False


def test_a_sweeps_context_keeps_no_secret_and_still_knows_what_was_swept():
    from tracking.sweep import redacted_swept, sweep_name

    overrides = ["strategy.signal.z_entry=1.5,2", "+tracking.api_key=hunter2", "+data.loader.token=a,b"]
    swept = redacted_swept(overrides)
    assert swept == {"strategy.signal.z_entry": "1.5,2", "data.loader.token": "<redacted>"}
    assert "hunter2" not in sweep_name(overrides, "move_vix_wedge")
    assert sweep_name(overrides, "move_vix_wedge").startswith("sweep move_vix_wedge z_entry=1.5,2")
