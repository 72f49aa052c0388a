"""Stage 4, policy: rules, rewrites, baselines and the gate decide what each change means."""

from fidelity.policy.baseline import Baseline, BaselineError
from fidelity.policy.errors import PolicyError
from fidelity.policy.gate import comparison_verdict, fails_gate, gate_failures, overall_verdict, score
from fidelity.policy.judge import Policy, build_report, finding_id, judge, policy_from
from fidelity.policy.rules import Decision, RuleSet, make_rewriter

__all__ = [
    "Baseline",
    "BaselineError",
    "Decision",
    "Policy",
    "PolicyError",
    "RuleSet",
    "build_report",
    "comparison_verdict",
    "fails_gate",
    "finding_id",
    "gate_failures",
    "judge",
    "make_rewriter",
    "overall_verdict",
    "policy_from",
    "score",
]
