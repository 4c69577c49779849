"""``python -m analysis``: the event study of a strategy's signal, printed to the terminal.

Composes the Hydra config exactly as ``run.py`` does (through `pipeline.api`), with the same overrides::

    python -m analysis strategy=move_vix_wedge
    python -m analysis strategy=yield_breakout strategy.signal.level=5.0 data.start=2010-01-01
    python -m analysis signal=term_premium
    python -m analysis strategy=auction_stress --levels=VIX,MOVE   # also the levels' moves 1-5 days after

and the catalogue verdict (`pipeline.catalogue`): every family's default grid (``conf/catalogue/``),
one SPA and StepM over all their configurations against 60/40 and the volatility target, BY q-values
over every event-study p-value::

    python -m analysis verdicts
    python -m analysis verdicts catalogue=reduced tracking=disabled
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from analysis.event_study import render, render_levels
from common.errors import UserError
from common.shutdown import batch_memory
from pipeline import api


def main(argv: Sequence[str]) -> int:
    """``python -m analysis [hydra overrides]``: compose the config, print the study."""
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    if argv[:1] == ["verdicts"]:
        return verdicts(argv[1:])
    levels = [a.split("=", 1)[1] for a in argv if a.startswith("--levels=")]
    overrides = [a for a in argv if not a.startswith("--levels=")]
    try:
        name = api.compose(None, overrides).strategy.name
        ev = api.event_study(None, overrides)
        moves = api.spillover(None, overrides, columns=levels[-1].split(",")) if levels else None
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(render(ev, str(name)))
    if moves is not None:
        print(render_levels(moves))
    return 0


def verdicts(argv: Sequence[str]) -> int:
    """``python -m analysis verdicts [overrides]``: the catalogue verdict; exit 2 on bad input."""
    # lazy: the catalogue brings the grid's engine; `python -m analysis <event study>` must not load it
    from pipeline.catalogue import run

    try:
        run(argv)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    batch_memory()
    sys.exit(main(sys.argv[1:]))
