import pytest

from analysis.verdict import Verdict, sentence


def test_each_outcome_reads_as_its_evidence_says():
    beats = Verdict("sixty_forty", "Sharpe", 0.21, 0.004, ci=(0.08, 0.33))
    none = Verdict("sixty_forty", "Sharpe", -0.02, 0.62, ci=(-0.11, 0.07))
    trails = Verdict("vol_target", "Sharpe", -0.3, 0.999, ci=(-0.5, -0.1))
    assert sentence(beats).startswith("beats 60/40 (")
    assert sentence(none) == "no evidence it beats 60/40 (Sharpe -0.02, 95% CI -0.11 to +0.07, p 0.62)"
    assert sentence(trails).startswith("trails the volatility target (Sharpe -0.30, 95% CI -0.50 to -0.10")


@pytest.mark.parametrize(("p", "outcome"), [(0.01, "beats"), (0.2, "no_evidence"), (0.99, "no_evidence")])
def test_a_search_without_an_interval_is_judged_on_its_p_value_and_counts_its_trials(p, outcome):
    v = Verdict("sixty_forty", "Sharpe", 0.1, p, trials=213)
    assert v.outcome == outcome
    assert "213 configurations counted" in sentence(v)


def test_a_positive_estimate_whose_interval_holds_zero_is_not_called_a_win():
    v = Verdict("sixty_forty", "Sharpe", 0.17, 0.04, ci=(-0.01, 0.35))
    assert v.outcome == "no_evidence"
    assert sentence(v).startswith("no evidence")
