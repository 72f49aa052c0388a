"""A secret met once, masked wherever else it is written.

A probe fingerprints a secret where it finds it (below a secret-looking name, by its shape, in a
Kubernetes Secret); the same value written elsewhere (a view definition repeating a password held
under `password` in a config file) is a secret there too. `may_hold` tells cheaply whether a tree
can hold one of them, and `mask_reused` fingerprints each appearance in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fidelity.redact.keeper import FINGERPRINT_RE, REUSED_MIN, SecretKeeper

__all__ = ["mask_reused", "may_hold"]


def may_hold(tree: Any, secrets: Iterable[str]) -> bool:
    """False when no key or string of `tree` holds one of `secrets` (of REUSED_MIN characters or more),
    found by searching its JSON text once per secret (in C); True when one may, or when the tree is
    not JSON-native enough to be written so. For `mask_reused` to skip a walk that finds nothing."""
    import msgspec  # here: only a run that fingerprinted a secret asks

    wanted = [secret for secret in secrets if len(secret) >= REUSED_MIN]
    if not wanted:
        return False
    try:
        text = msgspec.json.encode(tree)
        # each character is escaped alike wherever it stands, so a secret inside a string is its
        # escaped form inside the text
        return any(msgspec.json.encode(secret)[1:-1] in text for secret in wanted)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):  # e.g. a lone surrogate
        return True


def mask_reused(tree: Any, secrets: Iterable[str], keeper: SecretKeeper) -> Any:
    """`tree` with every appearance of one of `secrets` (strings a probe fingerprinted whole, such as a
    value below a secret-looking name or a Kubernetes Secret's data, and the text of numbers it
    fingerprinted) replaced by its fingerprint, in keys and string leaves, and every number leaf
    whose text is one of them, in place: a secret that is written again elsewhere is a secret there
    too (a number's fingerprint is its text's, so the two compare). Secrets shorter than
    `REUSED_MIN` are not looked for (a 3-letter password would mask every word holding it).
    Fingerprints already in the tree are left as they are."""
    wanted = sorted({secret for secret in secrets if len(secret) >= REUSED_MIN}, key=len, reverse=True)
    if not wanted:
        return tree
    pattern = re.compile(f"({FINGERPRINT_RE.pattern})|" + "|".join(map(re.escape, wanted)))
    known = frozenset(wanted)

    def masked(text: str) -> str:
        return pattern.sub(lambda m: m.group(1) or keeper.fingerprint(m.group()), text)

    def secret_number(value: Any) -> bool:
        kind = type(value)
        return (kind is int or kind is float) and str(value) in known

    pending: list[Any] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if any(pattern.search(key) for key in node if isinstance(key, str)):
                items = [(masked(key) if isinstance(key, str) else key, value) for key, value in node.items()]
                node.clear()
                node.update(items)
            places: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, list):
            places = enumerate(node)
        else:
            continue
        for place, value in places:  # values replaced in place: no key is added or removed
            if isinstance(value, str):
                if pattern.search(value):
                    node[place] = masked(value)
            elif isinstance(value, (dict, list)):
                pending.append(value)
            elif secret_number(value):
                node[place] = keeper.fingerprint(value)
    return tree
