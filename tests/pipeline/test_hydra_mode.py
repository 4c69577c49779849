"""Hydra composes once per run: its probe of ``hydra.mode`` is spared when nothing can set it (issue 38).

`pipeline.cli.skip_mode_probe` answers the probe (``Hydra.get_mode``) with None without composing. That is
what Hydra's own probe answers on this project's configs (held here for every experiment and a sweep), and
any override or config file that could set ``hydra.mode`` keeps Hydra's probe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from pipeline.cli import CONF, mode_from_command_line, skip_mode_probe


def hydra_probe(overrides: list[str]):
    """What Hydra's own ``get_mode`` reads: ``hydra.mode`` of the config composed as a multirun."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        gh = GlobalHydra.instance().hydra
        cfg = gh.compose_config(
            config_name="config",
            overrides=overrides,
            run_mode=RunMode.MULTIRUN,
            with_log_configuration=False,
            validate_sweep_overrides=False,
        )
    GlobalHydra.instance().clear()
    return cfg.hydra.mode


@pytest.mark.parametrize(
    "overrides",
    [[]]
    + [[f"experiment={p.stem}"] for p in sorted((CONF / "experiment").glob("*.yaml"))]
    + [["strategy.signal.z_entry=1.0,2.0"]],
)
def test_hydras_own_probe_reads_no_mode_where_it_is_skipped(overrides):
    assert mode_from_command_line(overrides)
    assert hydra_probe(overrides) is None


def test_an_override_that_sets_the_mode_keeps_hydras_probe():
    assert hydra_probe(["hydra.mode=MULTIRUN"]) == RunMode.MULTIRUN
    for argv in (["hydra.mode=MULTIRUN"], ["+hydra.searchpath=[file:///x]"], ["hydra/launcher=basic"]):
        assert not mode_from_command_line(argv)


def test_a_config_file_that_sets_the_mode_keeps_hydras_probe(tmp_path: Path):
    (tmp_path / "experiment").mkdir()
    (tmp_path / "config.yaml").write_text("defaults:\n  - _self_\nmode: grid\n")
    assert mode_from_command_line([], tmp_path)  # the experiments' own mode key is not Hydra's
    (tmp_path / "experiment" / "sweep.yaml").write_text("# @package _global_\nhydra:\n  mode: MULTIRUN\n")
    assert not mode_from_command_line([], tmp_path)


def test_the_probe_is_replaced_only_on_hydra_1_3(monkeypatch):
    import hydra
    from hydra._internal.hydra import Hydra

    monkeypatch.setattr(Hydra, "get_mode", Hydra.get_mode)  # restored after the test
    monkeypatch.setattr(hydra, "__version__", "1.4.0")
    assert skip_mode_probe([]) is False
    monkeypatch.setattr(hydra, "__version__", "1.3.2")
    assert skip_mode_probe(["hydra.mode=RUN"]) is False
    assert skip_mode_probe([]) is True
    assert Hydra.get_mode(object(), config_name="config", overrides=[]) is None
