"""``python -m sweeps merge <multirun folder>``: merge the chunks of a scaled-out grid into one sweep.

Example::

    python run.py -m experiment=wedge_grid grid.n_chunks=4 grid.chunk=0,1,2,3 hydra/launcher=joblib
    python -m sweeps merge multirun/<date>/<time>
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.errors import UserError
from common.shutdown import batch_memory
from sweeps.merge import merge
from tracking.background import TrackingError
from tracking.tracked import resync_hint


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sweeps", description="Grid sweeps from the command line."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{merge}")
    m = sub.add_parser("merge", help="merge the chunks of a scaled-out grid into one sweep summary")
    m.add_argument("folder", type=Path, help="the multirun folder holding the chunk jobs")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        merge(args.folder)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except TrackingError as err:  # the merge is written; the store was down: resync later
        print(resync_hint(err, args.folder / "merged"), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    batch_memory()
    sys.exit(main())
