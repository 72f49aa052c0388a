"""Definition normalisation: what a catalog says, minus what only formatting or naming changes.

Server versions lay out view and function definitions differently; these functions
remove comments, collapse whitespace, tighten the space inside parentheses and drop a
trailing semicolon, and leave string literals, quoted identifiers and dollar-quoted
bodies exactly as they are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_TOKENS = re.compile(
    r"(?P<quoted>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(?P<tag>\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$).*?(?P=tag))"
    r"|(?P<comment>--[^\n]*|/\*.*?\*/)",
    re.DOTALL,
)
_SPACE = re.compile(r"\s+")
_OPEN = re.compile(r"\(\s+")
_CLOSE = re.compile(r"\s+\)")

#: Privilege letters of an `aclitem`, as GRANT spells them.
PRIVILEGES = {
    "r": "SELECT", "w": "UPDATE", "a": "INSERT", "d": "DELETE", "D": "TRUNCATE", "x": "REFERENCES",
    "t": "TRIGGER", "X": "EXECUTE", "U": "USAGE", "C": "CREATE", "c": "CONNECT", "T": "TEMPORARY",
    "m": "MAINTAIN", "s": "SET", "A": "ALTER SYSTEM",
}
_MEMORY = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_MEMORY_OUT = (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("kB", 1024), ("B", 1))
_TIME = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_TIME_OUT = (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000), ("ms", 1))


def _tighten(text: str) -> str:
    text = _SPACE.sub(" ", text)
    return _CLOSE.sub(")", _OPEN.sub("(", text))


def normalise_sql(text: str) -> str:
    """SQL text without comments and layout, quoted parts untouched."""
    out: list[str] = []
    plain: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        plain.append(text[position:match.start()])
        position = match.end()
        if match["comment"]:
            plain.append(" ")
            continue
        out.append(_tighten("".join(plain)))
        out.append(match[0])
        plain = []
    plain.append(text[position:])
    out.append(_tighten("".join(plain)))
    return "".join(out).strip().removesuffix(";").rstrip()


def body_hash(text: str) -> str:
    """A short hash of a normalised function body."""
    return hashlib.sha256(normalise_sql(text).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def without_name(definition: str, head: str, quoted_name: str) -> str:
    """`definition` with the object's own name removed after `head` ('CREATE INDEX ', ...)."""
    prefix = f"{head}{quoted_name} "
    return head + definition[len(prefix):] if definition.startswith(prefix) else definition


def parse_acl(items: Iterable[str]) -> dict[str, str]:
    """`aclitem` texts ('alice=arw/owner') as grantee -> 'INSERT, SELECT, UPDATE'."""
    grants: dict[str, set[str]] = {}
    for item in items:
        grantee, rights = _split_acl(item)
        names = grants.setdefault(grantee or "PUBLIC", set())
        names.update(PRIVILEGES.get(letter, letter) for letter in rights if letter != "*")
    return {grantee: ", ".join(sorted(names)) for grantee, names in sorted(grants.items())}


def _split_acl(item: str) -> tuple[str, str]:
    if not item.startswith('"'):
        grantee, _, rest = item.partition("=")
        return grantee, rest.partition("/")[0]
    index, name = 1, []
    while index < len(item):
        if item[index] == '"' and item[index + 1:index + 2] == '"':
            name.append('"')
            index += 2
        elif item[index] == '"':
            break
        else:
            name.append(item[index])
            index += 1
    return "".join(name), item[index + 2:].partition("/")[0]


def setting_value(value: str | None, unit: str | None) -> str | None:
    """A setting as SHOW prints it: '128MB' rather than '16384' in 8kB pages."""
    if value is None or not unit:
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if number < 0 or not number.is_integer():
        return value if number < 0 else f"{value}{unit}"
    if unit in _MEMORY:
        return _largest(int(number) * _MEMORY[unit], _MEMORY_OUT)
    if unit in _TIME:
        return _largest(int(number * _TIME[unit]), _TIME_OUT)
    return f"{value}{unit}"


def _largest(amount: int, units: tuple[tuple[str, int], ...]) -> str:
    if amount == 0:
        return "0"
    name, size = next((n, s) for n, s in units if amount % s == 0)
    return f"{amount // size}{name}"
