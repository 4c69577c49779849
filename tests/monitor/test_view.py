"""The monitor as a strategist reads it: states in words and colour, native units, stale inputs on the
signal's row, presets sharing a signal grouped; the page checked in headless Chromium, offline."""

from __future__ import annotations

import dataclasses
import doctest
import json
import re

import numpy as np
import pandas as pd
import pytest

from monitor import view
from monitor.evidence import read
from monitor.state import InputAge, SignalState
from signals.base import Thresholds, Units
from tests.browser import dump_dom, screenshot

AS_OF = pd.Timestamp("2026-08-21")
DAYS = pd.bdate_range(end=AS_OF, periods=400)


GATES = ("MOVE above its level 20 days ago", "VIX < 20")
WEDGE = Thresholds(1.5, 0.5, conditions=GATES, units=Units("wedge z"))
WEDGE_WHY = (("wedge z ≥ 1.5 (entry)", False), ("MOVE above its level 20 days ago", True), ("VIX < 20", True))
TEN_YEAR = Units("10y", "%", gap_bp=True)


def state(
    name,
    signal="move_vix_wedge",
    *,
    on=True,
    value=0.8241,
    value_name="wedge_z",
    stale=0,
    weights=None,
    thresholds=WEDGE,
    why=WEDGE_WHY,
):
    rng = np.random.default_rng(len(name))
    shaded = np.arange(len(DAYS)) > len(DAYS) - 15
    history = pd.DataFrame({"value": rng.normal(0.5, 1, len(DAYS)), "risk_off": shaded}, index=DAYS)
    inputs = (InputAge("MOVE", AS_OF, 0), InputAge("SPY", DAYS[-1 - stale], stale))
    none = thresholds is None
    return SignalState(
        name=name,
        signal=signal,
        as_of=AS_OF,
        risk_off=on,
        covered=True,
        since=DAYS[-15],
        value=value,
        value_name=value_name,
        thresholds=thresholds,
        trigger="" if none else "exit" if on else "entry",
        to_trigger=np.nan if none else (thresholds.exit if on else thresholds.entry) - value,
        days_left=None,
        inputs=inputs,
        coverage=0.63,
        weights=weights or {"equity": 0.2, "bonds": 0.3, "cash": 0.5},
        lag=1,
        history=history,
        units=thresholds.units if thresholds is not None else Units(),
        why=why,
    )


STATES = [
    state("move_vix_wedge"),
    state("wedge_graded", weights={"equity": 0.4, "bonds": 0.6}),
    state("wedge_hedge_aware"),
    state(
        "yield_breakout",
        "yield_breakout",
        on=False,
        value=4.5312,
        value_name="UST10Y",
        stale=226,
        thresholds=Thresholds(4.55, 4.55, conditions=("MOVE above its level 20 days ago",), units=TEN_YEAR),
        why=(("UST10Y ≥ 4.55% (entry)", False), ("MOVE above its level 20 days ago", True)),
    ),
    state(
        "curve_divergence",
        "curve_divergence",
        on=False,
        value=3.0,
        value_name="divergence_bp",
        thresholds=None,
        why=(),
    ),
]

#: A catalogue verdict's extract, as `python -m monitor.evidence` writes it.
CATALOGUE = {
    "computed": "2026-12-07",
    "data": {"source": "bundled", "first": "2002-07-31", "last": "2026-08-21", "digest": "8ec4895e8a63b7f4"},
    "families": {
        "move_vix_wedge": {
            "configs": 24,
            "sharpe_gap.sixty_forty": 0.0817,
            "spa_p.sixty_forty": 0.8034,
            "event_best_q": 0.4125,
            "best_params": "z_entry=1.0",
        },
        "yield_breakout": {
            "configs": 24,
            "sharpe_gap.sixty_forty": 0.21,
            "spa_p.sixty_forty": 0.0312,
            "event_best_q": None,
            "best_params": "rule=level",
        },
    },
}


def evidence_file(tmp_path):
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(CATALOGUE))
    return read(path)


def test_native_units_and_every_threshold():
    # the value against the threshold it is next compared with, in the signal's declared units
    assert view.reading(STATES[0]) == "wedge z 0.82 ≥ 0.50"  # on: against the exit
    assert view.reading(STATES[3]) == "10y 4.53% < 4.55%"  # off: against the entry
    assert view.thresholds_native(STATES[0]) == "entry ≥ 1.50, exit < 0.50"
    assert view.thresholds_native(STATES[3]) == "entry ≥ 4.55%, exit < 4.55%"
    assert view.thresholds_native(STATES[4]) == "no single threshold (a state rule)"
    assert view.next_text(STATES[0]) == f"{0.5 - 0.8241:+.2f} to off"
    assert view.next_text(STATES[3]) == f"{(4.55 - 4.5312) * 100:+.0f} bp to on" == "+2 bp to on"


def test_why_lists_which_conditions_hold_now():
    assert view.why(STATES[0]) == "✗ wedge z ≥ 1.5 (entry); ✓ MOVE above its level 20 days ago; ✓ VIX < 20"
    assert view.why(STATES[4]) == "-"
    gauged = dataclasses.replace(STATES[0], gauges={"VIX < 20": "16.01", "wedge z ≥ 1.5 (entry)": "-"})
    assert view.why(gauged) == (
        "✗ wedge z ≥ 1.5 (entry); ✓ MOVE above its level 20 days ago; ✓ VIX < 20: 16.01"  # no number: none
    )
    # no conditions day by day: the thresholds' comparisons on the value, then what else the rule needs
    gates_only = state("g", why=())
    entered, left = 0.8241 >= 1.5, 0.8241 < 0.5
    assert view.why(gates_only) == (
        f"{'✓' if entered else '✗'} wedge z ≥ 1.50 (entry); {'✓' if left else '✗'} wedge z < 0.50 (exit); "
        "needs MOVE above its level 20 days ago; VIX < 20"
    )
    below = Thresholds(-1.5, above=False, hold_days=5, units=Units("weakest demand z"))
    for value in (-0.2, -1.5, -2.3):  # a rule that turns on at low values: at or below its entry
        s = state("a", on=False, value=value, thresholds=below, why=())
        assert view.why(s) == f"{'✓' if value <= -1.5 else '✗'} weakest demand z ≤ -1.50 (entry)"


def test_presets_sharing_a_signal_are_one_group_and_stale_inputs_are_named():
    assert [[s.name for s in g] for g in view.groups(STATES)] == [
        ["move_vix_wedge", "wedge_graded", "wedge_hedge_aware"],
        ["yield_breakout"],
        ["curve_divergence"],
    ]
    assert view.stale_inputs(STATES[3]) == ["SPY 226d"] and view.stale_inputs(STATES[0]) == []
    assert view.stale_inputs(STATES[0], bound=-1) == ["MOVE 0d", "SPY 0d"]


def test_terminal_groups_flags_and_fits_100_columns(tmp_path):
    text = view.table(STATES, source="live", evidence=evidence_file(tmp_path))
    assert max(map(len, text.splitlines())) <= 100
    body = text.split("-" * 100 + "\n")[1].split("\n\n")[0]
    rows = [line for line in body.splitlines() if not line.startswith(" ")]
    assert rows[0].startswith("move_vix_wedge +2 ") and rows[1].startswith("yield_breakout!")
    assert len(rows) == 3  # three signals, not five rows
    wedge = body.split(rows[1])[0]
    assert "  wedge z 0.82 ≥ 0.50 (entry ≥ 1.50, exit < 0.50)" in wedge
    assert "  why: ✗ wedge z ≥ 1.5 (entry); ✓ MOVE above its level 20 days ago; ✓ VIX < 20" in wedge
    assert "  vs 60/40: no evidence it beats 60/40 (SPA p 0.80, 24 configs); event q 0.41" in wedge
    assert "  vs 60/40: beats 60/40 (SPA p 0.03, 24 configs); event q n/a" in body
    assert "  vs 60/40: not in the catalogue" in body.split(rows[2])[1]
    source = "evidence: python -m analysis verdicts of 2026-12-07 on data=bundled 2002-07-31 to 2026-08-21"
    assert source in text
    assert "move_vix_wedge +2: the same move_vix_wedge in wedge_graded, wedge_hedge_aware" in text
    assert "yield_breakout !: stale inputs SPY 226d" in text


def test_without_an_evidence_file_the_monitor_says_so_once(tmp_path):
    missing = read(tmp_path / "nowhere.json")
    assert not missing.found
    text = view.table(STATES, source="live", evidence=missing)
    assert text.count("no evidence on file") == 1 and "vs 60/40" not in text
    assert "run `python -m analysis verdicts`, then monitor.evidence=" in text.replace("\n  ", " ")


def test_the_page_in_chromium_shows_states_in_colour_and_words_and_native_units(tmp_path):
    fig = view.chart(STATES, title="as of 2026-08-21")
    from report.charts import png_bytes

    page = tmp_path / "monitor.html"
    proof = evidence_file(tmp_path)
    page.write_text(view.page(STATES, png_bytes(fig, dpi=60), source="live", evidence=proof))
    dom = dump_dom(page.as_uri(), tmp_path / "profile")
    rows = re.findall(r"<tr>(.*?)</tr>", dom.split("<tbody>")[1].split("</tbody>")[0], flags=re.S)
    assert len(rows) == 3
    wedge, breakout, curve = rows
    assert "ON: risk-off" in wedge and "background:#c0392b" in wedge.replace(" ", "")
    assert "off: risk-on" in breakout and "background:#1e8449" in breakout.replace(" ", "")
    assert "wedge z 0.82 ≥ 0.50" in wedge and "entry ≥ 1.50, exit &lt; 0.50" in wedge
    assert "10y 4.53% &lt; 4.55%" in breakout and "entry ≥ 4.55%, exit &lt; 4.55%" in breakout
    assert "+2 bp to on" in breakout
    assert "✗ wedge z ≥ 1.5 (entry); ✓ MOVE above its level 20 days ago; ✓ VIX &lt; 20" in wedge
    assert "no evidence it beats 60/40 (SPA p 0.80, 24 configs); event q 0.41" in wedge
    assert "beats 60/40 (SPA p 0.03, 24 configs)" in breakout
    # the evidence's words in its outcome's colour, as the verdict banners (grey: no evidence, green: beats)
    assert re.search(r"color:\s*(#6e7781|rgb\(110, 119, 129\))[^>]*>no evidence it beats", wedge)
    assert re.search(r"color:\s*(#1a7f37|rgb\(26, 127, 55\))[^>]*>beats 60/40", breakout)
    assert "also wedge_graded, wedge_hedge_aware" in wedge and "wedge_graded: eq40 bo60" in wedge
    assert "stale: SPY 226d" in breakout and "fresh" in wedge
    assert "no single threshold (a state rule)" in curve and "not in the catalogue" in curve
    assert "on data=bundled 2002-07-31 to 2026-08-21" in dom.split('id="evidence"')[1].split("</p>")[0]
    text = re.sub(r"data:[^\"')]*", "", page.read_text())  # an embedded PNG's base64 may spell "http"
    assert "<script" not in text and "http" not in text
    screenshot(page.as_uri(), tmp_path / "profile2", "monitor_page.png")


def test_the_chart_is_one_row_per_signal_with_a_six_month_view_and_the_whole_window():
    fig = view.chart(STATES)
    axes = fig.get_axes()
    assert len(axes) == 3 * 2
    recent, whole = axes[0], axes[1]
    left, right = recent.get_xlim()
    assert right - left < 200  # days and len(recent.get_lines()[0].get_xdata()) == view.RECENT_DAYS
    assert len(whole.get_lines()[0].get_xdata()) == len(DAYS)
    assert "ON: risk-off since" in recent.get_title(loc="left")
    legend = recent.get_legend()
    assert legend.get_bbox_to_anchor().y0 > recent.get_window_extent().y1 - 1  # above the data, not on it
    # the breakout's row: the yield in percent, its level drawn and labelled in the same units
    b_recent, b_whole = axes[2], axes[3]
    lines = {ln.get_label(): ln for ln in b_recent.get_lines()}
    assert set(lines) == {"10y (%)", "entry 4.55%"} and list(lines["entry 4.55%"].get_ydata()) == [4.55, 4.55]
    assert b_whole.get_title(loc="left") == (
        "yield_breakout now: 10y 4.53% < 4.55% (entry ≥ 4.55%, exit < 4.55%); the whole window"
    )


def test_doctests():
    assert doctest.testmod(view).failed == 0


def test_the_chart_draws_without_a_layout_engine_every_text_inside_its_row_and_the_figure():
    wide = dataclasses.replace(STATES[0], name="stock_bond_correlation", covered=False)  # the longest title
    states = [wide, *STATES[1:]]
    fig = view.chart(states, title="as of 2026-08-21")
    assert fig.get_layout_engine() is None
    size, _ = view.chart_geometry(len(view.groups(states)))
    assert tuple(fig.get_size_inches()) == size
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # after view.chart chose the Agg backend

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = fig.bbox
    axes = np.array(fig.get_axes()).reshape(-1, 2)
    # the plots sit where the geometry puts them: the first row's top and the last row's bottom, in inches
    assert axes[0, 0].get_position().y1 * size[1] == pytest.approx(size[1] - view.TOP - view.HEAD)
    assert axes[-1, 0].get_position().y0 * size[1] == pytest.approx(view.TICKS)

    def extent(text):
        return text.get_window_extent(renderer)

    def extents(ax):
        texts = [ax.title, ax._left_title, *ax.get_xticklabels(), *ax.get_yticklabels()]
        return [*(extent(t) for t in texts if t.get_text()), extent(ax.get_legend())]

    for row, (recent, whole) in enumerate(axes):
        for ax in (recent, whole):
            for e in extents(ax):  # nothing cut at the figure's edges
                assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1 and box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1
        # the six-month view's title and legend end before the whole window's y tick labels begin
        left = max(extent(recent._left_title).x1, extent(recent.get_legend()).x1)
        assert left < min(extent(t).x0 for t in whole.get_yticklabels() if t.get_text())
        if row:  # this row's legend sits above the previous row's x tick labels, not on them
            above = min(extent(t).y0 for t in axes[row - 1, 0].get_xticklabels() if t.get_text())
            assert extent(recent.get_legend()).y1 < above
    assert fig._suptitle.get_window_extent(renderer).y1 <= box.y1


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_terminal_colours_each_state_beside_its_word_only_on_a_tty_without_no_color():
    assert view.use_colour(_Stream(True), {}) and view.use_colour(_Stream(True), {"NO_COLOR": ""})
    assert not view.use_colour(_Stream(False), {})
    assert not view.use_colour(_Stream(True), {"NO_COLOR": "1"})
    states = [*STATES, state("repo_stress", "repo_stress", on=False, value=1.0, value_name="x", why=())]
    plain = view.table(states, source="bundled")
    painted = view.table(states, source="bundled", colour=True)
    assert re.sub(r"\033\[\d+m", "", painted) == plain  # the same words and columns
    rows = {line.split()[0]: line for line in painted.splitlines() if "\033[" in line}
    assert rows["move_vix_wedge"][22:].startswith(" \033[31mon \033[0m")  # on: red
    assert rows["yield_breakout!"][22:].startswith(" \033[32moff\033[0m")  # off: green
    assert "\033[" not in plain
