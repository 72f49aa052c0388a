"""`no_secret_name` and `_Walk.keeps_keys`: many key names decided by one search, never wrongly kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.redact import SecretKeeper
from fidelity.redact.subtree import SubtreeProtector, protect_subtree
from fidelity.redact.text import looks_secret_name, no_secret_name
from fidelity.redact.tree import protect

#: Words of secret names, and pieces that join into one where two names meet.
PIECES = ["pass", "word", "Password", "passwd", "passphrase", "passage", "pwd", "secret", "client_secret",
          "token", "api", "_key", "api-key", "apikey", "access.key", "private_key", "credential", "auth",
          "authKey", "Authorization", "authorization_mode", "proxy-authorization", "signing", "encryption",
          "session", "cookie", "PA\u017fSWORD", "credent\u0130al", "credent\u0131al", "to\u212aen",
          "AP\u0130KEY", "\u017fecret", "\n", "", "x", "é", "id", "name", "[secret:",
          "0123456789abcdef0123456789abcdef]", "\u0440\u0430ss", "w\u043erd",
          "\u03a4\u039f\u039a\u0395\u039d", "\u200b", "\u00ad", "\uff50\uff41\uff53\uff53",
          "s\u0435cr\u0435t", "\U0001d42d\U0001d428\U0001d424", "Passwort", "mot_de_passe",
          "impasse", "contraseña", "Contrasena", "resenha", "senha", "HASŁO", "Lösenord", "şifre", "SIFRE",
          "ŞİFRE", "desifre",
          "пароль", "ПАРОЛЬ", "секрет", "密码", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "비밀번호", "geheim",
          "ghp_aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A", "postgres://u:pw@h/db"]
NAMES = st.one_of(st.sampled_from(PIECES), st.text(max_size=10),
                  st.lists(st.sampled_from(PIECES), max_size=4).map("".join))


@settings(max_examples=3000, deadline=None)
@given(names=st.lists(NAMES, max_size=6))
def test_true_only_when_no_name_looks_secret(names: list[str]) -> None:
    if no_secret_name(names):
        assert [n for n in names if looks_secret_name(n)] == []


@settings(max_examples=500, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=8, unique=True), value=st.sampled_from(["x", "hunter2!"]))
def test_a_batch_of_trees_is_protected_as_each_alone(names: list[str], value: str) -> None:
    """Many objects protected together (the keys decided in bulk where they can be) come out exactly
    as each protected on its own by the walk."""
    keeper = SecretKeeper(b"k")
    trees = [{"columns": {name: {"type": "text", "default": value}}, "comment": name} for name in names]
    places = [(tree, ("schema", "public", "tables", f"t{i}")) for i, tree in enumerate(trees)]
    together = SubtreeProtector(keeper).protect_many(places)
    alone = [protect_subtree(tree, keeper, at) for tree, at in places]
    assert [dict(t) for t in together] == [dict(t) for t in alone]


@settings(max_examples=500, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=8, unique=True), at=NAMES,
       value=st.sampled_from(["x", "hunter2!", True, 6]))
def test_names_decided_together_without_secret_keys_are_protected_as_one_by_one(
        names: list[str], at: str, value: object) -> None:
    """With `whole_below` empty (config_files with no `secret_keys`), a surveyed file's names and its
    place are decided together where they can be; the result is what the walk makes of each name
    (a surveyed tree, kept as it is when the walk would not change it, against the walk itself)."""
    from fidelity.redact.survey import survey_json

    keeper = SecretKeeper(b"k")
    tree = {name: {"inner": value, name: [value]} for name in names}
    surveyed = protect_subtree(tree, keeper, (at,), whole_below=(), survey=survey_json(tree))
    walked = protect_subtree(tree, keeper, (at,), whole_below=())
    assert dict(surveyed) == dict(walked)


@settings(max_examples=500, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=8, unique=True), value=st.sampled_from(["x", "hunter2!"]))
def test_a_probes_top_level_names_decided_together_are_protected_as_one_by_one(
        names: list[str], value: str) -> None:
    """The names at the top of a probe's data (file names, few of them) are decided together where
    they can be; deeper down, as many names are each decided alone: the same result."""
    keeper = SecretKeeper(b"k")
    tree = {name: {"inner": value} for name in names}
    assert protect(tree, keeper) == protect({"wrapper": tree}, keeper)["wrapper"]


def test_a_secret_name_among_thousands_of_keys_is_still_fingerprinted() -> None:
    keeper = SecretKeeper(b"k")
    columns = {f"column_{i:05d}": {"default": "'x'"} for i in range(5000)}
    columns["db_password"] = {"default": "'hunter2-correct-horse'"}
    place = ("schema", "public", "tables", "t")
    kept = SubtreeProtector(keeper).protect_many([({"columns": columns}, place)])
    shown = repr(dict(kept[0]))
    assert "hunter2-correct-horse" not in shown
    assert "column_04999" in shown


def test_a_name_is_read_as_it_shows() -> None:
    """Lookalike letters of other scripts, compatibility forms and invisible characters do not hide a
    secret-looking name; other words of other scripts are not taken for one."""
    for name in ("р\u0430ssword", "pass\u200bword", "ＤＢ＿ＰＡＳＳＷＯＲＤ", "ΤΟΚΕΝ", "𝐚𝐩𝐢_𝐤𝐞𝐲",
                 "s\u0435cr\u0435t", "api\u00adkey", "Client\u2060Secret"):
        assert looks_secret_name(name), name
        assert not no_secret_name([name, "plain"]), name
    for name in ("naïve", "Straße", "домен", "ποσό", "名前", "host", "resenha", "Passage", "decifre"):
        assert not looks_secret_name(name), name


def test_secret_names_of_other_languages() -> None:
    """`passwort`, `mot_de_passe`, `contraseña`, `senha`, `hasło`, `пароль`, `密码`, `パスワード` (also
    in half-width katakana), `비밀번호`: the names of a team that does not write English hold secrets too."""
    for name in ("DB_PASSWORT", "mot_de_passe", "contraseña_db", "senha", "user.hasło", "lösenord", "şifre",
                 "ПАРОЛЬ_БД", "секрет", "数据库密码", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "비밀번호", "api-токен"):
        assert looks_secret_name(name), name
        assert not no_secret_name(["plain", name]), name


def test_the_invisible_characters_are_unicodes_format_characters() -> None:
    """FORMAT_CHARACTERS is every code point of category Cf in this Python's Unicode database (a new
    Unicode version may add some: then update the table)."""
    import sys
    import unicodedata

    from fidelity.redact.text import FORMAT_CHARACTERS

    listed = {code for low, high in FORMAT_CHARACTERS for code in range(low, high + 1)}
    assert listed == {code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"}


def test_a_secret_name_among_many_names_of_another_script_is_found() -> None:
    """Two hundred thousand Japanese names, one of them `ｔｏｋｅｎ` in full-width letters: the names
    are read together (folded in C, not a character at a time) and that one is found."""
    names = [f"設定{i}" for i in range(200_000)] + ["ｔｏｋｅｎ"]
    assert not no_secret_name(names)
    assert no_secret_name(names[:-1])


def test_plural_passcode_and_pin_names_hold_secrets_and_their_prefilter_says_so() -> None:
    """`passwords: {alice: ...}`, `MYSQL_PASSWORDS`, `passphrases`, `passcode`, `passkey`, `card_pin`:
    a list or table of passwords is secret too; `passwordless_login`, `Passage` and `ping` are not."""
    for name in ("passwords", "MYSQL_PASSWORDS", "db.passphrases", "passcode", "user_passkey", "PassCodes",
                 "pin", "CARD_PIN", "user.pin", "cardPin", "pin_code", "PINCODE", "pins"):
        assert looks_secret_name(name), name
        assert not no_secret_name(["plain", name]), name
    for name in ("passwordless_login", "Passage", "passenger", "passes", "ping", "mapping", "spinner",
                 "pinned", "shipping", "opinion", "Pinterest", "pinyin"):
        assert not looks_secret_name(name), name


def test_short_and_qualified_secret_names_hold_secrets_and_their_prefilter_says_so() -> None:
    """`DB_PW`, `creds`, `refreshTok`, `HMAC_KEY`, `RAILS_MASTER_KEY`, `OTP_SEED`, Laravel's `APP_KEY`,
    Redis's `masterauth`: secret names too; `pwned`, `credo`, `tokyo`, `keyboard` are not."""
    for name in ("pw", "DB_PW", "user.pw", "userPw", "creds", "AWS_CREDS", "refreshTok", "tok", "HMAC_KEY",
                 "jwt_key", "RAILS_MASTER_KEY", "LICENSE_KEY", "signature-key", "cookieKey", "OTP_SEED",
                 "totp_key", "APP_KEY", "masterauth", "client-key-data", "auths"):
        assert looks_secret_name(name), name
        assert not no_secret_name(["plain", name]), name
    for name in ("pwned", "credo", "incredible", "tokyo", "stock", "keyboard", "monkey", "happy", "apps",
                 "seedling", "master", "license", "signature", "cookie_domain", "app_name", "auth",
                 "auth_method", "oauth", "author"):
        assert not looks_secret_name(name), name
