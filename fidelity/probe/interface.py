"""The probe interface: what every probe type, built-in or third-party, implements."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from fidelity.model import Assessment, Category, Change, DiffChange, FidelityError, ListHint, Severity
from fidelity.probe.describe import describe_change
from fidelity.probe.options import Option
from fidelity.redact import SecretKeeper


class ProbeError(FidelityError):
    """A probe could not collect its data. The message names what failed and what to do."""


@dataclass(frozen=True)
class Gap:
    """Part of what a probe was asked to read that it could not read."""

    object: str
    """What could not be read: a file, a table, a kind."""
    message: str
    """Why, and what to do about it."""
    segments: tuple[str, ...] = ()
    """The subtree below the probe that is unknown; differences inside it are not reported."""


@dataclass(frozen=True)
class ProbeWarning:
    """Something a probe read but that a user should look at; never changes the exit code."""

    object: str
    """What it is about: a file, a table, a kind."""
    message: str
    """What was found and how it was decided; never quotes a value, which may be a secret."""


@dataclass(frozen=True)
class ProbeResult:
    """What one probe collected from one environment."""

    data: dict[str, Any]
    """JSON-native tree; its paths become finding paths below the probe name."""
    gaps: tuple[Gap, ...] = ()
    """Parts that could not be read; any gap makes the audit incomplete (exit 3)."""
    warnings: tuple[ProbeWarning, ...] = ()
    """Things read but doubtful (e.g. a duplicate key); shown in every report, exit code unchanged."""


@dataclass(frozen=True)
class ProbeContext:
    """What a probe gets from the run besides its options."""

    environment: str
    """Name of the environment being probed."""
    secrets: SecretKeeper
    """Fingerprints secret values; the only way a secret may enter a snapshot."""
    base_dir: Path = field(default_factory=Path.cwd)
    """Directory of the config file; relative paths are already resolved against it."""


class Probe(abc.ABC):
    """Collects one part of an environment's snapshot.

    Subclasses declare their type name, category, option schema, default severities
    and list hints as class attributes, and implement `collect`. They register under
    the entry-point group ``fidelity.probes``.
    """

    type_name: ClassVar[str]
    """Name used as `type = ...` in the config."""
    category: ClassVar[Category] = Category.CONFIG
    """Default category of the probe's findings."""
    description: ClassVar[str]
    """One line for `fidelity probes`."""
    option_schema: ClassVar[tuple[Option, ...]] = ()
    """The options this type accepts: config validation and `fidelity probes` read it."""
    severities: ClassVar[Mapping[Change, Severity]] = {
        Change.MISSING: Severity.HIGH,
        Change.EXTRA: Severity.MEDIUM,
        Change.CHANGED: Severity.MEDIUM,
    }
    """Default severity per change kind, when `assess` has nothing more specific."""
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = ()
    """Documented defaults for specific findings, as (what, severity) pairs."""
    list_hints: ClassVar[tuple[ListHint, ...]] = ()
    """Lists to compare as sets or to match by a key field."""
    assess_reads_data: ClassVar[bool] = True
    """Whether `assess` reads the `reference` and `candidate` trees it is given. A probe whose
    `assess` judges a change by the change alone sets it False: `fidelity diff` then parses only
    the parts of two snapshot files whose bytes differ, and gives `assess` the data unparsed
    (`fidelity.snapshot.UnparsedData`)."""
    remote: ClassVar[bool] = False
    """True when the probe spends its time waiting on a server (a database, a cluster, a service):
    an audit then probes its environments side by side, one thread each. Leave it False for a
    probe that computes (parses files): threads would only take turns."""

    def __init__(self, name: str, options: Mapping[str, Any], context: ProbeContext) -> None:
        self.name = name
        """The probe's name: the first segment of its finding paths."""
        self.options = dict(options)
        """This environment's option values, validated against `option_schema` and defaulted."""
        self.context = context
        """What the run gives the probe besides its options."""

    @abc.abstractmethod
    def collect(self) -> ProbeResult:
        """Read the environment. Raise ProbeError when nothing useful could be read."""

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        """Check one environment's options together (each alone already fits `option_schema`), before
        anything is probed; raise `OptionError` saying what to set. The default accepts any."""
        return None

    @classmethod
    def interrupt(cls) -> None:
        """The command was interrupted (Ctrl-C) while probes of this type may still be running in
        other threads, which the process will not wait for: stop what they asked of the environment
        (cancel a server's query), quickly and from any thread. The default does nothing, which is
        right for a probe whose requests end soon by themselves (files, short reads)."""
        return None

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge one change; `reference` and `candidate` are the probe's whole data trees."""
        return Assessment(cls.severities[change.change], cls.category, describe_change(change))
