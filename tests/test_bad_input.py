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
from tests.cli import REPO

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
    ("dollar-column-missing", "run", ["strategy=dollar_weakness", "strategy.signal.column=DXY"],
     ["`DXY`", "data=csv"]),
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


# ------------------------------------------------------------------------------------------ the other doors
# The monitor, the merge, compare, sweeps and csv files: the same promise. Each case runs in its own folder
# (its working directory; `{folder}` in an argument) after the user's files were written there; afterwards
# the folder holds exactly what it held before (the user's files untouched, nothing new: no store, no run
# folder), the message names what is wrong, and there is no traceback. The API's: test_api_frames.py.


def _files(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` and its content (None for a folder)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in folder.rglob("*")}


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def _chunk(results_table: bytes | None = None, returns: bytes | None = None, meta: str | None = None) -> dict:
    """A one-chunk grid sweep's files as its job writes them, with one of them damaged."""
    import io

    import pandas as pd

    days = pd.bdate_range("2020-01-01", periods=30, name="date")
    table = pd.DataFrame({"sharpe_excess_tbill": [0.5]}, index=pd.Index([0], name="config"))
    ret = pd.DataFrame({"cash_return": 0.0001, "0": 0.001}, index=days)
    buf_t, buf_r = io.BytesIO(), io.BytesIO()
    table.to_parquet(buf_t)
    ret.to_parquet(buf_r)
    good = '{"sweep_id": "abc", "chunk": 0, "n_chunks": 1, "skipped": {}, "n_simulated": 1, "seconds": 1}'
    return {
        "multi/0/results/grid_chunk.json": good if meta is None else meta,
        "multi/0/results/grid_results.parquet": buf_t.getvalue() if results_table is None else results_table,
        "multi/0/grid_data/grid_returns.parquet": buf_r.getvalue()[:200] if returns is None else returns,
    }


CSV_TWO_SPY = "Date,SPY,IEF,TBILL3M,SPY\n" + "".join(
    f"2024-01-{d:02d},{470 + d},{95 + d / 10},5.2,{1 + d}\n" for d in range(2, 30)
)
MONITOR = ["-m", "monitor", "--changed", "strategy=term_premium"]
CSV_FILES = "data.loader.files=[{path: mine.csv, columns: {SPY: SPY, IEF: IEF, TBILL3M: TBILL3M}}]"

#: (case id, arguments after `python`, the user's files, texts the message must hold)
DOORS: list[tuple[str, list[str], dict[str, str | bytes], list[str]]] = [
    # python -m monitor: monitor.state_dir checked before any work
    ("monitor-state-is-a-file", [*MONITOR, "monitor.state_dir={folder}/state"], {"state": "notes\n"},
     ["`monitor.state_dir`", "is a file"]),
    ("monitor-state-corrupt", [*MONITOR, "monitor.state_dir={folder}/st"],
     {"st/state.json": "{bad"}, ["`monitor.state_dir`", "st/state.json", "cannot be read"]),
    ("monitor-state-a-list", [*MONITOR, "monitor.state_dir={folder}/st"],
     {"st/state.json": "[1, 2]"}, ["`monitor.state_dir`", "st/state.json", "not a monitor's state file"]),
    ("monitor-state-unwritable", [*MONITOR, "monitor.state_dir=/proc/regime-state"], {},
     ["`monitor.state_dir`", "cannot write"]),
    ("monitor-override-of-another-preset", ["-m", "monitor", "strategy=term_premium,yield_shock",
                                            "strategy.signal.hold_days=10"], {},
     ["(strategy=yield_shock)", "`strategy.signal.hold_days`"]),
    # python -m sweeps merge: a damaged chunk is named
    ("merge-chunk-json-corrupt", ["-m", "sweeps", "merge", "multi"], _chunk(meta="{bad"),
     ["multi/0/results/grid_chunk.json", "cannot be read"]),
    ("merge-results-garbage", ["-m", "sweeps", "merge", "multi"], _chunk(results_table=b"garbage" * 10),
     ["multi/0/results/grid_results.parquet", "results table"]),
    ("merge-returns-truncated", ["-m", "sweeps", "merge", "multi"], _chunk(),
     ["multi/0/grid_data/grid_returns.parquet", "daily returns"]),
    # python -m tracking compare: output paths checked first, no folder created
    ("compare-csv-no-folder", ["-m", "tracking", "compare", "--csv", "nodir/t.csv"], {},
     ["nodir/t.csv", "does not exist"]),
    ("compare-chart-no-folder", ["-m", "tracking", "compare", "--chart", "nodir/x.png"], {},
     ["nodir/x.png", "does not exist"]),
    ("compare-not-a-database", ["-m", "tracking", "compare", "--uri", "sqlite:///notes.db"],
     {"notes.db": "my notes, not a database\n"}, ["`--uri`", "notes.db", "not an SQLite database"]),
    # csv files
    ("csv-two-SPY", ["run.py", "data=csv", CSV_FILES], {"mine.csv": CSV_TWO_SPY},
     ["mine.csv", "two columns named `SPY` (columns 2 and 5)"]),
    ("csv-without-sleeves",
     ["run.py", "data=csv", "data.loader.files=[{path: m.csv, columns: {PX_LAST: MOVE}}]"],
     {"m.csv": "Date,PX_LAST\n2024-01-02,100\n2024-01-03,101\n"},
     ["`data.calendar_column`", "must bring the calendar column and every sleeve", "sources=[bundled,csv]"]),
    # run.py: values checked before the work, grammar errors named, no secret echoed
    ("walk-forward-too-long", ["run.py", GRID, "grid.walk_forward.train_days=100000"], {},
     ["`grid.walk_forward.train_days`", "do not fit"]),
    ("walk-forward-rollin", ["run.py", GRID, "grid.walk_forward.mode=rollin"], {},
     ["`grid.walk_forward.mode`", "Did you mean `rolling`"]),
    ("start-after-end", ["run.py", "data.start=2020-01-01", "data.end=2019-01-01"], {},
     ["`data.start`", "`data.end`"]),
    ("grammar-open-list", ["run.py", "strategy.signal.z_entry=[1,2"], {},
     ["`strategy.signal.z_entry`", "[1,2"]),
    ("grammar-non-ascii", ["run.py", "strategy.signal.z_entry=é"], {},
     ["`strategy.signal.z_entry`", "quote"]),
    ("loader-token", ["run.py", "+data.loader.token=hunter2-TOKEN"], {}, ["`data.loader.token`", "takes no"]),
    ("run-dir-unwritable", ["run.py", "hydra.run.dir=/proc/regime-run"], {},
     ["`hydra.run.dir`", "/proc/regime-run"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def doors(tmp_path_factory) -> dict[str, tuple[Path, dict, dict, subprocess.CompletedProcess]]:
    """Every door case run once in its own folder, two at a time: (folder, files before, after, process)."""
    root = tmp_path_factory.mktemp("doors")

    def run(case: tuple[str, list[str], dict, list[str]]):
        name, args, files, _ = case
        folder = root / name
        folder.mkdir()
        _write(folder, files)
        before = _files(folder)
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
        argv = [str(REPO / a) if a == "run.py" else a.replace("{folder}", str(folder)) for a in args]
        proc = subprocess.run(
            [sys.executable, *argv], cwd=folder, env=env, capture_output=True, text=True, timeout=300
        )
        return folder, before, _files(folder), proc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {c[0]: out for c, out in zip(DOORS, pool.map(run, DOORS), strict=True)}


@pytest.mark.parametrize("case", DOORS, ids=[c[0] for c in DOORS])
def test_every_door_refuses_in_one_message_and_touches_nothing(doors, case):
    name, args, _, expected = case
    folder, before, after, proc = doors[name]
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, f"{args}: exit {proc.returncode}\n{text[-2000:]}"
    for part in expected:
        assert part in proc.stderr, f"{args}: {part!r} not in\n{proc.stderr[-2000:]}"
    assert "Traceback" not in text and "hunter2" not in text
    assert after == before, f"{args}: new or changed: {sorted(set(after.items()) ^ set(before.items()))}"
    assert _mlflow_runs(folder / "mlflow.db") == 0


def test_a_refused_run_leaves_the_users_empty_parent_folder(tmp_path):
    """Hydra makes ``mine/run``; the refusal removes ``run`` (the run's) and keeps ``mine`` (the user's)."""
    (tmp_path / "mine").mkdir()
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "data.start=2030-01-01",
         f"hydra.run.dir={tmp_path / 'mine' / 'a' / 'run'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2 and "`data.start`" in proc.stderr, proc.stderr[-2000:]
    assert "move_vix_wedge: loading data" in proc.stderr  # said from the start
    assert [p.name for p in tmp_path.rglob("*")] == ["mine"]  # mine/a and mine/a/run were the run's
    assert _mlflow_runs(tmp_path / "mlflow.db") == 0
