"""The monitor as a strategist reads it: states in words and colour, native units, stale inputs on the
signal's row, presets sharing a signal grouped; the page checked in headless Chromium, offline."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from monitor import report
from monitor.state import InputAge, SignalState
from signals.base import Thresholds
from tests.browser import dump_dom, screenshot

AS_OF = pd.Timestamp("2026-08-21")
DAYS = pd.bdate_range(end=AS_OF, periods=400)


WEDGE = Thresholds(1.5, 0.5, conditions=("MOVE above its level 20 days ago", "VIX < 20"))


def state(name, signal="move_vix_wedge", *, on=True, value=0.8241, value_name="wedge_z", stale=0,
          weights=None, thresholds=WEDGE):
    rng = np.random.default_rng(len(name))
    shaded = np.arange(len(DAYS)) > len(DAYS) - 15
    history = pd.DataFrame({"value": rng.normal(0.5, 1, len(DAYS)), "risk_off": shaded}, index=DAYS)
    inputs = (InputAge("MOVE", AS_OF, 0), InputAge("SPY", DAYS[-1 - stale], stale))
    none = thresholds is None
    return SignalState(
        name=name, signal=signal, as_of=AS_OF, risk_off=on, covered=True, since=DAYS[-15], value=value,
        value_name=value_name, thresholds=thresholds, trigger="" if none else "exit" if on else "entry",
        to_trigger=np.nan if none else (thresholds.exit if on else thresholds.entry) - value,
        days_left=None, inputs=inputs, coverage=0.63,
        weights=weights or {"equity": 0.2, "bonds": 0.3, "cash": 0.5}, lag=1, history=history,
    )


STATES = [
    state("move_vix_wedge"),
    state("wedge_graded", weights={"equity": 0.4, "bonds": 0.6}),
    state("wedge_hedge_aware"),
    state("yield_breakout", "yield_breakout", on=False, value=-14.0, value_name="bp_above_level", stale=226,
          thresholds=Thresholds(0.0, 0.0, conditions=("MOVE rising over 20 days",))),
    state("curve_divergence", "curve_divergence", on=False, value=3.0, value_name="divergence_bp",
          thresholds=None),
]


def test_native_units_and_every_threshold():
    assert report.native("wedge_z", 0.8241) == "wedge z 0.82"
    assert report.native("bp_above_level", 14.0) == "+14 bp vs level"
    assert report.native("term_premium", 0.4541) == "0.45%" and report.native("share_on", 0.5) == "50% on"
    assert report.thresholds_native(STATES[0]) == "on ≥ 1.50, off < 0.50"
    assert report.thresholds_native(STATES[3]) == "on ≥ +0 bp vs level, off < +0 bp vs level"
    assert report.thresholds_native(STATES[4]) == "no thresholds (a state rule)"


def test_presets_sharing_a_signal_are_one_group_and_stale_inputs_are_named():
    assert [[s.name for s in g] for g in report.groups(STATES)] == [
        ["move_vix_wedge", "wedge_graded", "wedge_hedge_aware"], ["yield_breakout"], ["curve_divergence"]
    ]
    assert report.stale_inputs(STATES[3]) == ["SPY 226d"] and report.stale_inputs(STATES[0]) == []
    assert report.stale_inputs(STATES[0], bound=-1) == ["MOVE 0d", "SPY 0d"]


def test_terminal_groups_flags_and_fits_100_columns():
    text = report.table(STATES, source="live")
    assert max(map(len, text.splitlines())) <= 100
    body = text.split("-" * 100 + "\n")[1].split("\n\n")[0]
    rows = body.splitlines()
    assert rows[0].startswith("move_vix_wedge +2 ") and rows[1].startswith("yield_breakout!")
    assert len(rows) == 3  # three signals, not five rows
    assert "move_vix_wedge +2: the same move_vix_wedge in wedge_graded, wedge_hedge_aware" in text
    assert "yield_breakout !: stale inputs SPY 226d" in text
    assert "move_vix_wedge wedge z 0.82 (on ≥ 1.50, off < 0.50)" in text


def test_the_page_in_chromium_shows_states_in_colour_and_words_and_native_units(tmp_path):
    fig = report.chart(STATES, title="as of 2026-08-21")
    from report.charts import png_bytes

    page = tmp_path / "monitor.html"
    page.write_text(report.page(STATES, png_bytes(fig, dpi=60), source="live"))
    dom = dump_dom(page.as_uri(), tmp_path / "profile")
    rows = re.findall(r"<tr>(.*?)</tr>", dom.split("<tbody>")[1].split("</tbody>")[0], flags=re.S)
    assert len(rows) == 3
    wedge, breakout, curve = rows
    assert "ON: risk-off" in wedge and "background:#c0392b" in wedge.replace(" ", "")
    assert "off: risk-on" in breakout and "background:#1e8449" in breakout.replace(" ", "")
    assert "wedge z 0.82" in wedge and "on ≥ 1.50, off &lt; 0.50" in wedge
    assert "MOVE above its level 20 days ago; VIX &lt; 20" in wedge
    assert "also wedge_graded, wedge_hedge_aware" in wedge and "wedge_graded: eq40 bo60" in wedge
    assert "-14 bp vs level" in breakout and "stale: SPY 226d" in breakout and "fresh" in wedge
    assert "no thresholds (a state rule)" in curve
    assert "<script" not in page.read_text() and "http" not in page.read_text()
    screenshot(page.as_uri(), tmp_path / "profile2", "monitor_page.png")


def test_the_chart_is_one_row_per_signal_with_a_six_month_view_and_the_whole_window():
    fig = report.chart(STATES)
    axes = fig.get_axes()
    assert len(axes) == 3 * 2
    recent, whole = axes[0], axes[1]
    left, right = recent.get_xlim()
    assert right - left < 200  # days and len(recent.get_lines()[0].get_xdata()) == report.RECENT_DAYS
    assert len(whole.get_lines()[0].get_xdata()) == len(DAYS)
    assert "ON: risk-off since" in recent.get_title(loc="left")
    legend = recent.get_legend()
    assert legend.get_bbox_to_anchor().y0 > recent.get_window_extent().y1 - 1  # above the data, not on it


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_terminal_colours_each_state_beside_its_word_only_on_a_tty_without_no_color():
    assert report.use_colour(_Stream(True), {}) and report.use_colour(_Stream(True), {"NO_COLOR": ""})
    assert not report.use_colour(_Stream(False), {})
    assert not report.use_colour(_Stream(True), {"NO_COLOR": "1"})
    states = [*STATES, state("repo_stress", "repo_stress", on=False, value=1.0, value_name="x")]
    plain = report.table(states, source="bundled")
    painted = report.table(states, source="bundled", colour=True)
    assert re.sub(r"\033\[\d+m", "", painted) == plain  # the same words and columns
    rows = {line.split()[0]: line for line in painted.splitlines() if "\033[" in line}
    assert rows["move_vix_wedge"][22:].startswith(" \033[31mon \033[0m")  # on: red
    assert rows["yield_breakout!"][22:].startswith(" \033[32moff\033[0m")  # off: green
    assert "\033[" not in plain
