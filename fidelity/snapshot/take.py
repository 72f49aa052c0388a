"""Taking snapshots: run each selected probe against one environment, and keep what it read."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable
from typing import Any

from fidelity import __version__
from fidelity.config import Config, resolve_probes
from fidelity.probe import ProbeContext, ProbeError, registry
from fidelity.redact import SecretKeeper
from fidelity.snapshot.model import ProbeSnapshot, Snapshot

MAX_DEPTH = 64
log = logging.getLogger(__name__)


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
    probes: dict[str, ProbeSnapshot] = {}
    resolved = resolve_probes(config, environment, only)  # config errors surface before any probing
    context = ProbeContext(environment=environment, secrets=secrets, base_dir=config.base_dir)
    for probe_config, options in resolved:
        cls = registry.get(probe_config.type)
        assert cls is not None
        log.info("probing %s: %s (%s)", environment, probe_config.name, probe_config.type)
        try:
            result = cls(probe_config.name, options, context).collect()
            probes[probe_config.name] = ProbeSnapshot(
                type=probe_config.type, status="ok", data=plain(result.data), gaps=result.gaps,
                warnings=result.warnings,
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


def take_all(config: Config, environments: Iterable[str], only: Iterable[str] | None = None
             ) -> list[Snapshot]:
    """Snapshot several environments under one secret key, so that their secrets compare."""
    keeper = SecretKeeper()
    names = list(environments)
    selected = list(only) if only is not None else None
    for name in names:  # surface every config error before the first probe runs
        resolve_probes(config, name, selected)
    return [take(config, name, keeper, selected) for name in names]
