"""The snapshot file: JSON written atomically, and read back with every field checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fidelity import __version__
from fidelity.files import write_atomic
from fidelity.probe import Gap
from fidelity.snapshot.model import ProbeSnapshot, Snapshot, SnapshotError

FORMAT = "fidelity-snapshot"
VERSION = 1


def to_json(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot file's content."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "environment": snapshot.environment,
        "taken_at": snapshot.taken_at,
        "tool_version": snapshot.tool_version,
        "secret_key_id": snapshot.secret_key_id,
        "probes": {
            name: {
                "type": p.type, "status": p.status, "error": p.error, "data": p.data,
                "gaps": [{"object": g.object, "message": g.message, "path": list(g.segments)}
                         for g in p.gaps],
            }
            for name, p in snapshot.probes.items()
        },
    }


def write(snapshot: Snapshot, path: Path) -> None:
    """Write a snapshot atomically (a temporary file, then a rename), mode 600: it describes production."""
    write_atomic(path, json.dumps(to_json(snapshot), indent=1, ensure_ascii=False) + "\n", private=True)


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
