"""Normalising an answer: what changes on every request or by environment never reaches the data."""

from __future__ import annotations

import json

from fidelity.probe import SecretKeeper
from probes.http import normalise


def test_env_is_folded_as_a_whole_word_only() -> None:
    assert normalise.fold_env("https://api-staging.shop.example/Staging/x", "staging") == \
        "https://api-{env}.shop.example/{env}/x"
    assert normalise.fold_env("device dev-box", "dev") == "device {env}-box"


def test_urls_lose_user_info_query_values_and_fragment() -> None:
    assert normalise.fold_url("https://u:pw@Prod.Shop.example:8443/a?token=s3cr3t&x=1#frag", "prod") == \
        "https://{env}.shop.example:8443/a?token=&x="
    assert normalise.fold_url("https://h.example/p?q=1", "prod", "https://h.example/start") == "/p?q="
    assert normalise.fold_url("http://h.example/p", "prod", "https://h.example/start") == "http://h.example/p"


def test_volatile_headers_dates_and_nonces() -> None:
    raw = [("date", "Mon, 30 Nov 2026 12:00:00 GMT"), ("x-request-id", "abc"), ("etag", '"v1"'),
           ("last-modified", "Tue, 01 Dec 2026 10:00:00 GMT"), ("vary", "Accept"), ("vary", "Origin"),
           ("content-security-policy", "script-src   'nonce-r4nd0m' 'self'"), ("x-custom", "kept?")]
    assert normalise.headers(raw, ["date", "x-request-id", "etag", "vary", "content-security-policy",
                                   "last-*"], "prod") == {
        "date": "present", "x-request-id": "present", "etag": "present", "last-modified": "present",
        "vary": "Accept, Origin", "content-security-policy": "script-src 'nonce-…' 'self'",
    }


def test_cookies_keep_names_and_attributes_never_values() -> None:
    raw = [("set-cookie", "sid=Value-Never-1; Domain=.Staging.shop.example; Path=/; "
                          "Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=3600; Secure; HttpOnly; "
                          "SameSite=Strict"),
           ("set-cookie", "<b>odd</b>=x; secure"), ("set-cookie", "=nameless"),
           ("content-type", "text/plain")]
    found = normalise.cookies(raw, "staging")
    assert found == {
        "<b>odd</b>": {"secure": True},
        "sid": {"domain": "{env}.shop.example", "path": "/", "expires": "set", "max_age": "3600",
                "secure": True, "httponly": True, "samesite": "strict"},
    }
    assert "Value-Never-1" not in json.dumps(found)


def test_json_fields_are_picked_and_secrets_fingerprinted() -> None:
    keeper = SecretKeeper(b"k" * 32)
    fields = normalise.JsonFields(keeper, ["*_internal"], "staging")
    document = {"build": {"commit": "abc", "time": 1}, "flags": {"a": True, "b": False},
                "password": "hunter2",
                "key_internal": "x-42", "client_secret": None, "url": "https://staging.shop.example/",
                "deep": [[[[1]]]]}
    kept = fields.keep(document, [])
    assert kept["password"] == keeper.fingerprint("hunter2")
    assert kept["key_internal"] == keeper.fingerprint("x-42")
    assert kept["client_secret"] is None  # "not set" is comparable and no secret
    assert kept["url"] == "https://{env}.shop.example/"
    assert fields.keep(document, ["build.commit", "flags.*", "nope.x"]) == \
        {"build": {"commit": "abc"}, "flags": {"a": True, "b": False}}
    nested: object = "leaf"
    for _ in range(100):
        nested = {"n": nested}
    assert "deeper than" in json.dumps(fields.keep(nested, []))
