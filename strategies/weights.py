"""Weight sets over sleeves: validation and broadcasting to daily target frames."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from common import checks
from common.errors import ConfigError, did_you_mean

SLEEVES: tuple[str, ...] = ("equity", "bonds", "cash", "gold")
TOLERANCE = 1e-9


def check_sleeve(sleeve: str, key: str) -> None:
    """Raise a ConfigError naming `key` unless `sleeve` is one of `SLEEVES` (with a suggestion)."""
    if sleeve not in SLEEVES:
        raise ConfigError(
            f"unknown sleeve `{sleeve}`.{did_you_mean(str(sleeve), SLEEVES)}",
            key=key,
            hint=f"sleeves are: {', '.join(SLEEVES)}.",
        )


def check_weights(weights: Mapping[str, float], key: str) -> dict[str, float]:
    """Validate a long-only weight set over known sleeves summing to 1.

    Args:
        weights: Sleeve -> weight.
        key: Config key for error messages, e.g. ``strategy.allocation.risk_off_weights``.

    Returns:
        The weights as a plain dict of floats.

    Raises:
        ConfigError: Unknown sleeve, negative weight, or a sum different from 1.
    """
    checks.mapping(key, weights)
    out: dict[str, float] = {}
    for sleeve, w in dict(weights).items():
        check_sleeve(sleeve, f"{key}.{sleeve}")
        out[sleeve] = checks.number(f"{key}.{sleeve}", w, lo=0, fix="a weight ≥ 0, e.g. 0.6.")
    total = sum(out.values())
    if abs(total - 1.0) > TOLERANCE:
        raise ConfigError(
            f"weights sum to {total:.6g}, not 1 (off by {total - 1:+.6g}).",
            key=key,
            hint="make the sleeve weights add up to exactly 1, e.g. {equity: 0.6, bonds: 0.4}.",
        )
    return out


def constant(weights: Mapping[str, float], index: pd.Index, sleeves: list[str]) -> pd.DataFrame:
    """A frame holding `weights` on every row, one column per sleeve (missing sleeves at 0)."""
    return pd.DataFrame({s: float(weights.get(s, 0.0)) for s in sleeves}, index=index)
