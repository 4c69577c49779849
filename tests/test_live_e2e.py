"""`python run.py strategy=term_premium data=live` on caches filled from recorded responses (no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yfinance
from omegaconf import OmegaConf

from market import live, nyfed
from tests.cli import REPO
from tests.market.test_live import DAYS, Network, acm_sheet

pytestmark = pytest.mark.slow


def fill_cache(monkeypatch, cache_dir: Path) -> dict:
    """Load data=live's own source list once through the recorded network, as a first online run would."""
    net = Network()
    net.fred_ids = None  # answer every id
    monkeypatch.setattr(yfinance, "download", net.download)
    monkeypatch.setattr(requests, "get", net.get)
    monkeypatch.setattr(nyfed, "read_workbook", lambda content: acm_sheet(DAYS))
    loader = OmegaConf.to_container(OmegaConf.load(REPO / "conf" / "data" / "live.yaml"))["loader"]
    loader.pop("_target_")
    live.load(**{**loader, "cache_dir": str(cache_dir), "start": "2021-01-01"})
    return loader


def test_term_premium_on_live_data_runs_offline_from_the_caches(tmp_path, monkeypatch):
    fill_cache(monkeypatch, tmp_path / "cache")
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cmd = [
        sys.executable,
        "run.py",
        "strategy=term_premium",
        "data=live",
        f"data.loader.cache_dir={tmp_path / 'cache'}",
        f"hydra.run.dir={tmp_path / 'out'}",
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "data=live" in proc.stdout
    assert "vintage nyfed: downloaded" in proc.stdout and "file dated 2023-12-05" in proc.stdout
    assert "last prints: 2023-12-29" in proc.stdout and "revised series: TERM_PREMIUM_10Y" in proc.stdout
    stats = json.loads((tmp_path / "out" / "results" / "stats.json").read_text())
    assert {v["source"] for v in stats["data"]["vintages"]} == {"yahoo", "fred", "nyfed"}
    assert stats["data"]["last_observed"]["TERM_PREMIUM_10Y"] == "2023-12-29"
    record = json.loads((tmp_path / "out" / "tracking" / "record.json").read_text())
    assert "2023-12-05" in json.dumps(record)  # the workbook's own date reaches the tracking record
