"""The entry points' memory settings: fewer collections, none at exit, nothing lost, freed memory reused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli import REPO

SCRIPT = """
import atexit, gc, logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.INFO)   # flushed by logging's own exit handler
atexit.register(lambda: print("frozen", gc.get_freeze_count()))  # registered before: runs after
from common.shutdown import batch_memory
batch_memory()
print("thresholds", *gc.get_threshold())
cycle = []; cycle.append(cycle)                                   # cyclic garbage left for the end
logging.getLogger("t").info("last line")
"""


def test_exit_freezes_the_heap_and_keeps_the_log(tmp_path):
    log = tmp_path / "t.log"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(log)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:4] == ["thresholds", "50000", "20", "10"]  # not Python's 700, 10, 10
    frozen = int(proc.stdout.split()[-1])
    assert frozen > 1000  # every object moved to the permanent generation before the interpreter ends
    assert log.read_text().strip().endswith("last line")


REUSE = """
import resource, sys
import numpy as np
from common.shutdown import batch_memory
if sys.argv[1] == "batch":
    batch_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(6_000_000).sum()                      # 48 MB, like a 1,000-configuration grid's daily returns, freed
before = faults()
np.ones(6_000_000).sum()                      # the same again: its pages faulted in afresh, or reused
print(faults() - before)
"""


def test_freed_memory_is_reused_without_page_faults():
    huge_pages = 6_000_000 * 8 // (2 << 20)  # the fewest faults a fresh block takes (transparent 2 MiB pages)
    if sys.platform != "linux":
        pytest.skip("glibc's mallopt only")
    faults = {}
    for how in ("batch", "default"):
        proc = subprocess.run(
            [sys.executable, "-c", REUSE, how], cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        faults[how] = int(proc.stdout.split()[-1])
    assert faults["default"] >= huge_pages - 2  # glibc's default maps a block this large afresh each time
    assert faults["batch"] <= 2  # `batch_memory`: the freed block serves the next one


def test_run_py_and_the_clis_register_it():
    for path in (
        "run.py",
        "tracking/__main__.py",
        "sweeps/__main__.py",
        "analysis/__main__.py",
        "monitor/__main__.py",
    ):
        main_block = (REPO / path).read_text().split('if __name__ == "__main__":')[1]
        assert "batch_memory()" in main_block, path
