"""The README's example output is what the default run prints today, line for line (the run's own
summary, not the figures pasted into a test: the table is computed by the run, and its numbers are
re-derived independently by the tests of backtest/ and pipeline/)."""

from __future__ import annotations

import pytest

from tests.docs.markdown import REPO, blocks

pytestmark = pytest.mark.slow  # one backtest of the default strategy on the whole bundled history


def shown_lines() -> list[str]:
    """The lines of the README's example output that stand for themselves (no `...`, no placeholder)."""
    readme = blocks(REPO / "README.md")
    (output,) = [b for b in readme if b.lang == "" and "Sharpe (excess of T-bill)" in b.text]
    return [ln for ln in output.text.splitlines() if ln.strip() and "..." not in ln and "<" not in ln]


def test_the_readme_example_is_what_the_default_run_prints():
    from pipeline import api

    printed = api.backtest("move_vix_wedge").table().splitlines()
    lines = shown_lines()
    assert len(lines) >= 10
    for line in lines:
        if line.startswith("move_vix_wedge: "):  # the header: the run's overrides differ, not its facts
            assert any(p.startswith(line.split(", engine=")[0]) for p in printed), line
        else:
            assert line in printed, f"the README shows a line the run no longer prints:\n{line}"
