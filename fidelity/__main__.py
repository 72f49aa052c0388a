"""`python -m fidelity`."""

from fidelity.cli import run

run()
