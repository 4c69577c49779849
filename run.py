"""Backtest a regime-signal strategy: `python run.py strategy=move_vix_wedge`.

Thin by design: Hydra composes the config from conf/ and `pipeline.run.run(cfg)` does the work.
`python run.py --help` lists the config groups and options; `--cfg job` prints the composed config.
A notebook gets the same through `from pipeline import api; api.backtest("move_vix_wedge")`.
"""

import os
import sys

import hydra
from omegaconf import DictConfig

from common.shutdown import batch_memory
from pipeline.cli import check_sweep, composition_error, front_door, skip_mode_probe
from pipeline.cluster import check_launcher
from tracking.background import prewarm, tracked_argv


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Run one backtest (or one job of a `-m` sweep); returns the Sharpe ratio for sweepers."""
    from hydra.core.hydra_config import HydraConfig

    from pipeline.cli import exact_mappings
    from pipeline.run import main_cli  # lazy: pandas and the pipeline cost ~1 s; `--help` needs neither

    exact_mappings(cfg, list(HydraConfig.get().overrides.task))  # a mapping override is the mapping
    return main_cli(cfg)


if __name__ == "__main__":
    batch_memory()  # fewer collections, none at exit, freed memory reused (common/shutdown.py)
    if tracked_argv(sys.argv[1:]):
        prewarm()  # the tracking worker imports mlflow while this process composes and loads
    sys.argv[1:] = front_door(sys.argv[1:])  # unknown group options exit 2; mapping overrides replace
    check_launcher(sys.argv[1:])  # a Ray sweep: Ray installed, a cluster at the address (one line, exit 2)
    check_sweep(sys.argv[1:])  # a -m sweep validates every job first: one bad value, nothing runs
    skip_mode_probe(sys.argv[1:])  # Hydra composes once, not twice, when nothing sets hydra.mode
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")  # composition errors reach us (below), not Hydra's printer
    try:
        main()
    except Exception as exc:
        message = composition_error(exc, sys.argv[1:])
        if message is None:
            raise
        print(message, file=sys.stderr)
        sys.exit(2)
