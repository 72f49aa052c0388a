"""One planted secret of every kind, in every config format, a PostgreSQL setting and a Kubernetes
object: none of them, nor its base64 or URL-encoded form, reaches any output of a real run.

The run is `fidelity audit` as a pipeline runs it: every report format written with `-o`, `-vv`,
GitHub Actions annotations and job summary, a webhook (a real receiver) and the history folder;
then `fidelity snapshot` of each environment. Most secrets differ between production and staging,
so they are findings, and the non-secret part next to one (a host) is still compared.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from conftest import fidelity
from support.webhook_receiver import webhook_server

from tests.support.kubernetes_api import FakeApiServer, write_kubeconfig
from tests.support.kubernetes_cluster import build_cluster

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase
REPORT_TOKEN = "Rt9vQ2mLx8Kd3Wz7Pn4Bc6Hj"


def rand(seed: str, length: int, alphabet: str = ALNUM) -> str:
    """A reproducible random string: the same seed gives the same secret."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def secrets_of(env: str) -> dict[str, str]:
    """The secret part of each planted value; `same` ones are equal in both environments."""
    e, same = env, "same"
    return {
        "url_password": "Pw" + rand(f"url{e}", 14),
        "query_token": rand(f"qt{e}", 24),
        "query_sig": rand(f"sig{e}", 30),
        "query_key": rand(f"qk{same}", 28),
        "bearer": "Bq" + rand(f"bearer{e}", 30) + ".x9",
        "basic": base64.b64encode(f"svc:{rand(f'basic{e}', 16)}".encode()).decode(),
        "token_header": rand(f"th{e}", 32),
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI" + rand(f"jwt{e}", 20) + "In0." + rand(f"jwts{e}", 43),
        "pem_body": "MIIEpAIBAAKCAQEA" + rand(f"pem{e}", 48),
        "aws_key_id": "AKIA" + rand(f"aws{same}", 16, string.ascii_uppercase + string.digits),
        "aws_secret": rand(f"awss{e}", 40),
        "github": "ghp_" + rand(f"gh{e}", 36),
        "gitlab": "glpat-" + rand(f"gl{e}", 20),
        "slack_token": "xoxb-1234567890-" + rand(f"xox{e}", 24),
        "slack_webhook": f"T{rand('t' + same, 8, UPPER)}/B{rand('b' + e, 8, UPPER)}/{rand(f'hook{e}', 24)}",
        "stripe": "sk_live_" + rand(f"stripe{e}", 24),
        "google": "AIza" + rand(f"google{same}", 35),
        "npm": "npm_" + rand(f"npm{e}", 36),
        "vault": "hvs." + rand(f"vault{e}", 90),
        "ado_password": "Ad0" + rand(f"ado{e}", 13),
        "jdbc_password": "Jd8" + rand(f"jdbc{e}", 13),
        "odbc_pwd": "Od7" + rand(f"odbc{e}", 13),
        "mysql_p": "My6" + rand(f"mysql{e}", 13),
        "flag_password": "Fl5" + rand(f"flag{e}", 13),
        "flag_token": "Tk4" + rand(f"flagtok{e}", 21),
        "high_entropy": rand(f"entropy{e}", 32),
        "key_token": "ghp_" + rand(f"keytok{e}", 36),
        "key_url_password": "Kp3" + rand(f"keyurl{e}", 13),
    }


def values_of(env: str) -> dict[str, str]:
    """Config values holding the secrets, under names that do not look secret (shapes must find them)."""
    s = secrets_of(env)
    return {
        "DATABASE_URL": f"postgres://app:{s['url_password']}@db.{env}.internal:5432/app",
        "FEED_URL": f"https://api.example.com/v1/items?page=2&token={s['query_token']}",
        "BLOB_URL": f"https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&sig={s['query_sig']}",
        "MAPS_URL": f"https://maps.example.com/api?key={s['query_key']}&zoom=3",
        "Authorization": f"Bearer {s['bearer']}",
        "PROXY_HEADER": f"Proxy-Authorization: Basic {s['basic']}",
        "API_HEADER": f"Authorization: Token {s['token_header']}",
        "SESSION_JWT": s["jwt"],
        "TLS_PEM": f"-----BEGIN RSA PRIVATE KEY-----{s['pem_body']}-----END RSA PRIVATE KEY-----",
        "AWS_PROFILE_TEXT": f"aws_access_key_id={s['aws_key_id']} aws_secret_access_key={s['aws_secret']}",
        "GITHUB_REMOTE": f"https://{s['github']}@github.com/acme/app.git",
        "GITLAB_CI": s["gitlab"],
        "SLACK_BOT": s["slack_token"],
        "ALERTS_HOOK": f"https://hooks.slack.com/services/{s['slack_webhook']}",
        "PAYMENTS": s["stripe"],
        "MAPS": s["google"],
        "NPMRC": f"//registry.npmjs.org/:_authToken={s['npm']}",
        "VAULT_LOGIN": f"vault login {s['vault']}",
        "ADO_CONNECTION": f"Server=tcp:sql.{env};Database=app;User Id=sa;Password={s['ado_password']};",
        "JDBC_URL": f"jdbc:sqlserver://sql.{env}:1433;databaseName=app;user=sa;password={s['jdbc_password']}",
        "ODBC": f"Driver={{ODBC Driver 18}};Server=sql;Uid=sa;Pwd={s['odbc_pwd']};",
        "BACKUP_CMD": f"mysqldump -uroot -p{s['mysql_p']} -h db.{env}.internal app",
        "MIGRATE_CMD": f"migrate --password={s['flag_password']} --host db.{env}.internal",
        "DEPLOY_CMD": f"deploy --token {s['flag_token']} --region eu",
    }


def nested_of(env: str) -> dict[str, Any]:
    """What only nested formats can say: random values below a secret-looking name, secrets as keys."""
    s = secrets_of(env)
    return {
        "vault": {"auth_tokens": {"primary": {"value": s["high_entropy"]}}},
        "users_by_key": {s["key_token"]: "alice"},
        "mirrors": {f"https://mirror:{s['key_url_password']}@mirror.{env}.example.com/pypi": "primary"},
    }


def toml_string(value: str) -> str:
    return json.dumps(value)


def write_configs(folder: Path, env: str) -> None:
    """The same values in .env, YAML, JSON, TOML, INI and .properties (nested ones where possible)."""
    values = values_of(env)
    nested = nested_of(env)
    folder.mkdir(parents=True)
    (folder / "app.env").write_text("".join(f'{k}="{v}"\n' for k, v in values.items()), encoding="utf-8")
    yaml_doc = {"service": {"headers": {"Authorization": values["Authorization"]}},
                "settings": {k: v for k, v in values.items() if k != "Authorization"}, **nested}
    (folder / "settings.yaml").write_text(json.dumps(yaml_doc, indent=2), encoding="utf-8")  # JSON is YAML
    (folder / "config.json").write_text(json.dumps({"settings": values, **nested}, indent=1),
                                        encoding="utf-8")
    toml = "".join(f"{k} = {toml_string(v)}\n" for k, v in values.items())
    toml += f"[vault.auth_tokens.primary]\nvalue = {toml_string(secrets_of(env)['high_entropy'])}\n"
    for table in ("users_by_key", "mirrors"):
        toml += f"[{table}]\n" + "".join(f"{toml_string(k)} = {toml_string(v)}\n"
                                          for k, v in nested[table].items())
    (folder / "config.toml").write_text(toml, encoding="utf-8")
    ini = "[app]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    (folder / "app.ini").write_text(ini, encoding="utf-8")
    (folder / "app.properties").write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")


# --- PostgreSQL ---------------------------------------------------------------------------------

def postgres_database(created: list[str], env: str) -> str | None:
    """A fresh database with secrets in custom settings (database- and role-level) and in its schema."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:  # pragma: no cover - a test dependency
        return None
    s, v = secrets_of(env), values_of(env)
    name = f"fidelity_test_{rand(f'db{env}{random.random()}', 10, string.ascii_lowercase)}"
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True,
                             connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            created.append(name)
            for setting, value in (("app.alerts_hook", v["ALERTS_HOOK"]), ("app.header", v["Authorization"]),
                                   ("app.backup", v["BACKUP_CMD"]), ("app.jwt", v["SESSION_JWT"])):
                conn.execute(sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.SQL(setting), sql.Literal(value)))
            conn.execute(sql.SQL("ALTER ROLE postgres IN DATABASE {} SET app.upstream = {}").format(
                sql.Identifier(name), sql.Literal(v["DATABASE_URL"])))
    except psycopg.OperationalError:
        return None
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE feeds (id int, url text DEFAULT {})").format(
            sql.Literal(v["FEED_URL"])))
        conn.execute(sql.SQL("COMMENT ON TABLE feeds IS {}").format(sql.Literal(f"uses {s['github']}")))
    return f"host=127.0.0.1 port=5432 user=postgres dbname={name}"


@pytest.fixture
def databases() -> Iterator[list[str]]:
    created: list[str] = []
    yield created
    import psycopg
    from psycopg import sql

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- Kubernetes ---------------------------------------------------------------------------------

def manifests(env: str) -> list[dict[str, Any]]:
    """A ConfigMap and a Deployment carrying secrets in data, env values, args, labels, annotations."""
    s, v = secrets_of(env), values_of(env)
    labels = {"app.kubernetes.io/name": "web"}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "web-config", "labels": {**labels, "auth-token": s["high_entropy"]},
                      "annotations": {"team/contact": v["ALERTS_HOOK"]}},
         "data": {"DATABASE_URL": v["DATABASE_URL"], "headers.yaml": f"Authorization: {v['Authorization']}\n",
                  "STRIPE": v["PAYMENTS"], "NPMRC": v["NPMRC"]}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "labels": labels},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                      "name": "web", "image": "registry.example.com/shop/web:1.4.2",
                      "args": ["serve", f"--db-url={v['JDBC_URL']}", v["DEPLOY_CMD"]],
                      "env": [{"name": "BACKUP", "value": v["BACKUP_CMD"]},
                              {"name": "REMOTE", "value": v["GITHUB_REMOTE"]},
                              {"name": "SESSION", "value": v["SESSION_JWT"]}]}]}}}},
    ]


# --- The run ------------------------------------------------------------------------------------

def config_text(kubernetes: bool, postgres: bool) -> str:
    files = ", ".join(f'"{{env}}/{name}"' for name in
                      ("app.env", "settings.yaml", "config.json", "config.toml", "app.ini", "app.properties"))
    text = ('[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
            f'[probes.app]\ntype = "config_files"\npaths = [{files}]\n')
    if postgres:
        text += ('[probes.db]\ntype = "postgres"\nschemas = ["public"]\n'
                 '  [probes.db.production]\n  dsn = "${FIDELITY_TEST_PRODUCTION_DSN}"\n'
                 '  [probes.db.staging]\n  dsn = "${FIDELITY_TEST_STAGING_DSN}"\n')
    if kubernetes:
        text += ('[probes.k8s]\ntype = "kubernetes"\nkubeconfig = "kubeconfig"\ncontext = "prod"\n'
                 'request_timeout = 5\n  [probes.k8s.staging]\n  context = "staging"\n')
    return text + ('[notify]\nwebhook = "${TEST_WEBHOOK_URL}"\nwhen = "always"\n'
                   f'report_url = "https://ci.example.com/fidelity/latest.html?token={REPORT_TOKEN}"\n')


def forms(secret: str) -> set[str]:
    """A secret as it could leak: as is, base64 (standard and URL-safe), URL-encoded."""
    raw = secret.encode()
    return {secret, base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="), quote(secret, safe=""), quote_plus(secret)}


def test_no_planted_secret_of_any_kind_leaves_a_run(tmp_path: Path, databases: list[str]) -> None:
    for env in ("production", "staging"):
        write_configs(tmp_path / env, env)
    dsns = {env: postgres_database(databases, env) for env in ("production", "staging")}
    postgres = all(dsns.values())
    hook_secret = "X" + rand("webhook path", 23)
    out, history = tmp_path / "out", tmp_path / "history"
    summary = tmp_path / "summary.md"
    with FakeApiServer(build_cluster(manifests("production"), seed=1), tmp_path / "tls-p") as production, \
            FakeApiServer(build_cluster(manifests("staging"), seed=2), tmp_path / "tls-s") as staging, \
            webhook_server() as (url, recorder):
        write_kubeconfig(tmp_path / "kubeconfig", [production.kubeconfig_entry("prod"),
                                                   staging.kubeconfig_entry("staging")])
        config = tmp_path / "fidelity.toml"
        config.write_text(config_text(kubernetes=True, postgres=postgres), encoding="utf-8")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
               "TEST_WEBHOOK_URL": f"{url}/services/T0/B0/{hook_secret}",
               "FIDELITY_TEST_PRODUCTION_DSN": dsns["production"] or "",
               "FIDELITY_TEST_STAGING_DSN": dsns["staging"] or ""}
        args = ["audit", "-c", str(config), "-vv", "--show-ignored", "--report-dir", str(history)]
        for fmt, name in {"json": "r.json", "html": "r.html", "markdown": "r.md", "junit": "r.xml",
                          "terminal": "r.txt"}.items():
            args += ["--format", fmt, "-o", str(out / name)]
        audit = fidelity(*args, env=env)
        snapshots = [fidelity("snapshot", "-c", str(config), "--env", name, "-vv",
                              "-o", str(out / f"{name}.snapshot.json"), env=env)
                     for name in ("production", "staging")]
    assert audit.returncode == 1, audit.stderr
    assert [s.returncode for s in snapshots] == [0, 0], [s.stderr for s in snapshots]
    assert recorder.payloads, "the webhook was not called"
    assert postgres, "PostgreSQL at 127.0.0.1:5432 is needed for this test"

    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert report["errors"] == []
    findings = {f["path"]: f for f in report["comparisons"][0]["findings"]}
    # the host next to a masked password is still compared, and changed secrets are findings
    assert findings["app/app.env/DATABASE_URL"]["reference"].startswith("postgres://app:[secret:")
    assert "db.production.internal" in findings["app/app.env/DATABASE_URL"]["reference"]
    header = findings["app/settings.yaml/service/headers/Authorization"]
    assert header["candidate"].startswith("Bearer [secret:")
    assert any(p.startswith("db/settings/app.alerts_hook") for p in findings)
    assert any(p.startswith("k8s/") and "ConfigMap/web-config" in p for p in findings)

    texts = {str(p.relative_to(tmp_path)): p.read_text(encoding="utf-8", errors="replace")
             for folder in (out, history) for p in folder.rglob("*") if p.is_file()}
    texts |= {"summary": summary.read_text(encoding="utf-8"), "audit stdout": audit.stdout,
              "audit stderr": audit.stderr, "webhook": json.dumps(recorder.payloads),
              **{f"snapshot {i} stderr": s.stderr for i, s in enumerate(snapshots)}}
    assert "::warning" in audit.stdout + audit.stderr or "::error" in audit.stdout + audit.stderr
    assert "[secret:" in texts["out/production.snapshot.json"]
    planted = {(kind, form) for env in ("production", "staging") for kind, secret in secrets_of(env).items()
               for form in forms(secret)} | {("webhook path", form) for form in forms(hook_secret)} \
        | {("report link token", form) for form in forms(REPORT_TOKEN)}
    leaks = sorted({(kind, where) for kind, form in planted for where, text in texts.items() if form in text})
    assert leaks == [], leaks
