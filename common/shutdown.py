"""Memory settings of the command-line entry points: fewer collections, none at exit, freed memory kept.

A run imports vectorbt, mlflow, pandas and Hydra: about a million long-lived objects. With Python's
default thresholds (a young collection every 700 allocations, older ones every 10 of those) a
1,000-configuration grid spends about 1.1 s collecting, most of it in full collections over those
imports (measured with `gc.callbacks`: seven full collections, 0.8 s); with a young collection every
50,000 allocations (`THRESHOLDS`, set as the entry point starts), about 0.3 s and one full one. The
grid's peak memory is unchanged (627 MB against 600-629 MB): its arrays are freed by reference
counting as before, and the cyclic garbage a run makes is small against them.

At exit, the interpreter's final collections over those objects take about a second (measured:
`benchmarks/startup.py`), freeing memory that the operating system takes back anyway. `batch_memory`
moves every object to the permanent generation as the last exit handler, so those collections find
nothing to traverse. Files are written and closed by the code itself, and logging's own exit handler
(registered at its import, so run after this one) still flushes its handlers: nothing is lost.

glibc's allocator hands an array above its mmap threshold (dynamic, at most 32 MiB) fresh pages from
the kernel and gives them back when it is freed, so every chunk of a grid pays page faults again for
its temporaries (its decisions alone are 17 MB per 125 configurations). `keep_freed_memory` (glibc's
own `mallopt`) serves blocks up to `MMAP_THRESHOLD` from the heap and keeps up to `TRIM_THRESHOLD` of
freed heap for the next chunk: measured in a fresh process, the simulation of the 1,000-configuration
grid took 12,000 minor page faults instead of 35,000, and ~0.1 s less. Larger blocks (a merged
100,000-configuration grid's returns) are still mapped and unmapped as before; a C library without
`mallopt` keeps its defaults.
"""

from __future__ import annotations

import atexit
import ctypes
import gc

#: Collection thresholds of a command-line run (Python's defaults: 700, 10, 10).
THRESHOLDS = (50_000, 20, 10)
#: Blocks up to this size come from the heap (glibc's default: dynamic, from 128 KiB to 32 MiB).
MMAP_THRESHOLD = 128 << 20
#: Freed memory at the heap's top kept for reuse up to this size (glibc's: twice the mmap threshold).
TRIM_THRESHOLD = 512 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>


def batch_memory() -> None:
    """Collect less often (`THRESHOLDS`), register `gc.freeze` to run at exit, keep freed memory.

    At exit the freeze runs after the exit handlers registered later than this call.
    """
    gc.set_threshold(*THRESHOLDS)
    atexit.register(gc.freeze)
    keep_freed_memory()


def keep_freed_memory() -> bool:
    """Set glibc's `MMAP_THRESHOLD` and `TRIM_THRESHOLD`; False (nothing set) without glibc's `mallopt`."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter runs on
    except (OSError, AttributeError):  # macOS, Windows: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mapped = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(mapped) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
