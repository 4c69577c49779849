"""Every example of the README and the docs runs as written.

Python blocks run as a script (one subprocess per block); each ``python run.py ...`` and ``python -m ...``
command of a shell block runs in a subprocess. All of them share one working folder and one MLflow
store of their own (``MLFLOW_TRACKING_URI``), so a command that reads runs (``python -m tracking
compare``) sees those the commands before it logged, as a reader following the pages would. A command
that cannot run here (the network, a cluster, a placeholder) is listed in `NOT_RUN` with the reason; a
command neither run nor listed fails `test_every_command_is_run_or_listed`. The Extending page's blocks
are run by `test_extending.py`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.markdown import PAGES, REPO, Block, blocks, commands

SHELL = ("bash", "sh", "shell", "console")
#: Pages whose blocks another test runs.
ELSEWHERE = ("extending.md",)

#: Commands not run here, by a substring that identifies them, and why.
NOT_RUN = {
    "pip install": "CI installs the project as the Quickstart does (.ci/run)",
    "python -m pytest": "CI runs it (.ci/run)",
    "<": "a placeholder for a value of your own (a run id, a folder, a host)",
    "data=yfinance": "downloads from Yahoo: tests never touch the network",
    "data=live": "downloads from Yahoo, FRED and the NY Fed: tests never touch the network",
    "my_move.csv": "reads files of your own",
    "prices.csv": "reads files of your own",
    "/shared/sweeps": "a cluster's shared folder (tests/sweeps/test_ray_cluster.py, test_submitit_local.py)",
    "/tmp/wedge-ray": "a Ray cluster (tests/sweeps/test_ray_cluster.py runs these commands)",
    "mlflow-host": "a team server of your own (tests/tracking/test_postgres_server.py)",
    "scripts/ray_local.py": "starts a Ray cluster (tests/sweeps/test_ray_cluster.py runs these commands)",
    "benchmarks/": "a benchmark: timed on a quiet machine, never in a test",
}

#: Commands that fail today, with the issue that tracks them: run, and expected to fail (strict).
KNOWN_BROKEN: dict[str, str] = {}

#: Exit codes a command documents besides 0.
EXIT_CODES = {"python -m monitor --changed": (0, 1)}


def _pages() -> list[Path]:
    return [p for p in PAGES if p.name not in ELSEWHERE]


def _runnable(command: str) -> bool:
    words = shlex.split(command)
    return words[:2] == ["python", "run.py"] or (words[:2] == ["python", "-m"] and len(words) > 2)


def all_commands() -> list[tuple[str, str]]:
    """(where, command) for each distinct command of the shell blocks, in page order."""
    seen, out = set(), []
    for page in _pages():
        for b in blocks(page):
            if b.lang not in SHELL:
                continue
            for c in commands(b):
                for part in c.split(" '&&' "):  # the Quickstart's `install && python run.py`
                    if part not in seen:
                        seen.add(part)
                        out.append((b.where, part))
    return out


def _not_run(command: str) -> str | None:
    return next((why for key, why in NOT_RUN.items() if key in command), None)


def _python_blocks() -> list[Block]:
    seen, out = set(), []
    for page in _pages():
        for b in blocks(page):
            if b.lang == "python" and b.text not in seen:
                seen.add(b.text)
                out.append(b)
    return out


def _case(where: str, command: str):
    marks = [pytest.mark.xfail(strict=True, reason=why) for k, why in KNOWN_BROKEN.items() if k in command]
    return pytest.param(command, id=f"{where} {command}"[:120], marks=marks)


RUN = [_case(w, c) for w, c in all_commands() if _runnable(c) and _not_run(c) is None]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """One working folder and one MLflow store for all the examples; the environment they run in."""
    root = tmp_path_factory.mktemp("docs-examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env |= {"PYTHONPATH": str(REPO), "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db"}
    env["MPLBACKEND"] = "Agg"
    return root, env


@pytest.fixture(scope="module")
def project_outputs():
    """`Result.log()` and the monitor write under the project's `outputs/` whatever the working folder
    (`outputs/api/`, `outputs/monitor/` and its `state.json`): put back what was there, remove the rest."""
    folder = REPO / "outputs"
    before = set(folder.rglob("*")) if folder.exists() else set()
    kept = {p: p.read_bytes() for p in before if p.name == "state.json"}  # rewritten by every monitor run
    yield
    for p in sorted(set(folder.rglob("*")) - before, reverse=True) if folder.exists() else []:
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    for p, data in kept.items():
        p.write_bytes(data)


def test_every_command_is_run_or_listed():
    for where, command in all_commands():
        if not command.startswith("python "):
            continue  # another program's command (ray, mlflow, export): the project's are python's
        assert _runnable(command) or _not_run(command), (
            f"{where}: `{command}` is neither run by this test nor listed in NOT_RUN with a reason"
        )


def test_each_reason_not_to_run_still_applies():
    listed = [c for _, c in all_commands()]
    for key in [*NOT_RUN, *KNOWN_BROKEN]:
        assert any(key in c for c in listed), f"`{key}` matches no command of the docs: remove it"


@pytest.mark.slow
@pytest.mark.parametrize("command", RUN)
def test_the_command_runs_as_written(command, reader, project_outputs):
    root, env = reader
    words = shlex.split(command)
    script = [str(REPO / "run.py")] if words[1] == "run.py" else [words[1]]
    argv = [sys.executable, *script, *words[2:]]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    ok = EXIT_CODES.get(command, (0,))
    output = f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert done.returncode in ok, f"`{command}` exited {done.returncode}\n{output}"
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("block", _python_blocks(), ids=lambda b: b.where)
def test_the_python_example_runs_as_written(block, reader, project_outputs):
    root, env = reader
    # as a notebook's cell runs (no file behind __main__): a saved script's worker re-imports it (issue 39)
    done = subprocess.run(
        [sys.executable, "-c", block.text], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{block.where}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
