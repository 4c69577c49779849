"""The run folder, made before Hydra makes it: one message when it cannot be, and only it removed on failure.

A folder that cannot be made is one message (exit 2), and a run that fails on bad input removes only
what it made, never a folder the user had (even an empty one).

`RunFolders` is a Hydra callback (``conf/config.yaml``, ``hydra.callbacks``, first): at the start of a run
(or a ``-m`` sweep) it creates ``hydra.run.dir`` (``hydra.sweep.dir``) itself, noting which folders did
not exist before, and what the run folder already held. `discard` removes exactly those.
Importing this module is cheap (Hydra instantiates callbacks on every run, ``--help`` included).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


@dataclass
class Made:
    """What this process made for its run folder.

    Attributes:
        folder: The run folder.
        created: The folders that did not exist before, deepest first (the run folder first, if new).
        held: What the run folder held before (names), when it existed.
    """

    folder: Path
    created: list[Path] = field(default_factory=list)
    held: set[str] = field(default_factory=set)


_MADE: dict[Path, Made] = {}


def make(folder: Path, key: str) -> Made:
    """Create `folder` and its missing parents; note what was made.

    Raises:
        SystemExit: 2, with one message naming `key` and the folder, when it cannot be made.
    """
    folder = folder.absolute()
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    made = Made(folder, created=missing)
    try:
        made.held = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{id(made)}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        for p in missing:  # what we made before the error, deepest first
            with contextlib.suppress(OSError):
                p.rmdir()
        print(
            f"error: `{key}`: cannot write the run folder {folder} ({exc.strerror or exc}).\n"
            f"  hint: choose a folder you can write, e.g. {key}=/tmp/my-run, "
            "or run from a writable directory",
            file=sys.stderr,
        )
        sys.exit(2)
    _MADE[folder] = made
    return made


def discard(folder: Path) -> None:
    """Remove what this process made for `folder`'s run (it failed on bad input): nothing else.

    Only Hydra's own files (``.hydra/`` and the job log) that were not there before are removed, then
    the folders this process created, deepest first, while they are empty. A folder the user had
    (``hydra.run.dir=my_runs/x`` where ``my_runs`` existed, empty or not) stays.
    """
    folder = folder.absolute()
    inside = any(p in _MADE for p in folder.parents)  # a sweep's job folder, made in the sweep's folder
    made = _MADE.get(folder, Made(folder, created=[folder] if inside else []))
    if not folder.is_dir():
        return
    new = [p for p in folder.iterdir() if p.name not in made.held]
    if not all(p.name == ".hydra" or p.suffix == ".log" for p in new):
        return  # the run wrote results: they are the user's now
    for p in new:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in made.created:
        try:
            p.rmdir()
        except OSError:  # not empty: another run of the day is there
            break


class RunFolders(Callback):
    """Hydra callback: make the run (or sweep) folder before Hydra does, as `make` says."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """A single run: ``hydra.run.dir``."""
        make(Path(str(config.hydra.run.dir)), "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """A sweep: ``hydra.sweep.dir`` (its jobs' folders are made by the launcher inside it)."""
        make(Path(str(config.hydra.sweep.dir)), "hydra.sweep.dir")
