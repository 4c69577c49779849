"""The monitor's outputs: a terminal table (≤ 100 columns), a chart of every signal, an HTML page.

Figure builders return figures; writing files is a thin layer on top. The HTML page embeds its chart
(a PNG as a data URI) and carries no script: it renders offline.
"""

from __future__ import annotations

import base64
import html
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from common.text import weights_text
from monitor.changes import Change
from monitor.state import SignalState
from report.charts import SHADE_ALPHA, SHADE_COLOR, episodes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH = 100
COLUMNS = (("signal", 22), ("now", 3), ("since", 10), ("value", 8), ("entry/exit", 10), ("next", 13))


def _num(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:.4g}" if abs(x) >= 100 else f"{x:.2f}"


def thresholds_text(s: SignalState) -> str:
    """``entry/exit`` in the value's units (``0/20d`` for a 20-day hold exit; ``-`` without)."""
    th = s.thresholds
    if th is None:
        return "-"
    out = f"{th.hold_days}d" if th.exit is None else f"{th.exit:g}"
    return f"{th.entry:g}/{out}"


def next_text(s: SignalState) -> str:
    """How far the value must move to the next trigger: ``+0.41 to on``, ``-1.30 to off``, ``3d left``.

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
    return f"{s.to_trigger:+.2f} to {'on' if s.trigger == 'entry' else 'off'}"


def rows(states: Sequence[SignalState]) -> pd.DataFrame:
    """One row per signal, the table's cells as text (also the HTML page's table)."""
    return pd.DataFrame(
        [
            {
                "signal": s.name,
                "now": s.label,
                "since": str(s.since.date()),
                "value": _num(s.value),
                "entry/exit": thresholds_text(s),
                "next": next_text(s),
                "cover": f"{s.coverage:.0%}",
                "weights next": weights_text(s.weights),
                "units": s.value_name,
            }
            for s in states
        ]
    )


def _line(cells: Sequence[str]) -> str:
    widths = [w for _, w in COLUMNS] + [4]
    parts = [c[:w].ljust(w) for c, w in zip(cells, widths, strict=False)]
    return " ".join([*parts, *cells[len(widths) :]]).rstrip()[:WIDTH]


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


def table(states: Sequence[SignalState], *, source: str, changed: Sequence[Change] | None = None) -> str:
    """The terminal report; with `changed`, only those signals (and what they were before)."""
    if not states:
        return "monitor: no signal"
    first = states[0]
    shown = list(states)
    head = (
        f"monitor: {len(states)} signals as of {first.as_of.date()} (data={source}); weights decided at "
        f"this close trade {first.lag} close(s) later"
    )
    lines = textwrap.wrap(head, WIDTH, subsequent_indent="  ")
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
    names_row = [n for n, _ in COLUMNS] + ["cov", "weights next"]
    lines += ["", _line(names_row), "-" * WIDTH]
    for r in rows(shown).itertuples(index=False):
        lines.append(_line([r.signal, r.now, r.since, r.value, r[4], r.next, r.cover, r[7]]))
    units = ", ".join(f"{s.name} {s.value_name}" for s in shown)
    lines += ["", textwrap.fill(f"value (units): {units}", WIDTH, subsequent_indent="  ")]
    lines.append(inputs_text(shown))
    return "\n".join(lines)


def chart(states: Sequence[SignalState], title: str = "") -> Figure:
    """One panel per signal: its value over the last two years, entry and exit lines, episodes shaded."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing the chart needs it
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    n = max(len(states), 1)
    fig = Figure(figsize=(12.0, 1.9 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
    for ax, s in zip(axes, states, strict=False):
        h = s.history
        ax.plot(h.index, h["value"].astype(float), color="black", linewidth=1.0, label=s.value_name)
        for a, b in episodes(h["risk_off"]):
            ax.axvspan(a, b, color=SHADE_COLOR, alpha=SHADE_ALPHA * 2, linewidth=0)
        th = s.thresholds
        if th is not None:
            ax.axhline(
                th.entry, color=SHADE_COLOR, linewidth=0.9, linestyle="--", label=f"entry {th.entry:g}"
            )
            if th.exit is not None and th.exit != th.entry:
                ax.axhline(th.exit, color="#1f77b4", linewidth=0.9, linestyle=":", label=f"exit {th.exit:g}")
        gap = " (its inputs do not cover this date)" if not s.covered else ""
        ax.set_title(f"{s.name}: {s.label} since {s.since.date()}{gap}", fontsize=9, loc="left")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.grid(True, alpha=0.3)
        if len(h):
            ax.set_xlim(h.index[0], h.index[-1])  # the window, even where the value has no data
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def page(states: Sequence[SignalState], png: bytes, *, source: str) -> str:
    """A self-contained HTML page: the table, each input's freshness and the chart inline (no script)."""
    as_of = states[0].as_of.date() if states else "-"
    ages = pd.DataFrame(
        [
            {
                "signal": s.name,
                "input": a.column,
                "last print": "never" if a.last is None else str(a.last.date()),
                "trading days since": a.stale_days,
            }
            for s in states
            for a in s.inputs
        ]
    )
    conditions = "".join(
        f"<li><b>{html.escape(s.name)}</b> also needs: {html.escape('; '.join(s.thresholds.conditions))}</li>"
        for s in states
        if s.thresholds is not None and s.thresholds.conditions
    )
    img = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>monitor {as_of}</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>Signals as of {as_of}</h1>
<p>data={html.escape(source)}; weights are decided at this close and trade at the next close(s).</p>
{rows(states).to_html(index=False, escape=True, border=0)}
<ul>{conditions}</ul>
<h2>Inputs</h2>
{ages.to_html(index=False, escape=True, border=0)}
<h2>The last two years</h2>
<img alt="each signal's value, its thresholds and risk-off episodes" src="data:image/png;base64,{img}">
</body></html>
"""
