"""Notifications: a Slack-compatible webhook message about the audit (the release's communication step).

The message holds the verdict, scores, counts and the top findings' paths and
messages, never their values. A failing webhook is retried once, then warned
about; it never changes the audit's exit code. `timeout` bounds the whole post, retry
included, not each socket read.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from fidelity.model import AuditReport, Finding, Status, Verdict
from fidelity.redact import mask_text
from fidelity.report.common import open_counts, percent

TOP_FINDINGS = 5
RETRY_DELAY = 1.0
log = logging.getLogger(__name__)


def should_send(when: str, report: AuditReport, previous_verdict: str | None) -> bool:
    """always; on_fail when the verdict is not pass; on_change when it changed or drift is new.

    Without a history there is no previous run, so on_change treats every run as a change.
    """
    if when == "always":
        return True
    if when == "on_fail":
        return report.verdict is not Verdict.PASS
    if previous_verdict is None or previous_verdict != report.verdict.value:
        return True
    return any(f.new for c in report.comparisons for f in c.findings)


def _top(report: AuditReport) -> list[tuple[str, Finding]]:
    findings = [(c.candidate, f) for c in report.comparisons for f in c.findings if f.status is Status.OPEN]
    findings.sort(key=lambda item: (-item[1].severity.rank, item[1].path))
    return findings[:TOP_FINDINGS]


def _escape(text: str) -> str:
    """Slack mrkdwn needs &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_message(report: AuditReport, report_url: str | None) -> dict[str, Any]:
    """The webhook payload: `text` for every client, `blocks` for Slack."""
    headline = f"fidelity: {report.verdict.value.upper()} (reference {report.reference})"
    lines = []
    for c in report.comparisons:
        counts = ", ".join(f"{n} {s}" for s, n in open_counts(c).items() if n) or "no open findings"
        new = sum(1 for f in c.findings if f.new)
        lines.append(f"{c.candidate}: {c.verdict.value}, score {c.score}, fidelity {percent(c.fidelity)}, "
                     f"{counts}" + (f", {new} new" if new else ""))
    if report.errors:
        lines.append(f"audit incomplete: {len(report.errors)} part(s) could not be read")
    top = [f"• [{f.severity.value}] {candidate}: {f.path}: {f.message}" for candidate, f in _top(report)]
    if report_url:
        lines.append(f"report: {mask_text(report_url)}")  # a link may carry a token
    text = "\n".join([headline, *lines, *top])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape("\n".join(lines))[:3000]}},
    ]
    if top:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _escape("\n".join(top))[:3000]}})
    return {"text": text, "blocks": blocks}


def post(webhook: str, payload: dict[str, Any], timeout: float) -> bool:
    """POST the payload, retrying once, all within `timeout` seconds in total; never raises.

    On failure it warns (without the URL's secret path) and returns False: a notification
    never changes the audit's exit code.
    """
    try:
        host = urlsplit(webhook).hostname or "webhook"
    except ValueError:
        host = "webhook"
    try:
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise _Failed(f"invalid timeout {timeout!r}")
        body = json.dumps(payload, allow_nan=False).encode("utf-8")
        deadline = time.monotonic() + timeout
        outcome: list[tuple[int, str] | None] = []
        worker = threading.Thread(target=_attempts, args=(webhook, body, deadline, outcome),
                                  name="fidelity-webhook", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()) + _GRACE)
        if not outcome:  # still talking to a slow server: give up; the daemon thread dies with us
            raise _Failed(f"timed out: no complete answer within {timeout:g} s")
        if outcome[-1] is None:
            return True
        attempts, problem = outcome[-1]
        failed = "failed twice" if attempts == 2 else "failed"
    except _Failed as exc:
        failed, problem = "failed", str(exc)
    except Exception as exc:  # a notification must never change the exit code
        failed, problem = "failed", f"{type(exc).__name__}: {exc}"
    log.warning("notification to %s %s (%s); the audit result is unchanged", host, failed, mask_text(problem))
    return False


_GRACE = 0.2
"""Seconds the worker may take past the deadline to report what it got."""


class _Failed(Exception):
    """Why a notification was not delivered."""


def _attempts(webhook: str, body: bytes, deadline: float, outcome: list[tuple[int, str] | None]) -> None:
    """Up to two POSTs before `deadline`; appends None on success, else (attempts, last problem)."""
    problem, attempts = "timed out", 0
    for attempt in (1, 2):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        attempts = attempt
        try:
            request = urllib.request.Request(webhook, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=remaining) as response:
                response.read()
            outcome.append(None)
            return
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) \
                else type(reason).__name__
        except Exception as exc:
            problem = type(exc).__name__
        if attempt == 1:
            if deadline - time.monotonic() <= RETRY_DELAY:
                break
            time.sleep(RETRY_DELAY)
    outcome.append((attempts, problem))
