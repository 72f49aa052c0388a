"""Redis keyspace-shape benchmark: a 1M-key keyspace, the probe at its default budget against a full SCAN.

Run `python -m benchmarks.redis_bench` (full size: 1M keys loaded with `redis-cli --pipe` into a
spawned `redis-server`; about a minute) or `--smoke` for 20k keys. Both sides run in this process
with the same client library, interleaved, medians of `--runs` (default 5) after one warm-up:

* subject: the whole `redis` probe with `keys = true` (server, CONFIG GET, DBSIZE, the SCAN budget,
  TYPE / OBJECT ENCODING / PTTL / MEMORY USAGE of the sample, folding);
* anchor: a full SCAN of the keyspace (COUNT 1000), keys only.

Targets, checked at full size: subject <= 1/10 of the anchor, and every pattern's share within
0.02 of the truth (the share of keys the loader wrote under it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tabulate import tabulate

TARGET_RATIO, TARGET_SHARE = 1 / 10, 0.02
#: The loaded keyspace: pattern -> (share of keys, key template, command writing one key).
MIX = (
    ("session:<id>", 0.40),
    ("cart:<uuid>:items", 0.25),
    ("user:<id>:profile", 0.20),
    ("rate:<id>:<date>", 0.10),
    ("<value>", 0.05),
)


def _resp(*args: str) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _commands(keys: int, rng: random.Random) -> tuple[bytes, dict[str, int]]:
    """The protocol text writing `keys` keys, and the truth: keys per pattern."""
    out: list[bytes] = []
    truth = dict.fromkeys((name for name, _ in MIX), 0)
    bounds = []
    total = 0.0
    for name, share in MIX:
        total += share
        bounds.append((total, name))
    for i in range(keys):
        draw = rng.random()
        name = next(n for bound, n in bounds if draw < bound)
        truth[name] += 1
        if name == "session:<id>":
            out.append(_resp("SET", f"session:{i}", "s" * rng.choice((20, 60, 300)), "EX", "3600"))
        elif name == "cart:<uuid>:items":
            out.append(_resp("RPUSH", f"cart:{uuid.UUID(int=rng.getrandbits(128))}:items", "sku-1", "sku-2"))
        elif name == "user:<id>:profile":
            out.append(_resp("HSET", f"user:{i}:profile", "plan", "free", "name", "n"))
        elif name == "rate:<id>:<date>":
            out.append(_resp("SET", f"rate:{i}:2026-11-{1 + i % 28:02d}", "1", "EX", "86400"))
        else:
            out.append(_resp("SET", f"lock {rng.getrandbits(32):x} {i}", "v"))  # not a word: `<value>`
    return b"".join(out), truth


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _full_scan(client: Any) -> int:
    seen, cursor = 0, 0
    while True:
        cursor, keys = client.scan(cursor, count=1000)
        seen += len(keys)
        if int(cursor) == 0:
            return seen


def measure(keys: int, runs: int) -> dict[str, Any]:
    """Load a spawned server, then time the probe and a full SCAN, interleaved."""
    import redis

    from fidelity.probe import ProbeContext
    from fidelity.redact import SecretKeeper
    from probes.redis import RedisProbe

    folder = Path(tempfile.mkdtemp(prefix="fidelity-redis-bench-"))
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, protocol=2)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        started = time.perf_counter()
        text, truth = _commands(keys, random.Random(42))
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=text, check=True,
                       stdout=subprocess.DEVNULL)
        built = time.perf_counter() - started
        options = {o.name: o.default for o in RedisProbe.option_schema} | {
            "url": f"redis://127.0.0.1:{port}/0", "keys": True}
        probe = RedisProbe("cache", options, ProbeContext("production", SecretKeeper(b"bench")))
        subject: list[float] = []
        anchor: list[float] = []
        result = probe.collect()
        _full_scan(client)  # warm-up of both
        for _ in range(runs):
            t = time.perf_counter()
            result = probe.collect()
            subject.append(time.perf_counter() - t)
            t = time.perf_counter()
            scanned = _full_scan(client)
            anchor.append(time.perf_counter() - t)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)
    keyspace = result.data["keyspace"]["db#1"]
    shares = {name: float(entry["share"]) for name, entry in keyspace["patterns"].items()}
    errors = {name: abs(shares.get(name, 0.0) - count / keys) for name, count in truth.items()}
    extra = {name: share for name, share in shares.items() if name not in truth}
    return {"keys": keys, "scanned_full": scanned, "built": built, "probe": statistics.median(subject),
            "scan": statistics.median(anchor), "sample": keyspace["sample"], "errors": errors,
            "extra": extra, "gaps": len(result.gaps)}


def main(argv: list[str] | None = None) -> int:
    """Print the table and the ratio; exit 1 when a target is missed (the time only at full size)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20k keys, for CI")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        print("skipped: needs redis-server and redis-cli")
        return 0
    r = measure(20_000 if args.smoke else 1_000_000, 1 if args.smoke else args.runs)
    ratio = r["probe"] / r["scan"]
    worst = max(r["errors"].values())
    print(tabulate([(f"{r['keys']:,}", f"{r['built']:.1f}", f"{r['sample']['scanned']:,}",
                     f"{r['sample']['sampled']:,}", f"{r['probe']:.3f}", f"{r['scan']:.3f}", f"{ratio:.3f}",
                     f"{worst:.4f}")],
                   headers=("keys", "load s", "scanned", "sampled", "probe s (median)",
                            "full SCAN s (median)", "ratio", "max share error"), tablefmt="github"))
    print()
    for name, error in sorted(r["errors"].items()):
        print(f"  {name}: share error {error:.4f}")
    if r["extra"]:
        print(f"  patterns not in the truth: {r['extra']}")
    print(f"keyspace shape / full SCAN at {r['keys']:,} keys: {ratio:.3f}x (target <= {TARGET_RATIO:g}x)")
    print(f"pattern shares within {worst:.4f} of the truth (target <= {TARGET_SHARE})")
    accurate = worst <= TARGET_SHARE and not r["extra"] and r["gaps"] == 0
    if args.smoke:
        return 0 if accurate else 1
    return 0 if accurate and ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
