"""Command-line checks that run before Hydra: unknown config-group choices, with suggestions."""

from __future__ import annotations

import sys
from pathlib import Path

from common.errors import did_you_mean

CONF = Path(__file__).resolve().parent.parent / "conf"


def choices(group: str) -> list[str]:
    """The option names of a config group (the YAML files in ``conf/<group>/``)."""
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def unknown_choice(override: str) -> str | None:
    """An error message if `override` (``group=a,b``) names an option the group lacks, else None.

    >>> unknown_choice("strategy=move_vix_wedg").splitlines()[0]
    'error: `strategy=move_vix_wedg`: there is no strategy `move_vix_wedg`. Did you mean `move_vix_wedge`?'
    """
    if "=" not in override or override.startswith(("-", "+", "~", "hydra")):
        return None
    group, _, value = override.partition("=")
    if "." in group or "/" in group or not (CONF / group).is_dir() or value in ("", "null"):
        return None
    if value.startswith(("choice(", "range(", "glob(", "[")):
        return None
    opts = choices(group)
    for v in value.split(","):
        if v not in opts:
            return (
                f"error: `{override}`: there is no {group} `{v}`.{did_you_mean(v, opts)}\n"
                f"  available: {', '.join(opts)}"
            )
    return None


def check_group_choices(argv: list[str]) -> None:
    """Exit with status 2 and a helpful message if any override picks an unknown group option."""
    for arg in argv:
        msg = unknown_choice(arg)
        if msg:
            print(msg, file=sys.stderr)
            sys.exit(2)
