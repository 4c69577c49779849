"""``python -m analysis``: the event study of a strategy's signal, printed to the terminal.

Composes the Hydra config exactly as ``run.py`` does, with the same overrides::

    python -m analysis strategy=move_vix_wedge
    python -m analysis strategy=yield_breakout strategy.signal.level=5.0 data.start=2010-01-01
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException

from analysis.event_study import render, study
from common.errors import UserError
from common.shutdown import skip_final_collection
from pipeline.backtest import prepare_inputs
from pipeline.cli import CONF
from pipeline.data import load_market
from pipeline.plan import make_plan


def main(argv: Sequence[str]) -> int:
    """``python -m analysis [hydra overrides]``: compose the config, print the study."""
    try:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(argv))
        plan = make_plan(cfg)
        if plan.signal is None:
            print(f"error: strategy `{plan.name}` has no signal to study.", file=sys.stderr)
            return 2
        market = load_market(cfg)
        inputs = prepare_inputs(plan, market, start=cfg.data.start, end=cfg.data.end)
    except (UserError, HydraException) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    ev = study(inputs.signal.risk_off, inputs.prices["equity"])
    print(render(ev, plan.name))
    return 0


if __name__ == "__main__":
    skip_final_collection()
    sys.exit(main(sys.argv[1:]))
