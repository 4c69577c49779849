"""``--changed``: the state file, what is printed and the exit status, through the monitor's own path.

Real Hydra composition of the `threshold` preset (VIX at or above 30, off below 20) on hand-built
files; tracking off (the MLflow side is tested in test_replay.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from monitor.__main__ import parse
from monitor.core import run

DAYS = pd.bdate_range("2023-01-02", periods=300)


def write_data(path, vix_tail: list[float]) -> str:
    rng = np.random.default_rng(0)
    n = len(DAYS)
    walk = np.exp(rng.normal(0, 0.01, (n, 4)).cumsum(axis=0)) * 100
    vix = np.r_[np.full(n - len(vix_tail), 15.0), vix_tail]
    df = pd.DataFrame(walk, index=DAYS, columns=["SPX", "SPY", "IEF", "GLD"])
    df["TBILL3M"], df["VIX"] = 4.0, vix
    df.index.name = "date"
    df.to_parquet(path)
    return str(path)


def monitor(tmp_path, data: str, *extra: str) -> tuple[int, str]:
    args = [
        "strategy=threshold",
        f"data.loader={{_target_: market.bundled.load, path: '{data}'}}",
        "data.source=handbuilt",
        "tracking.enabled=false",
        f"monitor.state_dir={tmp_path / 'state'}",
        *extra,
    ]
    folder = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    code = run(parse(args), folder)
    return code, (folder / "results" / "monitor.txt").read_text()


def test_changed_state_file_and_exit_status(tmp_path):
    calm = write_data(tmp_path / "calm.parquet", [16.0, 17.0])
    spike = write_data(tmp_path / "spike.parquet", [16.0, 31.0, 33.0])

    code, text = monitor(tmp_path, calm, "--changed")
    state = json.loads((tmp_path / "state" / "state.json").read_text())
    assert state == {
        "threshold": {"risk_off": False, "since": str(DAYS[0].date()), "as_of": str(DAYS[-1].date())}
    }
    assert code == 0  # new and off: nothing turned on
    assert "threshold new -> off" in text

    code, text = monitor(tmp_path, spike, "--changed")
    assert code == 1  # turned on: cron/CI alerts
    assert "threshold off -> on" in text and "threshold" in text.split("-" * 100)[1]
    state = json.loads((tmp_path / "state" / "state.json").read_text())
    vix = pd.read_parquet(spike)["VIX"]
    first_on = vix[vix >= 30].index[0]  # on from the first close at or above 30, never below 20 since
    assert state["threshold"] == {
        "risk_off": True,
        "since": str(first_on.date()),
        "as_of": str(DAYS[-1].date()),
    }

    code, text = monitor(tmp_path, spike, "--changed")
    assert code == 0 and "changed since the previous run: none" in text
    assert "-" * 100 not in text  # no table: nothing changed

    code, text = monitor(tmp_path, calm, "--changed")
    assert code == 0 and "threshold on -> off" in text  # turning off is reported, not alerted


def test_without_changed_every_signal_is_printed_and_exit_is_zero(tmp_path):
    spike = write_data(tmp_path / "spike.parquet", [16.0, 31.0, 33.0])
    code, text = monitor(tmp_path, spike)
    assert code == 0
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("threshold "))
    assert lines[at].split()[1] == "on" and f"{20.0 - 33.0:+.2f} to off" in lines[at]
    assert lines[at + 1] == "  VIX 33.00 ≥ 20.00 (entry ≥ 30.00, exit < 20.00)"  # on: against its exit
