"""The JSON report: the contract's document, plus a few documented extensions."""

from __future__ import annotations

import json

from fidelity.model import AuditReport
from fidelity.model.report_json import report_to_dict
from fidelity.report.interface import RenderOptions, Reporter


class JsonReporter(Reporter):
    """Machine-readable report; stdout holds this document and nothing else."""

    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """Pretty-printed JSON, UTF-8 characters kept as they are."""
        return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False, default=str,
                          allow_nan=False) + "\n"
