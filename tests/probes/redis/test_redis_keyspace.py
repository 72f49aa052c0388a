"""Keyspace shape: two logical databases of the shared server as two environments."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
import redis
from redisfixtures import SHARED, SharedDbs, audit, collect, drift, seed_app, shared_dbs


@pytest.fixture
def dbs() -> Iterator[SharedDbs]:
    with shared_dbs() as taken:
        yield taken


def _pair(dbs: SharedDbs) -> tuple[int, int, redis.Redis, redis.Redis]:
    a, b = dbs.take(), dbs.take()
    return a, b, dbs.client(a), dbs.client(b)


def test_the_fingerprint_of_an_application_keyspace(dbs: SharedDbs) -> None:
    a, _, client, _ = _pair(dbs)
    seed_app(client)
    result = collect(SHARED, keys=True, db=[a])
    keyspace = result.data["keyspace"]["db#1"]
    assert keyspace["keys"] == "100+"
    assert keyspace["sample"] == {"scanned": 350, "sampled": 350, "complete": True}
    patterns = keyspace["patterns"]
    assert set(patterns) == {"session:<id>", "cart:<uuid>:items", "user:<id>:profile"}
    assert patterns["session:<id>"]["share"] == round(200 / 350, 4)
    assert patterns["session:<id>"]["types"] == [["string", 1.0]]
    assert patterns["session:<id>"]["ttl"] == 1.0
    assert patterns["session:<id>"]["ttl_left"] == [["<1 h", 1.0]]  # set to 1 h, so under an hour left
    assert patterns["cart:<uuid>:items"]["types"] == [["list", 1.0]]
    (encoding,) = patterns["cart:<uuid>:items"]["encodings"]  # quicklist before Redis 7.2, then listpack
    assert encoding[0] in ("list/quicklist", "list/listpack")
    assert encoding[1] == 1.0
    assert patterns["cart:<uuid>:items"]["ttl"] == 0.0
    assert "ttl_left" not in patterns["cart:<uuid>:items"]
    assert patterns["user:<id>:profile"]["types"] == [["hash", 1.0]]
    # a small hash takes tens of bytes, a hundred with a longer name: MEMORY USAGE counts the key too
    assert {label for label, _ in patterns["user:<id>:profile"]["memory"]} <= {"10 B+", "100 B+"}


def test_identical_keyspaces_have_no_findings(dbs: SharedDbs) -> None:
    a, b, first, second = _pair(dbs)
    seed_app(first, rates=20)
    seed_app(second, rates=20)  # other cart uuids, same shape
    report = audit((SHARED, {"keys": True, "db": [a]}), (SHARED, {"keys": True, "db": [b]}))
    assert drift(report) == {}


def test_keyspace_drift_is_reported_by_cause(dbs: SharedDbs) -> None:
    a, b, first, second = _pair(dbs)
    seed_app(first)
    seed_app(second, session_ttl=False, session_bytes=5000, profiles_as="string", rates=60)
    report = audit((SHARED, {"keys": True, "db": [a]}), (SHARED, {"keys": True, "db": [b]}))
    found = drift(report)
    prefix = "cache/keyspace/db#1/patterns/"
    assert found[prefix + "rate:<id>"] == ("extra", "medium")  # 60 of 410 keys: a new kind of key
    assert found[prefix + "session:<id>/ttl"] == ("changed", "high")  # sessions never expire
    assert found[prefix + "user:<id>:profile/types"] == ("changed", "high")  # hash -> string: WRONGTYPE
    assert found[prefix + "session:<id>/memory"] == ("changed", "high")  # 2 orders of magnitude bigger
    # one finding per cause: the encoding of a retyped key follows its type
    assert prefix + "user:<id>:profile/encodings" not in found
    # how the keyspace was read is not a finding
    assert not any("/sample/" in path for path in found)


def test_a_missing_pattern_is_high_when_it_held_most_keys(dbs: SharedDbs) -> None:
    a, b, first, second = _pair(dbs)
    seed_app(first, sessions=600)
    seed_app(second, sessions=0)
    found = drift(audit((SHARED, {"keys": True, "db": [a]}), (SHARED, {"keys": True, "db": [b]})))
    assert found["cache/keyspace/db#1/patterns/session:<id>"] == ("missing", "high")


def _same_distribution(client: redis.Redis, rng: random.Random, count: int) -> None:
    """Sessions, carts and profiles in shares 50/30/20, with random ids: the same distribution."""
    pipe = client.pipeline(transaction=False)
    for _ in range(count):
        draw = rng.random()
        if draw < 0.5:
            pipe.set(f"session:{rng.randrange(10**12)}", "x" * rng.choice((10, 20, 200)),
                     ex=rng.choice((None, 3600)))
        elif draw < 0.8:
            pipe.rpush(f"cart:{uuid.UUID(int=rng.getrandbits(128))}:items", "a")
        else:
            pipe.hset(f"user:{rng.randrange(10**9)}:profile", "plan", "free")
    pipe.execute()
    # Redis grows a database's hash table by rehashing it a bucket at a time, on later commands and
    # on a timer: while it does, SCAN returns its keys in other batches, so a walk stopped by a budget
    # ends a key or two apart. Each key lookup moves a bucket; twice the keys' count of them finish
    # the rehash, so that every walk of this unchanged keyspace sees the same table.
    for _ in range(2 * count):
        pipe.exists("fidelity-test-settle")
    pipe.execute()


def test_sampled_keyspaces_of_one_distribution_stay_silent(dbs: SharedDbs) -> None:
    a, b, first, second = _pair(dbs)
    _same_distribution(first, random.Random(1), 20_000)
    _same_distribution(second, random.Random(2), 20_000)
    budget = {"scan_keys": 3000, "sample": 400}
    report = audit((SHARED, {"keys": budget, "db": [a]}), (SHARED, {"keys": budget, "db": [b]}))
    assert drift(report) == {}
    snapshot = collect(SHARED, keys=budget, db=[a]).data["keyspace"]["db#1"]
    assert snapshot["sample"]["complete"] is False
    assert 3000 <= snapshot["sample"]["scanned"] < 20_000


def test_the_scan_budget_stops_a_walk_and_the_seed_moves_it(dbs: SharedDbs) -> None:
    a, _, client, _ = _pair(dbs)
    _same_distribution(client, random.Random(3), 5000)
    first = collect(SHARED, keys={"scan_keys": 500}, db=[a]).data["keyspace"]["db#1"]
    again = collect(SHARED, keys={"scan_keys": 500}, db=[a]).data["keyspace"]["db#1"]
    seeded = collect(SHARED, keys={"scan_keys": 500, "seed": 12345}, db=[a]).data["keyspace"]["db#1"]
    assert first == again  # the same keys of an unchanged keyspace
    assert first["sample"]["complete"] is False
    assert first["sample"]["scanned"] < 5000
    assert seeded["patterns"] != first["patterns"]
    hurried = collect(SHARED, keys={"scan_seconds": 1e-9}, db=[a]).data["keyspace"]["db#1"]
    assert hurried["sample"]["complete"] is False  # one SCAN call, then the time budget is spent
    assert 0 < hurried["sample"]["scanned"] < 5000
    matched = collect(SHARED, keys={"match": "cart:*"}, db=[a]).data["keyspace"]["db#1"]
    assert list(matched["patterns"]) == ["cart:<uuid>:items"]


def test_the_scan_budget_is_a_cap_not_a_step(dbs: SharedDbs) -> None:
    """SCAN asks for what is left of the budget: 500 keys of 5,000 scan about 500, not a whole COUNT
    1000 step (COUNT is a hint: a hash bucket's keys come together, so a few more may come)."""
    a, _, client, _ = _pair(dbs)
    _same_distribution(client, random.Random(4), 5000)
    for budget in (500, 1700):
        keyspace = collect(SHARED, keys={"scan_keys": budget}, db=[a]).data["keyspace"]["db#1"]
        scanned = keyspace["sample"]["scanned"]
        assert budget <= scanned < budget * 1.1, (budget, scanned)
