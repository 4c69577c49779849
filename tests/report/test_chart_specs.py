"""A chart is one spec drawn twice: the equity chart's static and interactive figures hold the same
lines, re-derived here from the values; and the report's modules use only public helpers of
report/charts.py."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest

from report import charts
from tests.cli import REPO


@pytest.fixture
def values() -> pd.DataFrame:
    idx = pd.bdate_range("2020-01-01", periods=120)
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        np.exp(np.cumsum(rng.normal(0.0003, 0.01, (len(idx), 2)), axis=0)) * [100.0, 7.0],
        index=idx,
        columns=["strategy", "sixty_forty"],
    )
    frame.iloc[:10, 1] = np.nan  # a late start
    return frame


def test_the_equity_chart_is_drawn_statically_and_interactively_from_the_same_lines(values):
    risk_off = pd.Series(values.index.month == 3, index=values.index)
    chart = charts.equity_chart(values, risk_off=risk_off, title="t")
    growth = values / values.apply(lambda c: c.dropna().iloc[0])  # re-derived
    drawdown = (values / values.cummax() - 1.0) * 100.0
    fig = charts.equity_chart_mpl(chart)
    top, bottom = fig.axes[:2]
    interactive = charts.equity_chart_plotly(chart)
    by_name = {}
    for trace in interactive.data:
        by_name.setdefault(trace.name, []).append(np.asarray(trace.y, dtype=float))
    for i, col in enumerate(values.columns):
        name = chart.names[i]
        static_growth, static_dd = top.get_lines()[i].get_ydata(), bottom.get_lines()[i].get_ydata()
        np.testing.assert_allclose(static_growth, growth[col].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(static_dd, drawdown[col].to_numpy(), rtol=1e-12, atol=1e-12)
        plotly_growth, plotly_dd = by_name[name]
        np.testing.assert_array_equal(plotly_growth, static_growth)
        np.testing.assert_array_equal(plotly_dd, static_dd)
        assert top.get_lines()[i].get_color() == interactive.data[2 * i].line.color == chart.colors[i]
    # the same episodes shaded in both: March of 2020 only
    assert len(interactive.layout.shapes) == 1
    assert top.get_legend_handles_labels()[1] == list(chart.names)


def test_the_tearsheet_png_draws_the_same_equity_chart(values):
    from matplotlib.figure import Figure

    chart = charts.equity_chart(values)
    fig = Figure()
    top, bottom = fig.subplots(2, 1)
    handles = charts.draw_equity(chart, top, bottom)
    assert [h.get_label() for h in handles] == list(chart.names)
    ref = charts.equity_mpl(values).axes[0].get_lines()
    for mine, theirs in zip(top.get_lines(), ref, strict=True):
        np.testing.assert_array_equal(mine.get_ydata(), theirs.get_ydata())


def private_uses(node: ast.AST) -> list[str]:
    """Private names of report.charts that `node` reads (``charts._x``, ``from report.charts import _x``)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "charts":
        return [f"charts.{node.attr}"] if node.attr.startswith("_") else []
    if isinstance(node, ast.ImportFrom) and node.module == "report.charts":
        return [a.name for a in node.names if a.name.startswith("_")]
    return []


def test_report_modules_use_only_public_helpers_of_charts():
    """No module of report/ (nor of the rooms that draw) reaches into a private name of report.charts."""
    found = []
    for room in ("report", "pipeline", "tracking", "monitor", "sweeps"):
        for path in sorted((REPO / room).rglob("*.py")):
            if path != REPO / "report" / "charts.py":
                tree = ast.parse(path.read_text(), str(path))
                found += [
                    f"{path.relative_to(REPO)}: {n}" for node in ast.walk(tree) for n in private_uses(node)
                ]
    assert found == []
