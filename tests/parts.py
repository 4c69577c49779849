"""The project's parts as its config registers them: one YAML in ``conf/<group>/`` per part.

A signal, an allocation rule or an overlay is registered by its YAML (``_target_`` naming a function
declared with `signals.base.signal` or `strategies.rule.rule`). The tests that must hold for every
part (causality, grid/single parity, the YAML's defaults) take their cases from `registered`, so a new
part is checked the day its YAML lands, with no list to edit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import core  # noqa: F401  (registers the structured configs in Hydra's ConfigStore)
from signals.base import keyword_defaults
from tests.cli import REPO

CONF = REPO / "conf"

#: The config groups of the strategy's parts, and where each sits in the composed config.
GROUPS = {"signal": "signal", "allocation": "allocation", "overlay": "overlay"}


@dataclass(frozen=True)
class Part:
    """One registered part.

    Attributes:
        group: ``signal``, ``allocation`` or ``overlay``.
        name: Its YAML's name (what ``<group>=<name>`` picks).
        fn: The function its ``_target_`` names.
        params: Its keys as the run composes them (interpolations resolved), without ``_target_`` and
            ``_partial_``.
        built: The part as the run builds it: `fn` with `params` bound.
    """

    group: str
    name: str
    fn: Callable[..., Any]
    params: dict[str, Any]
    built: functools.partial

    def __str__(self) -> str:
        return f"{self.group}={self.name}"


def compose_with(conf: Path, *overrides: str) -> DictConfig:
    """The project's config composed from `conf` with `overrides`, as `run.py` composes it."""
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def registered(group: str, conf: Path = CONF) -> list[Part]:
    """Every part of `group` (``signal``, ``allocation``, ``overlay``) that `conf` registers, by name."""
    out = []
    for path in sorted((conf / group).glob("*.yaml")):
        node = compose_with(conf, f"{group}={path.stem}").strategy[GROUPS[group]]
        params = OmegaConf.to_container(node, resolve=True)
        assert isinstance(params, dict)
        built = instantiate(node)
        params = {k: v for k, v in params.items() if not k.startswith("_")}
        out.append(Part(group, path.stem, built.func, params, built))
    return out


def default_mismatches(part: Part, chosen: Mapping[str, str] = {}) -> list[str]:  # noqa: B006 (read only)
    """Where `part`'s YAML and its function disagree: keys it does not take, values off its defaults.

    A default of None is no default (the config must say: a threshold's entry depends on its rule);
    `chosen` names keys a preset sets otherwise on purpose.
    """
    defaults = keyword_defaults(part.fn)
    name = part.fn.__name__
    out = [f"{part}: `{k}` is not a parameter of {name}" for k in part.params if k not in defaults]
    for key, value in part.params.items():
        default = defaults.get(key, inspect.Parameter.empty)
        if default is inspect.Parameter.empty or default is None or key in chosen:
            continue
        if value != default:
            out.append(f"{part}: {key} is {value!r} in its YAML, {default!r} in {name}")
    return out
