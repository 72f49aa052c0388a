"""An audit: snapshots of every environment, compared with the reference, in one report."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from fidelity import __version__, snapshot
from fidelity.baseline import Baseline
from fidelity.config import Config
from fidelity.diff.compare import Policy, compare, snapshot_errors
from fidelity.diff.gate import overall_verdict
from fidelity.model import AuditError, AuditReport
from fidelity.rules import RuleSet
from fidelity.secrets import SecretKeeper
from fidelity.snapshot import Snapshot

log = logging.getLogger(__name__)


def policy_from(config: Config, baseline: Baseline | None = None, today: dt.date | None = None) -> Policy:
    """The rules, rewrites, baseline and gate settings of a config."""
    return Policy(RuleSet(config.rules, today), config.rewrites, config.fail_on, config.max_score, baseline)


def build_report(reference: Snapshot, candidates: Sequence[Snapshot], policy: Policy) -> AuditReport:
    """Compare each candidate with the reference and gather everything into a report."""
    errors: list[AuditError] = snapshot_errors(reference)
    comparisons = []
    for candidate in candidates:
        comparison, gaps = compare(reference, candidate, policy)
        comparisons.append(comparison)
        errors.extend(gaps)
    return AuditReport(
        reference=reference.environment,
        verdict=overall_verdict(comparisons, bool(errors)),
        comparisons=tuple(comparisons),
        errors=tuple(errors),
        fail_on=policy.fail_on,
        max_score=policy.max_score,
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        expired_rules=policy.rules.expired_report(),
        secret_key_id=reference.secret_key_id,
    )


def take_all(config: Config, environments: Iterable[str], only: Iterable[str] | None = None
             ) -> list[Snapshot]:
    """Snapshot several environments under one secret key, so secrets are comparable."""
    keeper = SecretKeeper()
    names = list(environments)
    for name in names:  # surface every config error before the first probe runs
        for probe in config.probes:
            if only is None or probe.name in only:
                config.probe_options(probe, name)
    return [snapshot.take(config, name, keeper, only) for name in names]
