"""Notifications: a Slack-compatible webhook message about the audit (the release's communication step).

The message holds the verdict, scores, counts and the top findings' paths and
messages, never their values. A failing webhook is retried once, then warned
about; it never changes the audit's exit code.
"""

from __future__ import annotations

import json
import logging
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
    """POST the payload, retrying once; warn (without the URL's secret path) and return False on failure."""
    host = urlsplit(webhook).hostname or "webhook"
    body = json.dumps(payload).encode("utf-8")
    problem = ""
    for attempt in (1, 2):
        request = urllib.request.Request(webhook, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return True
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) \
                else type(reason).__name__
        if attempt == 1:
            time.sleep(RETRY_DELAY)
    log.warning("notification to %s failed twice (%s); the audit result is unchanged", host, problem)
    return False
