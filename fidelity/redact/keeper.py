"""Keyed fingerprints: the only form in which a secret value may leave a probe.

Secret values never leave this module: callers get a fingerprint of the form
``[secret:<32 hex>]``, an HMAC-SHA256 keyed by ``FIDELITY_SECRET_KEY`` (or a random
key for the run), so that two equal secrets compare equal without being revealed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from fidelity.globs import matches_any
from fidelity.redact.shapes import mask_spans
from fidelity.redact.text import looks_secret_name

KEY_ENV_VAR = "FIDELITY_SECRET_KEY"

#: A fingerprint as it appears inside snapshot values.
FINGERPRINT_RE = re.compile(r"\[secret:[0-9a-f]{32}\]")

_KEY_ID_MESSAGE = b"fidelity key id v1"
#: Shortest secret looked for again elsewhere once fingerprinted (`SecretKeeper.fingerprinted`): a
#: shorter one (a 3-letter password) would mask every word that holds it.
REUSED_MIN = 6


class SecretKeeper:
    """Fingerprints secret values under one key for the whole run."""

    def __init__(self, key: bytes | None = None, extra_names: Sequence[str] = ()) -> None:
        env_key = os.environ.get(KEY_ENV_VAR)
        if key is None:
            key = env_key.encode() if env_key else os.urandom(32)  # what `secrets.token_bytes` returns
        self._key = key
        self.from_environment = key is not None and env_key is not None
        self.extra_names = tuple(extra_names)
        self.fingerprinted: set[str] = set()
        """Every string of REUSED_MIN characters or more this keeper fingerprinted (a value below a
        secret-looking name, a token found by its shape, a Kubernetes Secret's data...), and the text
        of every such number: written again anywhere in a snapshot, inside a string or as the same
        number, it is a secret there too (`snapshot.take` masks it)."""

    @property
    def key_id(self) -> str:
        """A fingerprint of a constant: equal key ids mean comparable fingerprints."""
        return hmac.new(self._key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]

    def fingerprint(self, value: object) -> str:
        """The keyed fingerprint of `value`, as stored in snapshots (a number's is its text's)."""
        kind = type(value)
        if kind is str or kind is int or kind is float:  # a number: YAML's `password: 48291377`
            text = str(value)
            if len(text) >= REUSED_MIN:
                self.fingerprinted.add(text)
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
        return looks_secret_name(name) or self.declared_secret_name(name, extra)

    def declared_secret_name(self, name: str, extra: Iterable[str] = ()) -> bool:
        """True when `name` matches a glob the user declared secret: this keeper's `extra_names`, or
        `extra` (a probe's own, such as config_files' `secret_keys`)."""
        if not self.extra_names and not extra:
            return False
        lowered = name.lower()
        return matches_any(lowered, tuple(glob.lower() for glob in (*self.extra_names, *extra)))

    def protect_value(self, value: object) -> object:
        """`value` with the secret parts of a string (URL/DSN passwords, tokens, keys; see
        `shapes.find_secret_spans`) fingerprinted, keeping the rest comparable."""
        if not isinstance(value, str):
            return value
        # Masking can make a secret's shape appear (a fingerprint ends a value that ran on before),
        # so mask until nothing more is found: protecting a protected value then changes nothing.
        # Each round turns unmasked characters into fingerprints, so this ends.
        masked = mask_spans(value, self.fingerprint)
        while masked != value:
            value, masked = masked, mask_spans(masked, self.fingerprint)
        return masked


def is_secret(value: object) -> bool:
    """True for a value that carries a secret fingerprint."""
    return isinstance(value, str) and "[secret:" in value


def without_fingerprints(value: Any) -> Any:
    """`value` with every fingerprint replaced by ``[secret]``, to compare values made under other keys."""
    return FINGERPRINT_RE.sub("[secret]", value) if isinstance(value, str) else value
