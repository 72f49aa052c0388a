"""The JSON report: the contract's document, plus a few documented extensions."""

from __future__ import annotations

import json

from fidelity.model import AuditReport
from fidelity.model.report_json import report_to_dict
from fidelity.report.interface import RenderOptions, Reporter
from fidelity.snapshot.fileformat import indented_json


class JsonReporter(Reporter):
    """Machine-readable report; stdout holds this document and nothing else."""

    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """Pretty-printed JSON, UTF-8 characters kept as they are: the stdlib's text, made by msgspec
        where that is provably the same text (see `indented_json`)."""
        doc = report_to_dict(report)
        fast = indented_json(doc, 2)
        if fast is not None:
            return fast.decode("utf-8") + "\n"
        return json.dumps(doc, indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"
