"""Secrets on command lines: flags whose next argument is a secret, and masking a whole command.

A secret is often passed as the argument after a flag (`--db-password X`, `redis-cli -a X`), in a
command line fidelity runs (`mask_command`) or in a list that a probe's data holds (a Kubernetes
container's `args`: `protect`'s walk asks `secret_flag` of each item).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from fidelity.redact.detectors import MYSQL_COMMANDS, Lazy
from fidelity.redact.text import MASK, is_policy, looks_secret_name, mask_text

__all__ = ["PROGRAM_SECRET_FLAGS", "is_mysql_client", "mask_command", "secret_flag"]

#: Flags that take a secret as their next argument in one program only (elsewhere they mean something
#: else: `ls -a`, `docker run -p 8080:80`, `mysql -p db`, where the password is prompted for):
#: program (the base name of the command's first argument) -> its flags.
PROGRAM_SECRET_FLAGS: dict[str, tuple[str, ...]] = {
    "redis-cli": ("-a", "--pass"),
    "valkey-cli": ("-a", "--pass"),
    "sshpass": ("-p",),
    "curl": ("-u", "--user", "-U", "--proxy-user"),
    "http": ("-a", "--auth"),
    "https": ("-a", "--auth"),
    "mongo": ("-p",),
    "mongosh": ("-p",),
}
_PROGRAM_FLAGS = frozenset(flag for flags in PROGRAM_SECRET_FLAGS.values() for flag in flags)
#: Last words of a secret-named flag that takes no secret after it (`--password-stdin`).
_NO_VALUE_WORDS = ("stdin", "prompt")


_MYSQL_CLIENT = Lazy(MYSQL_COMMANDS)


def is_mysql_client(argument: str) -> bool:
    """Whether a command's argument is a MySQL client program (by base name): `mysqladmin`."""
    return _MYSQL_CLIENT.fullmatch(argument.rpartition("/")[2]) is not None


def secret_flag(flag: str, program: str = "", following: str | None = None) -> bool:
    """Whether the command-line argument `flag` is a flag whose next argument (`following`) is a
    secret: a flag without `=` whose name looks secret (`--password`, `--db-password`, `--api-key`,
    `--requirepass`), unless what follows is policy (`--token-ttl 30`) or another flag; or one that
    `program` takes a secret after (`PROGRAM_SECRET_FLAGS`: `redis-cli -a`, `curl -u`)."""
    if len(flag) < 2 or flag[0] != "-" or "=" in flag:
        return False
    if following is not None and following[:1] == "-" and following[1:2].isalpha():
        return False  # another flag: `--no-password -h db`
    if flag in _PROGRAM_FLAGS and flag in PROGRAM_SECRET_FLAGS.get(program.rpartition("/")[2], ()):
        return True
    name = flag.lstrip("-")
    if not name or not looks_secret_name(name) or name.lower().endswith(_NO_VALUE_WORDS):
        return False
    return following is None or not is_policy(name, following)


def may_flag(text: str) -> bool:
    """Whether `text` could be a flag `secret_flag` is true of, in some command: a cheap test for a
    string seen without its list (a survey of distinct strings)."""
    return len(text) >= 2 and text[0] == "-" and "=" not in text and (
        text in _PROGRAM_FLAGS or looks_secret_name(text.lstrip("-")) or (text[1] == "p" and len(text) > 2))


def mask_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Mask secret-looking arguments of a command line.

    Returns the printable arguments and the secret strings that were masked, so that
    the same strings can be masked in the command's error output.
    """
    shown: list[str] = []
    hidden: list[str] = []
    hide_next = False
    program = argv[0] if argv else ""
    for index, arg in enumerate(argv):
        if hide_next:
            hidden.append(arg)
            shown.append(MASK)
            hide_next = False
            continue
        flag, sep, value = arg.partition("=")
        following = argv[index + 1] if index + 1 < len(argv) else None
        if sep and looks_secret_name(flag):  # --password=..., or NAME=value as in `env PASSWORD=... cmd`
            hidden.append(value)
            shown.append(f"{flag}={MASK}")
            continue
        if not sep and secret_flag(arg, program, following):
            hide_next = True
            shown.append(arg)
            continue
        masked = mask_text(arg)
        if masked != arg:
            parsed = urlsplit(arg) if "://" in arg else None
            if parsed is not None and parsed.password:
                hidden.append(parsed.password)
        shown.append(masked)
    return shown, hidden
