"""Run a benchmark's measurement in a fresh interpreter, so that its peak memory is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_child(script: str, argument: str) -> dict[str, Any]:
    """`python <script> --child <argument>`; the child prints its measurement as one JSON object."""
    result = subprocess.run([sys.executable, script, "--child", argument], capture_output=True, text=True,
                            check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    measured: dict[str, Any] = json.loads(result.stdout)
    return measured
