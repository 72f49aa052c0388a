"""The declarative schemas of fidelity.toml's own tables (probe options come from the registry)."""

from __future__ import annotations

from fidelity.config.model import RuleAction
from fidelity.model import FAIL_ON_CHOICES, Severity
from fidelity.probe.options import Kind, Option

AUDIT_SCHEMA = {
    o.name: o
    for o in (
        Option("reference", Kind.STRING, "environment the others must mirror", required=True),
        Option("candidates", Kind.STRING_LIST, "environments compared with the reference"),
        Option("fail_on", Kind.STRING, "lowest severity that fails the gate", "high",
               choices=FAIL_ON_CHOICES),
        Option("max_score", Kind.INTEGER, "fail a comparison whose drift score exceeds this", minimum=0),
        Option("baseline", Kind.STRING, "baseline file of accepted findings", path=True),
    )
}
HISTORY_SCHEMA = {
    o.name: o
    for o in (
        Option("dir", Kind.STRING, "folder of dated runs and index.html", required=True, path=True),
        Option("keep", Kind.INTEGER, "number of runs to keep (default: all)", minimum=1),
    )
}
NOTIFY_SCHEMA = {
    o.name: o
    for o in (
        Option("webhook", Kind.STRING, "Slack-compatible incoming webhook URL", required=True),
        Option("when", Kind.STRING, "when to post", "on_fail", choices=("always", "on_change", "on_fail")),
        Option("report_url", Kind.STRING, "link to the report, put in the message"),
        Option("timeout", Kind.NUMBER, "seconds the whole post may take, retry included", 10.0, above=0,
               maximum=3600),
    )
}
RULE_SCHEMA = {
    o.name: o
    for o in (
        Option("path", Kind.STRING, "glob over finding paths", required=True),
        Option("action", Kind.STRING, "what to do with matching findings", required=True,
               choices=tuple(a.value for a in RuleAction)),
        Option("reason", Kind.STRING, "why; shown in reports"),
        Option("expires", Kind.DATE, "date after which the rule stops applying"),
        Option("severity", Kind.STRING, "new severity, with action = severity",
               choices=tuple(s.value for s in Severity)),
        Option("environment", Kind.STRING, "only for this candidate environment"),
        Option("change", Kind.STRING, "only for this change kind",
               choices=("missing", "extra", "changed")),
        Option("low", Kind.NUMBER, "distance from which a measured difference is low (action = tolerance)",
               minimum=0),
        Option("medium", Kind.NUMBER, "distance from which it is medium, with action = tolerance", minimum=0),
        Option("high", Kind.NUMBER, "distance from which it is high, with action = tolerance", minimum=0),
    )
}
REWRITE_SCHEMA = {
    o.name: o
    for o in (
        Option("reference", Kind.STRING, "substring as it appears in the reference", required=True),
        Option("candidate", Kind.STRING, "substring as it appears in the candidate", required=True),
        Option("path", Kind.STRING, "only for finding paths matching this glob"),
        Option("environment", Kind.STRING, "only for this candidate environment"),
    )
}
TOP_LEVEL = ("audit", "environments", "probes", "rules", "rewrites", "history", "notify")
