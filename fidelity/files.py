"""Writing user-visible files so that a reader never sees half of one, and nothing else is destroyed.

- A regular file (or a new path) is replaced atomically: a temporary file in the same folder,
  then a rename, so readers see the old or the new file, never half.
- A symlink is written through: its target is replaced atomically and the link is kept.
- A character device, a FIFO or a socket (e.g. /dev/null, a named pipe) and the standard-stream
  aliases (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N) are opened and written directly:
  never renamed over, never created, never truncated.
- A new file gets the user's umask (like any file a program creates); a replaced file keeps its
  mode. A `private` file (a snapshot) is always 0600.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

PRIVATE_MODE = 0o600
_STREAM_ALIAS = re.compile(r"^/(dev/(stdout|stderr|fd/\d+)|proc/(self|\d+)/fd/\d+)$")


def write_atomic(path: Path, text: str | bytes, private: bool = False) -> None:
    """Write `text` (bytes: UTF-8 already) to `path`: atomically for files, directly for devices,
    FIFOs and stream aliases."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if _is_stream(path):
        _write_direct(path, data)
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = PRIVATE_MODE if private else _mode_for(target)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = _temporary_file(directory, f".{target.name}.", ".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temporary_file(directory: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """`tempfile.mkstemp(suffix, prefix, directory)`: a new file of mode 0600 that no other process
    opened, under a random name, and its path; without importing `tempfile`, which imports `random`
    and `shutil` (bz2, lzma) for what every report written to a file needs."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    folder = os.path.abspath(directory)
    for _ in range(os.TMP_MAX):
        path = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No usable temporary file name found")


def _is_stream(path: Path) -> bool:
    """True for what must be written in place: devices, FIFOs, sockets and stdout/stderr aliases."""
    if _STREAM_ALIAS.match(os.path.abspath(path)):
        return True
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_direct(path: Path, data: bytes) -> None:
    # No O_CREAT, no O_TRUNC: a device or a FIFO stays what it is; O_APPEND keeps what a shell
    # redirection of stdout already holds.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _mode_for(path: Path) -> int:
    """The mode a new file would get under the umask, or the mode of the file being replaced."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
