"""The Extending page's recipes, run as written: each `# file:` block is put at its path in a scratch
copy of the project (its own `conf/`), then the page's other Python blocks of that recipe run there.
Each test then re-derives what the part promises with plain pandas/numpy."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.docs.markdown import DOCS, REPO, Block, sections

PAGE = DOCS / "extending.md"
RECIPES = sections(PAGE)

pytestmark = pytest.mark.slow  # each recipe runs a backtest (~10 s)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project: a copy of conf/, the recipe's package on sys.path, the working directory."""
    import pipeline.cli

    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    monkeypatch.setattr(pipeline.cli, "CONF", conf)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/unused.db")
    yield tmp_path
    for name in [m for m in sys.modules if m == "my_parts" or m.startswith("my_parts.")]:
        del sys.modules[name]


def write_files(root: Path, found: list[Block]) -> None:
    for b in found:
        if b.file:
            path = root / b.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(b.text)


def run_recipe(root: Path, title: str) -> dict:
    """Write the recipe's files (the signal's `my_parts/__init__.py` first), run its other Python blocks."""
    write_files(root, RECIPES["A signal"][:1])
    found = RECIPES[title]
    write_files(root, found)
    scope: dict = {"__name__": "recipe"}
    runnable = [b for b in found if b.lang == "python" and not b.file]
    assert runnable, f"the recipe `{title}` has no block that runs it"
    for b in runnable:
        exec(compile(b.text, b.where, "exec"), scope)
    return scope


def test_every_kind_of_part_has_a_recipe():
    kinds = ["A signal", "A data source", "A metric", "A chart", "An allocation rule", "A tracking field"]
    assert [t for t in RECIPES if t] == kinds


def test_the_signal_recipe_runs_and_cannot_see_the_future(project, bundled):
    r = run_recipe(project, "A signal")["r"]
    from my_parts.curve_inversion import curve_inversion

    frame = bundled.frame
    inversion = (frame["UST2Y"] - frame["UST10Y"]) * 100.0
    # re-derived: a latch on at >= 0 bp, off below -25 bp
    state, expected = False, []
    for x in inversion:
        state = bool(x >= 0.0) or (state and not (x < -25.0 or np.isnan(x)))
        expected.append(state)
    out = curve_inversion(frame)
    assert out.risk_off.tolist() == expected
    cut = pd.Timestamp("2019-06-28")
    early = curve_inversion(frame.loc[:cut])
    pd.testing.assert_series_equal(early.risk_off, out.risk_off.loc[:cut])
    days = r.signal.index
    pd.testing.assert_series_equal(
        r.signal["risk_off"], out.risk_off.reindex(days).astype(bool), check_names=False
    )


def test_the_data_source_recipe_brings_its_column(project):
    r = run_recipe(project, "A data source")["r"]
    from market.bundled import load

    raw = load()
    frame = r.run.market.frame
    spread = (raw["UST10Y"] - raw["UST2Y"]) * 100.0
    both = frame.index.intersection(spread.dropna().index)
    assert len(both) > 2000
    np.testing.assert_allclose(frame.loc[both, "SPREAD_2S10S"], spread.loc[both])
    assert r.run.market.source == "with_spread"


@pytest.fixture
def registry():
    """The metric registry as it was: a recipe's `declare` does not outlive its test."""
    from backtest import metrics as M

    saved = dict(M.METRICS), dict(M.RELATIVE)
    yield M
    for live, kept in zip((M.METRICS, M.RELATIVE), saved, strict=True):
        live.clear()
        live.update(kept)


def test_the_metric_recipe_is_one_declaration_every_table_reads(project, registry):
    scope = run_recipe(project, "A metric")
    r = scope["r"]
    returns = r.daily.filter(like="return_")  # one column per portfolio
    row = r.stats.loc["up_days"]
    for name in ("strategy", "sixty_forty", "equity_buy_hold"):
        assert row[name] == pytest.approx((returns[f"return_{name}"] > 0).mean(), rel=1e-12)
    assert r.metrics["up_days"] == pytest.approx(row["strategy"])
    assert r.metrics["sixty_forty.up_days"] == pytest.approx(row["sixty_forty"])  # the MLflow names
    label = registry.METRICS["up_days"].label
    (line,) = [ln for ln in r.table().splitlines() if ln.startswith(label)]
    assert f"{row['strategy'] * 100:.2f}%" in line.split()
    with pytest.raises(ValueError, match="up_days"):  # declared once
        registry.declare(scope["UP_DAYS"])


def test_the_chart_recipe_draws_one_spec_twice(project):
    scope = run_recipe(project, "A chart")
    r, path = scope["r"], Path(scope["path"])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (project / "relative_value.html").stat().st_size > 10_000
    from report.charts import equity_chart_mpl, equity_chart_plotly

    chart = scope["relative_value"](r.equity)
    ratio = r.equity["strategy"] / r.equity["sixty_forty"]
    growth = (ratio / ratio.dropna().iloc[0]).to_numpy()
    drawdown = ((ratio / ratio.cummax() - 1.0) * 100).to_numpy()
    fig = equity_chart_mpl(chart)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), growth, rtol=1e-12)
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_ydata(), drawdown, rtol=1e-12, atol=1e-12)
    top, bottom = equity_chart_plotly(chart).data[:2]
    np.testing.assert_allclose(np.asarray(top.y, dtype=float), growth, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(bottom.y, dtype=float), drawdown, rtol=1e-12, atol=1e-12)


def test_the_allocation_recipe_holds_halfway_while_risk_off(project, bundled):
    r = run_recipe(project, "An allocation rule")["r"]
    daily = r.daily
    decided = daily["risk_off"].astype(bool).shift(1)  # weights decided on close t trade on close t+1
    # the first day's targets were decided before the window
    traded = daily[["target_equity", "target_bonds", "target_cash"]].iloc[1:].dropna()
    assert decided.loc[traded.index].any() and not decided.loc[traded.index].all()
    for day, row in traded.iterrows():
        expected = [0.4, 0.35, 0.25] if decided.loc[day] else [0.6, 0.4, 0.0]
        np.testing.assert_allclose(row.to_numpy(), expected, err_msg=str(day))

    # the rule is declared: the registry-driven checks find it, and its check names the key
    from common.errors import ConfigError
    from pipeline import api
    from tests.parts import default_mismatches, registered
    from tests.strategies.test_registered_rules import assert_rule_causal

    (part,) = [p for p in registered("allocation", project / "conf") if p.name == "halfway"]
    assert part.fn.kind == "allocation" and part.fn.requires == ("signal",)
    assert default_mismatches(part) == []
    assert_rule_causal(part, seed=0)
    with pytest.raises(ConfigError, match="strategy.allocation.share"):
        api.backtest("move_vix_wedge", ["allocation=halfway", "strategy.allocation.share=1.5"])


def test_the_tracking_field_recipe_logs_the_param(project):
    scope = run_recipe(project, "A tracking field")
    store = Path(scope["store"])
    record = json.loads((store / "run" / "tracking" / "record.json").read_text())
    assert record["params"]["notes.desk"] == "rates" and record["complete"] is True
    typed = scope["record"]  # the recipe's RunRecord.read: the same record, typed
    assert typed.params == record["params"] and typed.metrics == pytest.approx(record["metrics"], nan_ok=True)
    assert typed.start.tags["run_uid"] == record["start"]["tags"]["run_uid"]
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store}/mlflow.db")
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids)
    assert [run.data.params.get("notes.desk") for run in runs] == ["rates"]
