"""A one-node Ray cluster on 127.0.0.1, to try (and test) ``hydra/launcher=ray_cluster`` on one machine.

    python scripts/ray_local.py start /tmp/ray-one   # prints the head's address, e.g. 127.0.0.1:41673
    python scripts/ray_local.py stop /tmp/ray-one    # stops that cluster (its process group) only

``start`` runs ``ray start --head`` on free ports with ``--temp-dir <folder>/ray``, loopback only, in a
new process group whose id it writes to ``<folder>/pgid`` (every Ray daemon it forks stays in that
group), and the address to ``<folder>/address``; run again, it prints the address of the cluster still
running there. ``stop`` signals that group: ``ray stop`` would kill every Ray process on the machine,
other users' clusters included. A multi-node cluster is started with plain ``ray start`` (docs/cluster.md).

Ray binds to the machine's routable address unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (then
127.0.0.1); a driver connecting to this cluster needs the same variable, or it waits for a node at its
own routable address forever.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(address: str, timeout: float = 2.0) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def group_members(pgid: int) -> list[int]:
    """Live process ids whose process group is `pgid` (from /proc; zombies left unreaped are gone)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # after "(comm)": state, ppid, pgrp, ...
            out.append(int(stat.parent.name))
    return out


def start(folder: Path, num_cpus: int = 2) -> str:
    """Start the head (or find it still running) and return its address."""
    folder.mkdir(parents=True, exist_ok=True)
    known = folder / "address"
    if known.exists() and listening(known.read_text().strip()):
        return known.read_text().strip()
    address = f"127.0.0.1:{free_port()}"
    cmd = [
        shutil.which("ray") or "ray",
        "start",
        "--head",
        f"--num-cpus={num_cpus}",
        f"--port={address.rsplit(':', 1)[1]}",
        "--node-ip-address=127.0.0.1",
        f"--ray-client-server-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        "--include-dashboard=false",
        "--disable-usage-stats",
        "--object-store-memory=100000000",
        f"--temp-dir={folder / 'ray'}",
    ]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **LOOPBACK},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    (folder / "pgid").write_text(str(proc.pid))  # the new session's group: every daemon ray start forks
    out, _ = proc.communicate(timeout=300)
    if proc.returncode != 0 or not listening(address):
        stop(folder)
        raise SystemExit(f"ray start failed (exit {proc.returncode}):\n{out[-2000:]}")
    known.write_text(address)
    return address


def stop(folder: Path, grace: float = 5.0) -> int:
    """Stop the cluster started in `folder`: SIGTERM to its process group, SIGKILL after `grace` s.

    The GCS server and the autoscaler monitor outlive SIGTERM (20 s and more here), as with ``ray stop``,
    whose grace is 16 s; the other daemons end within a few seconds.

    Returns:
        How many processes were still running when it was asked to stop.
    """
    pgid_file = folder / "pgid"
    if not pgid_file.exists():
        return 0
    pgid = int(pgid_file.read_text())
    members = group_members(pgid)
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    _signal_group(pgid, signal.SIGKILL)
    pgid_file.unlink()
    (folder / "address").unlink(missing_ok=True)
    return len(members)


def _signal_group(pgid: int, sig: int) -> None:
    if group_members(pgid):
        with contextlib.suppress(ProcessLookupError):  # the last one ended meanwhile
            os.killpg(pgid, sig)


def main(argv: list[str]) -> None:
    """``start <folder>`` prints the address; ``stop <folder>`` stops the cluster started there."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("action", choices=["start", "stop"])
    p.add_argument("folder", type=Path)
    p.add_argument("--num-cpus", type=int, default=2)
    args = p.parse_args(argv)
    if args.action == "start":
        print(start(args.folder, args.num_cpus))
    else:
        print(f"stopped {stop(args.folder)} processes")


if __name__ == "__main__":
    main(sys.argv[1:])
