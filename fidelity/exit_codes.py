"""Every exit code is decided here (see the contract's table)."""

from __future__ import annotations

import enum

from fidelity.model import AuditReport, FidelityError, Verdict
from fidelity.stopping import Stopped


class ExitCode(enum.IntEnum):
    """fidelity's exit codes."""

    OK = 0
    """The audit ran completely and the gate passed."""
    GATE_FAILED = 1
    """The audit ran completely and the gate failed."""
    USAGE = 2
    """Usage or configuration error; nothing was probed."""
    INCOMPLETE = 3
    """A probe failed or part of what it had to read could not be read."""
    HUNG_UP = 129
    """Its terminal went away (SIGHUP: 128 + 1); nothing was reported."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C, SIGINT: 128 + 2, as shells report it); nothing was reported."""
    TERMINATED = 143
    """Asked to stop (SIGTERM: 128 + 15; a CI job's timeout or cancel, `kill`); nothing was reported."""


def for_report(report: AuditReport) -> ExitCode:
    """Incomplete wins over a failed gate, which wins over a pass."""
    if report.errors or report.verdict is Verdict.ERROR:
        return ExitCode.INCOMPLETE
    if report.verdict is Verdict.FAIL:
        return ExitCode.GATE_FAILED
    return ExitCode.OK


def for_snapshot(has_gaps: bool) -> ExitCode:
    """`fidelity snapshot` exits 3 when any probe failed or left gaps, else 0."""
    return ExitCode.INCOMPLETE if has_gaps else ExitCode.OK


def for_expected_error(exc: BaseException) -> ExitCode | None:
    """The exit code of an expected failure (every stage's base error), or None for a bug."""
    if isinstance(exc, FidelityError):
        return ExitCode.USAGE
    return None


def for_abort(exc: BaseException) -> ExitCode:
    """Ctrl-C is an interruption, not a usage error; click's other aborts (end of input) are. A
    termination signal (`Stopped`) exits as a shell reports a process it ended: 128 + its number."""
    cause = exc if isinstance(exc, KeyboardInterrupt) else exc.__cause__
    if isinstance(cause, Stopped):
        return ExitCode(128 + cause.signum)
    return ExitCode.INTERRUPTED if isinstance(cause, KeyboardInterrupt) else ExitCode.USAGE


def for_internal_error(exc: BaseException) -> ExitCode:
    """A bug never exits 1 (it would look like drift): the audit is incomplete."""
    return ExitCode.INCOMPLETE
