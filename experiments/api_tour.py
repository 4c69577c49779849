# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A tour of the Python API
#
# The same backtests as `python run.py`, as objects a notebook can hold. Open this file as a notebook
# with `jupytext --to notebook experiments/api_tour.py`, or run it as a script from any folder:
# `python experiments/api_tour.py` (CI runs it, from a temporary folder). Figures are written to
# `$REGIME_TOUR_OUT` (default: the current folder).

# %%
import os
from pathlib import Path

from pipeline import api

out = Path(os.environ.get("REGIME_TOUR_OUT", "."))

# %% [markdown]
# ## One backtest: the MOVE/VIX wedge against 60/40
# `r.stats` is a DataFrame, metric × portfolio, with exactly the numbers of run.py's terminal table.

# %%
r = api.backtest("move_vix_wedge")
print(r.stats.loc[["cagr", "sharpe_excess_tbill", "max_drawdown"]].round(4))
print(
    f"Sharpe: strategy {r.stats.loc['sharpe_excess_tbill', 'strategy']:.2f}, "
    f"60/40 {r.stats.loc['sharpe_excess_tbill', 'sixty_forty']:.2f}"
)

# %% [markdown]
# Figures come back as matplotlib figures (`interactive=True` for plotly); nothing is written until you
# say so.

# %%
fig = r.plot("equity")
fig.savefig(out / "equity.png")
r.plot("signal").savefig(out / "signal.png")

# %% [markdown]
# ## Mix the parts of a strategy
# A strategy is a signal, an allocation rule, an optional overlay and a rebalance rule
# (`conf/signal`, `conf/allocation`, `conf/overlay`, `conf/rebalance`): swap any of them without a new
# preset, and override any key as on the command line. A mapping override replaces the mapping.

# %%
mixed = api.backtest(
    "move_vix_wedge",
    [
        "signal=term_premium",
        "allocation=graded",
        "rebalance=weekly",
        "strategy.allocation.risk_off_weights={equity: 0.3, bonds: 0.2, cash: 0.5}",
    ],
)
print(mixed.stats.loc[["cagr", "sharpe_excess_tbill", "turnover_per_year"], ["strategy", "sixty_forty"]])

# %% [markdown]
# ## The signal and its event study
# `api.signals` gives the signal on the whole history; `r.event_study` the forward returns after each
# onset against all days.

# %%
sig = api.signals("move_vix_wedge")
print(
    f"wedge on {sig['risk_off'].mean():.1%} of days; last state {bool(sig['risk_off'].iloc[-1])} "
    f"on {sig.index[-1].date()}"
)
print(
    r.event_study.table[
        ["n_onsets", "fwd_ret_mean", "uncond_ret_mean", "p_correction", "uncond_p_correction"]
    ].round(4)
)

# %% [markdown]
# ## Your own data
# Any DataFrame with the loaders' column contract (here, the bundled data cut at the end of 2015):

# %%
from market.bundled import load  # noqa: E402

cut = api.backtest("move_vix_wedge", data=load().loc[:"2015-12-31"])
print(f"to {cut.equity.index[-1].date()}: Sharpe {cut.stats.loc['sharpe_excess_tbill', 'strategy']:.2f}")
