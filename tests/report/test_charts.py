"""Tests of report.charts: episode detection, PNG files, plotly figures and their numbers."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from report import charts, style
from signals.base import Thresholds, Units
from tests.cli import REPO

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED_PX = (1320, 770)  # 12 x 7 in at 110 dpi


def _days(n: int, start: str = "2020-01-01") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n)


def _mask(bits: list, start: str = "2020-01-01") -> pd.Series:
    return pd.Series(bits, index=_days(len(bits), start))


@pytest.fixture
def values() -> pd.DataFrame:
    """Three portfolios at different levels; the last one starts 20 days late."""
    idx = _days(250)
    rng = np.random.default_rng(7)
    rets = rng.normal(0.0004, 0.012, (len(idx), 3))
    frame = pd.DataFrame(
        np.exp(np.cumsum(rets, axis=0)) * [100.0, 1_000_000.0, 3.5],
        index=idx,
        columns=["strategy", "sixty_forty", "equity_buy_hold"],
    )
    frame.iloc[:20, 2] = np.nan
    return frame


@pytest.fixture
def risk_off(values: pd.DataFrame) -> pd.Series:
    """Three episodes: days 30-39, 100 (one day) and 240 to the end; NaN in places (= False)."""
    state = pd.Series(False, index=values.index, dtype=object)
    state.iloc[30:40] = True
    state.iloc[100] = True
    state.iloc[240:] = True
    state.iloc[5:8] = None
    return state


@pytest.fixture
def market(values: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = len(values)
    frame = pd.DataFrame(
        {"MOVE": 100 + np.cumsum(rng.normal(0, 1, n)), "VIX": 18 + np.cumsum(rng.normal(0, 0.3, n))},
        index=values.index,
    )
    frame.iloc[:15, 0] = np.nan
    return frame


# ------------------------------------------------------------------------------------------------ episodes


def test_episodes_doctest() -> None:
    result = doctest.testmod(charts, verbose=False)
    assert result.attempted >= 1
    assert result.failed == 0


def test_episodes_empty_series() -> None:
    assert charts.episodes(pd.Series([], index=pd.DatetimeIndex([]), dtype=bool)) == []


def test_episodes_never_true() -> None:
    assert charts.episodes(_mask([False] * 5)) == []


def test_episodes_all_true_is_one_run() -> None:
    mask = _mask([True] * 5)
    assert charts.episodes(mask) == [(mask.index[0], mask.index[-1])]


def test_episodes_runs_at_both_edges() -> None:
    mask = _mask([True, True, False, False, True, False, True, True, True])
    idx = mask.index
    assert charts.episodes(mask) == [(idx[0], idx[1]), (idx[4], idx[4]), (idx[6], idx[8])]


@pytest.mark.parametrize(
    "bits",
    [
        [np.nan, 1.0, 1.0, np.nan, 1.0, 0.0],
        [None, True, True, None, True, False],
        pd.array([pd.NA, True, True, pd.NA, True, False], dtype="boolean"),
    ],
    ids=["float-nan", "object-none", "nullable-boolean"],
)
def test_episodes_nan_is_false(bits) -> None:
    mask = _mask(list(bits))
    idx = mask.index
    assert charts.episodes(mask) == [(idx[1], idx[2]), (idx[4], idx[4])]


def test_spans_end_on_the_next_index_date_and_clip_at_the_end() -> None:
    mask = _mask([False, True, False, True])
    idx = mask.index
    assert charts._spans(mask) == [(idx[1], idx[2]), (idx[3], idx[3])]


# --------------------------------------------------------------------------------------------- PNG files


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _assert_png(path: Path) -> None:
    assert path.exists()
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as img:
        assert img.size == EXPECTED_PX


def test_equity_png_is_a_png_of_the_expected_size(tmp_path, values) -> None:
    out = charts.equity_drawdown_png(values, tmp_path / "sub" / "equity.png", title="t")
    assert out == tmp_path / "sub" / "equity.png"
    _assert_png(out)
    assert list(tmp_path.joinpath("sub").iterdir()) == [out]  # no temporary file left behind


def test_equity_png_changes_when_risk_off_is_shaded(tmp_path, values, risk_off) -> None:
    plain = charts.equity_drawdown_png(values, tmp_path / "plain.png")
    shaded = charts.equity_drawdown_png(values, tmp_path / "shaded.png", risk_off=risk_off)
    _assert_png(shaded)
    diff = np.any(_pixels(plain) != _pixels(shaded), axis=-1)
    # Shading spans both panels over ~12% of the dates: far more than a legend entry's worth of pixels.
    assert diff.mean() > 0.03


def test_equity_png_same_input_same_pixels(tmp_path, values, risk_off) -> None:
    first = charts.equity_drawdown_png(values, tmp_path / "a.png", risk_off=risk_off)
    second = charts.equity_drawdown_png(values, tmp_path / "b.png", risk_off=risk_off)
    assert np.array_equal(_pixels(first), _pixels(second))


@pytest.mark.parametrize("columns", [["MOVE", "VIX"], ["VIX"], ["MOVE", "VIX", "X"]])
@pytest.mark.parametrize("with_score", [True, False])
def test_signal_png(tmp_path, market, risk_off, columns, with_score) -> None:
    frame = market.assign(X=market["VIX"] * 2)[columns]
    score = (market["MOVE"] / market["VIX"]).rename("ratio_z") if with_score else None
    out = charts.signal_png(frame, risk_off, tmp_path / "signal.png", score=score, title="wedge")
    assert out.read_bytes()[:8] == PNG_MAGIC
    with Image.open(out) as img:
        assert img.size[0] == EXPECTED_PX[0]


def test_signal_png_draws_thresholds_and_one_strip_per_condition(tmp_path, market, risk_off) -> None:
    score = (market["MOVE"] / market["VIX"]).rename("ratio")
    conditions = pd.DataFrame({"MOVE rising": market["MOVE"].diff() > 0, "VIX < 20": market["VIX"] < 20})
    plain = charts.signal_png(market, risk_off, tmp_path / "plain.png", score=score)
    full = charts.signal_png(
        market, risk_off, tmp_path / "full.png", score=score, thresholds=Thresholds(4.0, 3.0),
        conditions=conditions,
    )  # fmt: skip
    with Image.open(plain) as a, Image.open(full) as b:
        assert b.size[1] > a.size[1]  # two more strips
    fig = charts.signal_mpl(
        market, risk_off, score=score, thresholds=Thresholds(4.0, 3.0), conditions=conditions
    )
    strips_ax = fig.axes[2]
    assert [t.get_text() for t in strips_ax.get_yticklabels()] == [
        "risk-off state",
        "VIX < 20",
        "MOVE rising",
    ]
    lines = {ln.get_label(): ln for ln in fig.axes[1].get_lines()}
    assert set(lines) == {"ratio", "entry (≥ 4.00)", "exit (< 3.00)"}
    assert list(lines["entry (≥ 4.00)"].get_ydata()) == [4.0, 4.0]


def test_strips_are_the_conditions_then_the_state(market, risk_off) -> None:
    conditions = pd.DataFrame({"VIX < 20": market["VIX"] < 20}).iloc[10:]  # starts late: False before
    rows = charts.strips(conditions, risk_off)
    assert list(rows.columns) == ["VIX < 20", charts.STATE_LABEL]
    assert not rows["VIX < 20"].iloc[:10].any()
    assert rows["VIX < 20"].iloc[10:].equals((market["VIX"] < 20).iloc[10:])
    assert rows[charts.STATE_LABEL].tolist() == [x is True for x in risk_off]


def test_signal_png_changes_with_risk_off(tmp_path, market, risk_off) -> None:
    calm = charts.signal_png(market, pd.Series(False, index=market.index), tmp_path / "calm.png")
    shaded = charts.signal_png(market, risk_off, tmp_path / "shaded.png")
    assert np.any(_pixels(calm) != _pixels(shaded), axis=-1).mean() > 0.03


def test_no_file_written_on_bad_input(tmp_path) -> None:
    bad = pd.DataFrame({"strategy": [1.0, 2.0]}, index=["2020-01-01", "2020-01-02"])
    with pytest.raises(ValueError, match="`values` must have a DatetimeIndex"):
        charts.equity_drawdown_png(bad, tmp_path / "x.png")
    empty = pd.DataFrame({"strategy": [np.nan, np.nan]}, index=_days(2))
    with pytest.raises(ValueError, match="`values` has no data"):
        charts.equity_drawdown_png(empty, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------------------------------------------- plotly


def _rect_shapes(fig) -> list:
    return [s for s in fig.layout.shapes if s.type == "rect"]


def test_equity_figure_has_one_shape_per_episode(values, risk_off) -> None:
    fig = charts.equity_plotly(values, risk_off=risk_off)
    assert len(_rect_shapes(fig)) == len(charts.episodes(risk_off)) == 3
    assert len(charts.equity_plotly(values).layout.shapes) == 0


def test_equity_figure_merges_hundreds_of_days_into_few_shapes() -> None:
    idx = _days(2000)
    values = pd.DataFrame({"strategy": np.linspace(1, 2, 2000)}, index=idx)
    state = pd.Series((np.arange(2000) // 50) % 2 == 1, index=idx)  # 1000 risk-off days, 20 episodes
    fig = charts.equity_plotly(values, risk_off=state)
    assert len(_rect_shapes(fig)) == 20


def test_equity_figure_drawdown_and_growth_match_an_independent_computation(values, risk_off) -> None:
    fig = charts.equity_plotly(values, risk_off=risk_off)
    names = {style.label(c): c for c in values.columns}
    by_axis = {(names[t.name], t.yaxis): np.asarray(t.y, dtype=float) for t in fig.data if t.name in names}
    for col in values.columns:
        v = values[col].to_numpy()
        running_max = np.fmax.accumulate(np.where(np.isnan(v), -np.inf, v))
        expected_dd = np.where(np.isnan(v), np.nan, (v / running_max - 1) * 100)
        np.testing.assert_allclose(by_axis[(col, "y2")], expected_dd, rtol=1e-12, equal_nan=True)
        first = v[~np.isnan(v)][0]
        np.testing.assert_allclose(by_axis[(col, "y")], v / first, rtol=1e-12, equal_nan=True)
    assert np.nanmax(by_axis[("strategy", "y2")]) == 0.0
    assert by_axis[("equity_buy_hold", "y")][20] == 1.0  # the late starter starts at 1
    assert fig.layout.yaxis.type == "log"


def test_equity_figure_names_portfolios_for_a_reader(values, risk_off) -> None:
    fig = charts.equity_plotly(values, risk_off=risk_off)
    assert [t.name for t in fig.data if t.showlegend is not False] == [
        "strategy", "60/40", "equity buy-and-hold", charts.SHADE_LABEL
    ]  # fmt: skip
    assert fig.layout.legend.y > 1  # above the plot area, off the data


def test_equity_html_risk_off_on_another_index_is_aligned(values) -> None:
    short = pd.Series(True, index=values.index[50:60])  # only covers 10 of the dates
    fig = charts.equity_plotly(values, risk_off=short)
    shapes = _rect_shapes(fig)
    assert len(shapes) == 1
    assert pd.Timestamp(shapes[0].x0) == values.index[50]
    assert pd.Timestamp(shapes[0].x1) == values.index[60]


def test_signal_figure_traces_axes_and_shapes(market, risk_off) -> None:
    score = (market["MOVE"] / market["VIX"]).rename("ratio_z")
    conditions = pd.DataFrame({"VIX < 20": market["VIX"] < 20})
    fig = charts.signal_plotly(
        market, risk_off, score=score, thresholds=Thresholds(4.0, 3.0), conditions=conditions
    )
    traces = {t.name: t for t in fig.data}
    assert traces["MOVE"].yaxis == "y" and traces["VIX"].yaxis == "y2"  # twin axes on the top panel
    assert traces["ratio_z"].yaxis == "y3"
    assert traces["entry (≥ 4.00)"].yaxis == "y3" and list(traces["entry (≥ 4.00)"].y) == [4.0, 4.0]
    assert traces["exit (< 3.00)"].yaxis == "y3" and list(traces["exit (< 3.00)"].y) == [3.0, 3.0]
    strips = traces[charts.STATE_LABEL]
    assert strips.type == "heatmap" and strips.yaxis == "y4"
    assert list(strips.y) == [charts.STATE_LABEL, "VIX < 20"]  # bottom to top
    expected_state = [0 if x is None or x is False else 1 for x in risk_off]
    assert list(np.asarray(strips.z)[0]) == expected_state
    assert list(np.asarray(strips.z)[1]) == (market["VIX"] < 20).astype(int).tolist()
    assert len(_rect_shapes(fig)) == 3


def test_signal_figure_one_column_without_score(market, risk_off) -> None:
    fig = charts.signal_plotly(market[["VIX"]], risk_off)
    names = [t.name for t in fig.data]
    assert names == ["VIX", charts.STATE_LABEL, charts.SHADE_LABEL]
    assert fig.data[1].yaxis == "y3"  # the strips on the bottom panel (the top one has a twin axis)


def test_thresholds_on_another_series_are_drawn_on_it_in_its_units(market, risk_off) -> None:
    # yield_breakout's way: the score is bp above the mark, the thresholds apply to the yield in percent
    level = (market["VIX"] / 4).rename("UST10Y")
    score = ((level - 4.55) * 100).rename("bp_above_level")
    th = Thresholds(4.55, 4.40, measure=level, units=Units("10y", "%", gap_bp=True))
    fig = charts.signal_plotly(market, risk_off, score=score, thresholds=th)
    drawn = next(t for t in fig.data if t.name == "UST10Y")
    assert np.allclose(np.asarray(drawn.y, dtype=float), market["VIX"].to_numpy() / 4)  # the yield, not bp
    lines = {t.name: t for t in fig.data if str(t.name).startswith(("entry", "exit"))}
    assert set(lines) == {"entry (≥ 4.55%)", "exit (< 4.40%)"}
    assert list(lines["entry (≥ 4.55%)"].y) == [4.55, 4.55] and list(lines["exit (< 4.40%)"].y) == [4.4, 4.4]
    assert fig.layout.yaxis3.title.text == "10y (%)"
    mpl = charts.signal_mpl(market, risk_off, score=score, thresholds=th)
    mid = next(ax for ax in mpl.axes if ax.get_ylabel() == "10y (%)")
    labels = {ln.get_label() for ln in mid.get_lines()}
    assert {"UST10Y", "entry (≥ 4.55%)", "exit (< 4.40%)"} <= labels and mid.get_ylabel() == "10y (%)"


# ------------------------------------------------------------------------------------------- start-up


def test_importing_charts_does_not_import_plotting_libraries() -> None:
    code = "import sys, report.charts; print(sorted(m for m in ('matplotlib', 'plotly') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_daily_dates_are_sent_to_plotly_as_short_strings(values) -> None:
    fig = charts.equity_plotly(values)
    assert fig.data[0].x[0] == values.index[0].strftime("%Y-%m-%d")
    intraday = values.set_axis(values.index + pd.Timedelta(hours=16))
    assert pd.Timestamp(charts.equity_plotly(intraday).data[0].x[0]) == intraday.index[0]
