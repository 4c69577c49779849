"""The checks run.py makes before a ``-m`` sweep goes to Ray (`pipeline.cluster`), on real sockets."""

from __future__ import annotations

import doctest
import importlib.util
import socket

import pytest

from common.errors import ConfigError
from pipeline import cluster


def test_doctests():
    assert doctest.testmod(cluster).failed == 0


def test_the_address_is_the_override_else_ray_address_else_none():
    key = "hydra.launcher.ray.init.address"
    assert cluster.ray_address([f"{key}=10.0.0.1:6379"], {"RAY_ADDRESS": "10.0.0.2:6379"}) == "10.0.0.1:6379"
    assert cluster.ray_address([f"{key}=auto"], {"RAY_ADDRESS": "10.0.0.2:6379"}) == "10.0.0.2:6379"
    assert cluster.ray_address([], {"RAY_ADDRESS": "10.0.0.2:6379"}) == "10.0.0.2:6379"
    assert cluster.ray_address([], {}) is None  # Ray's own auto: the cluster started on this machine


def test_an_address_without_a_port_names_the_key():
    with pytest.raises(ConfigError) as err:
        cluster.host_port("10.0.0.1")
    assert err.value.key == "hydra.launcher.ray.init.address" and "10.0.0.1" in err.value.message


def test_listening_tells_an_open_port_from_a_closed_one():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert cluster.listening("127.0.0.1", port)
    assert not cluster.listening("127.0.0.1", port)  # closed: refused at once


def test_only_a_ray_multirun_is_checked():
    launcher = "hydra/launcher=ray_cluster"
    closed = "hydra.launcher.ray.init.address=127.0.0.1:1"
    assert cluster.ray_refusal([launcher, closed], {}) is None  # not -m: no launcher runs
    assert cluster.ray_refusal(["-m", "hydra/launcher=joblib", closed], {}) is None


def test_a_near_miss_of_a_launcher_gets_did_you_mean():
    from pipeline.cli import compose_config

    with pytest.raises(ConfigError) as err:
        compose_config(["hydra/launcher=ray_clustr"])  # Hydra's real composition
    assert "Did you mean `ray_cluster`?" in str(err.value) and "basic" in str(err.value)
    # the launchers listed are the ones installed: submitit's come with the [submitit] extra
    submitit = importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is not None
    assert ("submitit_local" in str(err.value)) == submitit
