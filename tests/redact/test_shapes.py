"""Value-shape secret detection: the exact secret part is spanned, ordinary values are left alone."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fidelity.redact.entropy import looks_high_entropy
from fidelity.redact.shapes import KINDS, Span, find_secret_spans, mask_spans

FINGERPRINT = re.compile(r"\[secret:[0-9a-f]{32}\]")
TOK = "mL6z2OYWF90SV0BeQFUzaiPC"
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


def fingerprint(secret: str) -> str:
    return f"[secret:{hashlib.sha256(secret.encode()).hexdigest()[:32]}]"


def secrets_in(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.kind) for s in find_secret_spans(text)]


def pem(kind: str) -> str:
    label = f"{kind} PRIVATE KEY".strip()
    return f"-----BEGIN {label}-----\nMIIEpAIBAAKCAQEAx4\nZm9vYmFy\n-----END {label}-----"


POSITIVES = [
    # (text, the secret part, kind)
    ("postgres://app:hunter2@db.internal:5432/app", "hunter2", "url_password"),
    ("mongodb://u:p@ss@mongo:27017/x", "p@ss", "url_password"),
    (f"https://{GHP}@github.com/org/repo.git", GHP, "github_token"),
    (f"https://{TOK}@git.example.com/org/repo.git", TOK, "url_token"),
    (f"https://api.example.com/v1/items?token={TOK}&page=2", TOK, "url_query_secret"),
    (f"https://api.example.com/v1?page=2&api_key={TOK}", TOK, "url_query_secret"),
    (
        "https://acct.blob.core.windows.net/c/b?sv=2020-08-04&sig=AbC%2Bd4Qz%3D&se=2030",
        "AbC%2Bd4Qz%3D",
        "url_query_secret",
    ),
    (
        "https://b.s3.amazonaws.com/k?X-Amz-Date=20240101&X-Amz-Signature=4f2c1e0d9b8a7c6d",
        "4f2c1e0d9b8a7c6d",
        "url_query_secret",
    ),
    (f"https://x.example.com/cb?access_token={TOK}", TOK, "url_query_secret"),
    (f"https://x.example.com/cb?password={TOK}#frag", TOK, "url_query_secret"),
    (f"Authorization: Bearer {TOK}", TOK, "auth_header"),
    ("Authorization: Bearer abc", "abc", "auth_header"),
    (f"curl -H 'Authorization: Bearer {TOK}' https://api.example.com", TOK, "auth_header"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "auth_header"),
    (f"Authorization: Token {TOK}", TOK, "auth_header"),
    (f"Bearer {TOK}", TOK, "auth_header"),
    ("Bearer abc", "abc", "auth_header"),
    (JWT, JWT, "jwt"),
    (f"cookie session={JWT}; Path=/", JWT, "jwt"),
    (pem("RSA"), pem("RSA"), "private_key"),
    (pem("EC"), pem("EC"), "private_key"),
    (pem("OPENSSH"), pem("OPENSSH"), "private_key"),
    (pem("ENCRYPTED"), pem("ENCRYPTED"), "private_key"),
    (pem(""), pem(""), "private_key"),
    ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id"),
    ("key id ASIAY34FZKBOKMUTVV7A in use", "ASIAY34FZKBOKMUTVV7A", "aws_access_key_id"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key",
    ),
    (
        "SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key",
    ),
    (GHP, GHP, "github_token"),
    ("gho_" + "a" * 36, "gho_" + "a" * 36, "github_token"),
    ("ghs_" + "b1" * 18, "ghs_" + "b1" * 18, "github_token"),
    ("github_pat_11ABCDEFG0_" + "x1" * 30, "github_pat_11ABCDEFG0_" + "x1" * 30, "github_token"),
    ("glpat-abcdefghij0123456789", "glpat-abcdefghij0123456789", "gitlab_token"),
    (
        "xoxb-1234567890-1234567890123-abcdefghijklmnopqrstuvwx",
        "xoxb-1234567890-1234567890123-abcdefghijklmnopqrstuvwx",
        "slack_token",
    ),
    ("token xoxp-1234567890-abcdefghij", "xoxp-1234567890-abcdefghij", "slack_token"),
    (
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "slack_webhook",
    ),
    (
        "https://hooks.slack.com/workflows/T0000/A0000/123456/abcdef",
        "T0000/A0000/123456/abcdef",
        "slack_webhook",
    ),
    ("https://hooks.slack.com/triggers/T0000/123456/abcdef", "T0000/123456/abcdef", "slack_webhook"),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
    ("rk_test_4eC39HqLyjWDarjtT1zdp7dc", "rk_test_4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
    ("AIzaSyD-1234567890abcdefghijklmnopqrstu", "AIzaSyD-1234567890abcdefghijklmnopqrstu", "google_api_key"),
    ("npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_token"),
    ("VAULT_TOKEN hvs.CAESIJ1nb2dfVGhpc0lzQVRlc3RUb2tlbg3a", "hvs.CAESIJ1nb2dfVGhpc0lzQVRlc3RUb2tlbg3a",
     "vault_token"),
    ("hvb.AAAAAQJx_9-kLmN0pQrStUvWxYz012345", "hvb.AAAAAQJx_9-kLmN0pQrStUvWxYz012345", "vault_token"),
    ("Server=db;Database=x;User Id=sa;Password=p4ss w0rd;", "p4ss w0rd", "connection_string_password"),
    ("Server=db;Uid=sa;Pwd=s3cr3t;", "s3cr3t", "connection_string_password"),
    ("Driver={ODBC};Server=db;pwd=s3cr3t", "s3cr3t", "connection_string_password"),
    ("Server=db;Password='x y';", "x y", "connection_string_password"),
    ("jdbc:sqlserver://db:1433;databaseName=app;password=s3cr3t;", "s3cr3t", "connection_string_password"),
    ("host=db port=5432 password=s3cr3t user=app", "s3cr3t", "key_value_secret"),
    ("host=db password='s3 cr3t' user=app", "s3 cr3t", "key_value_secret"),
    ("-Xmx512m -Dspring.datasource.password=s3cr3t", "s3cr3t", "key_value_secret"),
    ('{"client_secret": "s3cr3t", "id": 1}', "s3cr3t", "key_value_secret"),
    # the variable's name glued to its prefix: libpq's own PGPASSWORD, in a container's command line
    ("sh -c 'PGPASSWORD=s3cr3t psql -h db -U app'", "s3cr3t", "key_value_secret"),
    ("REDISPASSWORD: s3cr3t", "s3cr3t", "key_value_secret"),
    ("env MYSQLPASSWORD=s3cr3t mysqldump app", "s3cr3t", "key_value_secret"),
    ("csrftoken=s3cr3t; Path=/", "s3cr3t", "key_value_secret"),
    ("mysql -uroot -ps3cr3tpw app", "s3cr3tpw", "cli_mysql_password"),
    ("mysqldump -h db -u root -p's3 cr3t' app", "s3 cr3t", "cli_mysql_password"),
    ("tool --password s3cr3t --verbose", "s3cr3t", "cli_secret_flag"),
    ("tool --token s3cr3t", "s3cr3t", "cli_secret_flag"),
    ("tool --api-key s3cr3t", "s3cr3t", "cli_secret_flag"),
    ("tool --client-secret 's3 cr3t'", "s3 cr3t", "cli_secret_flag"),
    ("--requirepass s3cr3t", "s3cr3t", "cli_secret_flag"),  # a flag at the start of the text
    ("redis-server --masterauth s3cr3t", "s3cr3t", "cli_secret_flag"),
    ("redis-cli -h db -a s3cr3t ping", "s3cr3t", "cli_program_password"),
    ("sshpass -p 's3 cr3t' ssh deploy@host", "s3 cr3t", "cli_program_password"),
    ("mongosh -u admin -p s3cr3t db", "s3cr3t", "cli_program_password"),
    ("curl -u admin:s3cr3t https://api.example.com", "s3cr3t", "cli_user_password"),
    ("curl --user admin:s3cr3t https://api.example.com", "s3cr3t", "cli_user_password"),
    ("http -a admin:s3cr3t example.com", "s3cr3t", "cli_user_password"),
    ("port 6379\nrequirepass s3cr3t\nmaxmemory 1gb", "s3cr3t", "config_line_secret"),
    ("masterauth s3cr3t", "s3cr3t", "config_line_secret"),
    ("machine api.example.com login deploy password s3cr3t", "s3cr3t", "config_line_secret"),
    ("CREATE ROLE app LOGIN PASSWORD 's3cr3t'", "s3cr3t", "sql_password"),
    ("ALTER USER b WITH PASSWORD 's3cr3t';", "s3cr3t", "sql_password"),
    ("CREATE USER 'a'@'%' IDENTIFIED BY 's3cr3t'", "s3cr3t", "sql_password"),
    ("EXECUTE 'ALTER ROLE r WITH PASSWORD ''s3cr3t!''';", "s3cr3t!", "sql_password"),
    ("<server><id>repo</id><password>s3cr3t</password></server>", "s3cr3t", "xml_secret"),
    ("<add key='x'/><apiKey>s3cr3t</apiKey>", "s3cr3t", "xml_secret"),
    ("https://discord.com/api/webhooks/1234567890/s3cr3t-Tok_en", "s3cr3t-Tok_en", "discord_webhook"),
    ("'password' => 's3cr3t',", "s3cr3t", "key_value_secret"),  # PHP
    (':password => "s3cr3t"', "s3cr3t", "key_value_secret"),  # Ruby
    ("app:s3cr3t@tcp(db:3306)/app?parseTime=true", "s3cr3t", "go_dsn_password"),  # Go's MySQL driver
    ("JAVA_OPTS=-Djavax.net.ssl.keyStorePassword=s3cr3t -Xmx1g", "s3cr3t", "key_value_secret"),
    ('{\\"user\\":\\"u\\",\\"password\\":\\"s3cr3t\\"}', "s3cr3t", "key_value_secret"),  # JSON in JSON
]


@pytest.mark.parametrize(
    ("text", "secret", "kind"), POSITIVES, ids=[f"{k}-{i}" for i, (_, _, k) in enumerate(POSITIVES)]
)
def test_the_exact_secret_part_is_spanned(text: str, secret: str, kind: str) -> None:
    assert secrets_in(text) == [(secret, kind)]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("tool --password=s3cr3t", "s3cr3t"),
        ("tool --token=s3cr3t", "s3cr3t"),
    ],
)
def test_attached_long_flags(text: str, secret: str) -> None:
    assert [s for s, _ in secrets_in(text)] == [secret]


def test_every_kind_has_a_positive_case() -> None:
    assert {kind for _, _, kind in POSITIVES} == set(KINDS)


def test_masking_keeps_host_user_and_path() -> None:
    masked = mask_spans("postgres://app:hunter2@db.internal:5432/app?sslmode=require", fingerprint)
    assert masked == f"postgres://app:{fingerprint('hunter2')}@db.internal:5432/app?sslmode=require"
    masked = mask_spans(f"https://x.io/v1/items?page=2&token={TOK}&limit=5", lambda s: "***")
    assert masked == "https://x.io/v1/items?page=2&token=***&limit=5"


def test_several_secrets_in_one_string() -> None:
    text = f"mysql -uroot -pabc123 && curl -H 'Authorization: Bearer {TOK}' https://u:pw@x/"
    assert [s for s, _ in secrets_in(text)] == ["abc123", TOK, "pw"]


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/path?page=2",
        "https://api.example.com/v1/items?limit=50&offset=100",
        "http://web:8080/health",
        "0f4e6a6c-1b5e-4a6b-9c1e-2b3c4d5e6f70",
        "1.25.3",
        "v2.14.0-rc.1+build.5",
        "3f786850e387550fdab836ed7e6dc881de23001b",
        "/var/lib/postgresql/data",
        "./config/secrets/app.yaml",
        "Use a Bearer token in the header",
        "the Bearer of bad news",
        "Token refresh happens every hour",
        "Basic settings for the cache layer",
        "mkdir -p /data && chown -R app:app /data",
        "psql -h db -p 5432 -U app",
        "docker run -p 8080:80 nginx",
        "docker run -p8080:80 nginx",
        "nginx:1.25@sha256:0b1d9c2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80",
        "dGVzdA==",
        "Zm9v",
        "ops@example.com",
        "git@github.com:org/repo.git",
        "ssh://git@github.com/org/repo.git",
        "pk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "tool --password-file /run/secrets/pw",
        "tool --no-password -h db",
        "tool --token-ttl 60",
        "redis-cli -p 6380 ping",  # redis-cli's -p is the port
        "mysql -u app -p appdb",  # mysql's -p alone prompts; appdb is the database
        "docker run -u 1000:1000 app",
        "ls -a /tmp",
        "the password is stored in the vault",
        "requirepass_docs https://redis.io",
        "<password/>",
        "<token></token>",
        "machine learning models",
        "user@tcp(db:3306)/app",  # no password
        "password=${DB_PASSWORD}",
        "password=$DB_PASSWORD",
        "password: {{ .Values.password }}",
        "password=***",
        "config=prod path=/x address=10.0.0.1",
        "bypass=true compass: north OLDPWD=/home/app",
        "PGPASSFILE=/home/app/.pgpass",
        "public_key=abc",
        "https://x.io/?public_key=abc",
        "",
        "true",
        "8080",
        "0.75",
    ],
)
def test_ordinary_values_have_no_secret(text: str) -> None:
    assert find_secret_spans(text) == ()


def test_masked_values_are_not_masked_again() -> None:
    for text, _, _ in POSITIVES:
        once = mask_spans(text, fingerprint)
        assert mask_spans(once, fingerprint) == once, text


@pytest.mark.parametrize(
    "value",
    [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "3f786850e387550fdab836ed7e6dc881",
        "aB3dE5fG7hJ9kL1m",
        "Zm9vYmFyYmF6cXV4MTIz",
        TOK,
    ],
)
def test_high_entropy_values(value: str) -> None:
    assert looks_high_entropy(value)


@pytest.mark.parametrize(
    "value",
    [
        "short",
        "correcthorsebatterystaple",
        "max_connections_per_host",
        "MAX_CONNECTIONS_PER_HOST",
        "MyApplicationName",
        "ProductionServer01",
        "0f4e6a6c-1b5e-4a6b-9c1e-2b3c4d5e6f70",
        "/var/lib/postgresql/data",
        "1.2.3-rc.1+build.5",
        "db-primary.prod.internal",
        "12345678901234567890",
        "aaaaaaaaaaaaaaaaaaaa",
        "dGVzdA==",
        "hello world this is prose",
    ],
)
def test_ordinary_values_are_not_high_entropy(value: str) -> None:
    assert not looks_high_entropy(value)


def check_spans(text: str, spans: tuple[Span, ...]) -> None:
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        assert span.kind in KINDS
        previous_end = span.end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_gives_valid_spans(text: str) -> None:
    check_spans(text, find_secret_spans(text))
    looks_high_entropy(text)


ALPHABET = st.sampled_from(
    [
        "password=",
        "Pwd=",
        ";",
        " ",
        "://",
        "u:",
        "@",
        "?token=",
        "&",
        "Bearer ",
        "-p",
        "mysql ",
        "--token ",
        "eyJ",
        ".",
        "AKIA",
        "ghp_",
        "xoxb-",
        "-----BEGIN PRIVATE KEY-----",
        "\n",
        "-----END PRIVATE KEY-----",
        "'",
        '"',
        "abc123XYZ",
        "A" * 16,
        "a1" * 18,
        "$X",
        "[secret:0123456789abcdef0123456789abcdef]",
        "=",
        ":",
        "/",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(ALPHABET, max_size=25).map("".join))
@example("-p://password=?token=;@")  # a URL's user part running into the first pass's fingerprint
def test_secret_like_text_gives_valid_spans_and_masking_settles(text: str) -> None:
    check_spans(text, find_secret_spans(text))
    once = mask_spans(text, fingerprint)
    check_spans(once, find_secret_spans(once))
    # A fingerprint is never reported again: masking again keeps every fingerprint of the first pass
    # (exact idempotence is checked on realistic values above; glued tokens like "...-----xoxb-..."
    # may only be found once a neighbour is masked).
    twice = mask_spans(once, fingerprint)
    assert Counter(FINGERPRINT.findall(once)) <= Counter(FINGERPRINT.findall(twice))
