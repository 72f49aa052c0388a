"""One GET or HEAD, following redirects up to a limit, with the TLS session of the final answer.

Only the standard library: `http.client` gives the socket, so the TLS facts (version, cipher,
certificate) are those of the very connection that answered. Every failure is a `FetchFailed`
whose message names what went wrong and never quotes a header value or a query string.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from probes.http.options import METHODS

REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 65_536


class FetchFailed(Exception):
    """The endpoint could not be fetched; the message says why, in one line, with no secret."""


@dataclass(frozen=True)
class Limits:
    """How long and how much one fetch may take."""

    timeout: float
    """Seconds for the whole fetch, redirects included (and for each socket operation)."""
    max_redirects: int
    """Redirects followed before giving up."""
    max_body_bytes: int
    """Bytes of body read; the rest is left unread."""


@dataclass(frozen=True)
class TlsSession:
    """What the TLS handshake of the answering connection agreed on."""

    protocol: str
    """E.g. TLSv1.3."""
    cipher: str
    """The cipher suite's name."""
    certificate: bytes
    """The server's certificate, DER (empty when the server sent none)."""


@dataclass(frozen=True)
class Answer:
    """The final response of a fetch, and the redirects that led to it."""

    status: int
    """Status code of the final response."""
    headers: tuple[tuple[str, str], ...]
    """Response headers in order (names lower case); repeated headers repeat."""
    body: bytes
    """At most `max_body_bytes` of the body (empty for HEAD)."""
    truncated: bool
    """The body was longer than `max_body_bytes`."""
    hops: tuple[tuple[int, str], ...]
    """(status, absolute Location) of each redirect followed, in order."""
    stop: str
    """Why redirects stopped early: "", "loop" or "limit"."""
    tls: TlsSession | None
    """For https, the final connection's TLS session."""


def shown(url: str) -> str:
    """A URL safe for a message: no user info, query string or fragment (a query is shown as `?…`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    with contextlib.suppress(ValueError):
        netloc += f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def fetch(url: str, method: str, headers: tuple[tuple[str, str], ...], limits: Limits,
          tls: ssl.SSLContext) -> Answer:
    """Fetch `url`, following redirects; raise FetchFailed when no answer could be had."""
    if method not in METHODS:  # options are validated; this guards the read-only promise
        raise ValueError(f"the http probe sends only GET or HEAD, not {method!r}")
    deadline = time.monotonic() + limits.timeout
    hops: list[tuple[int, str]] = []
    seen = {url}
    start = _origin(url)
    while True:
        sent = headers if _origin(url) == start else ()  # credentials stay with their origin
        status, got, body, truncated, session = _one(url, method, sent, limits, tls, deadline)
        location = next((v for k, v in got if k == "location"), None)
        if status not in REDIRECTS or location is None:
            return Answer(status, got, body, truncated, tuple(hops), "", session)
        target = urljoin(url, location.strip())
        if urlsplit(target).scheme not in ("http", "https"):
            return Answer(status, got, body, truncated, tuple(hops), "", session)
        hops.append((status, target))
        stop = "loop" if target in seen else "limit" if len(hops) > limits.max_redirects else ""
        if stop:
            return Answer(status, got, body, truncated, tuple(hops), stop, session)
        seen.add(target)
        url = target


def _one(url: str, method: str, headers: tuple[tuple[str, str], ...], limits: Limits,
         tls: ssl.SSLContext, deadline: float
         ) -> tuple[int, tuple[tuple[str, str], ...], bytes, bool, TlsSession | None]:
    parts = urlsplit(url)
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(f"no complete answer within {limits.timeout:g} s (timeout)")
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise FetchFailed(f"not a valid URL: {exc}") from None
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=left, context=tls)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=left)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (("user-agent", "fidelity-http-probe"), ("accept", "*/*"), *headers):
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        got = tuple((k.lower(), v) for k, v in response.getheaders())
        body, truncated = _read(response, method, limits, deadline, conn.sock)
        session = None
        if isinstance(conn.sock, ssl.SSLSocket):
            cipher = conn.sock.cipher()
            session = TlsSession(conn.sock.version() or "", cipher[0] if cipher else "",
                                 conn.sock.getpeercert(binary_form=True) or b"")
        return response.status, got, body, truncated, session
    except FetchFailed:
        raise
    except Exception as exc:
        raise FetchFailed(reason(exc, limits.timeout)) from None
    finally:
        conn.close()


def _read(response: http.client.HTTPResponse, method: str, limits: Limits, deadline: float,
          sock: socket.socket | None) -> tuple[bytes, bool]:
    """The body, read a piece at a time as it arrives (`read1`), each wait bounded by what is left
    of the deadline: a server that trickles its body a byte at a time is cut off at `timeout`."""
    if method == "HEAD":
        return b"", False
    chunks: list[bytes] = []
    size = 0
    while size <= limits.max_body_bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchFailed(f"no complete answer within {limits.timeout:g} s (timeout)")
        if sock is not None:
            sock.settimeout(left)
        chunk = response.read1(min(CHUNK, limits.max_body_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    return body[:limits.max_body_bytes], len(body) > limits.max_body_bytes


def reason(exc: BaseException, timeout: float) -> str:
    """One line for a failed fetch, naming the cause and what to do."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"TLS certificate not trusted ({exc.verify_message}); set ca_bundle to the CA that signs "
                "it, or tls_verify = false")
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({exc.reason or exc.__class__.__name__})"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s (timeout)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is the service running, and is the port right?"
    if isinstance(exc, socket.gaierror):
        return "host name not found (DNS): check the URL"
    if isinstance(exc, http.client.HTTPException):
        return f"not a valid HTTP answer ({exc.__class__.__name__})"
    if isinstance(exc, (OSError, ValueError)):
        return f"cannot fetch: {exc.__class__.__name__}: {exc}"
    raise exc
