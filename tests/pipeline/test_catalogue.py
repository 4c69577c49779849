"""``python -m analysis verdicts`` on the reduced catalogue (conf/catalogue/reduced.yaml), as CI runs it:
one SPA and StepM over every family's configurations, BY q-values, one parent run with a child per family."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import SPA, StepM

from common.text import WIDTH
from core.data import load_market
from core.plan import make_plan
from core.simulation import benchmark_portfolios
from pipeline import api
from pipeline.catalogue import grid_overrides, split
from tests.cli import REPO

EXPERIMENT = "regime-backtest"

pytestmark = pytest.mark.slow


def cli(*args: str, uri: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["MLFLOW_TRACKING_URI"] = uri
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "analysis", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    proc = cli("verdicts", "catalogue=reduced", "grid.bootstrap.samples=300", uri=uri)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("results: "))
    return proc.stdout, Path(line.removeprefix("results: ").strip()), uri


def test_the_catalogue_prints_the_verdicts_first_and_writes_its_table(catalogue):
    out, results, _ = catalogue
    lines = out.splitlines()
    assert lines[0].startswith("catalogue verdict: ") and "60/40" in lines[0]
    assert any(x.startswith("catalogue verdict: ") and "volatility target" in x for x in lines[:4])
    head = next(i for i, x in enumerate(lines) if x.startswith("family "))
    end = next(i for i, x in enumerate(lines) if x.startswith("event studies:"))
    assert end - head > 4 and max(map(len, lines[head:end])) <= WIDTH  # the widest columns go to the CSV
    tab = pd.read_csv(results / "catalogue.csv", index_col="family")
    assert list(tab.index) == ["move_vix_wedge", "yield_shock", "term_premium"]
    for col in ("best_params", "active_sharpe.sixty_forty", "sharpe_gap.sixty_forty", "sharpe_diff_lo",
                "sharpe_diff_hi", "p_value.sixty_forty", "spa_p.sixty_forty", "stepm_survivors.sixty_forty",
                "event_best_q", "pbo"):  # fmt: skip
        assert col in tab.columns, col
    assert (tab["sharpe_diff_lo"] <= tab["sharpe_gap.sixty_forty"]).all()  # the interval holds its estimate
    assert (tab["sharpe_gap.sixty_forty"] <= tab["sharpe_diff_hi"]).all()
    assert (results / "catalogue.png").stat().st_size > 10_000
    doc = json.loads((results / "catalogue.json").read_text())
    assert set(doc["joint"]) == {"sixty_forty", "vol_target"}
    assert doc["joint"]["sixty_forty"]["trials"] == int(tab["configs"].sum()) == 6


def test_catalogue_json_is_dated_with_its_data_and_the_monitor_reads_it(catalogue, bundled):
    import datetime as dt

    from monitor.evidence import read

    _, results, _ = catalogue
    doc = json.loads((results / "catalogue.json").read_text())
    assert doc["computed"] == str(dt.date.today())
    assert doc["data"] == {"source": "bundled", "first": str(bundled.start.date()),
                           "last": str(bundled.end.date()), "digest": bundled.digest}  # fmt: skip
    tab = pd.read_csv(results / "catalogue.csv", index_col="family")
    found = read(results / "catalogue.json")  # monitor.evidence=<this file>
    for name, row in tab.iterrows():  # the monitor's evidence: the family grid's SPA p against 60/40
        p = row["spa_p.sixty_forty"]
        head = "beats 60/40" if p < 0.05 else "no evidence it beats 60/40"  # SPA: never "trails"
        p_text = "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"
        assert found.of(name).startswith(f"{head} (SPA p {p_text}, {row['configs']} configs); event q ")


def test_the_joint_spa_and_stepm_are_arch_s_over_all_families(catalogue):
    _, results, _ = catalogue
    doc = json.loads((results / "catalogue.json").read_text())
    cfg0 = api.compose(None, split(["catalogue=reduced"]), experiment="wedge_grid")
    fams = dict(cfg0.catalogue.families)
    panels, common = {}, None
    for name in fams:
        r = pd.read_parquet(results.parent / "families" / name / "grid_data" / "grid_returns.parquet")
        cfg = api.compose(None, grid_overrides(name, dict(fams[name])), experiment="wedge_grid")
        bench = benchmark_portfolios(make_plan(cfg), load_market(cfg), pd.DatetimeIndex(r.index))
        panels[name] = (r.drop(columns="cash_return"), bench)
        common = r.index if common is None else common.intersection(r.index)
    for b in ("sixty_forty", "vol_target"):
        active = np.hstack(
            [
                p.loc[common].to_numpy() - bench[b].returns.loc[common].to_numpy()[:, None]
                for p, bench in panels.values()
            ]
        )
        spa = SPA(np.zeros(len(common)), -active, block_size=21, reps=300, seed=0)
        spa.compute()
        assert doc["joint"][b]["p_consistent"] == pytest.approx(spa.pvalues["consistent"], abs=1e-12)
        stepm = StepM(np.zeros(len(common)), -active, block_size=21, reps=300, seed=0)
        stepm.compute()
        assert len(doc["joint"][b]["survivors"]) == len(stepm.superior_models)


def test_each_family_s_interval_is_the_single_run_verdict_of_its_best(catalogue):
    """The table's Sharpe difference by hand, its interval and p `compare`'s on the written returns."""
    from analysis.verdict import compare
    from core.plan import make_plan

    _, results, _ = catalogue
    tab = pd.read_csv(results / "catalogue.csv", index_col="family")
    cfg0 = api.compose(None, split(["catalogue=reduced"]), experiment="wedge_grid")
    for name, params in dict(cfg0.catalogue.families).items():
        r = pd.read_parquet(results.parent / "families" / name / "grid_data" / "grid_returns.parquet")
        cfg = api.compose(None, grid_overrides(name, dict(params)), experiment="wedge_grid")
        bench = benchmark_portfolios(make_plan(cfg), load_market(cfg), pd.DatetimeIndex(r.index))
        sixty = bench["sixty_forty"].returns
        best = r[str(int(tab.at[name, "best_config"]))]
        x, b = best - r["cash_return"], sixty.to_numpy() - r["cash_return"].to_numpy()
        by_hand = (x.mean() / x.std(ddof=1) - b.mean() / b.std(ddof=1)) * 252**0.5
        assert tab.at[name, "sharpe_gap.sixty_forty"] == pytest.approx(by_hand, rel=1e-9)
        a = best.to_numpy() - sixty.to_numpy()
        assert tab.at[name, "active_sharpe.sixty_forty"] == pytest.approx(
            a.mean() / a.std(ddof=1) * 252**0.5, rel=1e-9
        )
        want = compare(
            best, sixty.set_axis(best.index), r["cash_return"], settings=make_plan(cfg).verdict_settings
        ).metrics()
        for col, key in (("sharpe_diff_lo", "sharpe_diff_lo"), ("sharpe_diff_hi", "sharpe_diff_hi"),
                         ("p_value.sixty_forty", "p_value")):  # fmt: skip
            assert tab.at[name, col] == pytest.approx(want[key], rel=1e-9), (name, col)


def test_by_q_values_over_every_event_study_p_value(catalogue):
    _, results, _ = catalogue
    ev = pd.read_csv(results / "event_q_values.csv")
    assert len(ev) == 3 * 3 * 4  # families x horizons x statistics
    p = ev["p"].to_numpy()
    ok = np.isfinite(p)
    m = ok.sum()
    c = (1 / np.arange(1, m + 1)).sum()
    order = np.argsort(p[ok])
    q = np.minimum.accumulate((p[ok][order] * m * c / np.arange(1, m + 1))[::-1])[::-1].clip(max=1)
    want = np.empty(m)
    want[order] = q
    np.testing.assert_allclose(ev["q"].to_numpy()[ok], want, rtol=1e-12)
    tab = pd.read_csv(results / "catalogue.csv", index_col="family")
    for name, group in ev.groupby("family"):
        assert tab.at[name, "event_best_q"] == pytest.approx(group["q"].min())


def test_one_parent_run_with_a_child_per_family(catalogue):
    import mlflow

    _, _, uri = catalogue
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], output_format="list")
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].data.tags.get("mode") == "catalogue"
    assert "spa.sixty_forty.p_consistent" in parents[0].data.metrics
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    families = sorted(r.data.params["family"] for r in children)
    assert families == ["move_vix_wedge", "term_premium", "yield_shock"]


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("catalogue.benchmarks=[sixty_fourty]", "catalogue.benchmarks"),
        ("catalogue.families={}", "catalogue.families"),
    ],
)
def test_bad_catalogue_input_exits_2_naming_the_key_and_writes_nothing(tmp_path, override, key):
    before = set((REPO / "outputs").rglob("catalogue.csv"))
    proc = cli("verdicts", "catalogue=reduced", override, uri=f"sqlite:///{tmp_path / 'm.db'}")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert key in proc.stderr and "Traceback" not in proc.stderr
    after = set((REPO / "outputs").rglob("catalogue.csv"))
    assert after == before
    assert not (tmp_path / "m.db").exists()
