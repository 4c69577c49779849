"""Shared fixtures: the bundled market data and Hydra's real config composition.

The repository root and the one way to run the project's commands in a subprocess (`python`, `run_py`,
`store_runs`) are in `tests/cli.py`: import them from there (a conftest is a plugin, not a module).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

import core  # noqa: F401  (registers the structured configs in Hydra's ConfigStore)
from signals.markov_regime import CACHE_ENV
from tests.cli import REPO

CONF = REPO / "conf"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session", autouse=True)
def markov_cache(tmp_path_factory):
    """markov_regime's refit cache in the session's temporary folder, not the repository's ``.cache``.

    Set in the environment, so the commands a test starts (``python -m monitor``, ``run.py``) use it too.
    """
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("markov-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def bundled():
    """The bundled dataset, prepared as `data=bundled` prepares it."""
    from market.bundled import load
    from market.frame import prepare

    return prepare(load(), source="bundled", calendar_column="SPX", max_ffill_days=5)


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    """Compose the project's config with overrides, exactly as `run.py` would."""

    def _make(*overrides: str) -> DictConfig:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    return _make


@pytest.fixture
def rust_version(monkeypatch):
    """Set vectorbt-rust's reported version for one test; vectorbt's availability cache is reset."""
    import vectorbt_rust
    from vectorbt._engine import clear_engine_cache

    def _set(v: str) -> None:
        monkeypatch.setattr(vectorbt_rust, "__version__", v)
        clear_engine_cache()

    yield _set
    monkeypatch.undo()
    clear_engine_cache()
