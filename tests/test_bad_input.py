"""Every bad input we know of, through the real entry points: refused in one message, nothing written.

One table: the command (``python run.py`` or ``python -m analysis``), its arguments, and the config key
the message must name. Each case runs in its own folder against its own SQLite MLflow store, and must
exit 2 with that key on stderr, no traceback, no run folder (``outputs/``, ``multirun/``) and no MLflow
run. The processes run two at a time (a 2-core machine); most fail before the data is loaded.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from common.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
GRID = "experiment=wedge_grid"

pytestmark = pytest.mark.slow

#: (case id, entry point, arguments, text the message must hold: the key, or a suggestion)
CASES: list[tuple[str, str, list[str], list[str]]] = [
    # values accepted before the validation layer (each ran to FINISHED and logged a run)
    ("z_entry-nan", "run", ["strategy.signal.z_entry=nan"], ["`strategy.signal.z_entry`", "nan"]),
    ("z_entry-inf", "run", ["strategy.signal.z_entry=inf"], ["`strategy.signal.z_entry`", "inf"]),
    ("weights-nan", "run", ["strategy.allocation.risk_off_weights={equity: nan, bonds: 0.5}"],
     ["`strategy.allocation.risk_off_weights.equity`"]),
    ("slippage-20000", "run", ["backtest.slippage_bp=20000"], ["`backtest.slippage_bp`", "[0, 10000)"]),
    ("fees-1e6", "run", ["backtest.fees_bp=1e6"], ["`backtest.fees_bp`"]),
    ("lookback-long", "run", ["strategy.signal.lookback=100000"], ["`strategy.signal.lookback`", "100000"]),
    ("trend-long", "run", ["strategy.signal.trend_window=100000"], ["`strategy.signal.trend_window`"]),
    ("plotlyjs-maybe", "run", ["charts.plotlyjs=maybe"], ["`charts.plotlyjs`", "maybe"]),
    ("plotlyjs-true", "run", ["charts.plotlyjs=true"], ["`charts.plotlyjs`", "inline"]),  # the old value
    ("plotlyjs-shard", "run", ["charts.plotlyjs=shard"], ["`charts.plotlyjs`", "Did you mean `shared`"]),
    ("charts-nonee", "run", ["charts=nonee"], ["`charts=nonee`", "Did you mean `none`"]),
    ("experiment-empty", "run", ["tracking.experiment="], ["`tracking.experiment`"]),
    # values that ended in a traceback
    ("slippage-inf", "run", ["backtest.slippage_bp=inf"], ["`backtest.slippage_bp`"]),
    ("z_entry-abc", "run", ["strategy.signal.z_entry=abc"], ["`strategy.signal.z_entry`", "'abc'"]),
    ("vix_ceiling-null", "run", ["strategy.signal.vix_ceiling=null"], ["`strategy.signal.vix_ceiling`"]),
    ("start-notadate", "run", ["data.start=notadate"], ["`data.start`", "notadate"]),
    ("start-month13", "run", ["data.start=2020-13-01"], ["`data.start`", "2020-13-01"]),
    ("end-yesterday", "run", ["data.end=yesterday"], ["`data.end`", "yesterday"]),
    ("bootstrap-zero", "run", [GRID, "grid.bootstrap.samples=0"], ["`grid.bootstrap.samples`"]),
    ("threads-zero", "run", [GRID, "grid.threads=0"], ["`grid.threads`", "e.g. 2 on 2 cores"]),
    ("verdict-primary", "run", ["verdict.primary=sixty_fourty"], ["`verdict.primary`", "`sixty_forty`"]),
    ("verdict-level", "run", ["verdict.level=0.7"], ["`verdict.level`", "0.7"]),
    ("verdict-bootstrap", "run", ["verdict.bootstrap=blocks"], ["`verdict.bootstrap`", "circular"]),
    # sweeps: every value checked before anything runs
    ("grid-abc", "run", [GRID, "grid.params.strategy.signal.z_entry=[1.5,abc]"],
     ["grid.params.strategy.signal.z_entry", "'abc'", "nothing ran"]),
    ("multirun-abc", "run", ["-m", "strategy.signal.z_entry=1.5,abc"],
     ["`strategy.signal.z_entry`", "'abc'", "nothing ran"]),
    # python -m analysis goes through the same layer
    ("analysis-strategy", "analysis", ["strategy=move_vix_wedgee"],
     ["Did you mean `move_vix_wedge`", "available: ", "sixty_forty"]),
    ("analysis-notadate", "analysis", ["data.start=notadate"], ["`data.start`"]),
    ("analysis-month13", "analysis", ["data.start=2020-13-01"], ["`data.start`"]),
    ("analysis-yesterday", "analysis", ["data.end=yesterday"], ["`data.end`"]),
    # key typos (pipeline/cli.py), kept green
    ("typo-lookbak", "run", ["strategy.signal.lookbak=10"],
     ["`strategy.signal.lookbak`", "Did you mean `lookback`"]),
    ("typo-stratgy", "run", ["stratgy=x"], ["`stratgy`", "Did you mean `strategy`"]),
    ("typo-stratgy-name", "run", ["stratgy.name=x"], ["Did you mean `strategy`"]),
    ("typo-grid-lookbak", "run", [GRID, "grid.params.strategy.signal.lookbak=[1]"],
     ["`grid.params.strategy.signal.lookbak`", "Did you mean `lookback`"]),
    ("no-signal", "run", ["strategy=sixty_forty", "strategy.signal.lookback=5"],
     ["`strategy.signal.lookback`", "pick one first, e.g. signal="]),
    ("typo-strategy", "run", ["strategy=move_vix_wedg"], ["Did you mean `move_vix_wedge`"]),
    ("typo-signal", "run", ["signal=term_premiun"], ["Did you mean `term_premium`"]),
    ("typo-allocation", "run", ["allocation=gradd"], ["Did you mean `graded`"]),
    # ranges and relations that already held
    ("z_exit-above", "run", ["strategy.signal.z_entry=1.0", "strategy.signal.z_exit=2.0"],
     ["`strategy.signal.z_exit`"]),
    ("lookback-zero", "run", ["strategy.signal.lookback=0"], ["`strategy.signal.lookback`"]),
    ("weights-sum", "run", ["strategy.allocation.risk_on_weights.equity=0.7"], ["sum to 1.1"]),
    ("start-after-data", "run", ["data.start=2030-01-01"], ["`data.start`"]),
    ("leverage-below-1", "run", ["strategy=vol_target", "strategy.allocation.max_leverage=0.5"],
     ["`strategy.allocation.max_leverage`", "≥ 1"]),
    ("fees-negative", "run", ["backtest.fees_bp={equity: -1}"], ["`backtest.fees_bp.equity`"]),
    ("sleeve-unmapped", "run", ["data.sleeves.bonds=NOPE"], ["`data.sleeves.bonds`"]),
    # the signals of the Treasury-trap issue and the live data go through the same layer
    ("curve-x_bp-abc", "run", ["strategy=curve_divergence", "strategy.signal.x_bp=abc"],
     ["`strategy.signal.x_bp`", "'abc'"]),
    ("markov-entry-above-1", "run", ["strategy=markov_regime", "strategy.signal.entry=1.5"],
     ["`strategy.signal.entry`", "(0, 1)"]),
    ("vol_gap-window-long", "run", ["strategy=vol_gap", "strategy.signal.realized_window=100000"],
     ["`strategy.signal.realized_window`", "100000"]),
    ("dollar-not-bundled", "run", ["strategy=dollar_weakness"], ["DTWEXBGS", "data=live"]),
    ("live-unknown-source", "run", ["data=live", "data.loader.sources=[yahoo,fredd]"],
     ["`data.loader.sources`", "Did you mean `fred`"]),
    ("monitor-typo", "monitor", ["strategy=move_vix_wedgee"], ["Did you mean `move_vix_wedge`"]),
]  # fmt: skip


def _command(entry: str, args: list[str]) -> list[str]:
    if entry in ("analysis", "monitor"):
        return [sys.executable, "-m", entry, *args]
    return [sys.executable, str(REPO / "run.py"), *args]


def _run(case: tuple[str, str, list[str], list[str]], root: Path) -> tuple[Path, subprocess.CompletedProcess]:
    name, entry, args, _ = case
    folder = root / name
    folder.mkdir()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        _command(entry, args), cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    return folder, proc


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Every case run once, two processes at a time."""
    root = tmp_path_factory.mktemp("bad_input")
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda c: _run(c, root), CASES)
        return {case[0]: out for case, out in zip(CASES, done, strict=True)}


def _mlflow_runs(store: Path) -> int:
    """Runs in a SQLite MLflow store (0 when the store was never created)."""
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if "runs" in tables else 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_message_and_nothing_is_written(results, case):
    name, _, args, expected = case
    folder, proc = results[name]
    assert proc.returncode == 2, f"{args}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    for text in expected:
        assert text in proc.stderr, f"{args}: {text!r} not in\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout
    written = [p for d in ("outputs", "multirun") for p in (folder / d).rglob("*")]  # empty folders too
    assert written == [], f"{args} left {written}"
    assert _mlflow_runs(folder / "mlflow.db") == 0


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["strategy.signal.z_entry=nan"], "strategy.signal.z_entry"),
        (["backtest.slippage_bp=inf"], "backtest.slippage_bp"),
        (["data.end=yesterday"], "data.end"),
        (
            ["strategy=composite", "strategy.signal.signals.wedge.z_entry=abc"],
            "strategy.signal.signals.wedge.z_entry",
        ),
    ],
)
def test_the_python_door_raises_the_same_error(overrides, key):
    from pipeline import api

    with pytest.raises(ConfigError) as err:
        api.backtest(None, overrides)
    assert err.value.key == key
