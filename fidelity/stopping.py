"""Termination signals as interruptions: SIGTERM and SIGHUP stop a command as Ctrl-C does.

A CI job's timeout or cancel, `kill`, a container's stop and a closed terminal end a process with
SIGTERM or SIGHUP, whose default is to die at once. A probe may then leave work behind on a server
it was reading: a PostgreSQL query waiting on a lock queue, or scanning a large table, runs on
until it ends or meets `statement_timeout`, because the server notices a dead client only when it
next writes to it. Here either signal raises `Stopped` (a `KeyboardInterrupt`) in the main thread
instead, so every stage that stops its work on Ctrl-C (`Probe.interrupt`: the postgres probe
cancels its queries) stops it on these alike, and the command exits with 128 + the signal's number
(`exit_codes.for_abort`), as a shell reports a process that the signal ended.

A second signal of the same kind, while the first is being handled, ends the process at once (the
default action): a user who sends it twice wants the process gone. A signal the parent set to be
ignored (`nohup`) stays ignored.
"""

from __future__ import annotations

import signal
from types import FrameType

#: The termination signals handled: SIGTERM, and SIGHUP where the platform has it.
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """A termination signal arrived; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
    raise Stopped(signum)


def stop_on_signals() -> None:
    """Raise `Stopped` on SIGTERM and SIGHUP from now on (main thread only; a signal the parent
    ignores stays ignored)."""
    for signum in SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _stop)
