"""A grid against 60/40, the search counted: SPA, StepM and the deflated active Sharpe re-derived."""

from __future__ import annotations

import json
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import SPA, StepM
from hydra import compose, initialize_config_dir

from analysis.verdict import Verdict, sentence
from core.data import load_market
from core.plan import make_plan
from core.simulation import benchmark_portfolios
from pipeline.run import run
from tests.conftest import CONF
from tests.sweeps.test_grid_run import small_cfg

YEAR = 252


@pytest.fixture(scope="module")
def grid(compose_cfg, tmp_path_factory):
    cfg = small_cfg(compose_cfg, "grid.bootstrap.samples=300", "grid.bootstrap.block=10")
    out = tmp_path_factory.mktemp("verdict")
    run(cfg, out, echo=False)
    results = out / "results"
    summary = json.loads((results / "summary.json").read_text())
    table = pd.read_parquet(results / "grid_results.parquet")
    returns = pd.read_parquet(out / "grid_data" / "grid_returns.parquet")
    bench = benchmark_portfolios(make_plan(cfg), load_market(cfg), pd.DatetimeIndex(returns.index))
    sixty = bench["sixty_forty"].returns
    return cfg, results, summary, table, returns, sixty.to_numpy()


@pytest.fixture(scope="module")
def compose_cfg():
    """`make_cfg` for a module-scoped fixture: the grid is run once for its tests."""

    def _make(*overrides: str):
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    return _make


def test_spa_and_stepm_in_the_summary_are_arch_s_on_the_grid_s_returns(grid):
    _, _, summary, table, returns, sixty = grid
    configs = returns.drop(columns="cash_return").to_numpy()
    spa = SPA(-sixty, -configs, block_size=10, reps=300, seed=0)  # losses: minus the returns
    spa.compute()
    assert summary["spa.sixty_forty.p_consistent"] == pytest.approx(spa.pvalues["consistent"], abs=1e-12)
    assert summary["spa.sixty_forty.p_upper"] == pytest.approx(spa.pvalues["upper"], abs=1e-12)
    stepm = StepM(-sixty, -configs, block_size=10, reps=300, seed=0)
    stepm.compute()
    ids = [int(table.index[j]) for j in stepm.superior_models]
    assert summary["stepm.sixty_forty.survivors"] == sorted(ids)
    assert summary["stepm.sixty_forty.n_survivors"] == len(ids)


def test_the_deflated_active_sharpe_by_hand(grid):
    _, _, summary, table, returns, sixty = grid
    configs = returns.drop(columns="cash_return").to_numpy()
    active = configs - sixty[:, None]
    srs = active.mean(0) / active.std(0, ddof=1)
    best = table.index.get_loc(int(summary["best_config"]))
    n, t = configs.shape[1], len(active)
    g = 0.5772156649015329
    z = NormalDist().inv_cdf
    sr0 = math.sqrt(srs.var(ddof=1)) * ((1 - g) * z(1 - 1 / n) + g * z(1 - 1 / (n * math.e)))
    x = active[:, best] - active[:, best].mean()
    skew = (x**3).mean() / (x**2).mean() ** 1.5
    kurt = (x**4).mean() / (x**2).mean() ** 2
    sr = srs[best]
    want = NormalDist().cdf((sr - sr0) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2))
    assert summary["deflated_active_sharpe.sixty_forty"] == pytest.approx(want, rel=1e-9)
    assert summary["deflated_active_sharpe.sixty_forty.information_ratio"] == pytest.approx(
        sr * math.sqrt(YEAR), rel=1e-9
    )


def test_the_verdict_leads_the_summary_and_the_page(grid):
    _, results, summary, table, _, _ = grid
    best = int(summary["best_config"])
    gap = table.at[best, "vs_sixty_forty.sharpe_diff"]  # the results table's own Sharpe difference
    assert summary["sharpe_gap.sixty_forty"] == pytest.approx(gap, abs=1e-12)
    v = Verdict("sixty_forty", "Sharpe", gap, summary["spa.sixty_forty.p_consistent"], trials=len(table))
    assert summary["verdict"] == sentence(v)
    page = (results / "grid_report.html").read_text()
    body = page[page.index("<body>") :]
    at = body.index(summary["verdict"].replace("'", "&#x27;"))
    assert at < body.index("In-sample best (hindsight)") < body.index("Heatmaps")
    assert "SPA against 60/40" in body and "StepM survivors against 60/40" in body
    # beside SPA, not before it: the chosen configuration's own verdict over the whole window
    own = summary["best.verdict.sixty_forty.sentence"].replace("'", "&#x27;")
    assert at < body.index(own) < body.index("Heatmaps")
    heads = ("beats 60/40 (Sharpe ", "no evidence it beats 60/40 (Sharpe ", "trails 60/40 (Sharpe ")
    assert own.startswith(heads)
    assert f"Sharpe {gap:+.2f}, 95% CI " in own  # the same difference, now with its interval


def test_the_terminal_prints_the_verdict_first(make_cfg, tmp_path, capsys):
    cfg = small_cfg(make_cfg, "grid.bootstrap.samples=100")
    run(cfg, tmp_path, echo=True)
    out = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(out) if "grid:" in line and "configurations" in line)
    verdict = next(i for i, line in enumerate(out) if line.startswith("verdict: "))
    assert verdict <= first + 3 and "60/40" in out[verdict], out[:6]
    assert verdict < next(i for i, line in enumerate(out) if line.startswith("top configurations"))
    assert any("SPA against 60/40" in line for line in out)
    spa = next(i for i, line in enumerate(out) if "SPA against 60/40" in line)
    own = next(i for i, line in enumerate(out) if "over the whole window, the search not counted: " in line)
    assert spa < own and "60/40 (Sharpe " in out[own]
    assert np.isfinite(float(json.loads((tmp_path / "results" / "summary.json").read_text())["pbo"]))


def test_a_grid_in_one_process_computes_spa_chunk_by_chunk_as_arch_would(compose_cfg):
    """`simulate` on threads fills `Resampled` as the chunks run: arch's SPA and StepM on x − 60/40."""
    from analysis.search_tests import superiority
    from core.data import load_market
    from sweeps.run import simulate, validate

    cfg = small_cfg(compose_cfg, "grid.bootstrap.samples=300", "grid.bootstrap.block=10", "grid.chunk_size=5")
    spec, _, plans, _, opts, _ = validate(cfg)
    market = load_market(cfg)
    _, returns, dates, _, _, resampled = simulate(cfg, spec, plans, market, opts)
    assert len(plans) > 5 and resampled is not None  # several chunks, each added on its thread
    assert resampled.ready(opts.boot_samples, round(opts.boot_block), opts.boot_seed, len(dates))
    sixty = benchmark_portfolios(make_plan(cfg), market, dates)["sixty_forty"].returns.to_numpy()
    got = resampled.against(returns, sixty)
    spa = SPA(-sixty, -returns, block_size=10, reps=300, seed=0)
    spa.compute()
    assert (got.p_lower, got.p_consistent, got.p_upper) == pytest.approx(tuple(spa.pvalues), abs=1e-12)
    at_end = superiority(returns - sixty[:, None], reps=300, block=10, seed=0)
    assert (got.survivors, got.best, got.trials) == (at_end.survivors, at_end.best, at_end.trials)
