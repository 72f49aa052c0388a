"""A secret passed as the argument after a flag, in a list (a container's `args`) or in one string,
never reaches a snapshot or a report; a flag that is not followed by a secret keeps its argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fidelity

from fidelity.redact import SecretKeeper, mask_command, protect

KEEPER = SecretKeeper(b"command line tests")
SECRET = "S3CR3T-arg-9f4e"


@pytest.mark.parametrize("argv", [
    ["--db-password", SECRET],
    ["--api-key", SECRET, "--port", "5432"],
    ["redis-server", "--requirepass", SECRET],
    ["redis-server", "--masterauth", SECRET],
    ["redis-cli", "-h", "cache", "-a", SECRET, "ping"],
    ["/usr/bin/redis-cli", "--pass", SECRET],
    ["sshpass", "-p", SECRET, "ssh", "deploy@host"],
    ["curl", "-u", f"admin:{SECRET}", "https://api.example.com"],
    ["mongosh", "-u", "admin", "-p", SECRET],
    ["app", "--client-secret", SECRET],
])
def test_the_argument_after_a_secret_flag_is_fingerprinted(argv: list[str]) -> None:
    protected = protect({"args": argv}, KEEPER)["args"]
    assert SECRET not in repr(protected)
    assert len(protected) == len(argv)
    flags = [item for item in argv if item.startswith("-")]
    assert [item for item in protected if item.startswith("-")] == flags


@pytest.mark.parametrize("argv", [
    ["redis-cli", "-p", "6380", "ping"],  # redis-cli's -p is the port
    ["mysql", "-u", "app", "-p", "appdb"],  # mysql's -p alone prompts: appdb is the database
    ["ls", "-a", "/srv"],
    ["docker", "run", "-p", "8080:80", "nginx"],
    ["app", "--token-ttl", "30"],  # a policy, not a secret
    ["psql", "--no-password", "-h", "db"],  # followed by another flag
    ["docker", "login", "--password-stdin", "registry.example.com"],
    ["-p", "appdb"],  # no program: `-p` means nothing here
])
def test_flags_that_take_no_secret_keep_their_argument(argv: list[str]) -> None:
    assert protect({"args": argv}, KEEPER)["args"] == argv


def test_mask_command_hides_the_program_specific_secret_argument() -> None:
    shown, hidden = mask_command(["redis-cli", "-a", SECRET, "ping"])
    assert SECRET not in shown
    assert hidden == [SECRET]
    shown, hidden = mask_command(["redis-cli", "-p", "6380"])
    assert shown == ["redis-cli", "-p", "6380"]
    assert hidden == []


MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
        args: ["--db-password", "{secret}", "--api-key", "{secret}-key"]
        env:
        - name: REDIS_ARGS
          value: "--requirepass {secret}-env"
      - name: cache
        image: redis:7
        command: ["redis-server", "--requirepass", "{secret}-cmd"]
        livenessProbe:
          exec:
            command: ["redis-cli", "-a", "{secret}-probe", "ping"]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cache-conf, namespace: shop}}
data:
  redis.conf: |
    port 6379
    requirepass {secret}-conf
"""


def test_kubernetes_manifests_with_secrets_on_command_lines_leak_nowhere(tmp_path: Path) -> None:
    for env, secret in (("production", "S3CR3T-prd-71c2"), ("staging", "S3CR3T-stg-0b9d")):
        (tmp_path / env).mkdir()
        (tmp_path / env / "app.yaml").write_text(MANIFEST.format(secret=secret), encoding="utf-8")
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.k8s]\ntype = "kubernetes"\nmanifests = "{env}"\n', encoding="utf-8")
    done = fidelity("audit", "-c", "fidelity.toml", "--format", "json", "-o", "report.json",
                    "--format", "terminal", "-o", "report.txt", "--format", "html", "-o", "report.html",
                    cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr  # the secrets differ: findings, shown as fingerprints
    outputs = [done.stdout, done.stderr, *(p.read_text(encoding="utf-8") for p in tmp_path.glob("report.*"))]
    assert not [text for text in outputs if "S3CR3T" in text]
    assert "container web args differs" in (tmp_path / "report.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("argv", [["--db-pw", SECRET], ["redis-cli", "-a", SECRET],
                                  ["tool", "--creds", SECRET]])
def test_the_surveyed_fast_path_sees_a_flag_standing_alone(argv: list[str]) -> None:
    """A JSON document fresh from the parser is kept as it is when its survey says the walk would change
    nothing: a flag alone in a list must make the walk run (its secret is the next item, which looks
    like nothing)."""
    from fidelity.redact import SubtreeProtector, survey_json

    tree = {"service": {"args": argv, "name": "cache"}}
    protected = SubtreeProtector(KEEPER).protect(tree, (), survey_json(tree))
    assert SECRET not in repr(protected)
