"""Stage 2, snapshots: each environment as its probes saw it, taken live or read from a file."""

from fidelity.snapshot.fileformat import FORMAT, VERSION, parse, read, to_json, write
from fidelity.snapshot.model import ProbeSnapshot, Snapshot, SnapshotError, UnparsedData
from fidelity.snapshot.take import MAX_DEPTH, plain, take, take_all

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "VERSION",
    "ProbeSnapshot",
    "Snapshot",
    "SnapshotError",
    "UnparsedData",
    "parse",
    "plain",
    "read",
    "take",
    "take_all",
    "to_json",
    "write",
]
