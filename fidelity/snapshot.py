"""Snapshots: what the probes collected from one environment, and their file format."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fidelity import __version__, registry
from fidelity.config import Config
from fidelity.probe import Gap, ProbeContext, ProbeError
from fidelity.secrets import SecretKeeper

FORMAT = "fidelity-snapshot"
VERSION = 1
MAX_DEPTH = 64
log = logging.getLogger(__name__)


class SnapshotError(Exception):
    """A snapshot file cannot be read or written; the message names the file."""


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
    """The collected tree."""
    gaps: tuple[Gap, ...] = ()
    """Parts the probe could not read."""


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

    def to_json(self) -> dict[str, Any]:
        """The snapshot file's content."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "environment": self.environment,
            "taken_at": self.taken_at,
            "tool_version": self.tool_version,
            "secret_key_id": self.secret_key_id,
            "probes": {
                name: {
                    "type": p.type, "status": p.status, "error": p.error, "data": p.data,
                    "gaps": [{"object": g.object, "message": g.message, "path": list(g.segments)}
                             for g in p.gaps],
                }
                for name, p in self.probes.items()
            },
        }


def plain(value: Any, depth: int = 0) -> Any:
    """A JSON-native copy of probe data: str keys, lists, finite numbers."""
    if depth > MAX_DEPTH:
        raise ProbeError(f"data is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def take(config: Config, environment: str, secrets: SecretKeeper,
         only: Iterable[str] | None = None) -> Snapshot:
    """Run every configured probe (or those in `only`) against one environment."""
    wanted = set(only) if only is not None else None
    probes: dict[str, ProbeSnapshot] = {}
    # Resolve every probe's options first, so a config error stops the run before any probing.
    resolved = [(p, config.probe_options(p, environment)) for p in config.probes
                if wanted is None or p.name in wanted]
    context = ProbeContext(environment=environment, secrets=secrets, base_dir=config.base_dir)
    for probe_config, options in resolved:
        cls = registry.get(probe_config.type)
        assert cls is not None
        log.info("probing %s: %s (%s)", environment, probe_config.name, probe_config.type)
        try:
            result = cls(probe_config.name, options, context).collect()
            probes[probe_config.name] = ProbeSnapshot(
                type=probe_config.type, status="ok", data=plain(result.data), gaps=result.gaps
            )
        except ProbeError as exc:
            probes[probe_config.name] = ProbeSnapshot(type=probe_config.type, status="error",
                                                      error=str(exc))
        except Exception as exc:  # a probe bug must not lose the other probes' work
            log.debug("probe %s crashed", probe_config.name, exc_info=True)
            probes[probe_config.name] = ProbeSnapshot(
                type=probe_config.type, status="error",
                error=f"internal error in probe type {probe_config.type!r}: "
                      f"{type(exc).__name__}: {exc}",
            )
    return Snapshot(
        environment=environment,
        taken_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        tool_version=__version__,
        secret_key_id=secrets.key_id,
        probes=probes,
    )


def write(snapshot: Snapshot, path: Path) -> None:
    """Write a snapshot atomically: a temporary file in the same folder, then a rename."""
    write_atomic(path, json.dumps(snapshot.to_json(), indent=1, ensure_ascii=False) + "\n")


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never half."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> Snapshot:
    """Read and check a snapshot file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: snapshot file not found") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read snapshot: {exc.strerror}") from None
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        raise SnapshotError(f"{path}: not a fidelity snapshot (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: not a fidelity snapshot (invalid JSON at line {exc.lineno}, "
                            f"column {exc.colno})") from None
    return parse(doc, path)


def parse(doc: Any, path: Path) -> Snapshot:
    """Check a decoded snapshot document."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise SnapshotError(f"{path}: not a fidelity snapshot (format is {found!r}, "
                            f"expected {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SnapshotError(f"{path}: snapshot has no valid version number")
    if version > VERSION:
        raise SnapshotError(f"{path}: snapshot version {version} is newer than this fidelity "
                            f"supports ({VERSION}); upgrade fidelity (this is {__version__})")
    try:
        probes = {
            str(name): ProbeSnapshot(
                type=str(p["type"]), status=str(p["status"]), error=p.get("error"),
                data=p.get("data"),
                gaps=tuple(Gap(str(g["object"]), str(g["message"]), tuple(map(str, g.get("path") or ())))
                           for g in p.get("gaps") or ()),
            )
            for name, p in doc["probes"].items()
        }
        snapshot = Snapshot(
            environment=str(doc["environment"]), taken_at=str(doc["taken_at"]),
            tool_version=str(doc.get("tool_version", "unknown")),
            secret_key_id=str(doc.get("secret_key_id", "")), probes=probes,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"{path}: malformed snapshot (missing or wrong field: {exc})") from None
    for name, p in snapshot.probes.items():
        if p.status not in ("ok", "error"):
            raise SnapshotError(f"{path}: probe {name!r} has unknown status {p.status!r}")
    return snapshot
