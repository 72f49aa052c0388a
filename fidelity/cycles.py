"""Python's cyclic garbage collector, kept out of the way of a command's work.

A snapshot's probes make tens of thousands of dicts and lists that form no cycle, and so does the
protecting walk that copies them; each collection the interpreter starts on the way passes over all
of them again (about a tenth of a large snapshot's CPU), to find nothing. Reference counting still
frees everything as usual; only cycles wait until the collector is on again.

Importing the CLI and its stages makes the same kind of objects (some 20,000 functions, classes
and dicts, all kept until the process ends), and so do the diff and the findings; at the
collector's default pace (a pass every 700 new containers) a small command starts about fifty
passes over them, to find nothing. `for_a_command` slows that pace for the rest of the process: collections
still happen, so cycles made by a long audit (a driver's, an exception's) are still freed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: A pass every this many new containers (the default is 700); older generations as by default.
COMMAND_THRESHOLD = 50_000


def for_a_command() -> None:
    """The collector's pace for a whole `fidelity` process: called first, before the CLI is imported."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(COMMAND_THRESHOLD, older, oldest)


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
