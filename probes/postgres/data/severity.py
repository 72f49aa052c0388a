"""Judging the postgres probe's data-shape fingerprints: the SDK's, shared with the other probes."""

from fidelity.probe.shape.judge import assess

__all__ = ["assess"]
