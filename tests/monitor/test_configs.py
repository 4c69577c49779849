"""The monitor's configs: one Hydra compose per preset, the monitor's own config reused for its preset."""

from __future__ import annotations

from omegaconf import OmegaConf

from monitor import core
from monitor.core import MONITOR, Request, configs, default_preset
from pipeline import api
from pipeline.cli import choices


def plain(cfg):
    return OmegaConf.to_container(cfg, resolve=True)


def test_the_default_preset_is_the_one_compose_picks_when_none_is_named():
    name = default_preset()
    assert name in choices("strategy")
    overrides = [MONITOR, "backtest.fees_bp=2"]
    assert plain(api.compose(name, overrides)) == plain(api.compose(None, overrides))


def test_every_preset_is_composed_once_and_the_base_preset_not_again(monkeypatch):
    composed = []
    real = api.compose

    def counted(name=None, overrides=()):
        composed.append(name)
        return real(name, overrides)

    base = real("term_premium", [MONITOR, "backtest.fees_bp=2"])
    monkeypatch.setattr(core.api, "compose", counted)
    got = configs(Request(("backtest.fees_bp=2",)), base, "term_premium")
    assert "term_premium" not in composed
    assert sorted(composed) == [n for n in choices("strategy") if n != "term_premium"]
    assert got["term_premium"] is not base  # a copy: assessing it cannot change the monitor's settings
    assert plain(got["term_premium"]) == plain(real("term_premium", [MONITOR, "backtest.fees_bp=2"]))
    composed.clear()
    named = configs(Request(("strategy=term_premium,yield_shock",)), base, "term_premium")
    assert list(named) == ["term_premium", "yield_shock"] and composed == ["yield_shock"]
