"""The probe SDK: everything a probe type needs, built-in or third-party, in one import.

    from fidelity.probe import Probe, ProbeResult, Option, Kind, Severity, ...

`API_VERSION` is the version of this interface. It grows by one when a change
would break a probe written against the previous version; see docs/writing-a-probe.md.
"""

from fidelity import toml
from fidelity.globs import matches_any
from fidelity.model import (
    Assessment,
    Category,
    Change,
    DiffChange,
    ListHint,
    Severity,
    Tolerance,
    one_line,
)
from fidelity.model import finding_paths as paths
from fidelity.model.finding_paths import lookup
from fidelity.probe import severity_rules
from fidelity.probe.describe import describe_change
from fidelity.probe.interface import Gap, Probe, ProbeContext, ProbeError, ProbeResult, ProbeWarning
from fidelity.probe.options import Kind, Option, OptionError
from fidelity.probe.sources import SourceFile, check_sources, read_sources, source_options
from fidelity.redact import (
    FINGERPRINT_RE,
    SecretKeeper,
    SubtreeProtector,
    Survey,
    TreeTooDeep,
    is_secret,
    key_as_shown,
    looks_secret_name,
    mask_command,
    mask_text,
    protect_subtree,
    survey_json,
    without_fingerprints,
    written_credentials,
)

#: Version of the probe interface; a probe may check it at import time.
API_VERSION = 1

__all__ = [
    "API_VERSION",
    "FINGERPRINT_RE",
    "Assessment",
    "Category",
    "Change",
    "DiffChange",
    "Gap",
    "Kind",
    "ListHint",
    "Option",
    "OptionError",
    "Probe",
    "ProbeContext",
    "ProbeError",
    "ProbeResult",
    "ProbeWarning",
    "SecretKeeper",
    "Severity",
    "SourceFile",
    "SubtreeProtector",
    "Survey",
    "Tolerance",
    "TreeTooDeep",
    "check_sources",
    "describe_change",
    "is_secret",
    "key_as_shown",
    "looks_secret_name",
    "lookup",
    "mask_command",
    "mask_text",
    "matches_any",
    "one_line",
    "paths",
    "protect_subtree",
    "read_sources",
    "severity_rules",
    "source_options",
    "survey_json",
    "toml",
    "without_fingerprints",
    "written_credentials",
]
