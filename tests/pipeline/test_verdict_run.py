"""A single run's verdict and episode scorecard, everywhere they go: the terminal, stats.json, the flat
metrics (MLflow), the API, report.html, episodes.csv; each number re-derived here from the run's daily
returns and orders with plain numpy/pandas."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis.verdict import OUTCOME_COLOURS, Settings, compare, sentence
from single.summary import summary, verdict_lines
from tracking.mlflow_store import with_headline


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from pipeline import api

    result = api.backtest("move_vix_wedge")
    return result, result.save(tmp_path_factory.mktemp("run"))


def _sharpe(x):
    return x.mean() / x.std(ddof=1) * math.sqrt(252)


def test_the_verdict_is_the_first_line_after_the_header_60_40_first(saved):
    result, _ = saved
    lines = summary(result.run).splitlines()
    assert lines[0].startswith("move_vix_wedge: ")
    assert lines[1] == f"verdict: {sentence(result.verdict.verdict)}"
    assert lines[1].startswith("verdict: no evidence it beats 60/40 (Sharpe ")
    names = [c.benchmark for c in result.verdicts.values()]
    assert names == ["sixty_forty", "equity_buy_hold", "vol_target"]
    assert [ln.startswith("verdict: ") for ln in lines[1:5]] == [True, True, True, False]


def test_the_sharpe_difference_and_the_other_numbers_are_the_runs_own(saved):
    result, folder = saved
    daily = pd.read_csv(folder / "daily.csv", index_col="date", parse_dates=True)
    cash = result.run.prices["cash"].pct_change().reindex(daily.index).to_numpy()
    s, b = daily["return_strategy"].to_numpy(), daily["return_sixty_forty"].to_numpy()
    c = result.verdicts["sixty_forty"]
    assert c.verdict.estimate == pytest.approx(_sharpe(s - cash) - _sharpe(b - cash), rel=1e-9)
    assert c.verdict.estimate == pytest.approx(result.run.strategy.metrics["vs_sixty_forty.sharpe_diff"])
    assert c.cagr.estimate == pytest.approx(
        np.prod(1 + s) ** (252 / len(s)) - np.prod(1 + b) ** (252 / len(b)), rel=1e-9
    )
    assert c.information_ratio == pytest.approx(_sharpe(s - b), rel=1e-9)
    lo, hi = c.verdict.ci
    assert lo < c.verdict.estimate < hi
    assert c.cagr.lo < c.cagr.estimate < c.cagr.hi


def test_stats_json_and_the_tracked_metrics_carry_every_comparison(saved):
    result, folder = saved
    stats = json.loads((folder / "stats.json").read_text())["verdict"]
    assert stats["primary"] == "sixty_forty"
    assert stats["sentence"] == str(result.verdict)
    assert [c["benchmark"] for c in stats["comparisons"]] == list(result.verdicts)
    metrics = result.metrics
    for row in stats["comparisons"]:
        name = row["benchmark"]
        assert row["outcome"] in OUTCOME_COLOURS
        for key in ("sharpe_diff", "sharpe_diff_lo", "sharpe_diff_hi", "p_value", "cagr_diff_lo", "psr_active"):  # noqa: E501
            assert metrics[f"verdict.{name}.{key}"] == pytest.approx(row[key])
    v = result.verdict.verdict
    assert (stats["comparisons"][0]["sharpe_diff_lo"], stats["comparisons"][0]["sharpe_diff_hi"]) == v.ci


def test_report_html_opens_on_the_coloured_verdict_with_its_words(saved):
    result, folder = saved
    page = (folder / "report.html").read_text(encoding="utf-8")
    body = page[page.index("<body>") :]
    banner = r'<div class="verdict primary" data-outcome="(\w+)" style="([^"]+)">([^<]+)</div>'
    first = re.search(banner, body)
    assert first is not None and body.index(first.group(0)) < body.index('<section id="headline">')
    outcome, css, words = first.groups()
    assert outcome == result.verdict.verdict.outcome
    assert OUTCOME_COLOURS[outcome] in css
    assert words.replace("&amp;", "&") == f"Verdict: {sentence(result.verdict.verdict)}"


def test_the_mlflow_description_opens_on_the_verdict():
    text = with_headline("**Re-run**", {"cagr": 0.1}, "no evidence it beats 60/40 (Sharpe -0.02, ...)")
    assert text.splitlines()[0] == "**Verdict: no evidence it beats 60/40 (Sharpe -0.02, ...)**"
    assert text.endswith("**Re-run**")


def test_tags_carry_the_sentence_for_the_description(saved):
    from single.run import tags_of

    result, _ = saved
    assert tags_of(result.run, result.cfg)["verdict"] == str(result.verdict)


def test_episodes_are_the_event_studys_with_what_they_paid_against_60_40(saved):
    result, folder = saved
    eps = result.episodes
    ev = result.event_study.episodes
    assert len(eps) == len(ev) > 10
    assert (eps["start"].to_numpy() == ev["start"].to_numpy()).all()
    csv = pd.read_csv(folder / "episodes.csv", parse_dates=["start", "end"])
    assert list(csv.columns[:4]) == ["start", "end", "days", "ongoing"]
    daily = pd.read_csv(folder / "daily.csv", index_col="date", parse_dates=True)
    orders = pd.read_csv(folder / "orders.csv", parse_dates=["date"])
    days = result.run.prices.index
    s, b = daily["return_strategy"], daily["return_sixty_forty"]
    for i, row in csv.iterrows():
        during = (s.index > row["start"]) & (s.index <= row["end"])
        gap = np.prod(1 + s[during]) - np.prod(1 + b[during])
        assert row["active_during"] == pytest.approx(gap, abs=1e-9), i
        pos = np.flatnonzero(s.index <= row["end"])[-1]
        after = s.iloc[pos + 1 : pos + 21], b.iloc[pos + 1 : pos + 21]
        if pos + 20 < len(s):
            gap = np.prod(1 + after[0]) - np.prod(1 + after[1])
            assert row["active_20d_after"] == pytest.approx(gap, abs=1e-9)
        else:
            assert math.isnan(row["active_20d_after"])
        last = days[min(days.get_loc(row["end"]) + 1, len(days) - 1)]  # lag 1: the day it trades back
        mine = orders[(orders["date"] > row["start"]) & (orders["date"] <= last)]
        paid = (mine["fees"] + (mine["size"] * (mine["price"] - mine["close"])).abs()).sum()
        value = daily["value_strategy"].asof(row["start"])
        assert row["costs"] == pytest.approx(paid / value, rel=1e-6), i
    assert (csv["costs"] > 0).all()


@pytest.mark.parametrize(
    ("ir", "outcome", "head"),
    [(1.0, "beats", "beats"), (0.0, "no_evidence", "no evidence"), (-1.0, "trails", "trails")],
)
def test_the_terminal_line_for_each_outcome(ir, outcome, head):
    rng = np.random.default_rng(0)
    n = 20 * 252
    idx = pd.bdate_range("2000-01-03", periods=n)
    bench = rng.normal(0.0003, 0.006, n)
    noise = rng.normal(0, 0.02 / math.sqrt(252), n)
    active = ir * 0.02 / 252 + (noise - noise.mean()) / noise.std(ddof=1) * 0.02 / math.sqrt(252)
    c = compare(pd.Series(bench + active, idx), pd.Series(bench, idx), pd.Series(0.0, idx),
                settings=Settings(resamples=300))  # fmt: skip

    class Run:
        verdicts = {"sixty_forty": c}

    assert c.verdict.outcome == outcome
    assert verdict_lines(Run()) == f"\nverdict: {sentence(c.verdict)}"
    assert verdict_lines(Run()).startswith(f"\nverdict: {head}")
