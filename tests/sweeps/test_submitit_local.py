"""The chunked grid through ``hydra/launcher=submitit_local``: Slurm's launcher, run by its local executor.

The Slurm commands of docs/cluster.md are these with ``submitit_local`` replaced by ``submitit_slurm``.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.sweeps.chunked import ONE_THREAD, assert_chunks_logged, assert_same_sweep, sweep_and_merge

pytestmark = pytest.mark.slow


def test_chunks_through_submitit_local_merge_to_the_unchunked_grid(unchunked, tmp_path):
    if not importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher"):
        if os.environ.get("CI"):
            pytest.fail('hydra-submitit-launcher is missing in CI: .ci/run installs ".[submitit]"')
        pytest.skip('hydra-submitit-launcher is not installed: pip install -e ".[submitit]"')
    out = sweep_and_merge(
        tmp_path, 2, "hydra/launcher=submitit_local", "hydra.launcher.cpus_per_task=1", env=ONE_THREAD
    )
    assert "Submitit 'local' sweep output dir" in out
    multi = tmp_path / "multi"
    jobs = list((multi / ".submitit").glob("*/*_0_log.out"))  # submitit's log of each job (a process)
    assert len(jobs) == 2
    assert_same_sweep(multi / "merged", unchunked)
    assert_chunks_logged(tmp_path, 2)
