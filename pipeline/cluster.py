r"""Before a ``-m`` sweep goes to Ray: the launcher is installed and a cluster answers at the address.

    python run.py -m experiment=wedge_grid grid.n_chunks=4 grid.chunk=0,1,2,3 hydra/launcher=ray_cluster \
        hydra.launcher.ray.init.address=<head>:6379

Hydra's Ray launcher imports Ray only when the sweep starts (a missing package is a traceback there),
and ``ray.init`` waits minutes for a cluster that is not there. These checks run in `run.py` before
Hydra composes anything, so either mistake is one line and exit status 2, with nothing written.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from collections.abc import Mapping

from common.errors import ConfigError

#: ``hydra/launcher`` options that run jobs on Ray: the plugin's own and ours (conf/hydra/launcher/).
RAY_LAUNCHERS = ("ray", "ray_cluster")
ADDRESS_KEY = "hydra.launcher.ray.init.address"
#: Seconds to wait for a TCP connection to the head: a refused port answers at once.
CONNECT_TIMEOUT = 3.0
INSTALL = 'pip install -e ".[ray]"'


def override(argv: list[str], key: str) -> str | None:
    """The value the last override of `key` gives it (``key=v``, ``+key=v`` or ``++key=v``), else None.

    >>> override(["a=1", "+hydra.x=2", "a='3'"], "a"), override(["+hydra.x=2"], "hydra.x")
    ('3', '2')
    """
    value = None
    for arg in argv:
        name, sep, v = arg.lstrip("+").partition("=")
        if sep and name == key:
            value = v.strip("'\"")
    return value


def host_port(address: str) -> tuple[str, int]:
    """``host:port`` (optionally ``ray://``, an IPv6 host in brackets) as a host and a port.

    >>> host_port("10.0.0.1:6379"), host_port("ray://[::1]:10001")
    (('10.0.0.1', 6379), ('::1', 10001))

    Raises:
        ConfigError: Not ``<host>:<port>``.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(
            f"must be the head's <host>:<port>, got {address!r}.",
            key=ADDRESS_KEY,
            hint=f"e.g. {ADDRESS_KEY}=10.0.0.1:6379 (the address `ray start --head` prints).",
        )
    return host.strip("[]"), int(port)


def listening(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> bool:
    """Whether something accepts TCP connections at `host`:`port` within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ray_address(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """The cluster address a Ray sweep will join: the override, else ``RAY_ADDRESS``; None if neither.

    ``auto`` (the preset's default) is Ray's own: ``RAY_ADDRESS``, else the cluster started on this
    machine, which Ray finds (or fails to find) at once.
    """
    value = override(argv, ADDRESS_KEY)
    if value in (None, "auto"):
        value = environ.get("RAY_ADDRESS") or None
    return None if value in (None, "null", "auto", "local") else value


def ray_refusal(argv: list[str], environ: Mapping[str, str]) -> ConfigError | None:
    """Why a ``-m`` sweep with a Ray launcher cannot start (not installed, no cluster), or None."""
    choice = override(argv, "hydra/launcher")
    if choice not in RAY_LAUNCHERS or not {"-m", "--multirun"} & set(argv):
        return None
    for module in ("ray", "hydra_plugins.hydra_ray_launcher.ray_launcher"):
        try:
            importlib.import_module(module)  # lazy: Ray costs ~1 s at import; only Ray sweeps pay it
        except ImportError as err:
            return ConfigError(
                f"hydra/launcher={choice} needs Ray and Hydra's Ray launcher ({err}): {INSTALL}"
            )
    address = ray_address(argv, environ)
    if address is None:
        return None
    host, port = host_port(address)
    if not listening(host, port):
        return ConfigError(
            f"no Ray cluster at {address} (nothing accepts connections there): start one with "
            f"`ray start --head --port={port}` or fix {ADDRESS_KEY}.",
        )
    if choice == "ray" and override(argv, "hydra.launcher.ray.init.object_store_memory") is None:
        return ConfigError(
            "hydra/launcher=ray passes object_store_memory to ray.init, which Ray refuses on a running "
            "cluster (Hydra issue #2893): use hydra/launcher=ray_cluster.",
        )
    return None


def check_launcher(argv: list[str]) -> None:
    """Exit with status 2 and one line if the sweep's Ray launcher cannot run (`ray_refusal`)."""
    try:
        err = ray_refusal(argv, os.environ)
    except ConfigError as bad:
        err = bad
    if err is not None:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
