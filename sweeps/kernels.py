"""Vectorized kernels: many parameter sets of a known signal or allocation rule computed as columns.

A grid calls each signal's own pure function once per distinct parameter set; that costs ~2 ms of
pandas overhead per call, most of a configuration's budget. For the rules registered here, the same
computation runs as numpy columns, sharing intermediate work (the MOVE/VIX z-score per lookback, the
trend test per window). Each kernel is built from the signal's own primitives, is checked against the
pure function on the first batch each evaluator gives it (`checked`), and tests hold it equal to the
pure function for whole grids. A signal or rule without a kernel takes the generic path: its pure
function per parameter set. Nothing here changes any number; it only changes how fast they are
computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from signals.base import SignalOutput
from signals.move_vix_wedge import move_vix_wedge
from signals.primitives import rising, rolling_zscore
from strategies.allocation import fixed, switch


class KernelOutput:
    """One parameter set's output of a kernel: numpy columns on the frame's index, read as a `SignalOutput`.

    The grid's evaluator reads the columns (`state`, `covered_values`) as they are; the series a
    `SignalOutput` holds (`risk_off`, `score`, `covered`) are built on first use only: three pandas
    Series per parameter set cost about as much as the kernel's own work for it. Equal to the
    signal's output in every field it has (`same_signal`; tests hold every parameter set to it).
    """

    notes: tuple[str, ...] = ()
    thresholds = None
    conditions = None
    coverage = SignalOutput.coverage

    def __init__(
        self,
        index: pd.Index,
        state: np.ndarray,
        score: np.ndarray,
        covered: np.ndarray,
        *,
        name: str,
        score_name: str,
    ) -> None:
        self.index, self.state, self.score_values, self.covered_values = index, state, score, covered
        self._names = (name, score_name)

    @cached_property
    def risk_off(self) -> pd.Series:
        """The state as `SignalOutput.risk_off`."""
        return pd.Series(self.state, index=self.index, name=self._names[0], copy=False)

    @cached_property
    def score(self) -> pd.Series:
        """The score as `SignalOutput.score`."""
        return pd.Series(self.score_values, index=self.index, name=self._names[1], copy=False)

    @cached_property
    def covered(self) -> pd.Series:
        """The coverage flags as `SignalOutput.covered`."""
        return pd.Series(self.covered_values, index=self.index, copy=False)


SignalKernel = Callable[
    [pd.DataFrame, Sequence[Mapping[str, Any]], dict | None], Sequence[SignalOutput | KernelOutput]
]


def latch_columns(enter: np.ndarray, exit: np.ndarray) -> np.ndarray:
    """`signals.primitives.latch` for each column of boolean arrays (days × columns).

    >>> enter = np.array([[0], [1], [0], [0], [0]], bool)
    >>> leave = np.array([[0], [0], [0], [1], [0]], bool)
    >>> latch_columns(enter, leave)[:, 0].tolist()
    [False, True, True, False, False]
    """
    n, c = enter.shape
    dtype = np.int32 if n * c < 2**31 else np.int64
    # each cell's last event so far, as a flat index into `enter` (row · c + column grows with the row)
    flat = np.arange(n, dtype=dtype)[:, None] * c + np.arange(c, dtype=dtype)
    last = np.where(exit | enter, flat, -1)
    np.maximum.accumulate(last, axis=0, out=last)
    on = np.ascontiguousarray(enter).ravel().take(last, mode="wrap")  # -1 (no event yet): masked below
    on &= last >= 0
    return on


def _memo(memo: dict, key: tuple, compute: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``memo[key]``, computed as ``compute(*args, **kwargs)`` the first time."""
    if key not in memo:
        memo[key] = compute(*args, **kwargs)
    return memo[key]


def _bools(x: pd.Series) -> np.ndarray:
    return x.to_numpy(dtype=bool)


def wedge_kernel(
    frame: pd.DataFrame, params: Sequence[Mapping[str, Any]], memo: dict | None = None
) -> list[KernelOutput]:
    """`move_vix_wedge` for many parameter sets (each a full set, defaults filled in).

    `memo` keeps the per-column pieces (the z-score per lookback, the trend per window, the VIX
    gate per ceiling) for later calls on the same `frame`; None: kept for this call only.
    """
    memo = {} if memo is None else memo
    move, vix = frame["MOVE"], frame["VIX"]
    cols = list(move_vix_wedge.columns())
    has_data = _memo(memo, ("has_data",), lambda: frame[cols].notna().all(axis=1).to_numpy())
    ratio = _memo(memo, ("ratio",), lambda: move / vix)
    lookbacks = {(p["lookback"], p["full_window"]) for p in params}
    zs = {w: _memo(memo, ("z", *w), rolling_zscore, ratio, w[0], full_window=w[1]) for w in lookbacks}
    windows = {p["trend_window"] for p in params}
    trend = {w: _memo(memo, ("up", w), lambda w: _bools(rising(move, w)), w) for w in windows}
    ceilings = {p["vix_ceiling"] for p in params}
    calm = {c: _memo(memo, ("calm", c), lambda c: _bools(vix < c), c) for c in ceilings}
    # built row by row and transposed (days × parameter sets, column-major): 4x faster than column_stack
    z = np.stack([zs[p["lookback"], p["full_window"]].to_numpy() for p in params]).T
    covered = has_data[:, None] & ~np.isnan(z)  # as `signals.base.signal`: the score decides
    up = np.stack([trend[p["trend_window"]] for p in params]).T
    low = np.stack([calm[p["vix_ceiling"]] for p in params]).T
    with np.errstate(invalid="ignore"):
        enter = (z >= np.array([p["z_entry"] for p in params])) & up & low
        exit = (z < np.array([p["z_exit"] for p in params])) | np.isnan(z)
    state = latch_columns(enter, exit) & covered
    index = frame.index  # columns of the arrays, no copies
    return [
        KernelOutput(index, state[:, j], z[:, j], covered[:, j], name="move_vix_wedge", score_name="wedge_z")
        for j in range(len(params))
    ]


#: Signal function (as decorated) -> kernel computing many parameter sets at once.
SIGNAL_KERNELS: dict[Callable[..., SignalOutput], SignalKernel] = {move_vix_wedge: wedge_kernel}


def same_signal(a: SignalOutput | KernelOutput, b: SignalOutput | KernelOutput) -> bool:
    """Whether two signal outputs agree exactly (state, coverage and score)."""
    if not (a.risk_off.equals(b.risk_off) and a.covered.equals(b.covered)):
        return False
    if (a.score is None) != (b.score is None):
        return False
    return a.score is None or np.array_equal(a.score.to_numpy(), b.score.to_numpy(), equal_nan=True)


def checked(
    fn: Callable[..., SignalOutput],
    frame: pd.DataFrame,
    params: Sequence[Mapping[str, Any]],
    *,
    memo: dict | None = None,
    verify: bool = True,
) -> Sequence[SignalOutput | KernelOutput] | None:
    """The kernel's outputs for `params`, or None to fall back to `fn` itself.

    None when `fn` has no kernel, or, with `verify`, when the kernel disagrees with `fn` on the
    first or the last parameter set (a signal changed since its kernel was written). `memo` is
    the kernel's memo for `frame` (see `wedge_kernel`).
    """
    kernel = SIGNAL_KERNELS.get(fn)
    if kernel is None or not params:
        return None
    outs = kernel(frame, params, memo)
    for j in {0, len(params) - 1} if verify else ():
        if not same_signal(outs[j], fn(frame, **params[j])):
            return None
    return outs


def weight_vector(weights: Mapping[str, float], sleeves: Sequence[str]) -> np.ndarray:
    """A weight set as a vector over `sleeves` (missing sleeves at 0), as `strategies.weights.constant`."""
    return np.array([float(weights.get(s, 0.0)) for s in sleeves])


def allocation_weights(
    rule: Callable[..., pd.DataFrame], params: Mapping[str, Any], sleeves: Sequence[str], *, has_signal: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """(risk-on, risk-off) weight vectors over `sleeves` of a row-wise rule; None if it has no kernel.

    For these rules the target on a day is the risk-off vector where the signal is on and the risk-on
    vector elsewhere: `switch` as `strategies.allocation.switch` computes it, `fixed` with both equal.
    """
    if rule is switch and has_signal:
        return weight_vector(params["risk_on_weights"], sleeves), weight_vector(
            params["risk_off_weights"], sleeves
        )
    if rule is fixed:
        w = weight_vector(params["weights"], sleeves)
        return w, w
    return None
