"""Reading input files that may be hostile: regular files only, bounded size, never a hang.

Every file the gate reads from disk by name (configs, host files, policies, intents, waivers) goes
through :func:`read_regular_file`, so a FIFO (which would block ``open`` forever), a device such as
``/dev/zero`` (which would fill memory), a socket or a directory where a file is expected is
refused with one line naming the path (exit 2), and nothing larger than the size cap is read.

The cap defaults to 32 MiB and is set with the ``VALIDATOR_MAX_FILE_BYTES`` environment variable
(a positive integer of bytes). Git mode applies the same cap to blobs using their size from the
object header, before reading them (``validator.snapshot.git``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from validator.errors import InputError

DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_FILE_BYTES_ENV = "VALIDATOR_MAX_FILE_BYTES"
_CHUNK = 1 << 20


def max_file_bytes() -> int:
    """The size cap in bytes: ``$VALIDATOR_MAX_FILE_BYTES`` or 32 MiB."""
    raw = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(f"{MAX_FILE_BYTES_ENV} must be a positive number of bytes, not {raw!r}")
    return value


def check_size(size: int, path: str, *, error: type[InputError] = InputError) -> None:
    """Refuse a file of ``size`` bytes above the cap, naming the file and the cap."""
    cap = max_file_bytes()
    if size > cap:
        raise error(
            f"file too large: {size} bytes, the limit is {cap} bytes (set {MAX_FILE_BYTES_ENV} to change it)",
            file=path,
        )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def require_regular(path: str | os.PathLike[str], *, error: type[InputError] = InputError) -> os.stat_result:
    """``stat`` of ``path`` (symlinks followed) if it is a regular file within the cap; else ``error``."""
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise error("no such file", file=name) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", file=name) from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"is {_kind(st.st_mode)}, a regular file is expected", file=name)
    check_size(st.st_size, name, error=error)
    return st


def read_regular_file(path: str | os.PathLike[str], *, error: type[InputError] = InputError) -> bytes:
    """The bytes of a regular file, refused (``error``, exit 2) when it is anything else or too big.

    The file is opened non-blocking and checked again on the open descriptor, so a path swapped
    for a FIFO between the check and the open cannot hang the gate; at most cap + 1 bytes are read,
    so a file growing while it is read cannot exhaust memory either.
    """
    name = os.fspath(path)
    require_regular(name, error=error)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise error("no such file", file=name) from None
        raise error(f"cannot read: {exc.strerror or exc}", file=name) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"is {_kind(st.st_mode)}, a regular file is expected", file=name)
        cap = max_file_bytes()
        check_size(st.st_size, name, error=error)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                check_size(total, name, error=error)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", file=name) from None
    finally:
        os.close(fd)


def decode_text(data: bytes, path: str, *, error: type[InputError] = InputError) -> str:
    """Strict UTF-8 text: binary (NUL bytes) or non-UTF-8 input is refused naming the file and line."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise error("binary file (contains NUL bytes), not text", file=path, line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"not valid UTF-8 (byte offset {exc.start})", file=path, line=line) from None
    return text.removeprefix("\ufeff")


def is_dir(path: str | os.PathLike[str]) -> bool:
    """True for an existing directory (symlinks followed); never opens anything."""
    return Path(path).is_dir()
