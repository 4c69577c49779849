"""The chunked grid on a real Ray cluster (one node, 127.0.0.1) through ``hydra/launcher=ray_cluster``.

The commands are those of docs/cluster.md: a head started by
``scripts/ray_local.py`` (``ray start --head`` on free loopback ports, stopped by its process group),
``run.py -m ... hydra/launcher=ray_cluster hydra.launcher.ray.init.address=<head>``, then the merge.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import REPO
from tests.sweeps.chunked import (
    ONE_THREAD,
    SMALL,
    assert_chunks_logged,
    assert_same_sweep,
    sh,
    sweep_and_merge,
)

pytestmark = pytest.mark.slow

#: Ray on this machine binds to 127.0.0.1 only with this (scripts/ray_local.py); a driver needs it too.
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
SCRIPT = REPO / "scripts" / "ray_local.py"


def need_ray() -> None:
    """Skip without Ray (pip install -e ".[ray]"), except in CI, which installs it."""
    if importlib.util.find_spec("ray") and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher"):
        return
    if os.environ.get("CI"):
        pytest.fail('Ray is missing in CI: .ci/run installs pip install -e ".[ray]"')
    pytest.skip('Ray is not installed: pip install -e ".[ray]"')


def ray_local(action: str, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the workers import this checkout
    return subprocess.run(
        [sys.executable, str(SCRIPT), action, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node Ray cluster with 2 CPUs on 127.0.0.1; stopped (its own processes only) afterwards."""
    need_ray()
    folder = tmp_path_factory.mktemp("ray")
    try:
        started = ray_local("start", folder)
        assert started.returncode == 0, started.stderr[-3000:] + started.stdout[-3000:]
        yield started.stdout.strip().splitlines()[-1]
    finally:
        stopped = ray_local("stop", folder)
        assert stopped.returncode == 0, stopped.stderr[-3000:]


def test_chunks_on_a_ray_cluster_merge_to_the_unchunked_grid(cluster, unchunked, tmp_path):
    assert cluster.startswith("127.0.0.1:")
    launcher = ("hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={cluster}")
    out = sweep_and_merge(tmp_path, 4, *launcher, env=LOOPBACK)
    assert f"Connecting to existing Ray cluster at address: {cluster}" in out
    assert "(_run_job pid=" in out  # the jobs' output, relayed from Ray worker processes
    assert_same_sweep(tmp_path / "multi" / "merged", unchunked)
    assert_chunks_logged(tmp_path, 4)


PROBE = """
import json, os, sys
import ray
from omegaconf import OmegaConf
remote = OmegaConf.to_container(OmegaConf.load(sys.argv[2]).ray.remote, resolve=True)
ray.init(address=sys.argv[1], logging_level="ERROR")
names = (*sys.argv[3:], "MLFLOW_TRACKING_URI")
task = ray.remote(**remote)(lambda: {k: os.environ.get(k) for k in names})
print(json.dumps(ray.get([task.remote() for _ in range(2)])))
"""


def test_the_preset_gives_each_task_one_thread_and_the_drivers_store(cluster, tmp_path):
    preset = REPO / "conf" / "hydra" / "launcher" / "ray_cluster.yaml"
    env = {**os.environ, **LOOPBACK, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    args = [sys.executable, "-c", PROBE, cluster, str(preset), *ONE_THREAD]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == [{**ONE_THREAD, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'x.db'}"}] * 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sweep_args(tmp: Path, address: str) -> list[str]:
    return [
        "run.py",
        "-m",
        *SMALL,
        "grid.n_chunks=2",
        "grid.chunk=0,1",
        "hydra/launcher=ray_cluster",
        f"hydra.launcher.ray.init.address={address}",
        f"hydra.sweep.dir={tmp / 'multi'}",
    ]


def assert_refused_before_any_work(proc: subprocess.CompletedProcess, tmp: Path) -> str:
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line  # one line
    assert not (tmp / "multi").exists() and not (tmp / "mlflow.db").exists()  # nothing written, no run
    return line


def test_ray_not_installed_is_one_line_naming_the_extra(tmp_path):
    shim = tmp_path / "shim" / "ray"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    env = {"PYTHONPATH": f"{shim.parent}{os.pathsep}{REPO}"}
    proc = sh(tmp_path, *sweep_args(tmp_path, "127.0.0.1:6379"), env=env)
    line = assert_refused_before_any_work(proc, tmp_path)
    assert 'pip install -e ".[ray]"' in line and "hydra/launcher=ray_cluster" in line


def test_no_cluster_at_the_address_is_one_line_naming_it(tmp_path):
    need_ray()
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    proc = sh(tmp_path, *sweep_args(tmp_path, address), env=LOOPBACK)
    line = assert_refused_before_any_work(proc, tmp_path)
    assert f"no Ray cluster at {address}" in line


def test_the_plugins_own_preset_on_a_cluster_points_to_ours(tmp_path):
    need_ray()
    with socket.socket() as server:  # something listening, so the address itself passes
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"127.0.0.1:{server.getsockname()[1]}"
        args = [
            a if a != "hydra/launcher=ray_cluster" else "hydra/launcher=ray"
            for a in sweep_args(tmp_path, address)
        ]
        proc = sh(tmp_path, *args)
    line = assert_refused_before_any_work(proc, tmp_path)
    assert "object_store_memory" in line and "hydra/launcher=ray_cluster" in line
