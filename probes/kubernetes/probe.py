"""The `kubernetes` probe: two live clusters (or their rendered manifests), field by field.

Data, and so the path grammar below the probe name::

    server/version                                  API server gitVersion (live only)
    nodes/kubelet_versions                          sorted distinct values over all nodes
    nodes/container_runtimes | os_images | architectures
    crds/<crd name>/versions                        served versions, sorted
    objects/<slot>/<Kind>/<name>/...                the normalised object
    objects/<slot>/<Kind>/<name>/spec/template/spec/containers/<container>/image/{repository,tag,digest}

`<slot>` stands for a namespace without naming it: `namespace` when one namespace
is read per environment, `(cluster)` for cluster-scoped kinds, else the
`namespace_slots` given (namespaces pair by position) or the namespace names after
`rename`. `<name>` is the object's name after `rename`. Containers, env vars,
ports, volumes and volume mounts are matched by name. The normalisation rules are
in `probes.kubernetes.normalise`; default severities in `probes.kubernetes.severity`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fidelity.probe import (
    Assessment,
    Category,
    DiffChange,
    Kind,
    ListHint,
    Option,
    Probe,
    ProbeResult,
    Severity,
)
from probes.kubernetes.kinds import DEFAULT_KINDS
from probes.kubernetes.options import check_positive, check_rename, check_selector
from probes.kubernetes.severity import SEVERITY_NOTES, assess


class KubernetesProbe(Probe):
    """Reads workloads, config, images, CRDs and node facts from a cluster or from manifests."""

    type_name = "kubernetes"
    category = Category.INFRASTRUCTURE
    remote = True
    description = "live clusters (or rendered manifests): workloads, config, images, CRDs, node versions"
    option_schema = (
        Option("context", Kind.STRING, "kubeconfig context (default: the current one; in a pod without a "
               "kubeconfig, the in-cluster service account)"),
        Option("kubeconfig", Kind.STRING, "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)",
               path=True),
        Option("namespaces", Kind.STRING_LIST, "namespaces to read, paired by position across environments "
               "(default: the context's namespace)", default=[]),
        Option("namespace_slots", Kind.STRING_LIST, "path segments naming `namespaces` by position (default: "
               "'namespace' for one namespace, else the names after `rename`)", default=[]),
        Option("kinds", Kind.STRING_LIST, "kinds to compare, as Kind or Kind.group",
               default=list(DEFAULT_KINDS)),
        Option("exclude_kinds", Kind.STRING_LIST, "kinds to leave out, including Node and "
               "CustomResourceDefinition (the cluster facts)", default=[]),
        Option("label_selector", Kind.STRING, "read only objects with these labels (as kubectl -l)",
               check=check_selector),
        Option("rename", Kind.TABLE, "regex = replacement, applied to object and namespace names and to "
               "references to them, e.g. { \"-staging$\" = \"\" }", default={}, check=check_rename),
        Option("manifests", Kind.STRING, "read rendered YAML/JSON (a file or a folder; {env} is the "
               "environment) instead of a cluster", path=True),
        Option("request_timeout", Kind.NUMBER, "seconds each API request may take", 30.0,
               check=check_positive, above=0, maximum=86_400),
        Option("page_size", Kind.INTEGER, "objects per list request (limit/continue)", 500,
               check=check_positive, minimum=1, maximum=100_000),
        Option("include_cluster_objects", Kind.BOOLEAN, "also compare what the cluster creates by itself "
               "(default ServiceAccount, kube-root-ca.crt, token Secrets, controller-owned objects)", False),
        Option("secret_keys", Kind.STRING_LIST, "extra env var and ConfigMap key globs treated as secrets",
               default=[]),
    )
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = SEVERITY_NOTES
    list_hints = tuple(ListHint(f"objects/**/{field}", key="name") for field in (
        "containers", "initContainers", "ephemeralContainers", "env", "ports", "volumes", "volumeMounts",
        "imagePullSecrets"))

    def collect(self) -> ProbeResult:
        """Read the cluster (or the manifests) this environment's options name."""
        from probes.kubernetes.collect import start

        plan, collector = start(self.options, self.context.secrets)
        if self.options.get("manifests"):
            from probes.kubernetes.manifests import read_manifests

            read_manifests(self.name, str(self.options["manifests"]), plan, collector)
        else:
            from probes.kubernetes.live import read_cluster

            read_cluster(self.name, self.options, plan, collector)
        return collector.result()

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Severity and category by path: images and cluster versions are dependencies."""
        return assess(change, reference, candidate)
