"""CONFIG GET *: the server's settings, normalised as `probes.redis.settings` says, or a gap."""

from __future__ import annotations

from collections.abc import Iterable

from fidelity.probe import Gap
from probes.redis.server import text
from probes.redis.session import CommandFailed, Session
from probes.redis.settings import canonical, is_left_out, normalise


def read_config(session: Session, exclude: Iterable[str]) -> tuple[dict[str, str], list[Gap]]:
    """The `config` subtree, or a gap naming why CONFIG GET could not be used."""
    try:
        reply = session.call("CONFIG", "GET", "*", what="CONFIG GET")
    except CommandFailed as exc:
        return {}, [Gap("config", f"CONFIG GET is not available ({exc}): the command is renamed or forbidden "
                        "for this user, as on most managed services; server settings were not compared",
                        ("config",))]
    pairs = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2], strict=False)
    raw = {text(k): text(v) for k, v in pairs}
    settings: dict[str, str] = {}
    for name in sorted(raw, key=lambda n: (canonical(n) != n, n)):  # current names first
        current = canonical(name)
        if current in settings or is_left_out(current, exclude):
            continue
        settings[current] = normalise(current, raw[name])
    return settings, []
