"""Event study of a regime signal: when did it fire, and what did stocks do next?

Plain pandas. For every onset of the signal (a day t on which it is on and was off the day before), the
equity sleeve's forward return and forward maximum drawdown over 5, 20 and 60 trading days, measured from
the close of day t (the close on which the signal is known), against the same statistics on all days.

Definitions (P is the equity sleeve's price, h a horizon in trading days):

- forward return: ``P[t+h] / P[t] - 1``.
- forward max drawdown: ``min over s in (t, t+h] of P[s] / max(P[t..s]) - 1`` (the running peak includes
  ``P[t]``), so a fall straight from the onset's close counts; 0 if prices only rose.
- a statistic at horizon h is only taken on days t with ``t+h`` inside the window (onsets too close to
  the end are listed but not averaged); ``n_onsets`` says how many were.
- hit rate: share of onsets followed by a negative forward return. ``p_correction``: share followed by a
  forward max drawdown of `correction` (default 5%) or worse. The ``uncond_`` columns are the same
  statistics over all days of the window: the base rates a signal must beat.
- an episode runs from an onset to the last consecutive day the signal is on; its ``days`` count trading
  days, and ``ongoing`` marks an episode still on at the end of the window.

Onsets overlap at long horizons when episodes are close together, so the statistics are not independent
draws: read them with ``n_onsets`` in mind.

p-values: each headline statistic is set against its distribution over `N_DRAWS` random placements of
the same episodes (a permutation of the episode start dates preserving their lengths: the episodes,
in a random order, are put at uniformly random non-overlapping, non-adjacent positions in the window;
seeded with `SEED`), so the null keeps the number of onsets, the time in risk-off and the overlap of
forward windows, and only the timing is random. One-sided, in the direction the signal claims (a
risk-off signal says worse follows): ``pval_ret`` = share of draws whose mean forward return is at or
below the onsets', ``pval_maxdd`` the same for the mean forward max drawdown, ``pval_hit_rate`` and
``pval_correction`` the share at or above; each is ``(1 + count) / (1 + draws)``, never 0.

Run on its own with ``python -m analysis`` (see `analysis.__main__`). The charts are drawn by
`report.event_charts`.
"""

from __future__ import annotations

import json
import math
import runpy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HORIZONS: tuple[int, ...] = (5, 20, 60)
#: Horizons of `level_changes`, trading days: the days after an event a "spill-over" should show in.
SPILL_HORIZONS: tuple[int, ...] = (1, 2, 3, 4, 5)
CORRECTION = 0.05
N_DRAWS = 1000
SEED = 0
#: p-value column -> (the statistic it tests, True when "worse" is lower)
PVALUES: dict[str, tuple[str, bool]] = {
    "pval_ret": ("fwd_ret_mean", True),
    "pval_maxdd": ("fwd_maxdd_mean", True),
    "pval_hit_rate": ("hit_rate", False),
    "pval_correction": ("p_correction", False),
}


@dataclass(frozen=True)
class EventStudy:
    """What followed a signal's onsets, against all days.

    Attributes:
        table: One row per horizon (index ``horizon``, trading days): ``n_onsets`` (onsets with a full
            horizon), ``fwd_ret_mean``, ``fwd_ret_median``, ``uncond_ret_mean``, ``uncond_ret_median``,
            ``fwd_maxdd_mean``, ``uncond_maxdd_mean``, ``hit_rate``, ``uncond_hit_rate``,
            ``p_correction``, ``uncond_p_correction``, and the p-values of `PVALUES` (``pval_ret``,
            ``pval_maxdd``, ``pval_hit_rate``, ``pval_correction``).
        episodes: One row per episode: ``start``, ``end``, ``days``, ``ongoing``, ``ret_during`` (equity
            return from the onset's close to the episode's last close), and ``fwd_ret_<h>d`` and
            ``fwd_maxdd_<h>d`` from the onset.
        forward: Per day of the window: ``fwd_ret_<h>d`` and ``fwd_maxdd_<h>d`` (NaN where the horizon
            runs past the window), and ``onset`` (bool).
        price: The equity sleeve's price on the window.
        state: The risk-off state on the window.
        summary: ``n_episodes``, ``avg_episode_days``, ``time_in_risk_off``, ``n_days``, ``first``,
            ``last``, ``correction``, ``n_draws``, ``seed``.
    """

    table: pd.DataFrame
    episodes: pd.DataFrame
    forward: pd.DataFrame
    price: pd.Series
    state: pd.Series
    summary: dict = field(default_factory=dict)


def onsets(state: pd.Series) -> pd.Series:
    """True on the days the state turns on (on today, off the previous row; NaN counts as off).

    >>> onsets(pd.Series([True, True, False, True, None, True])).tolist()
    [True, False, False, True, False, True]
    """
    on = state.astype("boolean").fillna(False).astype(bool)
    return on & ~on.shift(1, fill_value=False)


def forward_return(price: pd.Series, h: int) -> pd.Series:
    """``P[t+h] / P[t] - 1``; NaN where t+h is past the end.

    >>> forward_return(pd.Series([100.0, 110.0, 99.0]), 1).round(4).tolist()
    [0.1, -0.1, nan]
    """
    return price.shift(-h) / price - 1.0


def forward_max_drawdown(price: pd.Series, h: int) -> pd.Series:
    """Worst drawdown over (t, t+h] from the running peak, which includes ``P[t]``; NaN past the end.

    >>> forward_max_drawdown(pd.Series([100.0, 120.0, 90.0, 95.0]), 2).round(4).tolist()
    [-0.25, -0.25, nan, nan]
    """
    peak = price.copy()
    worst = pd.Series(0.0, index=price.index)
    for k in range(1, h + 1):
        ahead = price.shift(-k)
        peak = np.fmax(peak, ahead)
        worst = np.fmin(worst, ahead / peak - 1.0)
    return worst.where(price.shift(-h).notna() & price.notna())


def episodes(state: pd.Series, starts: pd.Series) -> pd.DataFrame:
    """Episodes of `state` that begin on a True of `starts`: first day, last day, length, still on.

    Args:
        state: Risk-off state on the window.
        starts: Onsets on the window (an episode already on at the window's first day is not one).

    Returns:
        Columns ``start``, ``end``, ``days``, ``ongoing``.
    """
    on = state.astype("boolean").fillna(False).to_numpy(dtype=bool)
    idx = state.index
    rows = []
    for i in np.flatnonzero(starts.to_numpy(dtype=bool)):
        j = i
        while j + 1 < len(on) and on[j + 1]:
            j += 1
        rows.append((idx[i], idx[j], j - i + 1, j == len(on) - 1))
    out = pd.DataFrame(rows, columns=["start", "end", "days", "ongoing"])
    return out.astype({"start": "datetime64[ns]", "end": "datetime64[ns]", "days": int, "ongoing": bool})


def study(
    state: pd.Series,
    price: pd.Series,
    *,
    horizons: Sequence[int] = HORIZONS,
    correction: float = CORRECTION,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> EventStudy:
    """Forward equity returns and drawdowns after each onset of `state`, against all days.

    Args:
        state: The signal's risk-off state, on the whole frame or the window (onsets are found on this
            series, so an episode that began before the window is not counted as starting inside it).
        price: The equity sleeve's price on the evaluation window (no NaN).
        horizons: Forward horizons in trading days.
        correction: Drawdown size (positive fraction) that counts as a correction.
        n_draws: Random placements of the episodes behind the p-values (0: no p-values).
        seed: Seed of those placements.

    Returns:
        The `EventStudy`.
    """
    idx = price.index
    start, on, eps, draws = placements(state, idx, n_draws, seed)
    fwd = {}
    for h in horizons:
        fwd[f"fwd_ret_{h}d"] = forward_return(price, h)
        fwd[f"fwd_maxdd_{h}d"] = forward_max_drawdown(price, h)
    forward = pd.DataFrame(fwd, index=idx)
    forward["onset"] = start
    rows = {}
    for h in horizons:
        r, dd = forward[f"fwd_ret_{h}d"], forward[f"fwd_maxdd_{h}d"]
        cr, cdd = r[start].dropna(), dd[start].dropna()
        ar, add = r.dropna(), dd.dropna()
        rows[h] = {
            "n_onsets": len(cr),
            "fwd_ret_mean": _mean(cr),
            "fwd_ret_median": float(cr.median()) if len(cr) else math.nan,
            "uncond_ret_mean": _mean(ar),
            "uncond_ret_median": float(ar.median()) if len(ar) else math.nan,
            "fwd_maxdd_mean": _mean(cdd),
            "uncond_maxdd_mean": _mean(add),
            "hit_rate": _mean(cr < 0) if len(cr) else math.nan,
            "uncond_hit_rate": _mean(ar < 0) if len(ar) else math.nan,
            "p_correction": _mean(cdd <= -correction) if len(cdd) else math.nan,
            "uncond_p_correction": _mean(add <= -correction) if len(add) else math.nan,
        }
    for h in horizons:
        null = onset_stats(forward[f"fwd_ret_{h}d"], forward[f"fwd_maxdd_{h}d"], draws, correction)
        rows[h] |= {col: p_value(rows[h][stat], null[stat], lower) for col, (stat, lower) in PVALUES.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "horizon"
    eps["ret_during"] = price.loc[eps["end"]].to_numpy() / price.loc[eps["start"]].to_numpy() - 1.0
    at = forward.loc[eps["start"], [c for c in forward.columns if c != "onset"]]
    eps = pd.concat([eps, at.reset_index(drop=True)], axis=1)
    summary = {
        "n_episodes": len(eps),
        "avg_episode_days": float(eps["days"].mean()) if len(eps) else math.nan,
        "time_in_risk_off": float(on.mean()) if len(on) else math.nan,
        "n_days": len(idx),
        "first": str(idx[0].date()) if len(idx) else None,
        "last": str(idx[-1].date()) if len(idx) else None,
        "correction": correction,
        "n_draws": n_draws,
        "seed": seed,
    }
    return EventStudy(table, eps, forward, price, on, summary)


def placements(
    state: pd.Series, idx: pd.DatetimeIndex, n_draws: int, seed: int
) -> tuple[pd.Series, pd.Series, pd.DataFrame, np.ndarray]:
    """The onsets, the state and the episodes of `state` on `idx`, and `n_draws` random placements of them.

    Returns:
        ``(start, on, episodes, draws)``: onsets and state as bool series on `idx`, the `episodes`
        frame, and the start positions of `random_starts` (seeded with `seed`).
    """
    start = onsets(state).reindex(idx, fill_value=False)
    on = state.astype("boolean").fillna(False).astype(bool).reindex(idx, fill_value=False)
    eps = episodes(on, start)
    carried = 0 if start.iloc[:1].any() else int(np.argmin(np.append(on.to_numpy(dtype=bool), False)))
    draws = random_starts(len(idx), carried, eps["days"].to_numpy(), n_draws, np.random.default_rng(seed))
    return start, on, eps, draws


def level_changes(
    state: pd.Series,
    levels: pd.DataFrame,
    *,
    horizons: Sequence[int] = SPILL_HORIZONS,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """How levels (e.g. VIX and MOVE, in points) moved over the days after each onset, against all days.

    The "spill-over" a signal may predict: for each column and horizon h, the change ``L[t+h] - L[t]``
    from each onset's close, its mean and median, the share of onsets after which it rose, the mean
    over all days of the window, and ``pval_rise``: the share of the random placements of the same
    episodes (`random_starts`, as for `study`'s p-values) whose mean change is at least as large
    (one-sided: a risk-off signal says volatility rises).

    Args:
        state: The signal's risk-off state (onsets are found on it, as in `study`).
        levels: The levels on the evaluation window, one column each.
        horizons: Forward horizons in trading days.
        n_draws: Random placements behind the p-values (0: none).
        seed: Their seed.

    Returns:
        One row per (``column``, ``horizon``): ``n_onsets``, ``change_mean``, ``change_median``,
        ``share_up``, ``uncond_change_mean``, ``pval_rise``.
    """
    start, _, _, draws = placements(state, levels.index, n_draws, seed)
    rows = []
    for col in levels.columns:
        for h in horizons:
            chg = levels[col].shift(-h) - levels[col]
            at = chg[start].dropna()
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a draw of onsets all past the end
                null = np.nanmean(chg.to_numpy(dtype=float)[draws], axis=1) if draws.size else np.array([])
            rows.append(
                {
                    "column": col,
                    "horizon": h,
                    "n_onsets": len(at),
                    "change_mean": _mean(at),
                    "change_median": float(at.median()) if len(at) else math.nan,
                    "share_up": _mean(at > 0) if len(at) else math.nan,
                    "uncond_change_mean": _mean(chg.dropna()),
                    "pval_rise": p_value(_mean(at), null, lower=False),
                }
            )
    return pd.DataFrame(rows).set_index(["column", "horizon"])


def random_starts(
    n_days: int, carried: int, lengths: np.ndarray, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Start positions of the episodes placed at random: `n_draws` rows, one column per episode.

    The episodes (of the given `lengths`, shuffled) go at uniformly random positions of the window that
    keep them apart by at least one off day, after any episode already on at the window's first day
    (it is no onset and stays where it is): a uniform draw of the off days between them (stars and
    bars), so every arrangement is as likely.

    Args:
        n_days: Days in the window.
        carried: Length of an episode already on at the window's first day (0 if none).
        lengths: The episodes' lengths in days.
        n_draws: Number of placements.
        rng: Random generator.

    Returns:
        Integer positions, shape ``(n_draws, len(lengths))`` (no columns without episodes).
    """
    n, total = len(lengths), int(np.sum(lengths))
    first = carried + 1 if carried else 0
    free = n_days - first - total - max(n - 1, 0)
    if n == 0 or n_draws == 0 or free < 0:
        return np.zeros((n_draws if n else 0, 0), dtype=int)
    out = np.empty((n_draws, n), dtype=int)
    for d in range(n_draws):
        bars = np.sort(rng.choice(free + n, size=n, replace=False))
        lens = rng.permutation(lengths)
        out[d] = first + bars + np.concatenate(([0], np.cumsum(lens)[:-1]))
    return out


def onset_stats(fwd_ret: pd.Series, fwd_maxdd: pd.Series, starts: np.ndarray, correction: float) -> dict:
    """The headline statistics of each row of onset positions (NaN forward values left out, as observed)."""
    r = fwd_ret.to_numpy(dtype=float)[starts]
    dd = fwd_maxdd.to_numpy(dtype=float)[starts]
    valid = ~np.isnan(r)
    n = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "fwd_ret_mean": np.where(valid, r, 0.0).sum(axis=1) / n,
            "fwd_maxdd_mean": np.where(valid, dd, 0.0).sum(axis=1) / n,
            "hit_rate": (valid & (r < 0)).sum(axis=1) / n,
            "p_correction": (valid & (dd <= -correction)).sum(axis=1) / n,
        }


def p_value(observed: float, null: np.ndarray, lower: bool) -> float:
    """One-sided ``(1 + #draws at least as extreme) / (1 + #draws)``; NaN without draws or observation.

    >>> p_value(-0.05, np.array([0.01, -0.02, 0.03, -0.06]), lower=True)
    0.4
    """
    null = null[np.isfinite(null)]
    if not len(null) or not np.isfinite(observed):
        return math.nan
    extreme = null <= observed + 1e-12 if lower else null >= observed - 1e-12
    return float((1 + extreme.sum()) / (1 + len(null)))


def _mean(x: pd.Series) -> float:
    return float(x.astype(float).mean()) if len(x) else math.nan


def metrics(ev: EventStudy) -> dict[str, float]:
    """Headline numbers for tracking, as ``event.<name>`` (e.g. ``event.fwd_ret_20d_mean``)."""
    out = {
        "event.n_episodes": float(ev.summary["n_episodes"]),
        "event.avg_episode_days": ev.summary["avg_episode_days"],
    }
    for h, row in ev.table.iterrows():
        out |= {
            f"event.n_onsets_{h}d": float(row["n_onsets"]),
            f"event.fwd_ret_{h}d_mean": row["fwd_ret_mean"],
            f"event.uncond_ret_{h}d_mean": row["uncond_ret_mean"],
            f"event.fwd_maxdd_{h}d_mean": row["fwd_maxdd_mean"],
            f"event.uncond_maxdd_{h}d_mean": row["uncond_maxdd_mean"],
            f"event.hit_rate_{h}d": row["hit_rate"],
            f"event.uncond_hit_rate_{h}d": row["uncond_hit_rate"],
            f"event.p_correction_{h}d": row["p_correction"],
            f"event.uncond_p_correction_{h}d": row["uncond_p_correction"],
        }
        out |= {f"event.{col}_{h}d": row[col] for col in PVALUES if col in row}
    return {k: float(v) for k, v in out.items()}


def _clean(x: object) -> object:
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, np.integer | np.floating):
        return _clean(x.item())
    return x


def to_json(ev: EventStudy) -> dict:
    """The study as a JSON-ready dict: summary, definitions, the table by horizon, the episodes."""
    eps = ev.episodes.copy()
    for col in ("start", "end"):
        if col in eps:
            eps[col] = eps[col].dt.strftime("%Y-%m-%d")
    return {
        "summary": {k: _clean(v) for k, v in ev.summary.items()},
        "definitions": {
            "onset": "a day the signal is on after being off the previous day; decision at its close",
            "fwd_ret": "P[t+h] / P[t] - 1 on the equity sleeve",
            "fwd_maxdd": "min over (t, t+h] of P / running max(P[t..]) - 1",
            "hit_rate": "share of onsets with a negative forward return",
            "p_correction": f"share of onsets with a forward max drawdown of "
            f"-{ev.summary['correction']:.0%} or worse",
            "uncond_": "the same statistic over all days of the window",
            "pval_": f"one-sided p-value of the statistic against {ev.summary.get('n_draws')} random "
            f"placements of the same episodes (lengths kept, seed {ev.summary.get('seed')}): share of "
            "draws at least as bad for stocks, (1 + count) / (1 + draws)",
        },
        "by_horizon": {
            str(h): {k: _clean(v) for k, v in row.items()} for h, row in ev.table.to_dict("index").items()
        },
        "episodes": [{k: _clean(v) for k, v in r.items()} for r in eps.to_dict("records")],
    }


def headline_json(ev: EventStudy) -> dict:
    """The study's summary and statistics by horizon, p-values included (no episodes): for stats.json."""
    full = to_json(ev)
    return {"summary": full["summary"], "by_horizon": full["by_horizon"]}


def episodes_line(summary: dict) -> str:
    """How many episodes, their average length and the time in risk-off; "0 episodes" said plainly.

    >>> episodes_line({"n_episodes": 0, "avg_episode_days": float("nan"), "time_in_risk_off": 0.0})
    '0 episodes: the signal never turned on in the window'
    >>> episodes_line({"n_episodes": 1, "avg_episode_days": 12.0, "time_in_risk_off": 0.004})
    '1 episode, average 12.0 days, risk-off 0.4% of days'
    """
    n = int(summary["n_episodes"])
    if n == 0:
        return "0 episodes: the signal never turned on in the window"
    return (
        f"{n} episode{'' if n == 1 else 's'}, average {summary['avg_episode_days']:.1f} days, risk-off "
        f"{summary['time_in_risk_off'] * 100:.1f}% of days"
    )


def headline(ev: EventStudy) -> str:
    """One line for a run's terminal summary: the longest horizon's return and correction share, with p."""
    h = max(ev.table.index)
    row, s = ev.table.loc[h], ev.summary
    if not int(s["n_episodes"]):
        return f"event study: {episodes_line(s)}"
    return (
        f"event study, {h}d after {int(row['n_onsets'])} onsets: fwd return {_pct(row['fwd_ret_mean'])} vs "
        f"{_pct(row['uncond_ret_mean'])} all days (p={_p(row.get('pval_ret', math.nan))}); "
        f"P(maxDD≤-{s['correction']:.0%}) {_share(row['p_correction'])} vs "
        f"{_share(row['uncond_p_correction'])} "
        f"(p={_p(row.get('pval_correction', math.nan))}); {s['n_draws']} random placements"
    )


def write_tables(ev: EventStudy, folder: Path) -> list[Path]:
    """Write ``event_study.csv``/``.json`` and ``episodes.csv`` into `folder` (no charts)."""
    folder.mkdir(parents=True, exist_ok=True)
    ev.table.to_csv(folder / "event_study.csv", float_format="%.10g")
    (folder / "event_study.json").write_text(json.dumps(to_json(ev), indent=2))
    ev.episodes.to_csv(folder / "episodes.csv", index=False, float_format="%.10g", date_format="%Y-%m-%d")
    return [folder / "event_study.csv", folder / "event_study.json", folder / "episodes.csv"]


def _pct(x: float) -> str:
    return "-" if x != x else f"{x * 100:+.2f}%"


def _share(x: float) -> str:
    return "-" if x != x else f"{x * 100:.0f}%"


def _p(x: float) -> str:
    return "-" if x != x else f"{x:.3f}"


def render(ev: EventStudy, name: str) -> str:
    """The study as text: the table by horizon (onsets vs all days), then the episodes."""
    s, t = ev.summary, ev.table
    corr = f"P(maxDD≤-{s['correction']:.0%})"
    cols = {
        ("", "onsets"): t["n_onsets"].astype(int),
        ("fwd return", "onset"): t["fwd_ret_mean"].map(_pct),
        ("fwd return", "all days"): t["uncond_ret_mean"].map(_pct),
        ("fwd max DD", "onset"): t["fwd_maxdd_mean"].map(_pct),
        ("fwd max DD", "all days"): t["uncond_maxdd_mean"].map(_pct),
        ("hit rate", "onset"): t["hit_rate"].map(_share),
        ("hit rate", "all days"): t["uncond_hit_rate"].map(_share),
        (corr, "onset"): t["p_correction"].map(_share),
        (corr, "all days"): t["uncond_p_correction"].map(_share),
    }
    table = pd.DataFrame(cols)
    table.index = [f"{h}d" for h in t.index]
    lines = [
        f"{name}: event study on the equity sleeve, {s['first']} to {s['last']} ({s['n_days']} days)",
        episodes_line(s),
        "",
        table.to_string(),
        "",
        "means over onsets vs over all days; hit rate = share with a negative forward return",
    ]
    if "pval_ret" in t and t["pval_ret"].notna().any():
        pv = pd.DataFrame(
            {
                "fwd return": t["pval_ret"],
                "fwd max DD": t["pval_maxdd"],
                "hit rate": t["pval_hit_rate"],
                corr: t["pval_correction"],
            }
        ).map(_p)
        pv.index = [f"{h}d" for h in t.index]
        lines += [
            "",
            f"p-values (one-sided: this bad for stocks by chance?) against {s['n_draws']} random "
            f"placements of the same episodes, seed {s['seed']}:",
            pv.to_string(),
        ]
    if len(ev.episodes):
        h = max(t.index)
        e = ev.episodes
        eps = pd.DataFrame(
            {
                "start": e["start"].dt.strftime("%Y-%m-%d"),
                "end": e["end"].dt.strftime("%Y-%m-%d") + e["ongoing"].map({True: "+", False: ""}),
                "days": e["days"],
                "during": e["ret_during"].map(_pct),
                f"fwd {h}d": e[f"fwd_ret_{h}d"].map(_pct),
                f"maxDD {h}d": e[f"fwd_maxdd_{h}d"].map(_pct),
            }
        )
        lines += ["", eps.to_string(index=False), "(+ = still on at the end of the window)"]
    return "\n".join(lines)


def render_levels(moves: pd.DataFrame) -> str:
    """`level_changes` as text: per column, the mean change after onsets against all days, by horizon."""
    t = moves.reset_index()
    table = pd.DataFrame(
        {
            "level": t["column"],
            "after": t["horizon"].map(lambda h: f"{h}d"),
            "onsets": t["n_onsets"].astype(int),
            "change (onset)": t["change_mean"].map(lambda x: f"{x:+.2f}"),
            "change (all days)": t["uncond_change_mean"].map(lambda x: f"{x:+.2f}"),
            "share up": t["share_up"].map(_share),
            "p(rise)": t["pval_rise"].map(_p),
        }
    )
    return "\n".join(
        [
            "",
            "the levels after each onset (points; p: one-sided, a rise this large by chance?, against "
            "the same random placements):",
            table.to_string(index=False),
        ]
    )


if __name__ == "__main__":  # `python -m analysis.event_study ...` is the command `python -m analysis ...`
    runpy.run_module("analysis", run_name="__main__")  # the command line lives in `analysis.__main__`
