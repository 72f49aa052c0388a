"""The config_files probe: every format, secrets, bad input, severities and the config loader."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import javaproperties
import pytest
from conftest import probe_named, two_env_config

from fidelity import config as config_module
from fidelity import snapshot, toml
from fidelity.config import probe_options
from fidelity.diff.tree import diff_trees
from fidelity.model import Change, Severity
from fidelity.probe import DiffChange, ProbeContext, ProbeResult
from fidelity.redact import FINGERPRINT_RE, SecretKeeper
from probes.config_files import ConfigFilesProbe
from probes.config_files.formats import MAX_DEPTH, MAX_NODES

HOSTILE_KEY = "<script>alert('k')</script>/x~y é 😀"
HOSTILE_VALUE = "<b>bold</b> & \"quoted\" 'single' / ~ \\ ünïcødé 😀"
ENV_HOSTILE_KEY = "<b>K/x~y.é😀\"'</b>"  # dotenv keys cannot hold whitespace


def probe(keeper: SecretKeeper | None = None, **overrides: Any) -> ConfigFilesProbe:
    """A probe named `app` with every option at its default, plus `overrides`."""
    opts = {o.name: o.default for o in ConfigFilesProbe.option_schema} | overrides
    return ConfigFilesProbe("app", opts, ProbeContext("staging", keeper or SecretKeeper(b"k")))


def collect(folder: Path, files: dict[str, str | bytes], keeper: SecretKeeper | None = None,
            **overrides: Any) -> ProbeResult:
    """Write `files` into `folder`, run the probe over them, in order, and return its data as the
    snapshot records it (where secrets found by their shape are fingerprinted)."""
    keeper = keeper or SecretKeeper(b"k")
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    result = probe(keeper, paths=[str(folder / n) for n in files], **overrides).collect()
    return ProbeResult(snapshot.plain(result.data, keeper), result.gaps)


# --- formats -------------------------------------------------------------------------------------

FORMAT_CASES = [
    ("app.env",
     "# comment\nLOG_LEVEL=info\nexport WORKERS=8\nQUOTED=\"a b # kept\"\nEMPTY=\nURL=x # note\n",
     {"LOG_LEVEL": "info", "WORKERS": "8", "QUOTED": "a b # kept", "EMPTY": "", "URL": "x"}),
    ("settings.toml",
     "title = \"t\"\n[db]\nhost = \"h\"\npool = 20\nratio = 0.5\non = true\nsince = 2024-01-02\n"
     "at = 1979-05-27T07:32:00Z\nbig = inf\n[db.replica]\nhosts = [\"a\", \"b\"]\n",
     {"title": "t", "db": {"host": "h", "pool": 20, "ratio": 0.5, "on": True, "since": "2024-01-02",
                           "at": "1979-05-27T07:32:00+00:00", "big": "inf",
                           "replica": {"hosts": ["a", "b"]}}}),
    ("settings.yaml",
     "base: &base {pool: 5, ssl: true}\ndb:\n  <<: *base\n  host: h\n  since: 2024-01-02\n"
     "  none: null\n1: one\nnan: .nan\nref: !Ref SomeResource\n",
     {"base": {"pool": 5, "ssl": True}, "db": {"pool": 5, "ssl": True, "host": "h", "since": "2024-01-02",
                                               "none": None},
      "1": "one", "nan": "nan", "ref": "SomeResource"}),
    ("multi.yml", "a: 1\n---\nb: [x, y]\n", [{"a": 1}, {"b": ["x", "y"]}]),
    ("empty.yaml", "# nothing\n", {}),
    ("data.json", '{"a": {"b": [1, 2.5, null, true]}, "n": NaN}',
     {"a": {"b": [1, 2.5, None, True]}, "n": "nan"}),
    ("app.ini", "[DEFAULT]\nregion = eu\n[server]\nHost = h\nport: 80\nmotd = line one\n  line two\n"
     "skip-name-resolve\n",
     {"server": {"region": "eu", "Host": "h", "port": "80", "motd": "line one\nline two",
                 "skip-name-resolve": None},
      "DEFAULT": {"region": "eu"}}),
    ("app.properties", "# c\ndb.host = h\ndb.port:5432\nlong = a \\\n    b\nuni=caf\\u00e9\n",
     {"db.host": "h", "db.port": "5432", "long": "a b", "uni": "café"}),
]


@pytest.mark.parametrize(("name", "text", "expected"), FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES])
def test_each_format_parses_into_a_nested_tree(tmp_path: Path, name: str, text: str, expected: Any) -> None:
    result = collect(tmp_path, {name: text})
    assert result.gaps == ()
    assert result.data == {name: expected}


NAME_CASES = [(".env", "A=1\n", {"A": "1"}), (".env.production", "A=1\n", {"A": "1"}),
              ("service.env", "A=1\n", {"A": "1"}), ("setup.cfg", "[s]\nA=1\n", {"s": {"A": "1"}}),
              ("nginx.conf", "[s]\nA=1\n", {"s": {"A": "1"}}), ("Settings.YAML", "A: 1\n", {"A": 1}),
              ("config.env.json", '{"A": 1}', {"A": 1})]


@pytest.mark.parametrize(("name", "text", "expected"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_the_format_follows_from_the_file_name(tmp_path: Path, name: str, text: str, expected: Any) -> None:
    assert collect(tmp_path, {name: text}) == ProbeResult({name: expected})


def test_an_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    result = collect(tmp_path, {"settings.txt": "A=1\n"})
    assert result.data == {}
    [gap] = result.gaps
    assert (gap.object, gap.segments) == ("settings.txt", ("settings.txt",))
    assert gap.message == (f"{tmp_path / 'settings.txt'}: cannot tell the format from the file name; "
                           "set `format` (one of env, toml, yaml, json, ini, properties)")
    assert collect(tmp_path, {"settings.txt": "A=1\n"}, format="env").data == {"settings.txt": {"A": "1"}}
    entry = {"path": str(tmp_path / "settings.txt"), "format": "xml"}
    [gap] = probe(paths=[entry]).collect().gaps
    assert gap.message.endswith("settings.txt: unknown format 'xml' "
                                "(known: env, toml, yaml, json, ini, properties)")


def hostile_files() -> dict[str, str]:
    quoted_key, quoted_value = (json.dumps(s, ensure_ascii=False) for s in (HOSTILE_KEY, HOSTILE_VALUE))
    env_value = HOSTILE_VALUE.replace("\\", "\\\\").replace('"', '\\"')
    return {
        "h.json": json.dumps({HOSTILE_KEY: {HOSTILE_KEY: HOSTILE_VALUE}}, ensure_ascii=False),
        "h.toml": f"[{quoted_key}]\n{quoted_key} = {quoted_value}\n",
        "h.yaml": f"{quoted_key}:\n  {quoted_key}: {quoted_value}\n",
        "h.ini": f"[{HOSTILE_KEY}]\n{HOSTILE_KEY} = {HOSTILE_VALUE}\n",
        "h.properties": javaproperties.dumps({HOSTILE_KEY: HOSTILE_VALUE}, timestamp=False),
        "h.env": f'{ENV_HOSTILE_KEY}="{env_value}"\n',
    }


def test_hostile_keys_and_values_round_trip_exactly(tmp_path: Path) -> None:
    result = collect(tmp_path, hostile_files())
    assert result.gaps == ()
    nested = {HOSTILE_KEY: {HOSTILE_KEY: HOSTILE_VALUE}}
    assert result.data == {
        "h.json": nested, "h.toml": nested, "h.yaml": nested, "h.ini": nested,
        "h.properties": {HOSTILE_KEY: HOSTILE_VALUE}, "h.env": {ENV_HOSTILE_KEY: HOSTILE_VALUE},
    }


# --- secrets -------------------------------------------------------------------------------------

PLANTED = ("hunter2-SECRET-VALUE-42", "s3cr3t-pw-XYZ", "yaml-api-key-SECRET-1", "admin-SECRET-USER-7",
           "tok-SECRET-A", "tok-SECRET-B", "kv-SECRET-PW-9", "custom-SECRET-3", "toml-SECRET-5",
           "ini-SECRET-6", "json-SECRET-8")
SECRET_FILES = {
    "app.env": "PASSWORD=hunter2-SECRET-VALUE-42\n"
               "DATABASE_URL=postgres://app:s3cr3t-pw-XYZ@db.prod.internal:5432/app\nLOG_LEVEL=info\n",
    "settings.yaml": "service:\n  api_key: yaml-api-key-SECRET-1\n"
                     "  credentials:\n    user: admin-SECRET-USER-7\n"
                     "    tokens: [tok-SECRET-A, tok-SECRET-B]\n  timeout: 30\n"
                     "dsn: host=db.prod.internal password=kv-SECRET-PW-9\nmy_custom: custom-SECRET-3\n",
    "app.toml": "[auth]\nclient_secret = \"toml-SECRET-5\"\nport = 8080\n",
    "app.ini": "[db]\npasswd = ini-SECRET-6\nhost = db.prod.internal\n",
    "app.json": '{"nested": {"Api-Key": "json-SECRET-8", "list": [{"name": "x", "token": 42}]}}',
}


def test_secret_values_never_reach_the_data(tmp_path: Path) -> None:
    result = collect(tmp_path, SECRET_FILES, secret_keys=["MY_*"])
    assert result.gaps == ()
    dumped = json.dumps(result.data, ensure_ascii=False)
    for secret in PLANTED:
        assert secret not in dumped
    env, yml = result.data["app.env"], result.data["settings.yaml"]
    assert FINGERPRINT_RE.fullmatch(env["PASSWORD"])
    assert env["LOG_LEVEL"] == "info"
    credentials = yml["service"]["credentials"]
    assert FINGERPRINT_RE.fullmatch(credentials["user"])
    assert [bool(FINGERPRINT_RE.fullmatch(t)) for t in credentials["tokens"]] == [True, True]
    assert yml["service"]["timeout"] == 30
    assert yml["dsn"].startswith("host=db.prod.internal password=[secret:")
    assert FINGERPRINT_RE.fullmatch(yml["my_custom"])
    assert result.data["app.toml"]["auth"]["port"] == 8080
    assert result.data["app.ini"]["db"]["host"] == "db.prod.internal"
    assert FINGERPRINT_RE.fullmatch(result.data["app.json"]["nested"]["list"][0]["token"])


def test_a_dsn_keeps_its_host_and_hides_only_its_password(tmp_path: Path) -> None:
    dsn = collect(tmp_path, SECRET_FILES).data["app.env"]["DATABASE_URL"]
    assert FINGERPRINT_RE.fullmatch(dsn.removeprefix("postgres://app:").removesuffix("@db.prod.internal:5432/app"))


def test_equal_secrets_share_a_fingerprint_only_under_the_same_key(tmp_path: Path) -> None:
    files = {"a.env": "PASSWORD=hunter2-SECRET-VALUE-42\n", "b.yaml": "password: hunter2-SECRET-VALUE-42\n"}
    first = collect(tmp_path / "one", files, SecretKeeper(b"k")).data
    again = collect(tmp_path / "two", files, SecretKeeper(b"k")).data
    other = collect(tmp_path / "three", files, SecretKeeper(b"another key")).data
    assert first["a.env"]["PASSWORD"] == first["b.yaml"]["password"] == again["a.env"]["PASSWORD"]
    assert other["a.env"]["PASSWORD"] != first["a.env"]["PASSWORD"]


# --- bad input -----------------------------------------------------------------------------------

def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


BAD_CASES = [
    ("settings.yaml", "a: 1\nb:\n  - x\n  y: 2\n", "invalid YAML at line 4, column 3: "),
    ("settings.toml", "a = 1\nb = \"unterminated\n", "invalid TOML at line 2, column 18: "),
    ("data.json", '{\n  "a": 1,\n  "b": ,\n}', "invalid JSON at line 3, column 8: Expecting value"),
    ("app.ini", "[s]\na = 1\na = 2\n", "invalid INI at line 3: key 'a' in section [s] appears twice"),
    ("no-section.ini", "a = 1\n", "invalid INI at line 1: a key before any [section] header"),
    ("nodelim.ini", "[client]\nskip-networking\npassword hunter2-SECRET-VALUE-42\n",
     "invalid INI at line 3 in section [client]: a secret-looking name with a blank and no `=`"),
    ("app.env", 'A=1\nPASSWORD="hunter2-SECRET-VALUE-42\n', "invalid .env syntax at line 2"),
    ("app.properties", "a=1\nb=\\u12G4\n", "invalid .properties escape '\\\\u12G4' at line 2"),
    ("bomb.yaml", alias_bomb(), f"YAML expands to more than {MAX_NODES:,} values (alias bomb?)"),
    ("loop.yaml", "a: &a [1, *a]\n", "recursive YAML alias at line 1"),
    ("deep.yaml", "".join("  " * i + "k:\n" for i in range(80)) + "  " * 80 + "v\n",
     f"nested more than {MAX_DEPTH} levels deep at line"),
    ("deep.json", "[" * 100 + "]" * 100, f"nested more than {MAX_DEPTH} levels deep"),
    ("deeper.json", "[" * 100_000, f"nested more than {MAX_DEPTH} levels deep"),
    ("tag.yaml", "x: !!python/object/apply:os.system [echo hi]\n", "could not determine a constructor"),
    ("control.yaml", "a: \x07\n", "invalid YAML at line 1: character #x0007 is not allowed"),
]


@pytest.mark.parametrize(("name", "text", "fragment"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_content_is_a_one_line_gap_naming_file_and_line(tmp_path: Path, name: str, text: str,
                                                              fragment: str) -> None:
    result = collect(tmp_path, {name: text, "good.env": "A=1\n"})
    assert result.data == {"good.env": {"A": "1"}}
    [gap] = result.gaps
    assert (gap.object, gap.segments) == (name, (name,))
    assert gap.message.startswith(f"{tmp_path / name}: ")
    assert fragment in gap.message
    assert "\n" not in gap.message
    assert "hunter2" not in gap.message


def test_alias_bomb_fails_fast_and_small(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        result = collect(tmp_path, {"bomb.yaml": alias_bomb()})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "alias bomb" in result.gaps[0].message
    assert peak < 20_000_000


def test_unreadable_files_are_gaps_not_exceptions(tmp_path: Path) -> None:
    (tmp_path / "bin.json").write_bytes(b"{\x00}")
    (tmp_path / "latin.env").write_bytes(b"A=caf\xe9\n")
    with (tmp_path / "big.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    names = ("missing.env", "bin.json", "latin.env", "big.yaml")
    result = probe(paths=[str(tmp_path / n) for n in names]).collect()
    assert result.data == {}
    messages = {g.object: g.message for g in result.gaps}
    assert list(messages) == list(names)
    assert messages["missing.env"].endswith("missing.env: file not found")
    assert "binary" in messages["bin.json"]
    assert "not valid utf-8 at line 1" in messages["latin.env"]
    assert "max_size" in messages["big.yaml"]


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux procfs")
def test_a_file_whose_size_says_less_than_it_holds_is_read_whole_and_still_bounded() -> None:
    """procfs files say they are empty and are not: read as a file that grew after its stat is, to
    its end, and no further than `max_size`."""
    status = "/proc/self/status"
    result = probe(paths=[{"path": status, "name": "status", "format": "properties"}]).collect()
    assert not result.gaps
    assert "Pid" in result.data["status"]
    assert "VmRSS" in result.data["status"]  # a line from its end
    small = probe(paths=[{"path": status, "name": "status", "format": "properties"}], max_size=64).collect()
    assert small.data == {}
    assert "over max_size (64 bytes)" in small.gaps[0].message


# --- git and commands ----------------------------------------------------------------------------

def test_git_ref_and_command_sources(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-C", str(tmp_path),
                        *args], check=True, capture_output=True)

    settings = tmp_path / "settings.yaml"
    git("init", "-q")
    settings.write_text("pool: 5\npassword: old-SECRET-1\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    git("tag", "release")
    settings.write_text("pool: 9\npassword: new-SECRET-2\n")
    git("commit", "-q", "-am", "two")
    at_tag = probe(paths=[str(settings)], git_ref="release").collect().data["settings.yaml"]
    at_head = probe(paths=[str(settings)], git_ref="HEAD").collect().data["settings.yaml"]
    assert (at_tag["pool"], at_head["pool"]) == (5, 9)
    assert at_tag["password"] != at_head["password"]
    assert "SECRET" not in json.dumps([at_tag, at_head])

    code = "import json; print(json.dumps({'db': {'password': 'cmd-SECRET-4', 'pool': 3}}))"
    result = probe(command=[sys.executable, "-c", code], format="json", output_name="live").collect()
    assert result.data["live"]["db"]["pool"] == 3
    assert FINGERPRINT_RE.fullmatch(result.data["live"]["db"]["password"])


# --- severities and matching ---------------------------------------------------------------------

FP_A, FP_B = "[secret:" + "a" * 32 + "]", "[secret:" + "b" * 32 + "]"
ASSESS_CASES = [
    (("app.env",), Change.MISSING, {"A": "1"}, None, Severity.HIGH,
     "file app.env is missing from the candidate"),
    (("app.env",), Change.EXTRA, None, {"A": "1"}, Severity.MEDIUM, "file app.env is only in the candidate"),
    (("app.env", "A"), Change.MISSING, "1", None, Severity.HIGH, "A is in the reference but missing"),
    (("app.env", "A"), Change.EXTRA, None, "1", Severity.MEDIUM, "A is only in the candidate"),
    (("app.env", "A"), Change.CHANGED, "1", "2", Severity.MEDIUM, "A differs"),
    (("app.env", "PASSWORD"), Change.CHANGED, FP_A, FP_B, Severity.LOW,
     "PASSWORD: secret value differs (compared by keyed fingerprint)"),
    (("app.env", "URL"), Change.CHANGED, f"pg://u:{FP_A}@db:5432", f"pg://u:{FP_B}@db:5432", Severity.LOW,
     "URL: secret value differs"),
    (("app.env", "URL"), Change.CHANGED, f"pg://u:{FP_A}@db1:5432", f"pg://u:{FP_A}@db2:5432",
     Severity.MEDIUM, "URL differs"),
]


@pytest.mark.parametrize(("segments", "change", "ref", "cand", "severity", "message"), ASSESS_CASES)
def test_assess(segments: tuple[str, ...], change: Change, ref: Any, cand: Any, severity: Severity,
                message: str) -> None:
    assessment = ConfigFilesProbe.assess(DiffChange(segments, change, ref, cand), {}, {})
    assert assessment.severity is severity
    assert assessment.message.startswith(message)


def test_diffing_two_environments_matches_lists_by_name(tmp_path: Path) -> None:
    keeper = SecretKeeper(b"k")
    servers = "servers:\n  - {name: a, port: 1}\n  - {name: b, port: 2}\n"
    reordered = "servers:\n  - {name: b, port: 2}\n  - {name: a, port: 3}\n"
    reference = collect(tmp_path / "prod", {"s.yaml": servers, "app.env": "PASSWORD=p1\n", "x.env": "A=1\n"},
                        keeper).data
    candidate = collect(tmp_path / "stage", {"s.yaml": reordered, "app.env": "PASSWORD=p2\n"}, keeper).data
    diff = diff_trees(reference, candidate, hints=ConfigFilesProbe.list_hints)
    found = {(c.segments, c.change): ConfigFilesProbe.assess(c, reference, candidate).severity
             for c in diff.changes}
    assert found == {
        (("s.yaml", "servers", "a", "port"), Change.CHANGED): Severity.MEDIUM,
        (("app.env", "PASSWORD"), Change.CHANGED): Severity.LOW,
        (("x.env",), Change.MISSING): Severity.HIGH,
    }


# --- through the real config loader --------------------------------------------------------------

CONFIG = two_env_config(
    '["envs/{env}/app.env", { path = "envs/{env}/extra.txt", name = "extra", format = "ini" }]',
    'secret_keys = ["session_*"]\n  [probes.app.staging]\n  max_size = 1000\n')


def write_environment(root: Path, env: str, level: str) -> None:
    folder = root / "envs" / env
    folder.mkdir(parents=True)
    (folder / "app.env").write_text(f"LOG_LEVEL={level}\nAPI_TOKEN=tok-{env}-SECRET\n"
                                    f"SESSION_SALT=salt-{env}-SECRET\n")
    (folder / "extra.txt").write_text(f"[{env}-independent]\nkey = {level}\n")


def test_config_loader_substitutes_env_and_resolves_relative_paths(tmp_path: Path) -> None:
    write_environment(tmp_path, "staging", "debug")
    config = config_module.parse(toml.loads(CONFIG), tmp_path / "fidelity.toml")
    opts = probe_options(config, probe_named(config, "app"), "staging")
    base = tmp_path.resolve()
    assert opts["paths"][0] == str(base / "envs" / "staging" / "app.env")
    assert opts["paths"][1]["path"] == str(base / "envs" / "staging" / "extra.txt")
    assert opts["max_size"] == 1000
    context = ProbeContext("staging", SecretKeeper(b"k"), config.base_dir)
    result = ConfigFilesProbe("app", opts, context).collect()
    assert result.gaps == ()
    assert result.data["app.env"]["LOG_LEVEL"] == "debug"
    assert FINGERPRINT_RE.fullmatch(result.data["app.env"]["SESSION_SALT"])
    assert result.data["extra"] == {"staging-independent": {"key": "debug"}}


def test_snapshot_holds_no_secret_and_no_environment_name_in_paths(tmp_path: Path) -> None:
    write_environment(tmp_path, "production", "info")
    write_environment(tmp_path, "staging", "debug")
    (tmp_path / "envs" / "production" / "extra.txt").unlink()
    config = config_module.parse(toml.loads(CONFIG), tmp_path / "fidelity.toml")
    keeper = SecretKeeper(b"k")
    taken = {env: snapshot.take(config, env, keeper) for env in ("production", "staging")}
    dumped = json.dumps({env: snapshot.to_json(s) for env, s in taken.items()})
    assert "SECRET" not in dumped
    production, staging = taken["production"].probes["app"], taken["staging"].probes["app"]
    assert (production.status, staging.status) == ("ok", "ok")
    assert set(staging.data) == {"app.env", "extra"}
    assert [g.object for g in production.gaps] == ["extra"]
    assert "file not found" in production.gaps[0].message


def test_a_value_under_an_authorization_name_never_reaches_the_data(tmp_path: Path) -> None:
    """An Authorization header's value kept in a config file is a credential whatever its shape
    (`Basic …`/`Bearer …` are caught by shape, a bare password was not); a key that only starts
    with the word stays readable."""
    files = {"app.yaml": "headers:\n  Authorization: hunter2-AUTHZ-1\n  authorization_mode: RBAC\n",
             "app.json": '{"proxy": {"Proxy-Authorization": "hunter2-AUTHZ-2"}}',
             "app.env": "AUTHORIZATION=hunter2-AUTHZ-3\n"}
    result = collect(tmp_path, files)
    dumped = json.dumps(result.data, ensure_ascii=False)
    assert "AUTHZ" not in dumped
    assert result.data["app.yaml"]["headers"]["authorization_mode"] == "RBAC"
    assert FINGERPRINT_RE.fullmatch(result.data["app.json"]["proxy"]["Proxy-Authorization"])
    assert result.data["app.env"]["AUTHORIZATION"].startswith("[secret:")


def test_a_credential_scheme_under_an_authorization_name_stays_comparable(tmp_path: Path) -> None:
    """`Bearer <token>` keeps its scheme (`Bearer [secret:…]`), as where the shape alone finds it;
    two credentials in one value are one secret, fingerprinted whole."""
    files = {"app.yaml": "Authorization: Bearer abc.DEF-123_xyz\nProxy-Authorization: Bearer a b\n"}
    result = collect(tmp_path, files)
    assert result.data["app.yaml"]["Authorization"].startswith("Bearer [secret:")
    assert FINGERPRINT_RE.fullmatch(result.data["app.yaml"]["Proxy-Authorization"])
    assert "abc.DEF" not in json.dumps(result.data)


def test_a_password_written_again_elsewhere_is_fingerprinted_there_too(tmp_path: Path) -> None:
    """A value fingerprinted below a secret-looking name is a known secret: written again under an
    ordinary key, in a command line, in a list or in another file of the probe, it is fingerprinted
    there too (the same fingerprint, so it still compares), and nothing else changes."""
    password = "Tr0ub4dor-reused"
    files = {"db.env": f"DB_PASSWORD={password}\nDB_USER=app\n",
             "app.yaml": (f"login:\n  copy_of_the_db_login: {password}\n"
                          f"  backup: 'pg_dump -W {password} shop'\n"
                          f"hosts: [db1, '{password}']\nmode: fast\n"),
             "app.json": json.dumps({"nested": {"again": f"x{password}y"}, "name": "shop"})}
    result = collect(tmp_path, files)
    dumped = json.dumps(result.data, ensure_ascii=False)
    assert password not in dumped
    fingerprint = result.data["db.env"]["DB_PASSWORD"]
    assert result.data["app.yaml"]["login"]["copy_of_the_db_login"] == fingerprint
    assert result.data["app.yaml"]["login"]["backup"] == f"pg_dump -W {fingerprint} shop"
    assert result.data["app.yaml"]["hosts"] == ["db1", fingerprint]
    assert result.data["app.json"]["nested"]["again"] == f"x{fingerprint}y"
    assert (result.data["app.yaml"]["mode"], result.data["app.json"]["name"]) == ("fast", "shop")
    assert result.data["db.env"]["DB_USER"] == "app"


def test_a_short_password_is_not_looked_for_elsewhere(tmp_path: Path) -> None:
    """Below six characters a password would mask every word that holds it: it is fingerprinted where
    it stands (below its name) only."""
    result = collect(tmp_path, {"db.env": "DB_PASSWORD=shop\nDB_NAME=shop\n"})
    assert FINGERPRINT_RE.fullmatch(result.data["db.env"]["DB_PASSWORD"])
    assert result.data["db.env"]["DB_NAME"] == "shop"


POLICY_FILES = {
    "auth.toml": ('token_required = false\npassword_min_length = 6\npasswordMaxAgeDays = 90\n'
                  '"token-ttl-seconds" = 1.5\nbcrypt_password_rounds = 4\nsecret_version = 3\n'
                  'api_key = 7654321\npassword_length = "hunter2-SECRET-len"\n'
                  '[credentials]\nenabled = true\nport = 5432\npassword_length = 16\n'
                  'password_auth_enabled = true\n'
                  '[session_store]\nrotate = true\nsession_ttl = 60\n'),
    "auth.yaml": ("password: 123456\nраssword_length: 12\n<b>token</b>_limit: 5\nsecret_count: [1, 2]\n"
                  "api_key: yes\ncredentials:\n  sam_max: 482913\n"
                  "passwords:\n  alice: hunter2-SECRET-plural\n"
                  "token_max: 12345678901.0\npasscode: 135790\npasskey: 246801\npin: 1357\n"),
    "auth.env": ("TOKEN_REQUIRED=false\nPASSWORD_AUTH_ENABLED=On\nPASSWORD_MIN_LENGTH=6\n"
                 "JWT_SECRET_TTL=1.5h\nTOKEN_EXPIRY=90d\nDB_PASSWORD=123456\nPASSWORD_LENGTH=hunter2-SECRET-env\n"
                 "SECRET_ENABLED=maybe-SECRET\nTOKEN_VERSION=12345678901\nCARD_PIN=4821\n"),
}


def test_a_boolean_or_a_measured_number_below_a_secret_name_stays_comparable(tmp_path: Path) -> None:
    """`token_required = false` and `password_min_length = 6` are policy, not secrets: a staging that
    turned authentication off or weakened its password rules must show it. A number under a name
    that holds the secret (`api_key`, `password`), a string under a measuring name, and anything
    below a name the user declared secret stay fingerprinted."""
    data = collect(tmp_path, POLICY_FILES, secret_keys=["session_*"]).data
    toml_data, yaml_data = data["auth.toml"], data["auth.yaml"]
    shown = {key: toml_data[key] for key in ("token_required", "password_min_length", "passwordMaxAgeDays",
                                             "token-ttl-seconds", "bcrypt_password_rounds", "secret_version")}
    assert shown == {"token_required": False, "password_min_length": 6, "passwordMaxAgeDays": 90,
                     "token-ttl-seconds": 1.5, "bcrypt_password_rounds": 4, "secret_version": 3}
    credentials = toml_data["credentials"]
    assert (credentials["password_auth_enabled"], credentials["password_length"]) == (True, 16)
    assert (yaml_data["раssword_length"], yaml_data["<b>token</b>_limit"]) == (12, 5)  # lookalike р, а
    # the secret's own name, a label below a secret table (`enabled`, `sam_max`), YAML's `yes`, too long
    hidden = [toml_data["api_key"], toml_data["password_length"], toml_data["credentials"]["port"],
              toml_data["credentials"]["enabled"], toml_data["session_store"]["rotate"],
              toml_data["session_store"]["session_ttl"], yaml_data["password"], *yaml_data["secret_count"],
              yaml_data["api_key"], yaml_data["credentials"]["sam_max"], yaml_data["passwords"]["alice"],
              yaml_data["token_max"], yaml_data["passcode"], yaml_data["passkey"], yaml_data["pin"],
              data["auth.env"]["CARD_PIN"]]
    assert all(isinstance(value, str) and FINGERPRINT_RE.fullmatch(value) for value in hidden), hidden
    env = data["auth.env"]
    assert {key: env[key] for key in ("TOKEN_REQUIRED", "PASSWORD_AUTH_ENABLED", "PASSWORD_MIN_LENGTH",
                                      "JWT_SECRET_TTL", "TOKEN_EXPIRY")} == {
        "TOKEN_REQUIRED": "false", "PASSWORD_AUTH_ENABLED": "On", "PASSWORD_MIN_LENGTH": "6",
        "JWT_SECRET_TTL": "1.5h", "TOKEN_EXPIRY": "90d"}  # .env holds text: the same, written as text
    hidden = [env[key] for key in ("DB_PASSWORD", "PASSWORD_LENGTH", "SECRET_ENABLED", "TOKEN_VERSION")]
    assert all(FINGERPRINT_RE.fullmatch(value) for value in hidden), hidden
    dumped = json.dumps(data, ensure_ascii=False)
    for secret in ("7654321", "hunter2-SECRET", "5432", "123456", "maybe-SECRET", "482913", "12345678901",
                   "135790", "246801", "1357", "4821"):
        assert secret not in dumped


def test_a_staging_that_turned_authentication_off_is_a_finding_with_its_values(tmp_path: Path) -> None:
    for env, required, length in (("production", "true", 12), ("staging", "false", 6)):
        (tmp_path / env).mkdir()
        (tmp_path / env / "auth.toml").write_text(
            f"token_required = {required}\npassword_min_length = {length}\n"
            f"api_token = \"tok-{env}-SECRET\"\n", encoding="utf-8")
    (tmp_path / "fidelity.toml").write_text(two_env_config('["{env}/auth.toml"]'), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "--fail-on", "medium",
                             "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 1, result.stderr
    assert "SECRET" not in result.stdout
    findings = {f["path"]: f for f in json.loads(result.stdout)["comparisons"][0]["findings"]}
    required_finding = findings["app/auth.toml/token_required"]
    assert (required_finding["severity"], required_finding["reference"], required_finding["candidate"]) == (
        "medium", True, False)
    assert (findings["app/auth.toml/password_min_length"]["reference"],
            findings["app/auth.toml/password_min_length"]["candidate"]) == (12, 6)
    assert findings["app/auth.toml/api_token"]["severity"] == "low"  # the secret itself: by fingerprint


def test_a_numeric_password_written_again_as_a_number_is_fingerprinted_there_too(tmp_path: Path) -> None:
    """YAML reads `password: 48291377` as a number. Written again, through an anchor under a name that
    looks like a policy, as a plain number, inside a string or in a list, it is the same fingerprint
    there; a shorter number (a pool size) and other numbers stay as they are."""
    text = ("db_password: &pw 48291377\npassword_max_age: *pw\nbackup_copy: 48291377\n"
            "note: 'the pin is 48291377'\nlist: [48291377, 1]\npool: 48291\n")
    data = collect(tmp_path, {"app.yaml": text}).data["app.yaml"]
    fingerprint = data["db_password"]
    assert FINGERPRINT_RE.fullmatch(fingerprint)
    assert data["password_max_age"] == data["backup_copy"] == data["list"][0] == fingerprint
    assert data["note"] == f"the pin is {fingerprint}"
    assert (data["pool"], data["list"][1]) == (48291, 1)
    assert "48291377" not in json.dumps(data)
