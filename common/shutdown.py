"""Quick exit for the command-line entry points.

A process that imported vectorbt, mlflow and pandas spends about a second at exit in the interpreter's
final garbage collections over their objects (measured: `benchmarks/startup.py`), freeing memory that
the operating system takes back anyway. `skip_final_collection` moves every object to the permanent
generation as the last exit handler, so those collections find nothing to traverse. Files are written
and closed by the code itself, and logging's own exit handler (registered at its import, so run after
this one) still flushes its handlers: nothing is lost.
"""

from __future__ import annotations

import atexit
import gc


def skip_final_collection() -> None:
    """Register `gc.freeze` to run at exit, after the exit handlers registered later than this call."""
    atexit.register(gc.freeze)
