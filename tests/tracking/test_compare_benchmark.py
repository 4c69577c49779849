"""`python -m tracking compare`'s chart draws 60/40 beside the runs: once when they share its days."""

from __future__ import annotations

import pandas as pd

from tracking.compare import benchmark_curves


def _series(start: str, n: int, level: float = 1.0) -> pd.Series:
    idx = pd.bdate_range(start, periods=n)
    return pd.Series(level * 1.001 ** pd.RangeIndex(n).to_numpy(), index=idx, name="value_sixty_forty")


def test_one_sixty_forty_line_when_every_run_has_it_on_the_same_days():
    out = benchmark_curves({"a [1]": _series("2020-01-01", 5), "b [2]": _series("2020-01-01", 5)})
    assert list(out.columns) == ["60/40"]
    pd.testing.assert_series_equal(out["60/40"], _series("2020-01-01", 5).rename("60/40"))


def test_one_line_per_distinct_sixty_forty_when_the_runs_differ():
    out = benchmark_curves({"a [1]": _series("2020-01-01", 5), "b [2]": _series("2021-01-01", 5)})
    assert list(out.columns) == ["60/40 (a [1])", "60/40 (b [2])"]
    assert out["60/40 (a [1])"].dropna().index[0] == pd.Timestamp("2020-01-01")
