"""One function per command: the CLI parses arguments, these run the pipeline and pick the exit code.

    config -> snapshot (probes) -> diff -> policy -> report -> publish -> exit code

Heavy stages are imported inside each command, so that `fidelity --help` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fidelity.cycles import no_cycle_collection
from fidelity.exit_codes import ExitCode, for_report, for_snapshot
from fidelity.model import Severity, UsageError

if TYPE_CHECKING:
    from fidelity.config import Config
    from fidelity.model import AuditReport
    from fidelity.policy import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportRequest:
    """What every reporting command (audit, diff) is asked for on the command line."""

    formats: Sequence[str] = ()
    """--format values."""
    outputs: Sequence[str] = ()
    """-o values, paired with formats by position."""
    fail_on: str | None = None
    """--fail-on, overriding the config."""
    max_score: int | None = None
    """--max-score, overriding the config."""
    show_ignored: bool = False
    """--show-ignored."""
    color: bool | None = None
    """--color / --no-color."""
    report_dir: str | None = None
    """--report-dir."""
    baseline: str | None = None
    """--baseline."""


def load_config(path: str | None, required: bool = True) -> Config:
    """The config from -c, $FIDELITY_CONFIG or ./fidelity.toml; the defaults when not `required`."""
    from fidelity import config as config_module

    found = config_module.find_config(path)
    if found is None:
        if not required:
            return config_module.default_config()
        raise UsageError("no config file: pass -c CONFIG, set FIDELITY_CONFIG, or create "
                         "./fidelity.toml (see config.example.toml)")
    return config_module.load(found)


def audit(config_path: str | None, envs: Sequence[str], only: Sequence[str], request: ReportRequest
          ) -> ExitCode:
    """Snapshot every environment, diff each candidate against the reference, report."""
    from fidelity import publish

    config = _with_overrides(load_config(config_path), request)
    candidates, selected = _selection(config, envs, only)
    inputs = _inputs(config, [config.reference or "", *candidates], request) if request.outputs else []
    publishing = publish.prepare(config, request.formats, request.outputs, inputs,
                                 request.report_dir, request.show_ignored, request.color)
    report = _audit_report(config, candidates, selected, _policy(config, request.baseline))
    with _timed("publish"):
        published = publish.publish(report, config, publishing)
    return for_report(published)


def diff(reference: Path, candidate: Path, config_path: str | None, request: ReportRequest) -> ExitCode:
    """Compare two snapshot files (reference first) and report."""
    from fidelity import publish
    from fidelity.policy import build_report
    from fidelity.snapshot.unparsed import read_pair

    config = _with_overrides(load_config(config_path, required=False), request)
    inputs = [reference, candidate, *_inputs(config, [], request)]
    publishing = publish.prepare(config, request.formats, request.outputs, inputs, request.report_dir,
                                 request.show_ignored, request.color)
    policy = _policy(config, request.baseline)
    with _timed("read snapshots"):
        ref, cand = read_pair(reference, candidate)
    with _timed("diff and policy"):
        report = build_report(ref, [cand], policy)
    with _timed("publish"):
        published = publish.publish(report, config, publishing)
    return for_report(published)


def take_snapshot(config_path: str | None, env: str, output: Path, only: Sequence[str]) -> ExitCode:
    """Snapshot one environment into a file, for a later `fidelity diff`."""
    with no_cycle_collection():  # from the imports on: the snapshot is large acyclic data
        return _take_snapshot(config_path, env, output, only)


def _take_snapshot(config_path: str | None, env: str, output: Path, only: Sequence[str]) -> ExitCode:
    from fidelity import snapshot
    from fidelity.config import check_environment, select_probes
    from fidelity.redact import SecretKeeper

    config = load_config(config_path)
    check_environment(config, env)
    _need_probes(config)
    _refuse_inputs(output, _inputs(config, [env], ReportRequest()))
    selected = select_probes(config, only)
    keeper = SecretKeeper()
    if not keeper.from_environment:
        log.warning("FIDELITY_SECRET_KEY is not set: secret values in this snapshot can only be compared "
                    "with snapshots from the same run")
    with _timed(f"snapshot of {env}"):
        taken = snapshot.take(config, env, keeper, selected)
    with _timed("write snapshot"), _writing(output, "snapshot"):
        output.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write(taken, output)
    failed = [n for n, p in taken.probes.items() if p.status != "ok" or p.gaps]
    for name in failed:
        probe = taken.probes[name]
        for problem in [probe.error] if probe.error else [g.message for g in probe.gaps]:
            print(f"fidelity: {env}/{name}: {problem}", file=sys.stderr)
    for name, probe in taken.probes.items():  # as `audit` lists them: a warning never changes the exit code
        for warning in probe.warnings:
            print(f"fidelity: {env}/{name}: warning: {warning.message}", file=sys.stderr)
    print(f"wrote snapshot of {env} ({len(taken.probes)} probe(s), {len(failed)} incomplete) to {output}",
          file=sys.stderr)
    return for_snapshot(bool(failed))


def record_baseline(config_path: str | None, envs: Sequence[str], only: Sequence[str], output: Path,
                    reason: str | None, force: bool) -> ExitCode:
    """Record today's open findings, so that only new drift fails the gate."""
    from fidelity.files import write_atomic
    from fidelity.policy import baseline
    from fidelity.redact import KEY_ENV_VAR

    config = load_config(config_path)
    candidates, selected = _selection(config, envs, only)
    inputs = _inputs(config, [config.reference or "", *candidates], ReportRequest())
    _refuse_inputs(output, [path for path in inputs if path != config.baseline])  # --force replaces it
    previous = None
    if output.exists():
        if not force:
            raise UsageError(f"{output} exists; pass --force to replace it (hand-written reasons "
                             "of findings that are still there are kept)")
        previous = baseline.load(output)
    report = _audit_report(config, candidates, selected, _policy(config, None))
    if report.errors:
        from fidelity.report.terminal import summary_line

        print(summary_line(report), file=sys.stderr)
        print("fidelity: error: the audit is incomplete, so no baseline was written", file=sys.stderr)
        return for_report(report)
    entries = baseline.entries_for(report, reason or baseline.DEFAULT_REASON, previous)
    assert config.reference is not None
    with _writing(output, "baseline"):
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, baseline.render(entries, config.reference, report.secret_key_id))
    if not os.environ.get(KEY_ENV_VAR):
        log.warning("FIDELITY_SECRET_KEY is not set: later runs cannot tell whether a baselined secret "
                    "changed; set the same key for `baseline` and `audit`")
    print(f"wrote {len(entries)} finding(s) to baseline {output}", file=sys.stderr)
    return ExitCode.OK


def describe_probes() -> str:
    """The text of `fidelity probes`: every probe type with its options and default severities."""
    from fidelity.probe.catalog import describe_probe_types

    return describe_probe_types()


def _with_overrides(config: Config, request: ReportRequest) -> Config:
    if request.fail_on is not None:
        config = replace(config, fail_on=None if request.fail_on == "never" else Severity(request.fail_on))
    if request.max_score is not None:
        config = replace(config, max_score=request.max_score)
    return config


def _selection(config: Config, envs: Sequence[str], only: Sequence[str]
               ) -> tuple[list[str], list[str] | None]:
    from fidelity.config import select_candidates, select_probes

    _need_probes(config)
    return select_candidates(config, envs), select_probes(config, only)


def _need_probes(config: Config) -> None:
    """A run that probes needs a probe (a config for `diff`'s rules may have none): an empty list
    would audit nothing and pass."""
    if not config.probes:
        raise UsageError(f"{config.file or 'the config'}: no probe to run; add a [probes.NAME] table "
                         "(see config.example.toml)")


@contextmanager
def _writing(path: Path, what: str) -> Iterator[None]:
    """A file that cannot be written (a full disk, a read-only or missing folder, a link loop) is an
    error naming it, not a crash."""
    try:
        yield
    except (OSError, RuntimeError) as exc:  # RuntimeError: pathlib's "Symlink loop"
        from fidelity.publish.errors import PublishError

        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PublishError(f"{path}: cannot write the {what}: {reason}") from None


def _inputs(config: Config, environments: Sequence[str], request: ReportRequest) -> list[Path]:
    """What the run reads (`fidelity.config.inputs.read_by_run`), which no output may replace."""
    from fidelity.config.inputs import read_by_run

    baseline = Path(request.baseline) if request.baseline else None
    return read_by_run(config, [e for e in environments if e], baseline)


def _refuse_inputs(output: Path, inputs: Sequence[Path]) -> None:
    from fidelity.config.inputs import check_outputs

    check_outputs([output], inputs)  # the same check as a report's -o (without importing publishing)


def _policy(config: Config, baseline_path: str | None) -> Policy:
    from fidelity.policy import baseline, policy_from

    path = Path(baseline_path) if baseline_path else config.baseline
    loaded = baseline.load(path) if path else None
    if loaded and loaded.reference and config.reference and loaded.reference != config.reference:
        raise UsageError(f"{path}: the baseline was recorded against {loaded.reference!r}, but the reference "
                         f"is {config.reference!r}; record it again with `fidelity baseline`")
    return policy_from(config, loaded)


def _audit_report(config: Config, candidates: list[str], only: list[str] | None, policy: Policy
                  ) -> AuditReport:
    from fidelity.policy import build_report
    from fidelity.snapshot import take_all

    assert config.reference is not None
    with _timed(f"snapshots of {', '.join([config.reference, *candidates])}"):
        snapshots = take_all(config, [config.reference, *candidates], only)
    with _timed("diff and policy"):
        return build_report(snapshots[0], snapshots[1:], policy)


@contextmanager
def _timed(stage: str) -> Iterator[None]:
    """Log a stage's wall time at INFO (shown with -v), as `time: STAGE: 1.234 s`."""
    started = time.perf_counter()
    yield
    log.info("time: %s: %.3f s", stage, time.perf_counter() - started)
