"""Every registered part (one YAML in conf/signal, conf/allocation, conf/overlay, conf/rebalance) is a
declared part whose YAML says what its function says: the cases come from the config, not a list."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from omegaconf import OmegaConf

import signals
import strategies
from signals.base import keyword_defaults
from strategies.rebalance import schedule
from tests.parts import CONF, GROUPS, Part, default_mismatches, registered

PARTS = [p for group in GROUPS for p in registered(group)]

#: Presets that choose another value than their function's default, on purpose (key -> why).
CHOSEN = {
    "signal=composite": {"rule": "the preset reads its four children as k of n", "k": "... with k = 2"},
    "overlay=vol_overlay": {
        "target_vol": "the overlay preset targets the 60/40's volatility band, 15%",
        "max_leverage": "... and may lever up to 1.5x (the function's default never levers)",
    },
}


def declared(package: object, attr: str) -> dict[str, object]:
    """Every function of `package`'s modules carrying `attr` (set by `@signal` / `@rule`), by name."""
    out = {}
    for info in pkgutil.iter_modules(package.__path__):  # type: ignore[attr-defined]
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if callable(obj) and hasattr(obj, attr) and getattr(obj, "__module__", "") == module.__name__:
                out[name] = obj
    return out


@pytest.mark.parametrize("part", PARTS, ids=str)
def test_the_yaml_default_is_the_function_default(part: Part):
    """Each YAML key is a parameter of its function; where the function has a default, the YAML holds it."""
    chosen = CHOSEN.get(str(part), {})
    assert default_mismatches(part, chosen) == []
    defaults = keyword_defaults(part.fn)
    for key in chosen:  # a listed choice that no longer differs is a stale entry
        assert part.params[key] != defaults[key], f"{part}: {key} now equals the default; drop it from CHOSEN"


@pytest.mark.parametrize("part", PARTS, ids=str)
def test_each_registered_part_is_declared_and_its_yaml_validates(part: Part):
    if part.group == "signal":
        assert callable(part.fn.requires) or isinstance(part.fn.requires, tuple)
        part.fn.validate(**part.built.keywords)
    else:
        assert part.fn.kind == part.group
        part.fn.validate(key=f"strategy.{part.group}", **part.built.keywords)


@pytest.mark.parametrize("path", sorted((CONF / "rebalance").glob("*.yaml")), ids=lambda p: p.stem)
def test_each_rebalance_yaml_is_the_rebalance_rules_parameters(path):
    params = OmegaConf.to_container(OmegaConf.load(path))
    assert schedule.kind == "rebalance"
    assert schedule.validate(**params)["calendar"] == params["calendar"]


def test_every_declared_part_is_registered():
    """A signal or rule written in the project's rooms has its YAML (else no run can pick it)."""
    names = {(p.group, p.fn.__name__) for p in PARTS}
    for name in declared(signals, "requires"):
        assert ("signal", name) in names, f"signal `{name}` has no conf/signal YAML"
    for name, fn in declared(strategies, "kind").items():
        if fn.kind != "rebalance":
            assert (fn.kind, name) in names, f"{fn.kind} rule `{name}` has no conf/{fn.kind} YAML"
    assert len({n for g, n in names if g == "signal"}) >= 14 and ("allocation", "hedge_aware") in names
