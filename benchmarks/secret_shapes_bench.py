"""Value-shape secret detector benchmark: microseconds per config leaf for `find_secret_spans`.

Run `python -m benchmarks.secret_shapes_bench` (160,000 leaf strings, a few hundred of them holding
a secret) or `--smoke` for a quick run. Target: well under 1 µs per ordinary leaf on average.

`--compare` also times detect-secrets (if installed; it is not a dependency) on the same leaves:
every default plugin's `analyze_string`, and its ad hoc `scan_line` (plugins plus filters) on a
sample, extrapolated.
"""

from __future__ import annotations

import argparse
import importlib
import random
import string
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from fidelity.redact.shapes import find_secret_spans

FULL_LEAVES, SMOKE_LEAVES, SECRET_LEAVES = 160_000, 4_000, 300
WORDS = (
    "info",
    "debug",
    "production",
    "staging",
    "enabled",
    "disabled",
    "ClusterIP",
    "IfNotPresent",
    "ReadWriteOnce",
    "Always",
    "utf8",
    "en_US.UTF-8",
    "UTC",
    "json",
    "primary",
    "replica",
    "gzip",
    "round_robin",
    "least_conn",
    "TCP",
    "HTTP",
    "worker",
    "api",
    "web",
    "cron",
    "default",
)
PROSE = (
    "Number of worker threads used for background jobs",
    "Use a Bearer token in the header",
    "Maximum size of the upload buffer, in megabytes",
    "Send alerts to the on-call rotation",
    "Token refresh happens every hour",
    "Basic settings for the cache layer",
)
COMMANDS = (
    "mkdir -p /data && chown -R app:app /data",
    "psql -h db -p 5432 -U app -d app",
    "docker run -p 8080:80 nginx",
    "sh -c 'exec gunicorn app:wsgi --workers 4'",
    "-Xmx512m -XX:+UseG1GC -Dfile.encoding=UTF-8",
    "pg_dump --format=custom --no-owner app",
    "kubectl rollout restart deployment/web",
    "*/5 * * * *",
)


def _token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def ordinary_leaf(rng: random.Random) -> str:
    """One realistic, non-secret config leaf."""
    hexdigits = "0123456789abcdef"
    kind = rng.randrange(20)
    svc = rng.choice(WORDS).lower()
    if kind < 4:
        return str(rng.choice((rng.randrange(100), rng.randrange(65536), rng.random())))
    if kind < 6:
        return rng.choice(("true", "false", "yes", "no", "null", "on"))
    if kind < 9:
        return rng.choice(WORDS)
    if kind == 9:
        return rng.choice(
            (
                f"{svc}-{rng.randrange(9)}.{svc}.svc.cluster.local",
                f"db-primary.prod{rng.randrange(9)}.internal",
                f"{svc}.example.com",
                f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            )
        )
    if kind == 10:
        return rng.choice(
            (f"/var/lib/{svc}/data", f"/etc/{svc}/config.yaml", f"./logs/{svc}.log", "/usr/local/bin")
        )
    if kind == 11:
        return rng.choice(
            (
                f"https://{svc}.example.com/v1/items?page={rng.randrange(9)}&limit=50",
                f"http://{svc}:8080/health",
                f"https://example.com/{svc}/path",
                f"redis://{svc}.cache:6379/0",
                f"s3://bucket-{svc}/prefix/",
            )
        )
    if kind == 12:
        return rng.choice(
            (
                f"registry.example.com/team/{svc}:1.{rng.randrange(30)}.2",
                f"nginx:1.25@sha256:{_token(rng, 64, hexdigits)}",
                f"{svc}:latest",
            )
        )
    if kind == 13:
        return rng.choice(
            (
                f"{rng.randrange(5)}.{rng.randrange(30)}.{rng.randrange(9)}",
                f"v2.{rng.randrange(20)}.0",
                _token(rng, 40, hexdigits),
                "-".join(_token(rng, n, hexdigits) for n in (8, 4, 4, 4, 12)),
            )
        )
    if kind == 14:
        return rng.choice(
            (f"{svc}@example.com", "app.kubernetes.io/name", f"{rng.randrange(1, 9) * 128}Mi", "250m")
        )
    if kind == 15:
        return rng.choice(
            ("30s", "5m", "1h", "2024-05-01T12:00:00Z", "%(asctime)s %(levelname)s %(message)s")
        )
    if kind == 16:
        return rng.choice(PROSE)
    if kind == 17:
        return rng.choice(COMMANDS)
    if kind == 18:
        return rng.choice(
            (f"{svc}_max_connections", f"{svc.upper()}_HOST", f"jdbc:postgresql://{svc}:5432/app")
        )
    return rng.choice((f"host={svc} port=5432 dbname=app user=app sslmode=require", f"{svc}=1", ""))


def secret_leaf(rng: random.Random) -> str:
    """One leaf holding a secret, of a random kind."""
    tok = _token(rng, 24)
    return rng.choice(
        (
            f"postgres://app:{tok}@db:5432/app",
            f"https://ghp_{_token(rng, 36)}@github.com/o/r.git",
            f"https://api.example.com/v1?api_key={tok}&page=2",
            f"Authorization: Bearer {tok}",
            f"Bearer {tok}",
            f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx{tok}.{tok}",
            f"AKIA{_token(rng, 16, string.ascii_uppercase)}",
            f"glpat-{tok}",
            f"xoxb-{rng.randrange(10**9)}-{tok}",
            f"https://hooks.slack.com/services/T0/B0/{tok}",
            f"sk_live_{tok}",
            f"AIza{_token(rng, 35)}",
            f"npm_{_token(rng, 36)}",
            f"Server=db;User Id=sa;Password={tok};",
            f"host=db password={tok}",
            f"mysql -uroot -p{tok} app",
            f"tool --token {tok}",
            f"-----BEGIN RSA PRIVATE KEY-----\n{tok}\n-----END RSA PRIVATE KEY-----",
        )
    )


def leaves(count: int, secrets: int, seed: int = 7) -> list[str]:
    """`count` leaf strings, `secrets` of them holding a secret, in a shuffled order."""
    rng = random.Random(seed)
    out = [ordinary_leaf(rng) for _ in range(count - secrets)] + [secret_leaf(rng) for _ in range(secrets)]
    rng.shuffle(out)
    return out


def per_leaf_us(func: Callable[[str], object], values: list[str], runs: int) -> float:
    """Best of `runs` timings of `func` over `values`, in microseconds per value."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for value in values:
            func(value)
        best = min(best, time.perf_counter() - started)
    return best / len(values) * 1e6


def detect_secrets_functions() -> tuple[Callable[[str], object], Callable[[str], object]] | None:
    """detect-secrets' plugins (all of their `analyze_string`) and its `scan_line`, or None when it is
    not installed."""
    try:
        settings: Any = importlib.import_module("detect_secrets.settings")
        scan: Any = importlib.import_module("detect_secrets.core.scan")
    except ImportError:
        return None
    context = settings.default_settings()
    context.__enter__()  # kept for the rest of the process
    plugins: Iterable[Any] = list(settings.get_plugins())

    def analyze(value: str) -> object:
        return [secret for plugin in plugins for secret in plugin.analyze_string(value)]

    def scan_line(value: str) -> object:
        return list(scan.scan_line(value))

    return analyze, scan_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a quick run on a few thousand leaves")
    parser.add_argument("--runs", type=int, default=5, help="timed runs; the best one counts")
    parser.add_argument("--compare", action="store_true", help="also time detect-secrets, if installed")
    args = parser.parse_args(argv)
    count = SMOKE_LEAVES if args.smoke else FULL_LEAVES
    secrets = max(1, SECRET_LEAVES * count // FULL_LEAVES)
    values = leaves(count, secrets)
    ordinary = [v for v in values if not find_secret_spans(v)]
    with_secret = [v for v in values if find_secret_spans(v)]
    print(f"{len(values)} leaves, {len(with_secret)} with a secret found ({secrets} generated with one)")
    timed: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("baseline (a no-op call per leaf)", lambda value: None, values),
        ("find_secret_spans, all leaves", find_secret_spans, values),
        ("find_secret_spans, ordinary leaves", find_secret_spans, ordinary),
        ("find_secret_spans, secret leaves", find_secret_spans, with_secret),
    ]
    for label, func, inputs in timed:
        print(f"{label + ':':36} {per_leaf_us(func, inputs, args.runs):.3f} µs/leaf")
    if args.compare:
        functions = detect_secrets_functions()
        if functions is None:
            print("detect-secrets is not installed; no comparison")
            return 0
        analyze, scan_line = functions
        print(f"detect-secrets plugins' analyze_string: {per_leaf_us(analyze, values, 1):.3f} µs/leaf")
        sample = values[: max(1, len(values) // 20)]
        print(
            f"detect-secrets scan_line ({len(sample)} leaves sample): "
            f"{per_leaf_us(scan_line, sample, 1):.3f} µs/leaf"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
