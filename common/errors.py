"""User-facing errors.

A `UserError` is a mistake the user can fix (a bad config value, a malformed CSV, no network for live
data). `run.py` prints it as one short message and exits with status 2; nothing else is written. Every
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A mistake in the user's input, reported without a traceback.

    Args:
        message: What is wrong, naming the offending value.
        key: The config key or file the problem is in, e.g. ``strategy.signal.z_exit``.
        hint: How to fix it.
    """

    def __init__(self, message: str, *, key: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.key = key
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"`{self.key}`: {self.message}" if self.key else self.message
        return f"{head}\n  hint: {self.hint}" if self.hint else head


class ConfigError(UserError):
    """A config value is missing, out of range or inconsistent."""


class DataError(UserError):
    """Market data is missing, malformed or does not cover what was asked."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Suggest the closest of `choices` to `name`, for error hints.

    Args:
        name: What the user typed.
        choices: The valid names.

    Returns:
        ``" Did you mean `x`?"`` or an empty string when nothing is close.

    >>> did_you_mean("move_vix_wedg", ["move_vix_wedge", "sixty_forty"])
    ' Did you mean `move_vix_wedge`?'
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" Did you mean `{close[0]}`?" if close else ""
