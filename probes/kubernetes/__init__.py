"""The `kubernetes` probe: two live clusters (or their rendered manifests), field by field.

This module only re-exports the probe class; reading (`collect`, `live`, `manifests`,
`client`), normalising and judging live in the modules beside it. The kubernetes client
library loads only when a live cluster is read.
"""

from probes.kubernetes.probe import KubernetesProbe

__all__ = ["KubernetesProbe"]
