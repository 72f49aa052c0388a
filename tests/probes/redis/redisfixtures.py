"""Real Redis servers for the redis probe's tests: logical databases on 127.0.0.1:6379 that were
empty when taken (flushed after, never FLUSHALL), and throwaway `redis-server` processes on free ports
(the only ones whose settings a test changes)."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import fidelity

from fidelity.model import AuditReport
from fidelity.policy import Policy, build_report
from fidelity.probe import ProbeContext, ProbeError, ProbeResult
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.redis import RedisProbe
from tests.support.certificates import Authority

SHARED = "redis://127.0.0.1:6379"
KEY = b"redis probe tests"
#: Logical databases of the shared server the tests may take (when empty).
TEST_DBS = range(15, 7, -1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: A cluster node also listens on its port + 10000 (the cluster bus), which must be a port too.
CLUSTER_BUS_OFFSET = 10_000


def free_cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free and valid: a port the kernel hands out
    (32768 and up) is often too high for that, and redis-server then exits at once."""
    for _ in range(200):
        port = random.randrange(20_000, 65_536 - CLUSTER_BUS_OFFSET)
        with socket.socket() as sock, socket.socket() as bus:
            try:
                sock.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + CLUSTER_BUS_OFFSET))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class Server:
    """A redis-server process this test started, on a free port, persisting nothing."""

    def __init__(self, *args: str, folder: Path | None = None) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("needs redis-server")
        self.port = free_cluster_port() if "--cluster-enabled" in args else free_port()
        self.folder = folder or Path(tempfile.mkdtemp(prefix="fidelity-redis-"))
        with (self.folder / "stderr.log").open("wb") as errors:  # read when it exits at once
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder), *args],
                stdout=subprocess.DEVNULL, stderr=errors)
        self.url = f"redis://127.0.0.1:{self.port}"

    def wait(self, password: str | None = None, **client: Any) -> Server:
        """Return once the server answers PING (or a LOADING / NOAUTH error: it is up); `client` are
        more redis.Redis arguments (TLS ones)."""
        for _ in range(300):
            try:
                redis.Redis(port=self.port, password=password, socket_timeout=2, **client).ping()
                return self
            except redis.exceptions.BusyLoadingError:
                return self
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}") from None
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def client(self, db: int = 0, password: str | None = None, **more: Any) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, password=password, socket_timeout=10, protocol=2, **more)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def server(*args: str, password: str | None = None) -> Iterator[Server]:
    """A started server, stopped at the end."""
    started = Server(*args)
    try:
        yield started.wait(password)
    finally:
        started.stop()


@contextmanager
def tls_server(ca: Authority) -> Iterator[Server]:
    """A started server that speaks only TLS, with a certificate `ca` signed for 127.0.0.1 and
    localhost; its `url` is `rediss://127.0.0.1:<port>` (without the CA: the URL that uses it adds
    `ssl_ca_certs`). Skips when this redis-server was built without TLS."""
    cert, key = ca.issue("redis", ["localhost"], days=30)  # the test clients connect to localhost
    port = free_port()
    started = Server("--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file",
                     str(key), "--tls-ca-cert-file", str(ca.bundle), "--tls-auth-clients", "no",
                     "--logfile", str(ca.folder / "redis-tls.log"))
    started.port, started.url = port, f"rediss://127.0.0.1:{port}"
    try:
        try:
            started.wait(ssl=True, ssl_ca_certs=str(ca.bundle))
        except RuntimeError:  # exited: a build without TLS rejects the tls-* directives
            said = " ".join(" ".join(path.read_text(encoding="utf-8", errors="replace").split()) for path in
                            (started.folder / "stderr.log", ca.folder / "redis-tls.log") if path.exists())
            if "tls" in said.lower() and ("bad directive" in said.lower() or "not supported" in said.lower()):
                pytest.skip(f"this redis-server was built without TLS support: {said[-200:]}")
            raise
        yield started
    finally:
        started.stop()


class SharedDbs:
    """Logical databases of the shared server, taken only when empty and flushed (FLUSHDB) after."""

    def __init__(self) -> None:
        self.taken: list[int] = []

    def take(self) -> int:
        for db in TEST_DBS:
            if db not in self.taken and redis.Redis(db=db).dbsize() == 0:
                self.taken.append(db)
                return db
        pytest.skip("no empty logical database left on 127.0.0.1:6379")

    def client(self, db: int) -> redis.Redis:
        return redis.Redis(db=db, socket_timeout=10)

    def close(self) -> None:
        for db in self.taken:
            redis.Redis(db=db).flushdb()


@contextmanager
def shared_dbs() -> Iterator[SharedDbs]:
    created = SharedDbs()
    try:
        yield created
    finally:
        created.close()


def probe(url: str, environment: str = "production", **options: Any) -> RedisProbe:
    """A redis probe named `cache` with default options plus `options`."""
    opts = {o.name: o.default for o in RedisProbe.option_schema} | {"url": url} | options
    return RedisProbe("cache", opts, ProbeContext(environment, SecretKeeper(KEY)))


def collect(url: str, environment: str = "production", **options: Any) -> ProbeResult:
    return probe(url, environment, **options).collect()


def snapshot(url: str, environment: str, **options: Any) -> Snapshot:
    """A one-probe snapshot, as `fidelity snapshot` would record it."""
    try:
        result = collect(url, environment, **options)
        part = ProbeSnapshot(type="redis", status="ok", data=plain(result.data), gaps=result.gaps)
    except ProbeError as exc:
        part = ProbeSnapshot(type="redis", status="error", error=str(exc))
    return Snapshot(environment=environment, taken_at="2026-11-30T00:00:00+00:00", tool_version="test",
                    secret_key_id="k", probes={"cache": part})


def audit(reference: tuple[str, dict[str, Any]], candidate: tuple[str, dict[str, Any]],
          policy: Policy | None = None) -> AuditReport:
    """Snapshot both (url, options) and compare them."""
    return build_report(snapshot(reference[0], "production", **reference[1]),
                        [snapshot(candidate[0], "staging", **candidate[1])], policy or Policy())


def drift(report: AuditReport) -> dict[str, tuple[str, str]]:
    """Each finding as path -> (change, severity)."""
    (comparison,) = report.comparisons
    return {f.path: (f.change.value, f.severity.value) for f in comparison.findings}


def seed_app(client: redis.Redis, *, sessions: int = 200, session_ttl: bool = True, session_bytes: int = 20,
             carts: int = 100, profiles_as: str = "hash", rates: int = 0) -> None:
    """An application's keyspace: sessions (strings with a TTL), carts (lists), profiles (hashes)."""
    pipe = client.pipeline(transaction=False)
    for i in range(sessions):
        pipe.set(f"session:{i}", "x" * session_bytes, ex=3600 if session_ttl else None)
    for _ in range(carts):
        pipe.rpush(f"cart:{uuid.uuid4()}:items", "sku-1", "sku-2", "sku-3")
    for i in range(50):
        if profiles_as == "hash":
            pipe.hset(f"user:{i}:profile", mapping={"name": "n", "plan": "free"})
        else:
            pipe.set(f"user:{i}:profile", '{"name": "n"}')
    for i in range(rates):
        pipe.incr(f"rate:{i}")
    pipe.execute()


def cli(tmp_path: Path, production: str, staging: str, *args: str, keys: str = "keys = true",
        extra: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run `fidelity <args> -c <config>` with a redis probe over two environments given by URL."""
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys=keys), encoding="utf-8")
    env = {"FIDELITY_TEST_PRODUCTION_REDIS": production, "FIDELITY_TEST_STAGING_REDIS": staging}
    return fidelity(*args, "-c", str(config), *extra, env=env)


CLI_CONFIG = """
[audit]
reference = "production"

[environments.production]
[environments.staging]

[probes.cache]
type = "redis"
{keys}
  [probes.cache.production]
  url = "${{FIDELITY_TEST_PRODUCTION_REDIS}}"
  [probes.cache.staging]
  url = "${{FIDELITY_TEST_STAGING_REDIS}}"
"""
