"""Definition normalisation: what a catalog says, minus what only formatting or naming changes.

Server versions lay out view and function definitions differently; these functions
remove comments, collapse whitespace, tighten the space inside parentheses and drop a
trailing semicolon, and leave string literals, quoted identifiers and dollar-quoted
bodies exactly as they are. `view_definition` also drops the column qualifiers that
PostgreSQL 14 and 15 print and 16 and later do not (docs/probes/postgres.md,
"Supported major versions", lists each normalisation and the major that needs it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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


#: Tokens of a view definition: literals and quoted names whole, words, white space, one other character.
_VIEW_TOKENS = re.compile(r"(?P<literal>'(?:[^']|'')*')|(?P<name>\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z_0-9$]*)"
                          r"|(?P<space>\s+)|(?P<other>.)", re.DOTALL)
_QUERY_HEADS = {"SELECT", "WITH", "VALUES", "TABLE"}
_FROM_ENDS = {"WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR", "TABLESAMPLE"}
_SET_OPERATIONS = {"UNION", "INTERSECT", "EXCEPT"}
_JOINS = {"JOIN", "LATERAL", "ON", "USING", "NATURAL", "CROSS"}


def view_definition(text: str) -> str:
    """A view's definition as PostgreSQL 16 and later print it, from any supported major.

    PostgreSQL 14 and 15 qualify every column of a view's top-level query with its relation
    (`SELECT orders.id FROM public.orders`) because that query also held the OLD and NEW
    placeholders; from 16 on a top-level query that reads a single relation prints its
    columns bare (`SELECT id FROM public.orders`). The qualifier is dropped here wherever
    the top-level query reads exactly one relation (table, view, function or subquery): no
    other relation is in scope there, so the meaning stays the same. Subqueries, CTEs and
    joins are printed alike by every major and stay as they are.
    """
    text = normalise_sql(text)
    tokens = [(m.lastgroup or "other", m[0]) for m in _VIEW_TOKENS.finditer(text)]
    depths, queries = _depths(tokens)
    words = [(i, t.upper()) for i, (kind, t) in enumerate(tokens) if kind == "name" and depths[i] == 0]
    if any(word in _SET_OPERATIONS for _, word in words):
        return text
    start = next((i for i, word in words if word == "FROM"), None)
    if start is None:
        return text
    end = next((i for i, word in words if i > start and word in _FROM_ENDS), len(tokens))
    refname = _single_relation([(kind, t) for i, (kind, t) in enumerate(tokens[start + 1:end], start + 1)
                                if depths[i] == 0 and kind != "space"])
    if refname is None:
        return text
    out: list[str] = []
    skip = 0
    for i, (kind, token) in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        column = (tokens[i + 1:i + 2] == [("other", ".")] and i + 2 < len(tokens)
                  and tokens[i + 2][0] == "name" and tokens[i + 3:i + 4] != [("other", "(")])  # not `f(`
        after = tokens[i - 1:i] not in ([("other", ".")], [("other", ":")])  # not `x.ref`, not `::ref`
        if kind == "name" and token == refname and column and after and not queries[i] \
                and not start < i < end:
            skip = 1  # the '.' after it
            continue
        out.append(token)
    return "".join(out)


def _depths(tokens: list[tuple[str, str]]) -> tuple[list[int], list[bool]]:
    """Each token's parenthesis depth, and whether it lies inside a subquery or CTE body."""
    depths: list[int] = []
    queries: list[bool] = []
    stack: list[bool] = []
    for i, (_, token) in enumerate(tokens):
        if token == ")" and stack:
            stack.pop()
        depths.append(len(stack))
        queries.append(any(stack))
        if token == "(":
            following = next((t for k, t in tokens[i + 1:] if k != "space"), "")
            stack.append(following.upper() in _QUERY_HEADS)
    return depths, queries


def _single_relation(items: list[tuple[str, str]]) -> str | None:
    """The name a FROM list of one relation gives its columns (`[ONLY] a.b [AS] [alias [(...)]]`,
    `f(...) alias`, `(subquery) alias`); None for anything else (joins, several relations)."""
    words = [t.upper() for kind, t in items if kind == "name"]
    if any(w in _JOINS for w in words) or ("other", ",") in items:
        return None
    rest = items[1:] if items[:1] == [("name", "ONLY")] else items
    relation: str | None = None
    position = 0
    if rest[:1] == [("other", "(")]:  # a subquery: its body was left out (depth > 0); `(` `)` remain
        position = 2 if rest[1:2] == [("other", ")")] else len(rest)
    else:
        while position < len(rest) and rest[position][0] == "name":
            relation = rest[position][1]
            if rest[position + 1:position + 2] != [("other", ".")]:
                position += 1
                break
            position += 2
        if rest[position:position + 2] == [("other", "("), ("other", ")")]:  # a function's arguments
            position += 2
    if rest[position:position + 1] == [("name", "AS")]:
        position += 1
    if position < len(rest) and rest[position][0] == "name":
        relation = rest[position][1]
        position += 1
    if rest[position:] in ([], [("other", "("), ("other", ")")]):
        return relation
    return None


def body_hash(text: str, fingerprint: Callable[[str], str]) -> str:
    """The keyed fingerprint of a normalised function body: a body may hold a secret (a password in
    an `ALTER ROLE` it runs), and an unkeyed hash of a known body could be reversed by guessing it."""
    return fingerprint(normalise_sql(text))


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
