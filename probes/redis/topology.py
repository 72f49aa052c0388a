"""Sentinel: find the master a Sentinel names, and read it with the Sentinel URL's credentials; a URL
pointed at another server (a Sentinel's master, a cluster's nodes)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from probes.redis.server import text
from probes.redis.session import CommandFailed, RedisFault, Session, Timeouts


def master_url(sentinel_url: str, name: str, timeouts: Timeouts) -> str:
    """The URL of the master that the Sentinel at `sentinel_url` knows as `name`."""
    session = Session.open(sentinel_url, 0, timeouts)
    try:
        reply = session.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name, what="the master's address")
    except CommandFailed as exc:
        raise RedisFault(f"`url` is not a Sentinel, or it refused SENTINEL GET-MASTER-ADDR-BY-NAME: {exc}") \
            from None
    finally:
        session.close()
    if not reply:
        raise RedisFault(f"the Sentinel knows no master named {name!r}: check `sentinel`")
    return at_address(sentinel_url, text(reply[0]), text(reply[1]))


def at_address(url: str, host: str, port: int | str) -> str:
    """`url` (its scheme, user, password and database) pointed at another server; a unix:// URL's
    server is reached over TCP (redis://)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = (f"{credentials}@" if credentials else "") + (f"[{host}]" if ":" in host else host) + f":{port}"
    if parts.scheme == "unix":
        return urlunsplit(("redis", netloc, "", "", ""))
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
