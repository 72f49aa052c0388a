"""Where file-based probes read from: a path, a git ref, or a command's output.

Both file probes share these options and this reader, so that every file probe
reads what is really deployed the same way and fails the same way.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from fidelity.probe.interface import Gap, ProbeError
from fidelity.probe.options import Kind, Option, OptionError
from fidelity.redact import mask_command, mask_text

if TYPE_CHECKING:  # subprocess is imported where a git ref or a command is read: most runs read files
    import subprocess

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86_400.0
MAX_FILE_SIZE = 2**40


def _check_entries(value: Any) -> None:
    if not isinstance(value, list):
        raise OptionError("expected a list of paths")
    for entry in value:
        if isinstance(entry, str):
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise OptionError("expected each entry to be a path string or a table "
                              "{ path = \"...\", name = \"...\", format = \"...\" }")
        unknown = set(entry) - {"path", "name", "format"}
        if unknown:
            raise OptionError(f"unknown key(s) {', '.join(sorted(unknown))} in a paths entry "
                              "(known: path, name, format)")
    seen: dict[str, str] = {}
    for name, path, _ in _entries(value):
        if name in seen:
            raise OptionError(f"two files are named {name!r} ({seen[name]} and {path}); give each "
                              "a name: { path = \"...\", name = \"...\" }")
        seen[name] = path


def check_encoding(value: Any) -> None:
    """An encoding must be one Python's codecs know (and a text encoding)."""
    try:
        info = codecs.lookup(value)
    except (LookupError, ValueError, TypeError):
        raise OptionError(f"unknown encoding {value!r} (e.g. utf-8, latin-1, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise OptionError(f"{value!r} is not a text encoding (e.g. utf-8, latin-1, utf-16)")


def _check_command(value: Any) -> None:
    if not value:
        raise OptionError("expected a non-empty list: the program and its arguments")


def check_sources(options: Mapping[str, Any]) -> None:
    """A file-based probe reads something: `paths` with at least one entry, or a `command`."""
    if not options.get("command") and not options.get("paths"):
        raise OptionError("nothing to read: set `paths` (files) or `command` (a program whose output "
                          "is read)")


def source_options(formats: tuple[str, ...]) -> tuple[Option, ...]:
    """The options every file-based probe accepts."""
    return (
        Option("paths", Kind.PATHS, "files to read; {env} is the environment's name; an entry may be "
               "a table { path, name, format }", default=[], path=True, check=_check_entries),
        Option("format", Kind.STRING, "file format when the extension does not tell (required "
               "with command)", choices=formats),
        Option("git_ref", Kind.STRING, "read `paths` from this git ref (tag, branch, commit) "
               "without a checkout"),
        Option("repo", Kind.STRING, "git repository for git_ref (default: the config's folder)",
               path=True),
        Option("command", Kind.STRING_LIST, "run this program (no shell) and read its standard "
               "output as one file", check=_check_command),
        Option("output_name", Kind.STRING, "path segment naming the command's output", "command"),
        Option("timeout", Kind.NUMBER, "seconds a command or git may run", DEFAULT_TIMEOUT, above=0,
               maximum=MAX_TIMEOUT),
        Option("max_size", Kind.INTEGER, "largest file read, in bytes", DEFAULT_MAX_SIZE, minimum=1,
               maximum=MAX_FILE_SIZE),
        Option("encoding", Kind.STRING, "text encoding of the files", "utf-8", check=check_encoding),
    )


@dataclass(frozen=True)
class SourceFile:
    """One file's text, ready to parse."""

    name: str
    """Path segment naming the file: its basename, or the name given in config."""
    label: str
    """Where it came from, for messages (a path, git ref and path, or a command)."""
    text: str
    """Decoded content."""
    format: str | None
    """Declared format, or None to decide by extension."""
    filename: str
    """Lower-case file name, to guess the format by."""


def read_sources(probe: str, opts: Mapping[str, Any]) -> tuple[list[SourceFile], list[Gap]]:
    """Read every configured file; unreadable ones become gaps, not exceptions."""
    files: list[SourceFile] = []
    gaps: list[Gap] = []
    if opts.get("command"):
        files.append(_run_command(opts))
        return files, gaps
    entries = list(_entries(opts.get("paths")))
    if not entries:
        raise ProbeError(f"probe {probe!r} has no `paths` and no `command`; configure one")
    for name, path, fmt in entries:
        try:
            if opts.get("git_ref"):
                raw, label = _read_git(path, opts)
            else:
                raw, label = _read_path(path, opts), path
            text = decode(raw, label, opts.get("encoding") or "utf-8")
        except _Unreadable as exc:
            gaps.append(Gap(object=name, message=str(exc), segments=(name,)))
            continue
        files.append(SourceFile(name, label, text, fmt or opts.get("format"),
                                PurePosixPath(path).name.lower()))
    return files, gaps


class _Unreadable(Exception):
    """One file could not be read; becomes a gap."""


def _entries(entries: Any) -> Iterator[tuple[str, str, str | None]]:
    """(name, path, format) for each `paths` entry."""
    for entry in entries or ():
        if isinstance(entry, str):
            yield PurePosixPath(entry).name, entry, None
        else:
            yield entry.get("name") or PurePosixPath(entry["path"]).name, entry["path"], entry.get("format")


def _read_path(path: str, opts: Mapping[str, Any]) -> bytes:
    try:
        _check_regular(os.stat(path).st_mode, path)
        # Non-blocking, so that a FIFO swapped in after the stat cannot hang the open; the fstat
        # of the opened descriptor is what decides (no race between checking and reading).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            _check_regular(status.st_mode, path)
            _check_size(status.st_size, path, opts)
            # Bounded: a growing file may read past its stat size. Asked for its stat size (and a
            # byte more, to see it grow), not for the limit: a read of the limit's size allocates it.
            limit = _max_size(opts)
            raw = handle.read(min(status.st_size, limit) + 1)
            if len(raw) > status.st_size:  # it grew since the stat: read on, up to a byte past the limit
                raw += handle.read(limit + 1 - len(raw))
        _check_size(len(raw), path, opts, at_least=True)  # the read stops a byte past the limit
        return raw
    except FileNotFoundError:
        raise _Unreadable(f"{path}: file not found") from None
    except IsADirectoryError:
        raise _Unreadable(f"{path}: is a directory, expected a file") from None
    except OSError as exc:
        raise _Unreadable(f"{path}: cannot read: {exc.strerror}") from None


def _check_regular(mode: int, path: str) -> None:
    """Only regular files are read: a FIFO, device or socket could block, or never end."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise _Unreadable(f"{path}: is a directory, expected a file")
    raise _Unreadable(f"{path}: is {file_kind(mode)}, not a regular file; only regular files "
                      "are read")


def file_kind(mode: int) -> str:
    """What a file that is not regular is, in words: 'a FIFO (named pipe)', 'a socket', ..."""
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISDIR, "a directory"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _max_size(opts: Mapping[str, Any]) -> int:
    return int(opts.get("max_size") or DEFAULT_MAX_SIZE)


def _check_size(size: int, label: str, opts: Mapping[str, Any], at_least: bool = False) -> None:
    """`size` over the limit is a gap; `at_least` when the read stopped there (the file holds more)."""
    limit = _max_size(opts)
    if size > limit:
        shown = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"
        raise _Unreadable(f"{label}: file is {shown}{' or more' if at_least else ''}, over max_size "
                          f"({limit} bytes); raise max_size for this probe if it should be read")


def _git(args: list[str], repo: str, opts: Mapping[str, Any]) -> subprocess.CompletedProcess[bytes]:
    import subprocess

    try:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=float(opts.get("timeout") or DEFAULT_TIMEOUT), check=False)
    except FileNotFoundError:
        raise ProbeError("git is not installed; it is needed for git_ref") from None
    except subprocess.TimeoutExpired:
        raise ProbeError(f"git timed out in {repo}; raise `timeout`") from None


def _read_git(path: str, opts: Mapping[str, Any]) -> tuple[bytes, str]:
    repo = opts.get("repo") or _existing_parent(path)
    ref = opts["git_ref"]
    top = _git(["rev-parse", "--show-toplevel"], repo, opts)
    if top.returncode != 0:
        raise ProbeError(f"{repo} is not a git repository (needed for git_ref = {ref!r})")
    root = Path(top.stdout.decode().strip()).resolve()
    try:
        relative = Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        raise _Unreadable(f"{path}: outside the git repository {root}") from None
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo, opts).returncode != 0:
        raise ProbeError(f"git ref {ref!r} not found in {root}; fetch it or fix git_ref")
    label = f"{ref}:{relative}"
    size = _git(["cat-file", "-s", label], repo, opts)
    if size.returncode != 0:
        raise _Unreadable(f"{label}: file not found at git ref {ref!r}")
    _check_size(int(size.stdout.strip() or 0), label, opts)
    blob = _git(["cat-file", "blob", label], repo, opts)
    if blob.returncode != 0:
        raise _Unreadable(f"{label}: cannot read from git: {blob.stderr.decode(errors='replace').strip()}")
    return blob.stdout, label


def _existing_parent(path: str) -> str:
    """The nearest existing folder above `path`: at a git ref, its own folder may not be checked out."""
    folder = Path(path).absolute().parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return str(folder)


def _run_command(opts: Mapping[str, Any]) -> SourceFile:
    argv = list(opts["command"])
    shown, hidden = mask_command(argv)
    label = "command `" + " ".join(shown) + "`"
    if not opts.get("format"):
        raise ProbeError(f"{label}: set `format` to say how to read the command's output")
    timeout = float(opts.get("timeout") or DEFAULT_TIMEOUT)
    import subprocess

    try:
        done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout,
                              check=False, shell=False)
    except FileNotFoundError:
        raise ProbeError(f"{label}: program {shown[0]!r} not found") from None
    except PermissionError:
        raise ProbeError(f"{label}: program {shown[0]!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise ProbeError(f"{label}: timed out after {timeout:g} s; raise `timeout`") from None
    if done.returncode != 0:
        stderr = mask_text(done.stderr.decode("utf-8", errors="replace"), hidden).strip()
        tail = stderr[-500:].replace("\n", " | ") if stderr else "(no output on stderr)"
        raise ProbeError(f"{label}: exited with status {done.returncode}: {tail}")
    try:
        _check_size(len(done.stdout), label, opts)
        text = decode(done.stdout, label, opts.get("encoding") or "utf-8")
    except _Unreadable as exc:
        raise ProbeError(str(exc)) from None
    name = opts.get("output_name") or "command"
    return SourceFile(name, label, text, opts["format"], name.lower())


def decode(raw: bytes, label: str, encoding: str) -> str:
    """Decode file content, refusing binary data and naming the line of a bad byte."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise _Unreadable(f"{label}: unknown encoding {encoding!r}") from None
    # UTF-16 and UTF-32 text is full of NUL bytes; in any other encoding they mean binary data.
    if b"\x00" in raw and not codec.startswith(("utf-16", "utf-32")):
        raise _Unreadable(f"{label}: looks like a binary file (contains NUL bytes)")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _Unreadable(f"{label}: not valid {encoding} at line {line} (byte 0x{raw[exc.start]:02x}); "
                          "convert the file or set `encoding`") from None
    return text.removeprefix("\ufeff")
