"""``charts.enabled=false``: a run without any figure (CI smoke runs, sweeps), everything else as usual."""

from __future__ import annotations

import json

import pytest

from common.errors import ConfigError
from core.schema import check
from pipeline import api


def test_charts_enabled_must_be_a_boolean(make_cfg):
    check(make_cfg("charts.enabled=false"))
    with pytest.raises(ConfigError) as exc:
        check(make_cfg("charts.enabled=maybe"))
    assert exc.value.key == "charts.enabled" and "maybe" in str(exc.value)


def test_a_run_without_charts_writes_the_tables_and_no_figure(tmp_path):
    on = api.backtest("move_vix_wedge", overrides=["data.start=2015-01-01"]).save(tmp_path / "on")
    off = api.backtest("move_vix_wedge", overrides=["data.start=2015-01-01", "charts.enabled=false"])
    results = off.save(tmp_path / "off")
    names = {p.name for p in results.iterdir()}
    assert {"daily.csv", "orders.csv", "stats.json", "event_study.csv", "episodes.csv"} <= names
    assert not {n for n in names if n.endswith((".png", ".html"))}
    assert {p.name for p in on.iterdir()} - names >= {"report.html", "equity_drawdown.png", "signal.png"}
    for name in ("daily.csv", "orders.csv"):  # the numbers do not depend on the figures
        assert (results / name).read_text() == (on / name).read_text()
    assert json.loads((results / "stats.json").read_text()) == json.loads((on / "stats.json").read_text())


def test_charts_none_is_charts_enabled_false_and_the_other_keys_still_apply(make_cfg):
    default, none = make_cfg(), make_cfg("charts=none")
    assert default.charts.enabled is True and none.charts.enabled is False
    assert none.charts.plotlyjs == default.charts.plotlyjs == "inline"
    assert make_cfg("charts=none", "charts.enabled=true").charts.enabled is True  # the command line wins
    assert make_cfg("charts.plotlyjs=shared").charts == {"enabled": True, "plotlyjs": "shared"}
    check(make_cfg("charts.plotlyjs=shared"))
    with pytest.raises(ConfigError, match="shared"):  # the fix names the new choice
        check(make_cfg("charts.plotlyjs=share"))
