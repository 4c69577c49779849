"""The Hydra job this process runs: its run folder, and its place in a ``-m`` sweep.

Both modes and the front ask the same questions of Hydra's runtime; outside `@hydra.main` (the notebook
API, a test) there is no job, and the run folder defaults to ``outputs/adhoc``.
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

#: The repository's root (the folder of ``run.py`` and ``conf/``).
REPO_ROOT = Path(__file__).resolve().parent.parent


def output_dir() -> Path:
    """The Hydra run folder, or ``outputs/adhoc`` when called outside `@hydra.main`."""
    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return REPO_ROOT / "outputs" / "adhoc"


def multirun_job() -> tuple[Path, int, list[str]] | None:
    """(sweep folder, job number, job overrides) when this is a job of a ``-m`` sweep, else None."""
    if not HydraConfig.initialized():
        return None
    hc = HydraConfig.get()
    if hc.mode != RunMode.MULTIRUN:
        return None
    return Path(str(hc.sweep.dir)).resolve(), int(hc.job.num), [str(o) for o in hc.overrides.task]
