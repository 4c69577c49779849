"""A run computes its event study once: the charts drawn during the simulation, the metrics, stats.json
and the terminal all read the same one (its p-values draw 1,000 random placements)."""

from __future__ import annotations

import json

import core.simulation as backtest
from analysis import event_study
from pipeline import api
from pipeline.run import execute


def test_one_event_study_per_run(tmp_path, monkeypatch):
    calls = []
    real = event_study.study

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(backtest, "study", counted)
    monkeypatch.setattr(event_study, "study", counted)  # any other caller would be counted too
    cfg = api.compose("move_vix_wedge", ["tracking=disabled"])
    result, metrics = execute(cfg, tmp_path, echo=False)
    assert len(calls) == 1
    stats = json.loads((tmp_path / "results" / "stats.json").read_text())
    assert stats["event_study"] == event_study.headline_json(result.event_study)
    assert any(k.startswith("event.pval") for k in metrics)
