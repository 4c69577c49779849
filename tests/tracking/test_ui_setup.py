"""The MLflow UI set up for backtests, against a real SQLite store: the experiment's kind (the UI opens
the runs table, not the GenAI view), the headline table atop a run's description in percent, and grid
child runs named by their parameters."""

from __future__ import annotations

import mlflow
import pytest

import pipeline.run as pr
from tracking.headline import params_name
from tracking.mlflow_store import Session

KIND = "mlflow.experimentKind"


def cells(line: str) -> list[str]:
    """The cells of one Markdown table row."""
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def pct(x: float) -> str:
    return f"{round(x * 100, 2):.2f}%"


def test_new_experiment_is_created_with_the_runs_table_kind(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    session = Session.open(uri=uri, experiment="fresh")
    exp = mlflow.MlflowClient(uri).get_experiment(session.experiment_id)
    assert exp.name == "fresh" and exp.tags[KIND] == "custom_model_development"


def test_existing_experiment_without_a_kind_is_tagged_on_first_use_and_a_chosen_kind_kept(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    old = client.create_experiment("old")  # as an earlier version of the project created it
    chosen = client.create_experiment("chosen", tags={KIND: "genai_development"})
    assert KIND not in client.get_experiment(old).tags
    assert Session.open(uri=uri, experiment="old").experiment_id == old
    assert client.get_experiment(old).tags[KIND] == "custom_model_development"
    Session.open(uri=uri, experiment="chosen")
    assert client.get_experiment(chosen).tags[KIND] == "genai_development"


def test_description_leads_with_the_headline_table_and_children_are_named_by_params(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    session = Session.open(uri=uri, experiment="e")
    tracker = session.start_run("parent")
    tracker.describe(note="**Re-run**\n\n    python run.py")
    metrics = {
        "cagr": 0.071234,
        "sharpe_excess_tbill": 0.6149,
        "max_drawdown": -0.18765,
        "sixty_forty.cagr": 0.0655,
        "sixty_forty.sharpe_excess_tbill": 0.5,
        "sixty_forty.max_drawdown": -0.3011,
        "vs_sixty_forty.excess_cagr": 0.071234 - 0.0655,
    }
    kids = [
        {"strategy.signal.lookback": 504, "strategy.signal.z_entry": 2.0},
        {"strategy.signal.lookback": 252, "strategy.signal.z_entry": 1.5},
    ]
    children = [
        {"name": params_name(p), "params": {k: str(v) for k, v in p.items()}, "metrics": {"cagr": 0.05}}
        for p in kids
    ]
    folder = tmp_path / "results"
    folder.mkdir()
    tracker.log(params={"a": "1"}, metrics=metrics, tags={}, folder=folder, children=children)
    session.end_run("FINISHED")

    client = mlflow.MlflowClient(uri)
    note = client.get_run(tracker.run_id).data.tags["mlflow.note.content"]
    table, _, rest = note.partition("\n\n")
    lines = table.splitlines()
    assert cells(lines[0]) == ["", "strategy", "sixty_forty"]
    rows = {cells(line)[0]: cells(line)[1:] for line in lines[2:]}
    assert rows["CAGR"] == [pct(0.071234), pct(0.0655)] == ["7.12%", "6.55%"]
    assert rows["Max drawdown"] == ["-18.77%", "-30.11%"]
    assert rows["Sharpe (excess of T-bill)"] == ["0.61", "0.50"]
    assert rows["Strategy: excess CAGR vs"] == ["", pct(0.071234 - 0.0655)]
    assert rest.startswith("**Re-run**")  # the re-run instructions are kept below the table

    runs = client.search_runs([session.experiment_id], f"tags.mlflow.parentRunId = '{tracker.run_id}'")
    assert sorted(r.info.run_name for r in runs) == ["lookback=252 z_entry=1.5", "lookback=504 z_entry=2.0"]
    for r in runs:
        assert "| CAGR | 5.00% |" in r.data.tags["mlflow.note.content"]


def test_a_backtest_run_shows_its_headline_in_percent(make_cfg, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    metrics = pr.run(make_cfg(f"tracking.uri={uri}"), output_dir=tmp_path / "o", echo=False)
    mlflow.set_tracking_uri(uri)
    exp = mlflow.get_experiment_by_name("regime-backtest")
    assert exp.tags[KIND] == "custom_model_development"
    (run,) = mlflow.MlflowClient(uri).search_runs([exp.experiment_id])
    note = run.data.tags["mlflow.note.content"]
    lines = note.splitlines()
    assert lines[0] == f"**Verdict: {run.data.tags['verdict']}**"  # the description opens on the verdict
    opening = ("**Verdict: beats 60/40", "**Verdict: no evidence it beats 60/40", "**Verdict: trails 60/40")
    assert lines[0].startswith(opening)
    names = cells(next(line for line in lines if line.startswith("|")))[1:]
    assert names[0] == "strategy" and "sixty_forty" in names
    cagr = cells(next(line for line in lines if line.startswith("| CAGR |")))[1:]
    assert cagr == [pct(metrics["cagr"]), *(pct(metrics[f"{b}.cagr"]) for b in names[1:])]
    assert "git checkout" in note
    assert metrics["cagr"] == pytest.approx(run.data.metrics["cagr"])
