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
