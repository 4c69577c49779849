"""Terminal text: fixed-width tables that fit the screen, and weight sets in a few characters.

Plain Python (no pandas): the rooms format their cells (metrics through `backtest.metrics`), these
helpers lay them out.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

#: Columns of a terminal table unless a wide view is asked for.
WIDTH = 120
#: A left-aligned cell (a name) longer than this is cut, with an ellipsis, in a table fitted to a width.
MAX_NAME = 36


def weights_text(weights: Mapping[str, float]) -> str:
    """Weights in percent, sleeves abbreviated (``eq20 bo30 ca50``); ``n/a`` if one is NaN.

    >>> weights_text({"equity": 0.2, "bonds": 0.3, "cash": 0.5, "gold": 0.0})
    'eq20 bo30 ca50'
    """
    items = dict(weights)
    if any(math.isnan(w) for w in items.values()):
        return "n/a (no prices)"
    return " ".join(f"{k[:2]}{w * 100:.0f}" for k, w in items.items() if abs(w) > 1e-9) or "-"


def _cut(cell: str, limit: int) -> str:
    return cell if len(cell) <= limit else cell[: limit - 1] + "\u2026"


def _lay_out(header: Sequence[str], rows: Sequence[Sequence[str]], left: int, rule_before: int | None) -> str:
    heads = [h.split(": ", 1) if ": " in h else ["", h] for h in header]
    tops = [h[0] + ":" if h[0] else "" for h in heads]
    table = ([tops] if any(tops) else []) + [[h[1] for h in heads], *(list(r) for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(widths[i]) if i < left else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip()
        for r in table
    ]
    rule = "-" * max(len(ln) for ln in lines)
    top = 2 if any(tops) else 1
    lines.insert(top, rule)
    if rule_before is not None and rule_before < len(rows):
        lines.insert(top + 1 + rule_before, rule)
    return "\n".join(lines)


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None = WIDTH,
    left: int = 1,
    rule_before: int | None = None,
) -> tuple[str, list[str]]:
    """Lay out text cells as a table: a rule under the header, names left-aligned, numbers right.

    A header ``"vs 60/40: ΔSharpe"`` takes two lines, ``vs 60/40:`` above ``ΔSharpe``.

    Args:
        header: Column headers.
        rows: The cells, one sequence per row, as wide as `header`.
        width: Fit every line within this many characters: long names are cut (`MAX_NAME`), then
            columns dropped from the right (the first is always kept). None: everything, as it is.
        left: How many leading columns are names (left-aligned).
        rule_before: Draw a rule before this row (e.g. benchmark rows under the runs).

    Returns:
        The table, and the headers of the columns dropped to fit.

    >>> text, dropped = text_table(["name", "vs b: x"], [["a", "1.00"], ["60/40", "0.50"]], rule_before=1)
    >>> print(text)
           vs b:
    name       x
    ------------
    a       1.00
    ------------
    60/40   0.50
    """
    header, rows = list(header), [list(r) for r in rows]
    if width is not None:
        rows = [[_cut(c, MAX_NAME) if i < left else c for i, c in enumerate(r)] for r in rows]
    n = len(header)
    while True:
        text = _lay_out(header[:n], [r[:n] for r in rows], left, rule_before)
        if width is None or n == 1 or max(len(ln) for ln in text.splitlines()) <= width:
            return text, header[n:]
        n -= 1


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """Each dotted config key's last part, or as many last parts as make it unique among `keys`.

    >>> short_names(["strategy.signal.window", "strategy.overlay.window", "strategy.signal.z_entry"])
    {'strategy.signal.window': 'signal.window', 'strategy.overlay.window': 'overlay.window', \
'strategy.signal.z_entry': 'z_entry'}
    """
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            name = ".".join(parts[-n:])
            if sum(k == name or k.endswith("." + name) for k in keys) == 1:
                break
        out[key] = name
    return out


def wrap(line: str, width: int = WIDTH, indent: str = "    ") -> str:
    """A line of prose wrapped at `width`, continuation lines indented (leading spaces kept).

    >>> print(wrap("  one two three", width=12))
      one two
          three
    """
    lead = line[: len(line) - len(line.lstrip())]
    return textwrap.fill(
        line, width, initial_indent="", subsequent_indent=lead + indent, break_on_hyphens=False
    )
