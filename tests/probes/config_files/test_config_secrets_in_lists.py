"""Secrets in the shapes deployment files give them: a name/value list, a compose `environment:`
list, a healthcheck's `mysqladmin -p…`, a Docker config's registry `auth`, a kubeconfig's client
key, Go's MySQL DSN, JVM `-D…Password=` options. None may reach a snapshot or a report."""

from __future__ import annotations

import base64
from pathlib import Path

from conftest import fidelity, two_env_config

COMPOSE = """services:
  api:
    image: api:1
    environment:
      - SECRET_KEY_BASE={s}-1
      - LOG_LEVEL=info
      - DB_PASSWORD=${{DB_PASSWORD}}
      - JAVA_OPTS=-Djavax.net.ssl.keyStorePassword={s}-2 -Xmx1g
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "-uroot", "-p{s}-3"]
  worker:
    env:
      - name: STRIPE_SECRET
        value: {s}-4
      - name: QUEUE
        value: default
    dsn: app:{s}-5@tcp(db:3306)/app?parseTime=true
"""
KUBECONFIG = """apiVersion: v1
kind: Config
users:
  - name: ci
    user:
      client-key-data: {key}
"""


def test_deployment_file_shapes_leak_no_secret(tmp_path: Path) -> None:
    for env in ("production", "staging"):
        secret = f"S3CR3T-{env[:4]}"
        (tmp_path / env).mkdir()
        (tmp_path / env / "compose.yaml").write_text(COMPOSE.format(s=secret), encoding="utf-8")
        auth = base64.b64encode(f"bot:{secret}-6".encode()).decode()
        (tmp_path / env / "docker.json").write_text(
            f'{{"auths": {{"registry.example.com": {{"auth": "{auth}"}}}}}}', encoding="utf-8")
        key = base64.b64encode(f"-----BEGIN RSA PRIVATE KEY-----\n{secret}-7\n".encode()).decode()
        (tmp_path / env / "kubeconfig.yaml").write_text(KUBECONFIG.format(key=key), encoding="utf-8")
    paths = '["{env}/compose.yaml", "{env}/docker.json", "{env}/kubeconfig.yaml"]'
    (tmp_path / "fidelity.toml").write_text(two_env_config(paths), encoding="utf-8")
    done = fidelity("audit", "-c", "fidelity.toml", "--format", "json", "-o", "r.json", "--format", "html",
                    "-o", "r.html", "--format", "terminal", "-o", "r.txt", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    shown = [done.stdout, done.stderr, *(p.read_text(encoding="utf-8") for p in tmp_path.glob("r.*"))]
    encoded = [base64.b64encode(f"bot:S3CR3T-{e}-6".encode()).decode() for e in ("prod", "stag")]
    assert not [text for text in shown if "S3CR3T" in text or any(e in text for e in encoded)]
    report = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert "LOG_LEVEL=info" not in report  # unchanged values are no findings; the secrets changed
    assert "compose.yaml/services/api/environment" in (tmp_path / "r.json").read_text(encoding="utf-8")
