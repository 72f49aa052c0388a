"""Start two local Redis servers, production and staging, with drifted settings and keys, for the
`redis` probe example. Needs `redis-server` on PATH; nothing is persisted outside `--folder`.

    eval "$(python examples/redis/setup.py --env)"   # starts both, exports their URLs
    fidelity audit -c examples/redis/fidelity.toml   # exit 1: eviction policy, TTLs and a key type drifted
    python examples/redis/setup.py --stop            # stops both

`--ports` picks the two ports (default 6381,6382); `--folder` holds their files and pid files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

SETTINGS = {
    "production": ["--maxmemory-policy", "allkeys-lru", "--appendonly", "no"],
    # staging: never evicts (a full cache errors instead), and keeps an append-only file
    "staging": ["--maxmemory-policy", "noeviction", "--appendonly", "yes"],
}


def seed(client: redis.Redis, staging: bool) -> None:
    """Sessions with a TTL (none in staging), carts as lists (hashes in staging), rate counters."""
    pipe = client.pipeline(transaction=False)
    for i in range(500):
        pipe.set(f"session:{i}", "s" * 40, ex=None if staging else 1800)
    for _ in range(200):
        name = f"cart:{uuid.uuid4()}:items"
        if staging:
            pipe.hset(name, mapping={"sku-1": 1, "sku-2": 2})
        else:
            pipe.rpush(name, "sku-1", "sku-2")
    for i in range(100):
        pipe.set(f"rate:{i}", 1, ex=60)
    pipe.execute()


def start(folder: Path, ports: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for (name, settings), port in zip(SETTINGS.items(), ports, strict=True):
        home = folder / name
        home.mkdir(exist_ok=True)
        subprocess.run(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                        "--dir", str(home), "--daemonize", "yes", "--pidfile", str(home / "redis.pid"),
                        "--logfile", str(home / "redis.log"), *settings], check=True)
        client = redis.Redis(port=port, protocol=2)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.flushdb()
        seed(client, name == "staging")


def stop(folder: Path) -> None:
    for name in SETTINGS:
        pidfile = folder / name / "redis.pid"
        if pidfile.is_file():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    for name in SETTINGS:  # the server removes its pid file on exit
        for _ in range(100):
            if not (folder / name / "redis.pid").exists():
                break
            time.sleep(0.05)
    shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="store_true", help="print export lines for the two URLs")
    parser.add_argument("--stop", action="store_true", help="stop both servers and remove their files")
    parser.add_argument("--ports", default="6381,6382", help="production,staging ports")
    parser.add_argument("--folder", default=str(Path(tempfile.gettempdir()) / "fidelity-redis-example"))
    args = parser.parse_args()
    folder = Path(args.folder)
    if args.stop:
        stop(folder)
        return 0
    if shutil.which("redis-server") is None:
        print("setup: redis-server is not on PATH (apt-get install redis-server)", file=sys.stderr)
        return 2
    ports = [int(p) for p in args.ports.split(",")]
    start(folder, ports)
    if args.env:
        print(f"export PRODUCTION_REDIS_URL='redis://127.0.0.1:{ports[0]}/0'")
        print(f"export STAGING_REDIS_URL='redis://127.0.0.1:{ports[1]}/0'")
    else:
        print(f"production: redis://127.0.0.1:{ports[0]}/0  staging: redis://127.0.0.1:{ports[1]}/0",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
