"""The Treasury-trap study's verdict rules: data the verdict function reads, and the tables made from them."""

import math

import pytest

from experiments.treasury_trap import rules
from experiments.treasury_trap.rules import CONTRADICTED, NOT_TESTABLE, SUPPORTED, Rule, verdict


def _rule(**kw):
    base = {"key": "k", "row": "r", "note": "000", "claim": "c", "measure": "m", "path": "a.b", "unit": "bp"}
    return Rule(**(base | kw))


def test_a_threshold_rule_reads_its_number_in_its_unit():
    cut = _rule(op="<", threshold=0.0)
    assert verdict(cut, {"a": {"b": -1.0}}) == SUPPORTED
    assert verdict(cut, {"a": {"b": 0.0}}) == CONTRADICTED  # strict
    pct = _rule(op="<=", threshold=-5.0, scale=100, unit="%")
    assert verdict(pct, {"a": {"b": -0.0499}}) == CONTRADICTED
    assert verdict(pct, {"a": {"b": -0.05}}) == SUPPORTED


def test_within_is_measured_in_the_rules_unit_not_relative():
    """A 19 bp miss on the 10-year is not "within" (the old 5%-relative rule let it through)."""
    ten = _rule(op="within", threshold=5.0, scale=100, target=4.48)
    assert verdict(ten, {"a": {"b": 4.29}}) == CONTRADICTED
    assert rules.measured(ten, {"a": {"b": 4.29}}) == pytest.approx(-19.0)
    assert verdict(ten, {"a": {"b": 4.52}}) == SUPPORTED
    level = _rule(op="within", threshold=1.0, target=6142.5, relative=True, unit="% of the level")
    assert rules.measured(level, {"a": {"b": 6200.0}}) == pytest.approx(100 * (6200.0 / 6142.5 - 1))
    assert verdict(level, {"a": {"b": 6200.0}}) == SUPPORTED
    assert verdict(level, {"a": {"b": 6210.0}}) == CONTRADICTED


def test_a_missing_number_or_no_path_is_not_testable():
    assert verdict(_rule(), {"a": {}}) == NOT_TESTABLE
    assert verdict(_rule(), {"a": {"b": math.nan}}) == NOT_TESTABLE
    assert verdict(_rule(path="", why_not="no data"), {}) == NOT_TESTABLE


def test_every_rule_is_well_formed_and_unique():
    keys = [r.key for r in rules.RULES]
    assert len(keys) == len(set(keys))
    for r in rules.RULES:
        assert r.op in (">", ">=", "<", "<=", "within"), r.key
        assert r.path or r.why_not, r.key
        if r.op == "within":
            assert math.isfinite(r.target), r.key
        assert r.note in ("000", "004")


def test_one_correction_rule_everywhere():
    """Every rule about a correction reads a drawdown against the same -5% within 60 days."""
    drawdown = [r for r in rules.RULES if "maxdd" in r.path]
    assert {r.key for r in drawdown} == {"deleveraging", "correction"}
    for r in drawdown:
        assert (r.op, r.threshold, r.scale) == ("<=", -100 * rules.CORRECTION, 100)
        assert f"{rules.CORRECTION_DAYS}" in r.measure


def test_the_rules_table_is_made_from_the_rules_alone():
    table = rules.rules_table().splitlines()
    assert len(table) == 2 + len(rules.RULES)
    for line, r in zip(table[2:], rules.RULES, strict=True):
        assert line.startswith(f"| {r.claim} ({r.note}) |")
        assert line.rstrip().endswith(f"{r.condition()} |")


def test_the_scorecard_gives_each_rules_verdict_and_number():
    claims = {"snapshot": {"UST10Y": 4.29, "SPX": 6142.5}, "ytd": {"QQQ_ytd_feb4": 0.07}}
    card = rules.scorecard(claims).splitlines()[2:]
    assert len(card) == len(rules.RULES)
    by_claim = {line.split(" | ")[0].lstrip("| "): line for line in card}
    ten = by_claim["10-year at 4.48% on Feb 4 (000)"]
    assert "**contradicted**" in ten and "4.29% (note 4.48%; -19.0 bp)" in ten
    assert "**supported**" in by_claim["S&P 500 at 6,142.50 on Feb 4 (000)"]
    assert "**supported**" in by_claim["Nasdaq 100 up 8% year to date (000)"]  # +7% is within 2 points
    assert "**not testable**" in by_claim["Bitcoin $108,400, realized vol 44.2%, BVOL 58.5 (000)"]


def test_the_tally_counts_the_scorecards_verdicts():
    claims = {"snapshot": {"UST10Y": 4.29, "SPX": 6142.5}}
    card = rules.scorecard(claims)
    counts = {v: card.count(f"**{v}**") for v in (SUPPORTED, CONTRADICTED, NOT_TESTABLE)}
    assert sum(counts.values()) == len(rules.RULES)
    assert rules.tally(claims) == (
        f"{len(rules.RULES)} claims: {counts[SUPPORTED]} supported, {counts[CONTRADICTED]} contradicted, "
        f"{counts[NOT_TESTABLE]} not testable."
    )
