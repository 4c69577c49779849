"""The monitor's outputs: a terminal table (≤ 100 columns), a chart of every signal, an HTML page.

Read in five seconds: each signal's state in words (and in colour: on red, off green, n/c grey), its
value against its thresholds in the units the signal declares (`signals.base.Units`: ``10y 4.69% ≥
4.55%``, ``wedge z 0.82 ≥ 0.50``), which of the rule's conditions hold now (✓/✗), its evidence (a
catalogue verdict against 60/40, `monitor.evidence`), its stale inputs flagged on its own row, and
presets that share one signal (the same value, thresholds and state) grouped into one row naming its
variants.

Figure builders return figures; writing files is a thin layer on top. The HTML page embeds its chart
(a PNG as a data URI) and carries no script: it renders offline.
"""

from __future__ import annotations

import base64
import html
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from analysis.verdict import OUTCOME_COLOURS
from common.text import weights_text
from monitor.changes import Change
from monitor.evidence import EvidenceFile
from monitor.state import SignalState
from report.charts import SHADE_ALPHA, SHADE_COLOR, episodes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH = 100
#: An input whose last own print is more trading days old than this is flagged stale on its signal's row.
STALE_DAYS = 5
#: The page's colour for each state, and what the state means in words.
STATE_COLOURS = {"on": "#c0392b", "off": "#1e8449", "n/c": "#7f8c8d"}
STATE_WORDS = {"on": "ON: risk-off", "off": "off: risk-on", "n/c": "n/c: inputs do not cover today"}
#: The terminal's colour for each state (ANSI: red, green, grey), beside the word, never instead of it.
ANSI = {"on": "\033[31m", "off": "\033[32m", "n/c": "\033[90m"}
ANSI_RESET = "\033[0m"


def reading(s: SignalState) -> str:
    """The value in its units against the threshold it is next compared with: ``10y 4.69% ≥ 4.55%``.

    Off (or on with a time exit): the entry; on: the exit. Without thresholds, the value alone.
    """
    value = s.units.text(s.value)
    th = s.thresholds
    if th is None or math.isnan(s.value):
        return value
    at = th.exit if s.risk_off and th.exit is not None else th.entry
    beyond = s.value >= at if th.above else s.value <= at  # at or past it, on the side that turns it on
    op = {(True, True): "≥", (True, False): "<", (False, True): "≤", (False, False): ">"}[(th.above, beyond)]
    return f"{value} {op} {s.units.number(at)}"


def thresholds_native(s: SignalState) -> str:
    """Every threshold in the signal's units: ``entry ≥ 1.50, exit < 0.50``, ``entry ≥ +0 bp, held 20d``."""
    th = s.thresholds
    if th is None:
        return "no single threshold (a state rule)"
    on, off = ("≥", "<") if th.above else ("≤", ">")
    out = f"held {th.hold_days}d" if th.exit is None else f"exit {off} {s.units.number(th.exit)}"
    return f"entry {on} {s.units.number(th.entry)}, {out}"


def threshold_conditions(s: SignalState) -> list[tuple[str, bool]]:
    """A one-comparison rule's conditions, from its thresholds: the entry, and the exit if it has one.

    ``("VIX/RV z ≥ 1.50 (entry)", False)``: whether the value is at or past each on the report date.
    """
    th, u = s.thresholds, s.units
    if th is None or math.isnan(s.value):
        return []
    on, off = ("≥", "<") if th.above else ("≤", ">")
    name = u.name or s.value_name
    entered = s.value >= th.entry if th.above else s.value <= th.entry
    out = [(f"{name} {on} {u.number(th.entry)} (entry)", entered)]
    if th.exit is not None and th.exit != th.entry:
        left = s.value < th.exit if th.above else s.value > th.exit
        out.append((f"{name} {off} {u.number(th.exit)} (exit)", left))
    return out


def why(s: SignalState) -> str:
    """Which of the rule's conditions hold on the report date (``✓ VIX < 20: 16.01; ✗ MOVE above ...``).

    The rule's own conditions day by day (`SignalState.why`); a rule without them, its thresholds'
    comparisons (`threshold_conditions`) and what else it needs (`Thresholds.conditions`); ``-`` for
    neither.
    """
    parts = list(s.why) or threshold_conditions(s)
    shown = {name: f": {s.gauges[name]}" if s.gauges.get(name, "-") != "-" else "" for name, _ in parts}
    out = [f"{'✓' if holds else '✗'} {name}{shown[name]}" for name, holds in parts]
    if not s.why and s.thresholds is not None and s.thresholds.conditions:
        out.append("needs " + "; ".join(s.thresholds.conditions))
    return "; ".join(out) or "-"


def stale_inputs(s: SignalState, bound: int = STALE_DAYS) -> list[str]:
    """The signal's inputs whose last own print is more than `bound` trading days old (``SPY 226d``)."""
    return [
        f"{a.column} {'never' if a.last is None else f'{a.stale_days}d'}"
        for a in s.inputs
        if a.last is None or a.stale_days > bound
    ]


def groups(states: Sequence[SignalState]) -> list[list[SignalState]]:
    """Presets that share one signal, in first-seen order.

    Sharing means the same signal, state, since, value and thresholds; their strategies may still
    trade different weights.
    """

    def key(s: SignalState) -> tuple:
        th = s.thresholds
        cut = None if th is None else (th.entry, th.exit, th.above, th.hold_days)
        value = None if math.isnan(s.value) else round(s.value, 9)
        return (s.signal, s.label, s.since, value, s.value_name, cut)

    out: dict[tuple, list[SignalState]] = {}
    for s in states:
        out.setdefault(key(s), []).append(s)
    return list(out.values())


def next_text(s: SignalState) -> str:
    """How far the value must move to the next trigger: ``-0.32 to off``, ``+14 bp to on``, ``3d left``.

    ``met, gated`` when off although the value is past its entry: the rule's other conditions (e.g.
    VIX below its ceiling) are not met, or the inputs do not cover the date.
    """
    if s.trigger == "hold":
        return "-" if s.days_left is None else f"{s.days_left}d left"
    if not s.trigger or math.isnan(s.to_trigger):
        return "-"
    if s.trigger == "entry" and s.thresholds is not None:
        met = s.to_trigger <= 0 if s.thresholds.above else s.to_trigger >= 0
        if met:
            return "met, gated"
    return f"{s.units.gap(s.to_trigger)} to {'on' if s.trigger == 'entry' else 'off'}"


def rows(states: Sequence[SignalState], evidence: EvidenceFile | None = None) -> pd.DataFrame:
    """One row per signal, the table's cells as text (``monitor.csv``)."""
    return pd.DataFrame(
        [
            {
                "signal": s.name,
                "now": s.label,
                "since": str(s.since.date()),
                "value": reading(s),
                "thresholds": thresholds_native(s),
                "next": next_text(s),
                "why": why(s),
                "evidence": evidence.of(s.name) if evidence is not None else "",
                "cover": f"{s.coverage:.0%}",
                "weights next": weights_text(s.weights),
            }
            for s in states
        ]
    )


#: The terminal's columns: name and width (the weights take the rest of the line).
COLUMNS = (("signal", 22), ("now", 3), ("since", 10), ("next", 14), ("cov", 4))


def _line(cells: Sequence[str]) -> str:
    widths = [w for _, w in COLUMNS]
    parts = [c[:w].ljust(w) for c, w in zip(cells, widths, strict=False)]
    return " ".join([*parts, *cells[len(widths) :]]).rstrip()[:WIDTH]


def _indented(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="      ")


def inputs_text(states: Sequence[SignalState]) -> str:
    """Each input's last own print and the trading days since, once per column, wrapped."""
    seen: dict[str, str] = {}
    for s in states:
        for a in s.inputs:
            last = "never" if a.last is None else str(a.last.date())
            seen.setdefault(a.column, f"{a.column} {last} ({a.stale_days}d)")
    return textwrap.fill(
        "inputs, last print (trading days since): " + ", ".join(seen.values()),
        WIDTH,
        subsequent_indent="  ",
    )


def use_colour(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour for a terminal only: `stream` is a TTY and ``NO_COLOR`` is unset or empty (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not environ.get("NO_COLOR")


def _paint(line: str, state: str) -> str:
    """A table row with its state cell (after the signal's) in the state's terminal colour."""
    at = COLUMNS[0][1] + 1
    width = COLUMNS[1][1]
    return line[:at] + ANSI[state] + line[at : at + width] + ANSI_RESET + line[at + width :]


def table(
    states: Sequence[SignalState],
    *,
    source: str,
    changed: Sequence[Change] | None = None,
    colour: bool = False,
    evidence: EvidenceFile | None = None,
) -> str:
    """The terminal report; with `changed`, only those signals (and what they were before).

    Per signal (presets sharing one grouped): a row with its state, since when, the distance to the
    next trigger, the coverage and the weights; under it its value against its thresholds in native
    units, which of the rule's conditions hold, and its evidence (`evidence`, a catalogue verdict).
    With `colour`, each row's state word (on, off, n/c) is also in its colour (`ANSI`); the words and
    the columns are the same either way.
    """
    if not states:
        return "monitor: no signal"
    first = states[0]
    shown = list(states)
    head = (
        f"monitor: {len(states)} signals as of {first.as_of.date()} (data={source}); weights decided at "
        f"this close trade {first.lag} close(s) later"
    )
    lines = textwrap.wrap(head, WIDTH, subsequent_indent="  ")
    if evidence is not None:
        lines += textwrap.wrap(f"evidence: {evidence.about()}", WIDTH, subsequent_indent="  ")
    if changed is not None:
        names = {c.name: c for c in changed}
        shown = [s for s in states if s.name in names]
        was = {None: "new", True: "on", False: "off"}
        lines.append(
            "changed since the previous run: "
            + (
                ", ".join(f"{c.name} {was[c.before]} -> {'on' if c.after else 'off'}" for c in changed)
                or "none"
            )
        )
        if not shown:
            return "\n".join(lines)
    lines += ["", _line([n for n, _ in COLUMNS] + ["weights next"]), "-" * WIDTH]
    notes = []
    for group in groups(shown):
        head = group[0]
        flag = "!" if stale_inputs(head) else ""
        more = f" +{len(group) - 1}" if len(group) > 1 else ""
        label = head.name[: 22 - len(more) - len(flag)] + more + flag
        cells = [label, head.label, str(head.since.date()), next_text(head), f"{head.coverage:.0%}"]
        line = _line([*cells, weights_text(head.weights)])
        lines.append(_paint(line, head.label) if colour else line)
        lines += _indented(f"{reading(head)} ({thresholds_native(head)})")
        if why(head) != "-":
            lines += _indented(f"why: {why(head)}")
        if evidence is not None and evidence.found:  # none: the header says so, once
            lines += _indented(f"vs 60/40: {evidence.of(head.name)}")
        if more:
            others = ", ".join(s.name for s in group[1:])
            notes.append(f"{head.name}{more}: the same {head.signal} in {others}")
        if flag:
            notes.append(f"{head.name} !: stale inputs " + ", ".join(stale_inputs(head)))
    lines.append("")
    lines += [textwrap.fill(n, WIDTH, subsequent_indent="  ") for n in notes]
    lines.append(inputs_text(shown))
    return "\n".join(lines)


#: The zoomed view: the last six months (trading days).
RECENT_DAYS = 126
#: The chart's fixed geometry, in inches (no layout engine: its tight-bbox passes over every axes cost
#: half the drawing): the width, each row's plot, the band above each plot for its legend and title, the
#: x tick labels below it, the figure title's band, the y tick labels' margin and the right margin.
CHART_WIDTH, PLOT_HEIGHT, HEAD, TICKS, TOP, LEFT, RIGHT = 13.0, 1.5, 0.5, 0.3, 0.3, 0.5, 0.15
#: The gap between the six-month view and the whole window: the latter's y tick labels, and room for the
#: former's legend and title to run a little past its plot (`stock_bond_correlation: n/c: ...`: 4.7 in).
COLUMN_GAP = 0.9


def chart_geometry(n: int) -> tuple[tuple[float, float], dict[str, float]]:
    """The figure's size (inches) and its grid's margins and gaps (`GridSpec` fractions) for `n` rows.

    Each row is its head (legend, title), its plot and its x tick labels; the figure title sits above.

    >>> size, grid = chart_geometry(1)
    >>> round(size[0], 2), round(size[1], 2)
    (13.0, 2.6)
    >>> round(grid["top"] * size[1], 2), round(grid["bottom"] * size[1], 2)  # the plot's edges (inches)
    (1.8, 0.3)
    """
    pitch = HEAD + PLOT_HEIGHT + TICKS
    height = TOP + n * pitch
    plot_width = (CHART_WIDTH - LEFT - RIGHT - COLUMN_GAP) / 2  # the average of the two columns
    grid = {
        "left": LEFT / CHART_WIDTH,
        "right": 1 - RIGHT / CHART_WIDTH,
        "top": 1 - (TOP + HEAD) / height,
        "bottom": TICKS / height,
        "hspace": (TICKS + HEAD) / PLOT_HEIGHT,
        "wspace": COLUMN_GAP / plot_width,
    }
    return (CHART_WIDTH, height), grid


def _panel(ax, s: SignalState, h: pd.DataFrame, title: str) -> None:  # noqa: ANN001 - a matplotlib Axes
    name = f"{s.units.name or s.value_name}{f' ({s.units.unit.strip()})' if s.units.unit.strip() else ''}"
    value = h["value"].astype(float) * s.units.scale
    ax.plot(h.index, value, color="black", linewidth=1.0, label=name, zorder=3)
    for a, b in episodes(h["risk_off"]):
        ax.axvspan(a, b, color=SHADE_COLOR, alpha=SHADE_ALPHA * 2, linewidth=0)
    th, u = s.thresholds, s.units
    if th is not None:
        entry = f"entry {u.number(th.entry)}"
        ax.axhline(th.entry * u.scale, color=SHADE_COLOR, linewidth=0.9, linestyle="--", label=entry)
        if th.exit is not None and th.exit != th.entry:
            exit_at = f"exit {u.number(th.exit)}"
            ax.axhline(th.exit * u.scale, color="#1f77b4", linewidth=0.9, linestyle=":", label=exit_at)
    # y given: matplotlib then skips its title placement pass (a tight bbox of the axes, per axes)
    ax.set_title(title, fontsize=9, loc="left", y=1.0)
    # the legend sits outside the data, so no threshold line strikes through it
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.08), ncols=3, fontsize=7, frameon=False)
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=7)
    if len(h):
        ax.set_xlim(h.index[0], h.index[-1])  # the window, even where the value has no data


def chart(states: Sequence[SignalState], title: str = "") -> Figure:
    """One row per signal (presets sharing it drawn once), entry and exit lines, episodes shaded.

    Left: the last six months with their own dates; right: the whole history window.
    """
    # lazy: matplotlib costs ~0.5 s at import; only drawing the chart needs it
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # lazy: as above, after the backend is chosen

    heads = [g[0] for g in groups(states)]
    n = max(len(heads), 1)
    size, grid = chart_geometry(n)
    fig = Figure(figsize=size)
    axes = fig.subplots(n, 2, squeeze=False, width_ratios=[1, 2], gridspec_kw=grid)
    for (recent, whole), s in zip(axes, heads, strict=False):
        state = f"{s.name}: {STATE_WORDS[s.label]} since {s.since.date()}"  # n/c: the words say why
        _panel(recent, s, s.history.iloc[-RECENT_DAYS:], state)
        _panel(whole, s, s.history, f"{s.name} now: {reading(s)} ({thresholds_native(s)}); the whole window")
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.05 / size[1], va="top")
    return fig


def _cell(text: str, style: str = "") -> str:
    return f'<td style="{style}">{html.escape(text)}</td>' if style else f"<td>{html.escape(text)}</td>"


def _evidence_cell(name: str, evidence: EvidenceFile | None) -> str:
    """The evidence in words, coloured by its outcome as the verdict banners are (never colour alone)."""
    found = evidence.families.get(name) if evidence is not None else None
    if found is None:
        return _cell(evidence.of(name) if evidence is not None else "-")
    colour = OUTCOME_COLOURS[found.verdict.outcome]
    return _cell(found.text(), f"color:{colour};font-weight:bold")


def _row(group: Sequence[SignalState], evidence: EvidenceFile | None) -> str:
    """One signal's row of the page: the state in colour and words, native units, why, evidence, inputs."""
    s = group[0]
    colour = STATE_COLOURS[s.label]
    names = s.name + (f" (also {', '.join(g.name for g in group[1:])})" if len(group) > 1 else "")
    stale = ", ".join(stale_inputs(s))
    weights = "; ".join(f"{g.name}: {weights_text(g.weights)}" for g in group)
    cells = [
        _cell(names),
        f'<td class="state state-{s.label.replace("/", "")}" style="background:{colour};color:#fff">'
        f"{html.escape(STATE_WORDS[s.label])}</td>",
        _cell(str(s.since.date())),
        _cell(reading(s)),
        _cell(thresholds_native(s)),
        _cell(next_text(s)),
        _cell(why(s)),
        _evidence_cell(s.name, evidence),
        _cell(f"stale: {stale}", "background:#f39c12;color:#000") if stale else _cell("fresh"),
        _cell(weights),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def page(
    states: Sequence[SignalState], png: bytes, *, source: str, evidence: EvidenceFile | None = None
) -> str:
    """A self-contained HTML page: the table, each input's freshness and the chart inline (no script)."""
    as_of = states[0].as_of.date() if states else "-"

    def users(t: SignalState) -> set[str]:
        return {b.column for b in t.inputs}

    ages = pd.DataFrame(
        [
            {
                "input": a.column,
                "last print": "never" if a.last is None else str(a.last.date()),
                "trading days since": a.stale_days,
                "used by": ", ".join(sorted({t.name for t in states if a.column in users(t)})),
            }
            for a in {a.column: a for s in states for a in s.inputs}.values()
        ]
    )
    names = ("signal", "now", "since", "value", "thresholds", "next", "why (now)", "vs 60/40 (evidence)",
             "inputs", "weights next")  # fmt: skip
    head = "".join(f"<th>{h}</th>" for h in names)
    body = "".join(_row(g, evidence) for g in groups(states))
    about = "" if evidence is None else f'<p id="evidence">evidence: {html.escape(evidence.about())}</p>'

    img = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>monitor {as_of}</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>Signals as of {as_of}</h1>
<p>data={html.escape(source)}; weights are decided at this close and trade at the next close(s).
An input is stale after {STALE_DAYS} trading days without its own print. Why: ✓ a condition of the rule
holds at this close, ✗ it does not.</p>
{about}
<table id="signals"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Inputs</h2>
{ages.to_html(index=False, escape=True, border=0)}
<h2>The last six months, and the whole window</h2>
<img alt="each signal's value, its thresholds and risk-off episodes" src="data:image/png;base64,{img}">
</body></html>
"""
