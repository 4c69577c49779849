"""Answers that do not mislead, table-driven through real processes on a real SQLite store: each case's
exit status, the thing its message names, no traceback, no new MLflow run, and no store created."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import python as run
from tracking.lineage import rerun_command
from tracking.mlflow_store import redact_diff, redact_override, redact_text, ui_command
from tracking.tracked import resync_hint

pytestmark = pytest.mark.slow


def make_read_only(folder: Path) -> bool:
    """Make `folder` unwritable, for root too (chmod does not stop root: the immutable attribute does)."""
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return True
    return (
        shutil.which("chattr") is not None and subprocess.run(["chattr", "+i", str(folder)]).returncode == 0
    )


def run_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("select count(*) from runs").fetchone()[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[dict[str, Path]]:
    """A store with one real run (move_vix_wedge) and a run without daily.csv (like a grid's parent),
    and run folders whose records are damaged."""
    import mlflow

    tmp = tmp_path_factory.mktemp("store")
    db = tmp / "mlflow.db"
    proc = run("run.py", f"tracking.uri=sqlite:///{db}", f"hydra.run.dir={tmp / 'out'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    exp = mlflow.get_experiment_by_name("regime-backtest")
    client = mlflow.MlflowClient()
    parent = client.create_run(exp.experiment_id, run_name="grid parent", tags={"strategy": "move_vix_wedge"})
    client.log_metric(parent.info.run_id, "sharpe_excess_tbill", 9.0)  # sorts first: charted first
    client.set_terminated(parent.info.run_id, "FINISHED")
    (tmp / "garbage.db").write_text("not a database, a user's notes\n" * 10)
    for name, text in {"corrupt": '{"experiment": ', "empty": "", "notarecord": "[1, 2]"}.items():
        (tmp / name / "tracking").mkdir(parents=True)
        (tmp / name / "tracking" / "record.json").write_text(text)
    ro = tmp / "readonly"
    ro.mkdir()
    read_only = make_read_only(ro)
    yield {"tmp": tmp, "db": db, "out": tmp / "out", "ro": ro, "read_only": read_only}
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(ro)], capture_output=True)
    ro.chmod(0o755)


@dataclass
class Case:
    name: str
    args: Callable[[dict[str, Path]], list[str]]
    status: int
    says: Callable[[dict[str, Path]], list[str]]
    needs_read_only: bool = False  # the store fixture could make a folder read-only


def uri(s: dict[str, Path]) -> str:
    return f"sqlite:///{s['db']}"


CASES = [
    Case(
        "compare: a mistyped strategy lists the strategies, with did you mean",
        lambda s: [
            "-m",
            "tracking",
            "compare",
            "--uri",
            uri(s),
            "--strategy",
            "move_vix_wedgee",
            "--no-chart",
        ],
        2,
        lambda s: [
            "`--strategy`",
            "move_vix_wedgee",
            "Did you mean `move_vix_wedge`?",
            "available: move_vix_wedge",
        ],
    ),
    Case(
        "compare: an unknown sweep lists the sweeps",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--sweep", "0123abc", "--no-chart"],
        2,
        lambda s: ["`--sweep`", "0123abc", "latest"],
    ),
    Case(
        "compare: an unknown experiment lists the experiments",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--experiment", "regime-backtset"],
        2,
        lambda s: ["`--experiment`", "Did you mean `regime-backtest`?"],
    ),
    Case(
        "compare: a missing store file is not created",
        lambda s: ["-m", "tracking", "compare", "--uri", f"sqlite:///{s['tmp'] / 'missing.db'}"],
        2,
        lambda s: ["`--uri`", "no tracking store", str(s["tmp"] / "missing.db")],
    ),
    Case(
        "compare: the chart leaves out a run without daily.csv and says so",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--chart", str(s["tmp"] / "cmp.png")],
        0,
        lambda s: ["left out of the chart", "a grid's parent", f"chart: {s['tmp'] / 'cmp.png'}"],
    ),
    Case(
        "compare: a mistyped --param key gets did you mean, not 'no runs match'",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--param", "strategy.signal.lookbak=252"],
        2,
        lambda s: ["`--param`", "strategy.signal.lookbak", "Did you mean `strategy.signal.lookback`?"],
    ),
    Case(
        "compare: --csv into a missing folder names it and creates nothing",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--csv", str(s["tmp"] / "nodir" / "t.csv")],
        2,
        lambda s: ["--csv", str(s["tmp"] / "nodir"), "does not exist"],
    ),
    Case(
        "compare: --chart into a missing folder names it and creates nothing",
        lambda s: ["-m", "tracking", "compare", "--uri", uri(s), "--chart", str(s["tmp"] / "no" / "x.png")],
        2,
        lambda s: ["--chart", str(s["tmp"] / "no"), "does not exist"],
    ),
    Case(
        "compare: a file that is not a database is named",
        lambda s: ["-m", "tracking", "compare", "--uri", f"sqlite:///{s['tmp'] / 'garbage.db'}"],
        2,
        lambda s: ["`--uri`", str(s["tmp"] / "garbage.db"), "not an SQLite database"],
    ),
    Case(
        "resync: a file instead of a folder",
        lambda s: ["-m", "tracking", "resync", str(s["out"] / "tracking" / "record.json"), "--uri", uri(s)],
        2,
        lambda s: ["not a folder", str(s["out"] / "tracking" / "record.json")],
    ),
    Case(
        "resync: a corrupt record names the file",
        lambda s: ["-m", "tracking", "resync", str(s["tmp"] / "corrupt"), "--uri", uri(s)],
        2,
        lambda s: [str(s["tmp"] / "corrupt" / "tracking" / "record.json"), "cannot be read"],
    ),
    Case(
        "resync: an empty record names the file",
        lambda s: ["-m", "tracking", "resync", str(s["tmp"] / "empty"), "--uri", uri(s)],
        2,
        lambda s: [str(s["tmp"] / "empty" / "tracking" / "record.json"), "cannot be read"],
    ),
    Case(
        "resync: a record that is not a run's",
        lambda s: ["-m", "tracking", "resync", str(s["tmp"] / "notarecord"), "--uri", uri(s)],
        2,
        lambda s: [str(s["tmp"] / "notarecord" / "tracking" / "record.json"), "missing: experiment"],
    ),
    Case(
        "resync: never creates a store",
        lambda s: [
            "-m",
            "tracking",
            "resync",
            str(s["out"]),
            "--uri",
            f"sqlite:///{s['tmp'] / 'missing.db'}",
        ],
        2,
        lambda s: ["`--uri`", "no tracking store"],
    ),
    Case(
        "resync: a folder already logged is skipped",
        lambda s: ["-m", "tracking", "resync", str(s["out"]), "--uri", uri(s)],
        0,
        lambda s: ["logged 0 runs, skipped 1"],
    ),
    Case(
        "run.py: a mistyped store folder is not created",
        lambda s: [
            "run.py",
            "tracking.uri=sqlite:////nonexistent/dir/mlflow.db",
            f"hydra.run.dir={s['tmp'] / 'o1'}",
        ],
        2,
        lambda s: ["`tracking.uri`", "/nonexistent/dir", "does not exist"],
    ),
    Case(
        "run.py: a read-only store folder fails at once",
        lambda s: [
            "run.py",
            f"tracking.uri=sqlite:///{s['ro'] / 'mlflow.db'}",
            f"hydra.run.dir={s['tmp'] / 'o2'}",
        ],
        2,
        lambda s: ["`tracking.uri`", "read-only", str(s["ro"])],
        needs_read_only=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_case(store, case):
    if case.needs_read_only and not store["read_only"]:
        pytest.skip("no way to make a folder read-only here (root without chattr)")
    runs = run_count(store["db"])
    before = {p.name for p in store["tmp"].iterdir()}
    proc = run(*case.args(store))
    text = proc.stdout + proc.stderr
    assert proc.returncode == case.status, text[-3000:]
    assert "Traceback" not in text
    for part in case.says(store):
        assert part in text, text[-3000:]
    assert run_count(store["db"]) == runs  # no new MLflow run
    new = {p.name for p in store["tmp"].iterdir()} - before
    assert new <= {"cmp.png"}  # no store, no run folder
    if case.status == 2:
        assert text.count("error:") == 1  # one message


def test_printed_commands_are_shell_quoted(tmp_path):
    folder = tmp_path / "my runs" / "it's here"
    hint = resync_hint(RuntimeError("down"), folder)
    pasted = hint.rsplit("log them later with: ", 1)[1]
    assert subprocess.run(
        ["sh", "-c", f"printf %s {pasted.removeprefix('python -m tracking resync ')}"],
        capture_output=True,
        text=True,
    ).stdout == str(folder)
    cmd = ui_command(f"sqlite:///{folder / 'mlflow.db'}")
    arg = cmd.removeprefix("mlflow ui --backend-store-uri ")
    out = subprocess.run(["sh", "-c", f"printf %s {arg}"], capture_output=True, text=True).stdout
    assert out == f"sqlite:///{folder / 'mlflow.db'}"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("data.loader.files=[{path: a.csv, password: hunter2xx}]", "hunter2xx"),
        ("tracking.uri=http://me:hunter2xx@host:5000", "hunter2xx"),
        ('+    API_KEY = "hunter2xx"', "hunter2xx"),
        ("+export GITHUB_TOKEN=hunter2xx", "hunter2xx"),
        ('+headers = {"Authorization": "hunter2xx"}', "hunter2xx"),
        ("postgresql://mlflow:hunter2xx@db-host/mlflow", "hunter2xx"),
    ],
)
def test_redact_text_hides_nested_and_uri_secrets(text, secret):
    assert secret not in redact_text(text) and "<redacted>" in redact_text(text)
    assert secret not in redact_override(text)
    assert secret not in rerun_command([redact_override(text)])


def test_redact_text_keeps_harmless_values():
    for text in (
        "strategy.signal.z_entry=1.5",
        "data.loader.files=[{path: a.csv, columns: {PX_LAST: MOVE}}]",
        "http://127.0.0.1:5000",
        "postgresql://mlflow@db-host/mlflow",
    ):
        assert redact_text(text) == text


def test_redact_diff_counts_the_lines_it_hid():
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n-x = 1\n+x = 2\n+password = 'pw12345'\n"
    hidden, n = redact_diff(diff)
    assert n == 1 and "pw12345" not in hidden and "+x = 2\n" in hidden
