"""Snapshots: what the probes collected from one environment at one moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fidelity.model import FidelityError
from fidelity.probe import Gap, ProbeWarning


class SnapshotError(FidelityError):
    """A snapshot file cannot be read or written; the message names the file."""


@dataclass(frozen=True, eq=False)
class UnparsedData:
    """A probe's data object as the text its snapshot file holds."""

    text: bytes = field(repr=False)
    """The snapshot file's bytes."""
    start: int
    """Where the object starts in `text` (its `{`)."""
    end: int
    """Where it ends (past its `}`)."""
    path: Path
    """The snapshot file, to read again the usual way when the text must be parsed."""
    probe: str
    """The probe's name in that file."""
    canonical: bool
    """The file was checked to be in the canonical layout, so its lines can be trusted."""
    first: tuple[bytes, Path] | None = field(default=None, repr=False)
    """Another file's bytes and path, read the usual way first when this data fails a check (the
    reference, for a candidate's data): the fault named is then the one `read` would name."""

    def leaves(self) -> int:
        """Leaves of the object as `count_leaves` counts them, from its lines, which must be
        `canonical`. A container of m members holds m - 1 commas that end lines, and every container
        but this one is a member, so the lines ending in a comma number members - containers =
        leaves - 1 (a raw newline is never inside a JSON string: no comma before one is a string's)."""
        return self.text.count(b",\n", self.start, self.end) + 1


@dataclass(frozen=True)
class ProbeSnapshot:
    """One probe's part of a snapshot."""

    type: str
    """Probe type name."""
    status: str
    """'ok' or 'error'."""
    error: str | None = None
    """Why the probe failed, when status is 'error'."""
    data: Any = None
    """The collected tree (an `UnparsedData` only when read by `read_unparsed`)."""
    gaps: tuple[Gap, ...] = ()
    """Parts the probe could not read."""
    warnings: tuple[ProbeWarning, ...] = ()
    """Things the probe read but flagged; they never make the audit incomplete."""
    checked: bool = field(default=False, compare=False, repr=False)
    """`data` is as `snapshot.take` made it, of exact JSON types only, with floats any JSON writer
    writes alike (`fidelity.redact.tree.protect_checked`): the file writer need not check it again."""


@dataclass(frozen=True)
class Snapshot:
    """Everything the probes collected from one environment at one moment."""

    environment: str
    """Environment name."""
    taken_at: str
    """ISO-8601 UTC time."""
    tool_version: str
    """fidelity version that took it."""
    secret_key_id: str
    """Id of the key secret fingerprints were made with."""
    probes: Mapping[str, ProbeSnapshot] = field(default_factory=dict)
    """Probe name to its part."""
