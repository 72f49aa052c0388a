"""A `rediss://` URL against a real redis-server that speaks only TLS, with a certificate made here."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from redisfixtures import collect, seed_app, tls_server

from fidelity.probe import ProbeError
from tests.support.certificates import Authority


def test_a_rediss_url_reads_a_tls_only_server(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with tls_server(ca) as started:
        seed_app(started.client(ssl=True, ssl_ca_certs=str(ca.bundle)))
        result = collect(f"{started.url}?ssl_ca_certs={ca.bundle}", keys=True)
    assert result.data["server"]["product"] == "redis"
    assert result.data["config"]["maxmemory-policy"] == "noeviction"
    patterns = result.data["keyspace"]["db#1"]["patterns"]
    assert set(patterns) == {"session:<id>", "cart:<uuid>:items", "user:<id>:profile"}
    assert str(ca.bundle) not in repr(result.data)  # the URL's parameters are not data


def test_a_certificate_the_client_cannot_verify_fails_the_probe(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with tls_server(ca) as started:
        with pytest.raises(ProbeError) as raised:  # the system's CAs do not know this test CA
            collect(started.url, connect_timeout=5)
        message = str(raised.value)
        assert "certificate verify failed" in message.lower()
        with pytest.raises(ProbeError):  # plain text to a TLS port is no Redis answer
            collect(started.url.replace("rediss://", "redis://"), connect_timeout=3, command_timeout=3)
        assert redis.Redis(port=started.port, ssl=True, ssl_ca_certs=str(ca.bundle)).ping()
