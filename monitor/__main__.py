"""``python -m monitor``: what every signal says on the latest data.

Usage::

    python -m monitor [KEY=VALUE ...]                 every signal preset of conf/strategy
    python -m monitor strategy=term_premium,yield_shock data=live
    python -m monitor --run <MLflow run id>           a tracked run's exact config, on the latest data
    python -m monitor --changed                       only the signals whose state changed since the
                                                      previous run; exit status 1 when one turned on

The overrides are run.py's (``data=``, ``strategy=``, any key); ``monitor.state_dir`` is where
``--changed`` keeps the previous states. Per signal: on or off and since when, the score against its
entry and exit thresholds and the distance to the next trigger, each input's last date, the coverage
and the target weights for the next close. Written to ``outputs/monitor/<date>/<time>/results``
(table, JSON, CSV, PNG, a self-contained HTML page) and logged to MLflow as a run tagged
``mode=monitor``. Bad input: one message, exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from common.errors import UserError
from common.shutdown import batch_memory
from monitor.core import Request, run
from tracking.background import prewarm, tracked_argv


def parse(argv: Sequence[str]) -> Request:
    """The request in `argv`: ``--run <id>`` / ``--run=<id>``, ``--changed``, and Hydra overrides.

    Raises:
        UserError: An unknown flag, or ``--run`` without an id.
    """
    overrides, run_id, changed = [], None, False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--changed":
            changed = True
        elif a == "--run" or a.startswith("--run="):
            run_id = a.partition("=")[2] if "=" in a else (args.pop(0) if args else "")
            if not run_id or run_id.startswith("-"):
                raise UserError("`--run` needs an MLflow run id, e.g. --run 3f2a9c...")
        elif a.startswith("-"):
            raise UserError(f"unknown option `{a}` (python -m monitor --help lists them).")
        else:
            overrides.append(a)
    return Request(tuple(overrides), run_id, changed)


def main(argv: Sequence[str]) -> int:
    """``python -m monitor [--run ID] [--changed] [overrides]``; returns the exit status."""
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    try:
        return run(parse(argv))
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    batch_memory()
    if tracked_argv(sys.argv[1:]):
        prewarm()  # the tracking worker imports mlflow while the signals are assessed
    sys.exit(main(sys.argv[1:]))
