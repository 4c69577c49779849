"""The verdict: did the strategy beat what the strategist would otherwise hold, beyond luck?

One value type for every comparison the framework concludes on (a single run against a benchmark, a
grid or search with the search counted, a catalogue of families), and one function that turns it into
the sentence printed first in the terminal, on the reports, in the MLflow description and the monitor.

"Beats" is said only when the evidence allows it: a single comparison's interval excludes zero, or a
search's test (Hansen's SPA) rejects at the verdict's level. Otherwise the sentence says there is no
evidence, or that the strategy trails, and always carries the estimate, its interval and the p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["beats", "no_evidence", "trails"]

#: Display names of the benchmarks a verdict may be drawn against (a key not listed shows as itself).
BENCHMARK_LABELS: dict[str, str] = {
    "sixty_forty": "60/40",
    "vol_target": "the volatility target",
    "equity_buy_hold": "equity buy-and-hold",
}

#: HTML colour of each outcome (always shown beside the words, never alone).
OUTCOME_COLOURS: dict[str, str] = {"beats": "#1a7f37", "no_evidence": "#6e7781", "trails": "#cf222e"}


@dataclass(frozen=True)
class Verdict:
    """One comparison of a strategy (or a search's best) against a benchmark on the same days.

    Attributes:
        benchmark: The benchmark's key (``sixty_forty``, ``vol_target``, ...).
        measure: What ``estimate`` measures, e.g. ``"Sharpe"`` (a difference, strategy minus benchmark).
        estimate: The point estimate of strategy minus benchmark, in the measure's units.
        p_value: One-sided p-value of "the strategy does not beat the benchmark".
        ci: The two-sided ``1 - level`` interval of ``estimate`` (95% for a level of 0.05), or ``None``
            where the test gives no interval (a search's SPA test).
        level: 0.05: the interval is 95%; a search without an interval "beats" when p is below it.
        trials: Configurations searched (1 for a single run): a search's sentence counts them.
        test: How the p-value was obtained, for the record (for example "stationary block bootstrap,
            1,000 resamples, mean block 9 days, seed 0").
    """

    benchmark: str
    measure: str
    estimate: float
    p_value: float
    ci: tuple[float, float] | None = None
    level: float = 0.05
    trials: int = 1
    test: str = ""

    @property
    def label(self) -> str:
        """The benchmark's display name (``60/40``)."""
        return BENCHMARK_LABELS.get(self.benchmark, self.benchmark)

    @property
    def outcome(self) -> Outcome:
        """``beats`` only when the evidence allows it; ``trails`` when it points the other way."""
        if self.ci is not None:
            lo, hi = self.ci
            if lo > 0:
                return "beats"
            if hi < 0:
                return "trails"
            return "no_evidence"
        if self.p_value < self.level:
            return "beats"
        if self.p_value > 1 - self.level:
            return "trails"
        return "no_evidence"


def _signed(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.2f}"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def evidence(v: Verdict) -> str:
    """The numbers behind a verdict, e.g. ``Sharpe -0.02, 95% CI -0.11 to +0.07, p 0.62``."""
    parts = [f"{v.measure} {_signed(v.estimate)}"]
    if v.ci is not None:
        parts.append(f"{1 - v.level:.0%} CI {_signed(v.ci[0])} to {_signed(v.ci[1])}")
    parts.append(f"p {_p(v.p_value)}")
    if v.trials > 1:
        parts.append(f"{v.trials:,} configurations counted")
    return ", ".join(parts)


def sentence(v: Verdict) -> str:
    """The verdict in one sentence, the same words everywhere it is shown.

    >>> sentence(Verdict("sixty_forty", "Sharpe", -0.02, 0.62, ci=(-0.11, 0.07)))
    'no evidence it beats 60/40 (Sharpe -0.02, 95% CI -0.11 to +0.07, p 0.62)'
    >>> sentence(Verdict("sixty_forty", "Sharpe", 0.21, 0.004, ci=(0.08, 0.33)))
    'beats 60/40 (Sharpe +0.21, 95% CI +0.08 to +0.33, p 0.004)'
    """
    head = {
        "beats": f"beats {v.label}",
        "no_evidence": f"no evidence it beats {v.label}",
        "trails": f"trails {v.label}",
    }[v.outcome]
    return f"{head} ({evidence(v)})"
