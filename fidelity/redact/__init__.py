"""Secret values become keyed fingerprints; credentials in free text are masked; `protect` does
both to a whole tree of probe data, finding secrets by key name and by value shape."""

from typing import Any

from fidelity.redact.argv import mask_command, secret_flag
from fidelity.redact.keeper import (
    FINGERPRINT_RE,
    KEY_ENV_VAR,
    SecretKeeper,
    is_secret,
    without_fingerprints,
)
from fidelity.redact.reused import mask_reused
from fidelity.redact.subtree import SubtreeProtector, protect_subtree
from fidelity.redact.survey import Survey, survey_json
from fidelity.redact.text import (
    MASK,
    MaskingFormatter,
    has_embedded_password,
    looks_secret_name,
    mask_text,
    written_credentials,
)
from fidelity.redact.tree import TreeTooDeep, key_as_shown, protect

__all__ = [
    "FINGERPRINT_RE",
    "KEY_ENV_VAR",
    "MASK",
    "SECRET_NAME_RE",
    "MaskingFormatter",
    "SecretKeeper",
    "SubtreeProtector",
    "Survey",
    "TreeTooDeep",
    "has_embedded_password",
    "is_secret",
    "key_as_shown",
    "looks_secret_name",
    "mask_command",
    "mask_reused",
    "mask_text",
    "protect",
    "protect_subtree",
    "secret_flag",
    "survey_json",
    "without_fingerprints",
    "written_credentials",
]


def __getattr__(name: str) -> Any:
    """SECRET_NAME_RE (`text.secret_name_re`), compiled when first asked for."""
    if name == "SECRET_NAME_RE":
        from fidelity.redact.text import secret_name_re

        return secret_name_re()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
