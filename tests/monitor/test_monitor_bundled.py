"""End to end on the bundled data: every signal preset, offline, as of the data's last date."""

from __future__ import annotations

import json
import re

import mlflow
import pandas as pd
import pytest

from monitor.__main__ import parse
from monitor.core import run
from pipeline import api
from pipeline.cli import choices
from tests.cli import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monitor")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    code = run(parse([f"tracking.uri={uri}", f"monitor.state_dir={tmp / 'state'}"]), tmp / "run", echo=False)
    return code, tmp / "run" / "results", uri


def test_every_signal_preset_as_of_the_last_date(monitored, bundled):
    code, results, _ = monitored
    assert code == 0
    rows = {r["signal"]: r for r in json.loads((results / "monitor.json").read_text())}
    with_signal = [n for n in choices("strategy") if api.compose(n).strategy.get("signal") is not None]
    assert sorted(rows) == sorted(with_signal) and len(rows) >= 8  # every preset's columns are bundled
    assert {r["as_of"] for r in rows.values()} == {str(bundled.end.date())} == {"2026-08-21"}


def test_the_wedge_state_and_since_date_match_its_signal(monitored):
    _, results, _ = monitored
    row = next(
        r for r in json.loads((results / "monitor.json").read_text()) if r["signal"] == "move_vix_wedge"
    )
    sig = api.signals("move_vix_wedge")
    state = sig["risk_off"]
    runs = (state != state.shift()).cumsum()
    assert row["risk_off"] == bool(state.iloc[-1])
    assert row["since"] == str(state[runs == runs.iloc[-1]].index[0].date())
    z = sig["score"].iloc[-1]
    assert row["value"] == pytest.approx(z)
    assert row["to_trigger"] == pytest.approx((0.5 if state.iloc[-1] else 1.5) - z)  # exit or entry
    mv = {i["column"]: i for i in row["inputs"]}
    assert set(mv) == {"MOVE", "VIX"} and mv["MOVE"]["last"] == "2026-08-21"
    w = row["weights_next"]
    assert w == pytest.approx(
        {"equity": 0.2, "bonds": 0.3, "gold": 0.0, "cash": 0.5}
        if state.iloc[-1]
        else {"equity": 0.6, "bonds": 0.4, "gold": 0.0, "cash": 0.0}
    )


def test_outputs_table_page_chart_and_mlflow_run(monitored):
    _, results, uri = monitored
    text = (results / "monitor.txt").read_text()
    assert max(map(len, text.splitlines())) <= 100
    html = (results / "monitor.html").read_text()
    # renders offline: nothing to fetch (an embedded PNG's base64 may spell "http": data URIs left out)
    assert "<script" not in html and "http" not in re.sub(r"data:[^\"')]*", "", html)
    assert "data:image/png;base64," in html
    assert (results / "monitor.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(results / "monitor.csv")) == len(
        json.loads((results / "monitor.json").read_text())
    )
    mlflow.set_tracking_uri(uri)
    (rid,) = mlflow.search_runs(
        experiment_names=["regime-backtest"], filter_string="tags.mode = 'monitor'"
    ).run_id
    arts = {a.path for a in mlflow.MlflowClient().list_artifacts(rid)}
    assert {"monitor.html", "monitor.png", "monitor.json", "config.yaml"} <= arts
    assert mlflow.get_run(rid).data.tags["data_last"] == "2026-08-21"


def test_evidence_and_native_units_reach_the_json_page_and_mlflow_run(monitored, bundled):
    _, results, uri = monitored
    rows = {r["signal"]: r for r in json.loads((results / "monitor.json").read_text())}
    doc = json.loads((REPO / "monitor" / "evidence.json").read_text())  # monitor.evidence's default
    fam = doc["families"]["move_vix_wedge"]
    p = fam["spa_p.sixty_forty"]
    head = "beats 60/40" if p < 0.05 else "no evidence it beats 60/40"  # SPA: never "trails"
    q = fam["event_best_q"]
    assert rows["move_vix_wedge"]["evidence"] == (
        f"{head} (SPA p {p:.2f}, {fam['configs']} configs); event q {'n/a' if q is None else f'{q:.2f}'}"
    )
    assert rows["wedge_graded"]["evidence"] == "not in the catalogue (no family of that name)"
    y = float(bundled.frame["UST10Y"].iloc[-1])
    assert rows["yield_breakout"]["reading"] == f"10y {y:.2f}% {'≥' if y >= 4.55 else '<'} 4.55%"
    assert rows["yield_breakout"]["value"] == pytest.approx(y)  # the yield itself, its thresholds' series
    entry = next(w for w in rows["yield_breakout"]["why"] if w["condition"] == "UST10Y ≥ 4.55% (entry)")
    assert entry == {"condition": "UST10Y ≥ 4.55% (entry)", "holds": bool(y >= 4.55), "reads": f"{y:.2f}%"}
    html = (results / "monitor.html").read_text()
    assert f"on data=bundled {doc['data']['first']} to {doc['data']['last']}" in html
    mlflow.set_tracking_uri(uri)
    (rid,) = mlflow.search_runs(
        experiment_names=["regime-backtest"], filter_string="tags.mode = 'monitor'"
    ).run_id
    data = mlflow.get_run(rid).data
    assert data.metrics["move_vix_wedge.evidence.spa_p"] == pytest.approx(p)
    assert data.tags["evidence"].startswith(f"python -m analysis verdicts of {doc['computed']}")
