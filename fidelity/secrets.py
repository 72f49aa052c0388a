"""Secret handling: keyed fingerprints, secret-looking names and credential masking.

Secret values never leave this module: callers get a fingerprint of the form
``[secret:<32 hex>]``, an HMAC-SHA256 keyed by ``FIDELITY_SECRET_KEY`` (or a random
key for the run), so that two equal secrets compare equal without being revealed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import os
import re
import secrets as _random
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

KEY_ENV_VAR = "FIDELITY_SECRET_KEY"
MASK = "***"

#: A fingerprint as it appears inside snapshot values.
FINGERPRINT_RE = re.compile(r"\[secret:[0-9a-f]{32}\]")

#: Key names that hold secrets, matched case-insensitively anywhere in the name.
SECRET_NAME_RE = re.compile(
    r"pass(?:word|wd|phrase)?(?![a-z])|pwd|secret|token|api[-_.]?key|apikey|access[-_.]?key"
    r"|private[-_.]?key|credential|auth[-_.]?key|signing[-_.]?key|encryption[-_.]?key"
    r"|client[-_.]?secret|session[-_.]?key|cookie[-_.]?secret",
    re.IGNORECASE,
)

# scheme://user:password@host... ; the password may hold anything but '@' and '/'.
_URL_CREDENTIALS_RE = re.compile(
    r"(?P<prefix>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)(?P<at>@)"
)
# key=value pairs in libpq-style DSNs: password=... / "password": ...
_KV_PASSWORD_RE = re.compile(
    r"(?P<prefix>\b(?<!\[)(?:password|passwd|pwd|secret|token|api[-_]?key)\s*[=:]\s*['\"]?)(?P<password>[^\s'\";&]+)",
    re.IGNORECASE,
)
# A bare token as the user of an http(s) URL (https://ghp_xxx@github.com/...) is a credential too.
_URL_TOKEN_RE = re.compile(r"(?P<prefix>\bhttps?://)[^\s/@:]+@")
_KEY_ID_MESSAGE = b"fidelity key id v1"


class SecretKeeper:
    """Fingerprints secret values under one key for the whole run."""

    def __init__(self, key: bytes | None = None, extra_names: Sequence[str] = ()) -> None:
        env_key = os.environ.get(KEY_ENV_VAR)
        if key is None:
            key = env_key.encode() if env_key else _random.token_bytes(32)
        self._key = key
        self.from_environment = key is not None and env_key is not None
        self.extra_names = tuple(extra_names)

    @property
    def key_id(self) -> str:
        """A fingerprint of a constant: equal key ids mean comparable fingerprints."""
        return hmac.new(self._key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]

    def fingerprint(self, value: object) -> str:
        """The keyed fingerprint of `value`, as stored in snapshots."""
        digest = hmac.new(self._key, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256)
        return f"[secret:{digest.hexdigest()[:32]}]"

    def derived(self, purpose: str) -> SecretKeeper:
        """A keeper whose key is derived from this one for `purpose`: what it fingerprints (or a key
        it hands to another system) reveals nothing about this key."""
        return SecretKeeper(hmac.new(self._key, f"fidelity {purpose} v1".encode(), hashlib.sha256).digest(),
                            self.extra_names)

    def hmac_pads(self) -> tuple[bytes, bytes]:
        """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), so that a database can compute
        the same keyed fingerprint as `fingerprint` without the value leaving the server."""
        key = hashlib.sha256(self._key).digest() if len(self._key) > 64 else self._key
        key = key.ljust(64, b"\0")
        return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)

    def is_secret_name(self, name: str, extra: Iterable[str] = ()) -> bool:
        """True when a key name looks like it holds a secret."""
        if SECRET_NAME_RE.search(name):
            return True
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in (*self.extra_names, *extra))

    def protect_value(self, value: object) -> object:
        """Fingerprint embedded URL/DSN passwords, keeping the rest comparable."""
        if not isinstance(value, str):
            return value

        def replace(match: re.Match[str]) -> str:
            return match["prefix"] + self.fingerprint(match["password"]) + match.groupdict().get("at", "")

        value = _URL_CREDENTIALS_RE.sub(replace, value)
        return _KV_PASSWORD_RE.sub(lambda m: m["prefix"] + self.fingerprint(m["password"]), value)


def has_embedded_password(value: str) -> bool:
    """True when a string holds a URL or DSN with a password in it."""
    return bool(_URL_CREDENTIALS_RE.search(value) or _KV_PASSWORD_RE.search(value))


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """Mask credentials in free text (commands, error output), plus any known secret strings."""
    for secret in sorted({k for k in known if len(k) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_CREDENTIALS_RE.sub(lambda m: m["prefix"] + MASK + m["at"], text)
    text = _URL_TOKEN_RE.sub(lambda m: m["prefix"] + MASK + "@", text)
    return _KV_PASSWORD_RE.sub(lambda m: m["prefix"] + MASK, text)


def mask_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Mask secret-looking arguments of a command line.

    Returns the printable arguments and the secret strings that were masked, so that
    the same strings can be masked in the command's error output.
    """
    shown: list[str] = []
    hidden: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            hidden.append(arg)
            shown.append(MASK)
            hide_next = False
            continue
        flag, sep, value = arg.partition("=")
        if flag.startswith("-") and SECRET_NAME_RE.search(flag):
            if sep:
                hidden.append(value)
                shown.append(f"{flag}={MASK}")
            else:
                hide_next = True
                shown.append(arg)
            continue
        if sep and not flag.startswith("-") and SECRET_NAME_RE.search(flag):
            hidden.append(value)  # NAME=value, as in `env PASSWORD=... cmd`
            shown.append(f"{flag}={MASK}")
            continue
        masked = mask_text(arg)
        if masked != arg:
            parsed = urlsplit(arg) if "://" in arg else None
            if parsed is not None and parsed.password:
                hidden.append(parsed.password)
        shown.append(masked)
    return shown, hidden

