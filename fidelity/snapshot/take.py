"""Taking snapshots: run each selected probe against one environment, and keep what it read."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fidelity import __version__
from fidelity.config import Config, resolve_probes
from fidelity.cycles import no_cycle_collection
from fidelity.probe import Gap, ProbeContext, ProbeError, ProbeWarning, registry
from fidelity.redact import SecretKeeper, mask_text
from fidelity.redact.reused import mask_reused, may_hold
from fidelity.redact.tree import MAX_DEPTH as MAX_DEPTH
from fidelity.redact.tree import TreeTooDeep, protect_checked, protect_path
from fidelity.snapshot.model import ProbeSnapshot, Snapshot

log = logging.getLogger(__name__)
#: Environments probed at once at most, so that an audit of many candidates opens no more
#: connections to shared servers than a few environments would.
SIDE_BY_SIDE = 4


def plain(value: Any, secrets: SecretKeeper | None = None) -> Any:
    """A JSON-native copy of probe data (str keys, lists, finite numbers) in one walk that, given the
    run's keeper, also replaces every secret found by its shape with its keyed fingerprint, and then
    every other appearance of a secret the keeper fingerprinted: the data as a snapshot records it."""
    data = _checked(value, secrets)[0]
    if secrets is not None:
        _mask_known(data, secrets)
    return data


def _checked(value: Any, secrets: SecretKeeper | None) -> tuple[Any, bool]:
    """`plain(value, secrets)`, and whether it holds only what any JSON writer writes alike."""
    try:
        return protect_checked(value, secrets, MAX_DEPTH)
    except TreeTooDeep as exc:
        raise ProbeError(str(exc)) from None


def _masked_gap(gap: Gap, secrets: SecretKeeper) -> Gap:
    """A gap whose message holds no secret and whose segments match the protected data's paths."""
    return Gap(object=mask_text(gap.object), message=mask_text(gap.message),
               segments=protect_path(gap.segments, secrets))


def _masked_warning(warning: ProbeWarning) -> ProbeWarning:
    """A warning whose text holds no secret (it names keys, and a key may carry one)."""
    return ProbeWarning(object=mask_text(warning.object), message=mask_text(warning.message))


def _masked_error(part: ProbeSnapshot) -> ProbeSnapshot:
    """A failed probe's error message without the secrets an exception may quote."""
    return dataclasses.replace(part, error=mask_text(part.error)) if part.error else part


def take(config: Config, environment: str, secrets: SecretKeeper,
         only: Iterable[str] | None = None, *, reused: bool = True) -> Snapshot:
    """Run every configured probe (or those in `only`) against one environment; then, unless
    `reused` is False (`take_all` does it once for every environment), fingerprint wherever else it
    is written every secret the keeper fingerprinted."""
    probes: dict[str, ProbeSnapshot] = {}
    resolved = resolve_probes(config, environment, only)  # config errors surface before any probing
    context = ProbeContext(environment=environment, secrets=secrets, base_dir=config.base_dir)
    for probe_config, options in resolved:
        cls = registry.get(probe_config.type)
        assert cls is not None
        log.info("probing %s: %s (%s)", environment, probe_config.name, probe_config.type)
        started = time.perf_counter()
        try:
            with no_cycle_collection():  # the data and its copy form no cycles
                result = cls(probe_config.name, options, context).collect()
                data, checked = _checked(result.data, secrets)
            probes[probe_config.name] = ProbeSnapshot(
                type=probe_config.type, status="ok", data=data, checked=checked,
                gaps=tuple(_masked_gap(gap, secrets) for gap in result.gaps),
                warnings=tuple(_masked_warning(w) for w in result.warnings),
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
        log.info("time: probe %s/%s: %.3f s", environment, probe_config.name, time.perf_counter() - started)
    probes = {name: _masked_error(part) for name, part in probes.items()}
    if reused:
        _mask_reused(probes.values(), secrets)
    return Snapshot(
        environment=environment,
        taken_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        tool_version=__version__,
        secret_key_id=secrets.key_id,
        probes=probes,
    )


def take_all(config: Config, environments: Iterable[str], only: Iterable[str] | None = None
             ) -> list[Snapshot]:
    """Snapshot several environments under one secret key, so that their secrets compare.

    When a probe waits on a server (`Probe.remote`: a database, a cluster, a service), the
    environments are probed side by side, one thread each (SIDE_BY_SIDE at most), so that one
    environment's waits overlap the other's; probes that only compute (files) run one environment
    after the other, as threads would only take turns. Each environment's probes run in order, and
    the snapshots come back in the order of `environments`."""
    keeper = SecretKeeper()
    names = list(environments)
    selected = list(only) if only is not None else None
    types = {probe_config.type for name in names  # surface every config error before the first probe runs
             for probe_config, _ in resolve_probes(config, name, selected)}
    remote = any(getattr(registry.get(type_name), "remote", False) for type_name in types)
    if len(names) < 2 or not remote:
        taken = [take(config, name, keeper, selected, reused=False) for name in names]
    else:
        pool = ThreadPoolExecutor(max_workers=min(len(names), SIDE_BY_SIDE),
                                  thread_name_prefix="fidelity-env")
        try:
            futures = [pool.submit(take, config, name, keeper, selected, reused=False) for name in names]
            taken = [future.result() for future in futures]
        except BaseException:  # Ctrl-C or a crash: do not wait for the other environments' probes,
            for type_name in sorted(types):  # but stop what they asked of the servers
                probe_type = registry.get(type_name)
                if probe_type is not None:
                    probe_type.interrupt()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    for snapshot in taken:  # a secret first met in one environment may be written in another
        _mask_reused(snapshot.probes.values(), keeper)
    return taken


def _mask_reused(parts: Iterable[ProbeSnapshot], secrets: SecretKeeper) -> None:
    """Every secret the run fingerprinted (`SecretKeeper.fingerprinted`: below a secret-looking name,
    found by its shape, a Kubernetes Secret's data...) fingerprinted wherever else it is written, in
    any probe's data: a password that a config file holds under `password` and a view definition
    repeats is a secret in both."""
    for part in parts:
        if part.data is not None:
            _mask_known(part.data, secrets)


def _mask_known(data: Any, secrets: SecretKeeper) -> None:
    """`data` with every appearance of a secret the keeper fingerprinted fingerprinted, in place."""
    known = frozenset(secrets.fingerprinted)  # copied at once: another environment's probe may add
    if known and may_hold(data, known):
        mask_reused(data, known, secrets)
