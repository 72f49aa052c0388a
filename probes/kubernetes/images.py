"""Container image references split into repository, tag and digest, as Docker resolves them."""

from __future__ import annotations

import functools

_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


def split_image(reference: str) -> dict[str, str]:
    """'nginx:1.25' -> {repository: docker.io/library/nginx, tag: 1.25}; a bare name is tag 'latest'."""
    return dict(_split(reference))


@functools.lru_cache(maxsize=4096)
def _split(reference: str) -> tuple[tuple[str, str], ...]:
    rest, _, digest = reference.strip().partition("@")
    tag = ""
    colon, slash = rest.rfind(":"), rest.rfind("/")
    if colon > slash:  # a colon before the last slash is a registry port, not a tag
        rest, tag = rest[:colon], rest[colon + 1:]
    image = {"repository": canonical_repository(rest)}
    if tag or not digest:
        image["tag"] = tag or "latest"
    if digest:
        image["digest"] = digest
    return tuple(image.items())


def canonical_repository(name: str) -> str:
    """The repository with Docker Hub's implicit registry and `library/` spelled out."""
    first, slash, remainder = name.partition("/")
    if not slash:
        return f"docker.io/library/{name}"
    if first in _DOCKER_HUB_ALIASES:
        return f"docker.io/{remainder if '/' in remainder else 'library/' + remainder}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{name}"
    return name
