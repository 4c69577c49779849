"""``--changed``: the states of the previous monitor run, kept in a JSON file, and what changed since.

The file (``<monitor.state_dir>/state.json``) maps each row's label to its state on the report date::

    {"move_vix_wedge": {"risk_off": true, "since": "2026-08-03", "as_of": "2026-08-21"}, ...}

Every monitor run rewrites it, so "changed" means changed since the previous run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.state import SignalState

STATE_FILE = "state.json"


@dataclass(frozen=True)
class Change:
    """A signal whose state differs from the previous run's.

    Attributes:
        name: The row's label.
        before: The previous state (None: the signal was not in the previous run).
        after: The state now.
    """

    name: str
    before: bool | None
    after: bool

    @property
    def turned_on(self) -> bool:
        """Risk-off now, and not before (a signal new to the file counts when it is on)."""
        return self.after and not self.before


def snapshot(states: Iterable[SignalState]) -> dict[str, dict[str, Any]]:
    """The state file's content for these states."""
    return {
        s.name: {"risk_off": s.risk_off, "since": str(s.since.date()), "as_of": str(s.as_of.date())}
        for s in states
    }


def read_states(folder: Path) -> dict[str, dict[str, Any]]:
    """The previous run's states (empty when there is no state file yet)."""
    path = Path(folder) / STATE_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def write_states(folder: Path, states: Iterable[SignalState]) -> Path:
    """Write the state file atomically (a crash leaves the previous one whole); return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(snapshot(states), f, indent=2, sort_keys=True)
    os.replace(tmp, path)
    return path


def changes(previous: Mapping[str, Mapping[str, Any]], states: Iterable[SignalState]) -> list[Change]:
    """The signals whose state is not the one in `previous` (new signals included)."""
    out = []
    for s in states:
        before = previous.get(s.name, {}).get("risk_off")
        if before is None or bool(before) != s.risk_off:
            out.append(Change(s.name, None if before is None else bool(before), s.risk_off))
    return out


def exit_status(found: Iterable[Change]) -> int:
    """1 when a signal turned on (for cron or CI to alert on), else 0."""
    return 1 if any(c.turned_on for c in found) else 0
