"""The `data` option of the postgres probe: the SDK's, shared with the other database probes."""

from fidelity.probe.shape.options import DataOptions, check, parse

__all__ = ["DataOptions", "check", "parse"]
