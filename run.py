"""Backtest a regime-signal strategy: `python run.py strategy=move_vix_wedge`.

Thin by design: Hydra composes the config from conf/ and `pipeline.run.run(cfg)` does the work.
`python run.py --help` lists the config groups and options; `--cfg job` prints the composed config.
"""

import sys

import hydra
from omegaconf import DictConfig

from common.shutdown import skip_final_collection
from pipeline.cli import check_group_choices


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Run one backtest (or one job of a `-m` sweep); returns the Sharpe ratio for sweepers."""
    from pipeline.run import main_cli  # lazy: pandas and the pipeline cost ~1 s; `--help` needs neither

    return main_cli(cfg)


if __name__ == "__main__":
    skip_final_collection()  # about a second less at exit (common/shutdown.py)
    check_group_choices(sys.argv[1:])
    main()
