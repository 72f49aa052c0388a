"""Every entry of the defaults table checked against an independent source: the field descriptions
of the official Kubernetes client's models (generated from the API's OpenAPI spec), which state
most defaults ("Defaults to 10."). Each entry's path must name a real field of its kind, and its
value must be the one the description states; the few defaults the descriptions do not state are
listed below with where Kubernetes sets them, and must stay unstated (so the list cannot grow
stale)."""

from __future__ import annotations

import re
from typing import Any

import kubernetes.client as k8s
import pytest

from probes.kubernetes.defaults import DEFAULTS, EACH, Default

#: The client model of each scope that is not `V1<scope>`.
MODELS = {"PodSpec": "V1PodSpec", "Container": "V1Container", "Probe": "V1Probe",
          "ClaimSpec": "V1PersistentVolumeClaimSpec", "HorizontalPodAutoscaler": "V2HorizontalPodAutoscaler"}
#: Defaults the descriptions do not state, with where Kubernetes sets them (kubernetes/kubernetes).
UNSTATED = {
    ("Job", "spec.completions"): "pkg/apis/batch/v1/defaults.go, SetDefaults_Job: 1 when both are unset",
    ("Job", "spec.parallelism"): "pkg/apis/batch/v1/defaults.go, SetDefaults_Job: 1 when unset",
    ("CronJob", "spec.jobTemplate.spec.completions"): "the Job defaults, applied to the job template",
    ("CronJob", "spec.jobTemplate.spec.parallelism"): "the Job defaults, applied to the job template",
    ("Secret", "type"): "pkg/apis/core/v1/defaults.go, SetDefaults_Secret: Opaque",
    ("PodSpec", "schedulerName"): "pkg/apis/core/v1/defaults.go, SetDefaults_PodSpec: default-scheduler",
    ("PodSpec", "securityContext"): "pkg/apis/core/v1/defaults.go, SetDefaults_PodSpec: an empty context",
    ("Container", "resources"): "stored as {} by the API server when absent (an empty ResourceRequirements)",
    ("PodSpec", "volumes.*.projected.defaultMode"):
        "pkg/apis/core/v1/defaults.go, SetDefaults_ProjectedVolumeSource: 0644",
    ("Service", "spec.ipFamilies"): "from the cluster's configuration: IPv4 on a single-stack IPv4 cluster",
}
#: What the description of a computed default states, instead of one value.
COMPUTED = {("Service", "spec.ports.*.targetPort"): ("the value of the 'port' field is used",),
            ("Container", "imagePullPolicy"): ("Always if :latest tag", "IfNotPresent otherwise"),
            ("NetworkPolicy", "spec.policyTypes"): ("default based on the existence of ingress or egress",)}
_MARKER = re.compile(r"\bdefault|\bimplied\b|\bwill be set to\b", re.IGNORECASE)


def _model(name: str) -> Any:
    return getattr(k8s, name)


def _field(model: Any, json_name: str) -> tuple[str, Any]:
    """The client's field for a JSON name (`revisionHistoryLimit` is `revision_history_limit`)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", json_name).lower()
    for name, info in model.model_fields.items():
        if info.alias == json_name or name in (json_name, snake, "_" + snake):
            return name, info
    raise AssertionError(f"{model.__name__} has no field {json_name!r}")


def description(default: Default) -> str:
    """The client's description of the entry's field, following its path through the models."""
    model = _model(MODELS.get(default.scope, "V1" + default.scope))
    keys = [key for key in default.path.split(".") if key != EACH]
    for key in keys[:-1]:
        name, _ = _field(model, key)
        type_name = model.openapi_types[name]
        model = _model(re.sub(r"^(?:List|list)\[(\w+)\]$", r"\1", type_name))
    _, info = _field(model, keys[-1])
    return info.description or ""


def stated(value: Any) -> str:
    """A value as the descriptions write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value == 0o644:
        return "0644"
    return str(value)


def states(text: str, value: Any) -> bool:
    """Whether one sentence of `text` names a default and `value` as a word."""
    unit = "s?" if isinstance(value, int) and not isinstance(value, bool) else ""  # "600s"
    word = re.compile(rf"(?<![\w.]){re.escape(stated(value))}{unit}(?!\w)")
    return any(_MARKER.search(sentence) and word.search(sentence)
               for sentence in re.split(r"(?<=\.)\s+|;\s+", text))


@pytest.mark.parametrize("default", DEFAULTS, ids=lambda d: f"{d.scope}:{d.path}")
def test_each_default_is_the_one_the_api_documents(default: Default) -> None:
    text = description(default)  # fails on a path that names no field of the kind
    entry = (default.scope, default.path)
    if entry in COMPUTED:
        assert all(phrase in text for phrase in COMPUTED[entry]), text
    elif entry in UNSTATED:
        assert not states(text, default.value), f"documented now: drop it from UNSTATED ({text})"
    else:
        assert states(text, default.value), f"{default.value!r} is not the documented default: {text}"


def test_the_lists_name_only_entries_of_the_table() -> None:
    entries = {(d.scope, d.path) for d in DEFAULTS}
    assert set(UNSTATED) <= entries
    assert set(COMPUTED) <= entries
    assert {(d.scope, d.path) for d in DEFAULTS if callable(d.value)} == set(COMPUTED)


@pytest.mark.parametrize(("text", "value", "expected"), [
    ("The number of old ReplicaSets to retain. Defaults to 10.", 10, True),
    ("The number of old ReplicaSets to retain. Defaults to 10.", 1, False),   # 1 is not 10
    ("Maximum 10 retries. Defaults to 3.", 10, False),                        # not in the default's sentence
    ('Valid values are:  - "Allow" (default): allows ...', "Allow", True),
    ("Defaults to 0644. Directories are not affected.", 0o644, True),
    ("Optional: Defaults to true.", True, True),
    ("Defaults to 600s.", 600, True),
    ("If there is no value provided, then this field will be set to SingleStack.", "SingleStack", True),
    ("Value of Filesystem is implied when not included in claim spec.", "Filesystem", True),
])
def test_a_sentence_states_a_default_only_with_its_value(text: str, value: Any, expected: bool) -> None:
    assert states(text, value) is expected
