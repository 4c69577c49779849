"""No planted secret reaches the store: each kind of secret goes into real `python run.py` runs (one to
a dead server with credentials in its URI, then re-synced; one straight to SQLite), and a grep of the
whole store file, its artifact folder, the run folders and the terminal finds none of them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from market.bundled import load
from tests.cli import REPO
from tests.cli import python as run

SECRETS = {
    "override": "s3cr3t-override-7Qx",  # +tracking.api_key=... (hydra.yaml's override_dirname)
    "hydra": "s3cr3t-hydra-9Kd",  # a Hydra override (hydra.overrides.hydra, env_set)
    "nested": "s3cr3t-nested-4Rw",  # a password inside a value whose key looks harmless
    "uri": "s3cr3t-uri-2Mz",  # http://user:PASSWORD@host
    "diff": "s3cr3t-diff-8Pn",  # a line of the uncommitted git diff
}
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leaks(root: Path) -> list[str]:
    """Every (file, secret) pair where a planted secret appears in a file's bytes under `root`."""
    found = []
    for p in root.rglob("*"):
        data = p.read_bytes() if p.is_file() else b""
        found += [f"{p}: {kind}" for kind, s in SECRETS.items() if s.encode() in data]
    return found


@pytest.fixture
def dirty_tree():
    """A tracked file with an uncommitted secret in it (restored afterwards)."""
    path = REPO / "README.md"
    original = path.read_bytes()
    path.write_bytes(original + f'\napi_key = "{SECRETS["diff"]}"\n'.encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def test_no_planted_secret_reaches_the_store(tmp_path, dirty_tree):
    frame = load()[["SPY", "IEF", "GLD", "TBILL3M"]].loc["2012":"2016"].dropna()
    csv = tmp_path / "my prices.csv"
    frame.rename_axis("Date").to_csv(csv)
    files = (
        f"data.loader.files=[{{path: '{csv}', columns: {{SPY: SPY, IEF: IEF, GLD: GLD, TBILL3M: TBILL3M}}}}]"
    )
    # A csv entry refuses keys it does not know (`password` among them), so the nested secret sits in a
    # mapping of the user's own under a harmless key.
    nested = f"+notes={{vendor: {{login: analyst, password: {SECRETS['nested']}}}}}"
    common = [
        "run.py",
        "strategy=sixty_forty",
        "data=csv",
        files,
        nested,
        f"+tracking.api_key={SECRETS['override']}",
        f"+hydra.job.env_set.API_TOKEN={SECRETS['hydra']}",
    ]
    dead = f"http://analyst:{SECRETS['uri']}@127.0.0.1:{free_port()}"
    to_dead = run(*common, f"tracking.uri={dead}", f"hydra.run.dir={tmp_path / 'runs' / 'dead'}")
    assert to_dead.returncode == 3, to_dead.stderr[-3000:]
    assert "python -m tracking resync" in to_dead.stderr
    db = tmp_path / "store" / "mlflow.db"
    db.parent.mkdir()
    uri = f"sqlite:///{db}"
    direct = run(*common, f"tracking.uri={uri}", f"hydra.run.dir={tmp_path / 'runs' / 'direct'}")
    assert direct.returncode == 0, direct.stderr[-3000:]
    # the record kept no credentials: the re-sync is told where to log
    resync = run("-m", "tracking", "resync", str(tmp_path / "runs" / "dead"), "--uri", uri)
    assert resync.returncode == 0, resync.stderr
    assert "logged 1 runs" in resync.stdout

    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["regime-backtest"], output_format="list")
    assert sorted(r.info.status for r in runs) == ["FINISHED", "FINISHED"]
    for r in runs:  # the planted things were logged, hidden
        assert r.data.params["tracking.api_key"] == "<redacted>"
        assert "<redacted>" in r.data.tags["command"] and "password: <redacted>" in r.data.tags["command"]
        names = {a.path for a in mlflow.MlflowClient().list_artifacts(r.info.run_id, "repro")}
        assert "repro/git_diff.patch" in names
    dead_run = next(r for r in runs if r.data.tags["run_folder"].endswith("dead"))
    assert dead_run.data.params["tracking.uri"].startswith("http://analyst:<redacted>@127.0.0.1:")

    terminal = "".join(p.stdout + p.stderr for p in (to_dead, direct, resync))
    assert not [k for k, s in SECRETS.items() if s in terminal]
    assert leaks(tmp_path / "store") == []  # mlflow.db and mlartifacts/
    assert leaks(tmp_path / "runs") == []  # the run folders, .hydra and tracking records included
