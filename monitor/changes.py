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

from common.errors import ConfigError
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


def read_states(folder: Path, key: str = "monitor.state_dir") -> dict[str, dict[str, Any]]:
    """The previous run's states (empty when there is no state file yet), checked before any work.

    The folder must be a folder this process can write (or be creatable), and a state file there must
    be one this module wrote: a JSON object of ``{"risk_off": bool, ...}`` objects.

    Raises:
        ConfigError: Naming `key` and the folder or file, and how to fix it.
    """
    folder = Path(folder)
    path = folder / STATE_FILE
    _check_writable(folder, key)
    if not path.exists():
        return {}
    fix = f"delete {path} (the next run writes a new one; --changed then reports every signal as new)"
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the state file {path} cannot be read ({exc}).", key=key, hint=fix) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("risk_off"), bool) for v in data.values()
    ):
        raise ConfigError(
            f"the state file {path} is not a monitor's state file (a JSON object of "
            '{"risk_off": true|false, ...} per signal).',
            key=key,
            hint=fix,
        )
    return data


def _check_writable(folder: Path, key: str) -> None:
    """`folder` is a folder that can be written, or can be created below one that can."""
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    where = f"`{key}` is {folder}"
    if not existing.is_dir():
        raise ConfigError(
            f"{existing} is a file, not a folder.",
            key=key,
            hint=f"point {key} at a folder (it is created if missing); {where}",
        )
    try:
        probe = Path(tempfile.mkstemp(dir=existing, prefix=".state-probe-")[1])
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"cannot write in {existing} ({exc.strerror or exc}).",
            key=key,
            hint=f"point {key} at a folder you can write; {where}",
        ) from None


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
