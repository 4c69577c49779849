"""The Treasury-trap study's verdict rules: data, declared before any number, read by `verdict`.

Each claim of the two notes (``seeds/000``, ``seeds/004``) is judged by one `Rule`: the number it reads
from ``claims.json`` (a dotted path), the unit that number is stated in (yields in basis points, vol
indices and realized vols in points, returns in percent), and the comparison that makes the claim
supported. The README's rules table and scorecard are generated from `RULES`, and every verdict in the
study comes from `verdict`, so no verdict is written by hand after its number.

A yield move counts when it is at least `MOVE_BP` (5 bp, the tolerance of a yield "within"), so a 2 bp
week is no move. One definition of "a correction" everywhere: a forward maximum drawdown of at least
`CORRECTION` within `CORRECTION_DAYS` trading days (`analysis.event_study`'s, from the running peak, the
first close included).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: A correction, one rule everywhere: a drawdown of 5% or more within 60 trading days.
CORRECTION, CORRECTION_DAYS = 0.05, 60
#: Tolerances of "the note's figure matches the data", in each figure's own unit.
TOL_YIELD_BP, TOL_VOL_INDEX_PTS, TOL_MOVE_PTS, TOL_RV_PTS, TOL_LEVEL_PCT = 5.0, 2.0, 5.0, 2.0, 1.0
#: A yield move counts when it is at least this large, in bp (the same 5 bp as a yield "within").
MOVE_BP = TOL_YIELD_BP
#: A p-value below this is evidence.
ALPHA = 0.05

SUPPORTED, CONTRADICTED, NOT_TESTABLE = "supported", "contradicted", "not testable"

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class Rule:
    """How one claim is judged.

    Attributes:
        key: The rule's id (the scorecard's order is `RULES`' order).
        row: The README detail row it belongs to (a key of ``claims.json``).
        note: The seed the claim is from ("000" or "004").
        claim: The claim, short, in the note's words.
        measure: What is measured, on which bundled column.
        path: Dotted path of the number in ``claims.json`` (empty: not testable).
        unit: The unit the number is stated and compared in.
        op: ``>``, ``>=``, ``<``, ``<=`` (the number against `threshold`), or ``within`` (the number's
            distance to `target`, in `unit`, at most `threshold`).
        threshold: The rule's threshold, in `unit`.
        scale: Multiplies the stored number into `unit` (100: a fraction into percent, a yield in percent
            into basis points).
        target: The note's own figure, in the stored number's units (``within`` only).
        relative: ``within`` measured in percent of `target` (index levels).
        why_not: Why the claim cannot be tested (`path` empty).
        shown: How the stored number and the note's figure are printed (a format of the stored units).
    """

    key: str
    row: str
    note: str
    claim: str
    measure: str
    path: str
    unit: str
    op: str = ">"
    threshold: float = 0.0
    scale: float = 1.0
    target: float = math.nan
    relative: bool = False
    why_not: str = ""
    shown: str = "{:,.2f}"

    def condition(self) -> str:
        """The rule as a sentence: "supported when ..."."""
        if not self.path:
            return f"not testable: {self.why_not}"
        if self.unit == "flag":
            return "the flag is set (1)"
        if self.op == "within":
            return f"within {self.threshold:g} {self.unit} of the note's {self.shown.format(self.target)}"
        return f"{self.op} {self.threshold:g} {self.unit}"


def lookup(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path` of `claims` (None where a key is missing)."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def measured(rule: Rule, claims: Mapping[str, Any]) -> float:
    """The number the rule compares, in its unit: the value, or its distance to the note's (``within``)."""
    raw = lookup(claims, rule.path) if rule.path else None
    if raw is None or isinstance(raw, str):
        return math.nan
    value = float(raw)
    if rule.op != "within":
        return value * rule.scale
    if rule.relative:
        return 100.0 * (value / rule.target - 1.0)
    return (value - rule.target) * rule.scale


def verdict(rule: Rule, claims: Mapping[str, Any]) -> str:
    """`SUPPORTED` or `CONTRADICTED` by `rule` on the study's numbers; `NOT_TESTABLE` without its number."""
    x = measured(rule, claims)
    if not math.isfinite(x):
        return NOT_TESTABLE
    ok = abs(x) <= rule.threshold if rule.op == "within" else _OPS[rule.op](x, rule.threshold)
    return SUPPORTED if ok else CONTRADICTED


def number(rule: Rule, claims: Mapping[str, Any]) -> str:
    """The rule's one number for the scorecard, with its unit (a ``within`` rule: the value and its gap)."""
    x = measured(rule, claims)
    if not math.isfinite(x):
        return "n/a"
    if rule.op == "within":
        raw = float(lookup(claims, rule.path))
        gap = f"{x:+.2f}%" if rule.relative else f"{x:+.1f} {rule.unit}"
        return f"{rule.shown.format(raw)} (note {rule.shown.format(rule.target)}; {gap})"
    if rule.unit == "flag":
        return "yes" if x >= 1 else "no"
    digits = 3 if rule.unit == "p-value" else (0 if rule.unit in ("closes", "days", "auctions") else 2)
    return f"{x:,.{digits}f} {rule.unit}"


#: Every verdict rule of the study, in the scorecard's order. Written before the numbers were read.
RULES: tuple[Rule, ...] = (
    # --- seeds/000, the February 4, 2026 table ---
    Rule("snap_spx", "snapshot", "000", "S&P 500 at 6,142.50 on Feb 4", "SPX close on Feb 4",
         "snapshot.SPX", "% of the level", "within", TOL_LEVEL_PCT, target=6142.50, relative=True),
    Rule("snap_10y", "snapshot", "000", "10-year at 4.48% on Feb 4", "DGS10 close on Feb 4",
         "snapshot.UST10Y", "bp", "within", TOL_YIELD_BP, scale=100, target=4.48, shown="{:.2f}%"),
    Rule("snap_move", "snapshot", "000", "MOVE at 132.0 on Feb 4", "MOVE close on Feb 4",
         "snapshot.MOVE", "points", "within", TOL_MOVE_PTS, target=132.0),
    Rule("snap_vix", "snapshot", "000", "VIX at 12.7 on Feb 4", "VIX close on Feb 4",
         "snapshot.VIX", "points", "within", TOL_VOL_INDEX_PTS, target=12.7),
    Rule("snap_spx_rv", "snapshot", "000", "S&P 500 30-day realized vol 11.2%", "21 log returns, sqrt(252)",
         "snapshot.SPX_rv30", "vol points", "within", TOL_RV_PTS, target=11.2),
    Rule("snap_10y_rv", "snapshot", "000", "10-year 30-day realized vol 26.4%",
         "21 log changes of DGS10, sqrt(252)", "snapshot.UST10Y_rv30", "vol points", "within", TOL_RV_PTS,
         target=26.4),
    Rule("gold_gvz", "gold", "000", "Gold implied vol 22.1 (GVZ)", "GVZ close on Feb 4", "gold.GVZ_feb4",
         "points", "within", TOL_VOL_INDEX_PTS, target=22.1),
    Rule("gold_rv", "gold", "000", "Gold 30-day realized vol 19.5%", "GLD, 21 log returns, sqrt(252)",
         "gold.GLD_rv30", "vol points", "within", TOL_RV_PTS, target=19.5),
    Rule("gold_spot", "gold", "000", "Gold spot $2,785.20", "", "", "", why_not="no spot gold series is "
         "bundled (GLD is a share of a trust, not an ounce)"),
    Rule("bitcoin", "gold", "000", "Bitcoin $108,400, realized vol 44.2%, BVOL 58.5", "", "", "",
         why_not="no free BVOL history exists (the index is licensed), and no Bitcoin price is bundled"),
    # --- seeds/000, the text ---
    Rule("move_up", "move_vix", "000", "MOVE trending sharply upward", "MOVE, first 2026 close to Feb 4",
         "move_vix.MOVE_change_to_feb4", "points", ">", 0.0),
    Rule("vix_low", "move_vix", "000", "VIX suppressed, near historic lows",
         "VIX on Feb 4, percentile of its history", "move_vix.VIX_pctile_feb4", "percentile", "<", 50.0,
         scale=100),
    Rule("wedge_on", "spx_after", "000", "A MOVE/VIX wedge on Feb 4",
         "move_vix_wedge score (ratio z-score) on Feb 4 against the preset's z_entry",
         "premise.wedge_score_minus_entry", "z", ">=", 0.0),
    Rule("term_premium", "term_premium", "000", "Term premium at its highest in eighteen months",
         "ACM 10-year term premium on Feb 4 minus its 378-day high", "term_premium.TP_gap_to_18m_max_bp",
         "bp", ">=", 0.0),
    Rule("swings", "swings", "000", "Intraday 10-year swings over 15 bp three times in the last week",
         "^TNX high minus low, 5 trading days to Feb 4: days over 15 bp", "swings.range_n_over_15bp",
         "days", ">=", 3),
    Rule("ytd_10y", "ytd", "000", "10-year climbing since the start of the year",
         "DGS10, last 2025 close to Feb 4", "ytd.UST10Y_ytd_bp_feb4", "bp", ">=", MOVE_BP),
    Rule("nasdaq", "ytd", "000", "Nasdaq 100 up 8% year to date", "QQQ (adjusted), last 2025 close to Feb 4",
         "ytd.QQQ_ytd_feb4", "points", "within", 2.0, scale=100, target=0.08, shown="{:+.2%}"),
    Rule("auction_weak", "auction", "000", "The Feb 11 10-year auction tails",
         "auction_stress preset on at the Feb 11 close (weak bid-to-cover, indirect share or high-minus-"
         "average)", "auction.feb11_weak", "flag", ">=", 1),
    Rule("auction_spill", "auction", "000", "A weak auction's volatility spills over",
         "VIX 5 days after weak 10-year auctions (all MOVE and VIX cover), against random placements "
         "(one-sided p)",
         "auction.spill_VIX_5d_pval_rise", "p-value", "<", ALPHA),
    Rule("break_455", "level", "000", "The 10-year breaks 4.55%", "DGS10 closes above 4.55% from Feb 11",
         "level.UST10Y_days_above_455", "closes", ">=", 1),
    Rule("deleveraging", "level", "000", "A break with a rising MOVE triggers deleveraging",
         f"S&P 500 worst drawdown within {CORRECTION_DAYS} days of the first close above 4.55%",
         "level.SPX_maxdd_60d_after_break", "%", "<=", -100 * CORRECTION, scale=100),
    Rule("five_pct", "level", "000", "The 10-year could touch 5% by mid-year",
         "DGS10's high to June 30 minus 5.00%", "level.UST10Y_max_to_midyear_minus_5_bp", "bp", ">=", 0.0),
    Rule("correction", "spx_after", "000", "A sharp correction in risk assets after Feb 4",
         f"S&P 500 worst drawdown within {CORRECTION_DAYS} trading days of Feb 4", "spx_after.SPX_maxdd_60d",
         "%", "<=", -100 * CORRECTION, scale=100),
    Rule("wedge_history", "wedge", "000", "The wedge historically precedes a sharp correction",
         "move_vix_wedge onsets: share followed by a correction, lowest p over 5/20/60 days",
         "wedge.wedge_min_pval_correction", "p-value", "<", ALPHA),
    Rule("fell_together", "fell_together", "000", "In rising volatility both stocks and bonds can fall",
         "share of days SPY and IEF both fell, MOVE up over the prior 20 days minus the other days",
         "fell_together.both_fell_rising_move_minus_other", "points", ">=", 2.0, scale=100),
    Rule("preview_2025", "fell_together", "000", "A preview of this in late 2025",
         "share of days both fell, Sep-Dec 2025, minus the whole history's",
         "fell_together.late2025_minus_all",
         "points", ">", 0.0, scale=100),
    Rule("accelerating", "fell_together", "000", "The trend is accelerating",
         "share of days both fell, Jan 2 to Feb 4 2026, minus Sep-Dec 2025's",
         "fell_together.ytd2026_minus_late2025", "points", ">", 0.0, scale=100),
    # --- seeds/004, the week of the tariff sell-off (from the April 4, 2025 close, 5 trading days) ---
    Rule("rate_cuts", "rate_cuts", "004", "Sell-off with more rate cuts priced: the 2-year falls",
         "DGS2 change over the week from Apr 4, 2025", "rate_cuts.UST2Y_change_bp", "bp", "<=", -MOVE_BP),
    Rule("tp_week", "tp_week", "004", "The sell-off driven by the term premium",
         "ACM term premium's change as a share of the 10-year's, same week", "tp_week.TP_share_of_10y_change",
         "% of the 10-year's move", ">", 50.0, scale=100),
    Rule("dollar", "dollar", "004", "A weakening USD", "DTWEXBGS change over the same week",
         "dollar.DTWEXBGS_change_pct", "%", "<", 0.0, scale=100),
    Rule("inflation", "dollar", "004", "Persistent inflation worries", "T10YIE change over the same week",
         "dollar.T10YIE_change_bp", "bp", ">=", MOVE_BP),
    Rule("swap_positive", "swap", "004", "The swap spread is normally positive",
         "ISDAFIX SWAP10Y minus DGS10: share of days negative since 2015",
         "swap.swap_spread_share_negative_since_2015", "% of days", "<", 50.0, scale=100),
    Rule("repo_tight", "repo", "004", "Treasury repo rates tight (watch alongside)",
         "SOFR minus IORB, highest over the same week", "repo.SOFR_minus_IORB_max_bp", "bp", ">", 0.0),
    Rule("watch_rest", "watch", "004", "SOFR-OIS, cross-currency basis, MBS spreads, Fed funds futures",
         "", "", "", why_not="none is a free series (bring them with data=csv)"),
)  # fmt: skip
BY_KEY: dict[str, Rule] = {r.key: r for r in RULES}


def for_row(row: str) -> list[Rule]:
    """The rules of one README detail row."""
    return [r for r in RULES if r.row == row]


def row_verdict(row: str, claims: Mapping[str, Any]) -> str:
    """The detail row's verdict cell: each of its rules' claim and verdict."""
    return "; ".join(f"{r.claim}: {verdict(r, claims)}" for r in for_row(row))


def _cell(text: str) -> str:
    return text.replace("|", "/")


def rules_table() -> str:
    """The README's rules table (Markdown), from `RULES` alone: no number in it."""
    lines = [
        "| claim (note) | measured as | unit | supported when |",
        "|---|---|---|---|",
    ]
    for r in RULES:
        lines.append(
            f"| {_cell(r.claim)} ({r.note}) | {_cell(r.measure) or '-'} | {r.unit or '-'} | "
            f"{_cell(r.condition())} |"
        )
    return "\n".join(lines)


def tally(claims: Mapping[str, Any]) -> str:
    """How many claims each verdict got, as a sentence."""
    said = [verdict(r, claims) for r in RULES]
    counts = ", ".join(f"{said.count(v)} {v}" for v in (SUPPORTED, CONTRADICTED, NOT_TESTABLE))
    return f"{len(RULES)} claims: {counts}."


def scorecard(claims: Mapping[str, Any]) -> str:
    """The README's scorecard (Markdown): claim, verdict, one number."""
    lines = ["| claim (note) | verdict | the number |", "|---|---|---|"]
    for r in RULES:
        lines.append(f"| {_cell(r.claim)} ({r.note}) | **{verdict(r, claims)}** | {number(r, claims)} |")
    return "\n".join(lines)
