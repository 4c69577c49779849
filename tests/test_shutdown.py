"""The entry points' garbage collection: fewer collections, none at exit, and nothing written is lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import atexit, gc, logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.INFO)   # flushed by logging's own exit handler
atexit.register(lambda: print("frozen", gc.get_freeze_count()))  # registered before: runs after
from common.shutdown import batch_gc
batch_gc()
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


def test_run_py_and_the_clis_register_it():
    for path in (
        "run.py",
        "tracking/__main__.py",
        "sweeps/__main__.py",
        "analysis/__main__.py",
        "monitor/__main__.py",
    ):
        main_block = (REPO / path).read_text().split('if __name__ == "__main__":')[1]
        assert "batch_gc()" in main_block, path
