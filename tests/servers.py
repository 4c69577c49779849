"""Real servers for the tracking tests, on 127.0.0.1 and free ports, each stopped by its own process ids:
`mlflow server` (any backend store) and a throwaway PostgreSQL cluster (``scripts/postgres.py``)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import REPO

POSTGRES_SCRIPT = REPO / "scripts" / "postgres.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mlflow_server(backend: str, artifacts: Path, port: int, log: Path) -> subprocess.Popen:
    """`mlflow server` on 127.0.0.1:`port` in its own process group; returns once /health answers.

    One worker: uvicorn's supervisor of several restarts workers that miss its health ping on a busy machine.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            backend,
            "--artifacts-destination",
            str(artifacts),
            "--workers",
            "1",
        ],
        stdout=open(log, "a"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # no job runner: MLflow 3.x starts eight huey consumers (each importing mlflow, ~25 s of CPU on two
        # cores) for its GenAI jobs, which tracking never uses
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_group(proc)
            pytest.fail(f"mlflow server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)  # polling a server that is starting, not a timed assertion


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the process group `proc` leads (the server and its workers) and wait for the leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(timeout=60)


def postgres_installed() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


@contextlib.contextmanager
def postgres_cluster(password: str) -> Iterator[str]:
    """A new PostgreSQL cluster on a free port (``scripts/postgres.py start``); yields its MLflow URI.

    Its folder is made under the system temp dir, not pytest's: as root the cluster runs as the
    ``postgres`` user, who cannot enter pytest's 0700 base folder. Stopped with ``pg_ctl stop`` on its own
    data directory (that cluster only).
    """
    if not postgres_installed():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing in CI: .ci/run runs `python scripts/postgres.py install`")
        pytest.skip("Debian's `postgresql` package is not installed (python scripts/postgres.py install)")
    if importlib.util.find_spec("psycopg") is None:  # the binaries are in many images; the driver is an extra
        if os.environ.get("CI"):
            pytest.fail('psycopg is missing in CI: .ci/run installs pip install -e ".[postgres]"')
        pytest.skip('PostgreSQL\'s Python driver is not installed: pip install -e ".[postgres]"')
    folder = Path(tempfile.mkdtemp(prefix="regime-pg-"))
    script = [sys.executable, str(POSTGRES_SCRIPT)]
    try:
        started = subprocess.run(
            [*script, "start", str(folder), "--port", str(free_port()), "--password", password],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if started.returncode != 0:
            log = folder / "server.log"
            pytest.fail(f"PostgreSQL did not start: {started.stderr[-2000:]} {log.read_text()[-2000:]}")
        yield started.stdout.strip()
    finally:
        subprocess.run([*script, "stop", str(folder)], timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
