"""Waiting for a condition that another process brings about, without asserting how long it takes."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(check: Callable[[], bool], seconds: float, every: float = 0.1) -> bool:
    """Whether `check()` became true within `seconds` (a deadline for a loaded machine, not a
    measure of speed), asking every `every` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False
