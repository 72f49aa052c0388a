"""What the server says it is: product and version, mode (standalone, sentinel, cluster), modules.

Data below `server/`::

    server/product             redis, valkey, keydb, dragonfly... (see `product`)
    server/version/major       "7"
    server/version/minor       "7.2"
    server/version/patch       "7.2.4"
    server/mode                standalone | sentinel | cluster
    server/modules/<name>/version
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from fidelity.probe import Gap
from probes.redis.session import CommandFailed, Session

#: INFO fields other products report their own version in (they also report a redis_version they
#: are compatible with, which is not what runs).
PRODUCT_VERSIONS = ("valkey_version", "keydb_version", "dragonfly_version")
#: A product's tag before the version number: Dragonfly reports `df-v1.40.1`.
VERSION_TAG = re.compile(r"^(?:[A-Za-z]+-)?v(?=\d)")


def text(value: Any) -> str:
    """A reply as text: bytes decoded (invalid UTF-8 replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read_info(session: Session, section: str) -> dict[str, str]:
    """One INFO section as a dict of text (redis-py parses INFO; values are made text here)."""
    reply = session.call("INFO", section, what=f"INFO {section}")
    return {text(k): text(v) for k, v in (reply or {}).items()} if isinstance(reply, dict) else {}


def product(info: dict[str, str]) -> tuple[str, str]:
    """(product, version) from INFO server.

    Valkey says `server_name:valkey` and `valkey_version` (its `redis_version` is the Redis it is
    compatible with, 7.2.4); Dragonfly says `dragonfly_version:df-v1.40.1` and no name; KeyDB says
    neither, its `redis_version` is its own version, and only the program's name (`executable`,
    `/usr/bin/keydb-server`) tells it apart. Of the executable only the product name is used."""
    name = info.get("server_name", "").strip().lower()
    for field in PRODUCT_VERSIONS:
        if info.get(field):
            return (name or field.removesuffix("_version")), VERSION_TAG.sub("", info[field].strip())
    if not name and "keydb" in PurePosixPath(info.get("executable", "")).name.lower():
        name = "keydb"
    return (name or "redis"), info.get(f"{name}_version") or info.get("redis_version", "unknown")


def server_mode(info: dict[str, str]) -> str:
    """standalone, sentinel or cluster: Valkey 8 names the field `server_mode` (`redis_mode` only with
    `extended-redis-compatibility yes`), Redis, KeyDB and Dragonfly `redis_mode`."""
    return info.get("server_mode") or info.get("redis_mode") or "standalone"


def version_tree(version: str) -> dict[str, str]:
    """A version as its major, minor and patch prefixes (so that each can have its own severity)."""
    parts = version.split(".")
    return {"major": parts[0], "minor": ".".join(parts[:2]), "patch": version}


def read_server(session: Session) -> tuple[dict[str, Any], str, list[Gap]]:
    """The `server` subtree, the mode, and gaps for what could not be read."""
    info = read_info(session, "server")
    name, version = product(info)
    mode = server_mode(info)
    tree: dict[str, Any] = {"product": name, "version": version_tree(version), "mode": mode}
    gaps: list[Gap] = []
    if mode == "sentinel":
        return tree, mode, gaps  # a sentinel has no modules, config or keys of its own
    try:
        modules = session.call("MODULE", "LIST", what="MODULE LIST")
    except CommandFailed as exc:
        if "unknown command" in str(exc).lower():  # older servers and some managed ones: no modules
            tree["modules"] = {}
        else:
            gaps.append(Gap("modules", f"MODULE LIST failed: {exc}", ("server", "modules")))
        return tree, mode, gaps
    tree["modules"] = {}
    for module in modules or []:
        fields = module if isinstance(module, dict) else dict(zip(module[::2], module[1::2], strict=False))
        fields = {text(k): v for k, v in fields.items()}
        tree["modules"][text(fields.get("name", "?"))] = {"version": text(fields.get("ver", "?"))}
    return tree, mode, gaps
