"""TLS facts of an https answer: protocol, cipher, issuer, key, SAN names and expiry, as comparable data.

The certificate is parsed with `cryptography` (imported here, so only when an https endpoint is
probed): the standard library decodes a certificate only after verifying it, and never gives
the key's type and size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from probes.http.fetch import TlsSession
from probes.http.normalise import expiry_bucket, fold_env


def key_text(certificate: x509.Certificate) -> str:
    """E.g. "RSA 2048", "EC secp256r1 256", "Ed25519"."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} {key.key_size}"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__


def san_names(certificate: x509.Certificate, environment: str) -> list[str]:
    """DNS names and IP addresses of the subjectAltName, `{env}` folded, sorted."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names = [fold_env(n.lower(), environment) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return sorted(set(names))


def facts(session: TlsSession, environment: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The `tls` subtree of an endpoint."""
    found: dict[str, Any] = {"protocol": session.protocol, "cipher": session.cipher}
    if not session.certificate:
        return found
    try:
        certificate = x509.load_der_x509_certificate(session.certificate)
    except ValueError:
        found["issuer"] = "(certificate not parseable)"
        return found
    found["issuer"] = certificate.issuer.rfc4514_string()
    found["key"] = key_text(certificate)
    found["san"] = san_names(certificate, environment)
    found["expiry"] = expiry_bucket(certificate.not_valid_after_utc, now or dt.datetime.now(dt.timezone.utc))
    return found
