"""Secret values become keyed fingerprints; credentials in free text are masked."""

from fidelity.redact.keeper import (
    FINGERPRINT_RE,
    KEY_ENV_VAR,
    SecretKeeper,
    is_secret,
    without_fingerprints,
)
from fidelity.redact.text import MASK, SECRET_NAME_RE, has_embedded_password, mask_command, mask_text

__all__ = [
    "FINGERPRINT_RE",
    "KEY_ENV_VAR",
    "MASK",
    "SECRET_NAME_RE",
    "SecretKeeper",
    "has_embedded_password",
    "is_secret",
    "mask_command",
    "mask_text",
    "without_fingerprints",
]
