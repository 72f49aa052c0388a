"""Python's cyclic garbage collector paused while a command builds large acyclic data.

A snapshot's probes make tens of thousands of dicts and lists that form no cycle, and so does the
protecting walk that copies them; each collection the interpreter starts on the way passes over all
of them again (about a tenth of a large snapshot's CPU), to find nothing. Reference counting still
frees everything as usual; only cycles wait until the collector is on again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic collector off inside, and on again after if it was on before (nesting is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
