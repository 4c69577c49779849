"""Several signals read together: any, all, k of n, or a weighted score."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from common.errors import ConfigError
from signals.base import SIGNAL_KEY, SignalOutput, Thresholds, Units, finite, one_of, positive_count, signal

RULES = ("any", "all", "k_of_n", "weighted")
#: The score's units: the weighted share of children on, in percent.
SHARE = Units("signals on", "%", 0, scale=100)
Children = Sequence[functools.partial] | Mapping[str, functools.partial]


def _named(signals: Children) -> list[tuple[str, str, functools.partial]]:
    """(name, config key suffix, partial) per child: mapping keys, or list positions."""
    if isinstance(signals, Mapping):
        return [(str(k), str(k), v) for k, v in signals.items()]
    names: list[tuple[str, str, functools.partial]] = []
    for i, child in enumerate(signals):
        base = getattr(getattr(child, "func", None), "__name__", f"signal{i}")
        name = base if all(n != base for n, _, _ in names) else f"{base}_{i}"
        names.append((name, str(i), child))
    return names


def _requires(*, signals: Children, **_: object) -> tuple[str, ...]:
    return tuple(c for _, _, child in _named(signals) for c in child.func.columns(**child.keywords))


def _check_children(signals: Any) -> None:
    key = f"{SIGNAL_KEY}.signals"
    if not isinstance(signals, Sequence | Mapping) or isinstance(signals, str) or not signals:
        raise ConfigError(
            "needs a non-empty list of signals.",
            key=key,
            hint="each item a signal node: {_target_: signals.move_vix_wedge.move_vix_wedge, _partial_: true}.",
        )
    for _, suffix, child in _named(signals):
        validate = getattr(getattr(child, "func", None), "validate", None)
        if not isinstance(child, functools.partial) or validate is None:
            raise ConfigError(
                f"is not a signal: {child!r}.",
                key=f"{key}.{suffix}",
                hint="give `_target_` a function decorated with @signal, and `_partial_: true`.",
            )
        try:
            validate(**child.keywords)
        except ConfigError as err:  # name the child's key inside the composite
            inner = (err.key or SIGNAL_KEY).removeprefix(SIGNAL_KEY)
            raise type(err)(err.message, key=f"{key}.{suffix}{inner}", hint=err.hint) from None


def _weights(signals: Children, weights: Any) -> list[float]:
    names = _named(signals)
    if weights is None:
        return [1.0] * len(names)
    if isinstance(weights, Mapping):
        return [float(weights.get(n, weights.get(s, 0.0))) for n, s, _ in names]
    return [float(w) for w in weights]


def _check(*, signals: Any, rule: str, k: int | None, weights: Any, threshold: float) -> None:
    _check_children(signals)
    one_of("rule", rule, RULES)
    n = len(signals)
    if rule == "k_of_n":
        positive_count("k", k)
        if k > n:
            raise ConfigError(
                f"k ({k}) is larger than the number of signals ({n}).",
                key=f"{SIGNAL_KEY}.k",
                hint=f"set k between 1 and {n}.",
            )
    if rule == "weighted":
        if weights is not None and not isinstance(weights, Mapping) and len(weights) != n:
            raise ConfigError(
                f"{len(weights)} weights for {n} signals.",
                key=f"{SIGNAL_KEY}.weights",
                hint="one weight per signal, in the order of `signals` (or a mapping name -> weight).",
            )
        if weights is not None:
            for name, x in weights.items() if isinstance(weights, Mapping) else enumerate(weights):
                finite(f"weights.{name}", x, lo=0, fix="a weight ≥ 0.")
        w = _weights(signals, weights)
        if sum(w) <= 0:
            raise ConfigError(f"weights must have a positive sum, got {w}.", key=f"{SIGNAL_KEY}.weights")
        finite(
            "threshold",
            threshold,
            lo=0,
            lo_open=True,
            hi=1,
            fix="the share of total weight that turns risk-off on, e.g. 0.5.",
        )


def _share_needed(rule: str, k: int | None, w: pd.Series, threshold: float) -> float | None:
    """The weighted share of children on at which the rule fires, or None if no share describes it.

    >>> _share_needed("k_of_n", 2, pd.Series([1.0, 1.0, 1.0, 1.0]), 0.5)
    0.5
    """
    if rule == "weighted":
        return threshold
    if w.nunique() != 1:  # a count rule on unequal weights is not a threshold on the weighted share
        return None
    return {"any": 1, "all": len(w), "k_of_n": k}[rule] / len(w)


def _combine(states: pd.DataFrame, rule: str, k: int | None, w: pd.Series, threshold: float) -> pd.Series:
    """The rule applied to boolean columns (used on the children's states and on their coverage)."""
    if rule == "weighted":
        return states.astype(float).mul(w, axis=1).sum(axis=1) / w.sum() >= threshold - 1e-12
    need = {"any": 1, "all": states.shape[1], "k_of_n": k}[rule]
    return states.sum(axis=1) >= need


@signal(requires=_requires, check=_check, own_coverage=True)
def composite(
    frame: pd.DataFrame,
    *,
    signals: Children,
    rule: str = "any",
    k: int | None = None,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    threshold: float = 0.5,
) -> SignalOutput:
    """“The equity bull is blind. It ignores the tremors in the basement.” (seed 000): the notes read their signals together.

    Each child signal runs as it would alone (neutral where its inputs have no data); then
    ``any``: at least one on; ``all``: every one on; ``k_of_n``: at least `k` on; ``weighted``: the
    weighted share of children on (weights normalised to sum to 1) is at least `threshold`. The
    composite is covered on the days its rule could fire with the children that are covered.

    Requires: the union of the children's columns.

    Args:
        frame: Market frame.
        signals: Child signals (partials of @signal functions), as a list or a mapping name -> signal.
        rule: ``any``, ``all``, ``k_of_n`` or ``weighted``.
        k: Children that must be on (k_of_n rule).
        weights: One weight per child, in order (or a mapping name -> weight); default equal.
        threshold: Weighted share that turns risk-off on (weighted rule), in (0, 1].

    Returns:
        Risk-off state; score: the weighted share of children on (equal weights unless `weights`).
    """
    named = _named(signals)
    outs = {name: child(frame) for name, _, child in named}
    w = pd.Series(_weights(signals, weights), index=list(outs))
    states = pd.DataFrame({n: o.risk_off for n, o in outs.items()})
    covered = pd.DataFrame({n: o.covered for n, o in outs.items()})
    score = states.astype(float).mul(w, axis=1).sum(axis=1) / w.sum()
    notes = tuple(note for o in outs.values() for note in o.notes)
    need = _share_needed(rule, k, w, threshold)
    return SignalOutput(
        risk_off=_combine(states, rule, k, w, threshold),
        score=score.rename("share_on"),
        covered=_combine(covered, rule, k, w, threshold),
        notes=notes,
        thresholds=None if need is None else Thresholds(need, need, units=SHARE),
        conditions=states.rename(columns=lambda n: f"{n} on"),  # the rule's parts: each child's state
    )
