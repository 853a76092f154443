"""Writing files so that a crash, a full disk or a power cut never leaves a half-written one, and saying plainly when
a folder cannot be written at all."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over ``path``."""
    with _atomic_file(path, binary=True) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def atomic_text_file(path: Path) -> Iterator[IO[str]]:
    """A text file to write bit by bit (memory stays flat); it appears at ``path``, whole, only when the block ends
    without an error, and never half-written."""
    with _atomic_file(path, binary=False) as handle:
        yield handle


@contextmanager
def _atomic_file(path: Path, binary: bool) -> Iterator[Any]:
    """A temporary file beside ``path``, flushed to disk and renamed over ``path`` when the block ends without an error;
    removed otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# What a folder the user cannot write to fails with: no permission (EACCES, EPERM) or a read-only mount (EROFS).
READ_ONLY_ERRORS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def why_not_writable(folder: Path) -> str | None:
    """Why files cannot be created in ``folder`` (made first, with its parents, if missing), as words that fit after
    "Cannot write …: "; None when they can. Asked before any work, so that a read-only place is named as such
    instead of surfacing later as whatever the first write fails with (SQLite's "unable to open database file",
    rename's "Device or resource busy")."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in READ_ONLY_ERRORS:  # mkdir names the folder it could not make: its parent is the read-only one
            blocked = Path(exc.filename).parent if exc.filename else folder
            return f"the folder {blocked} {_read_only_words(blocked, exc.errno)}"
        return f"the folder {folder} cannot be made ({exc.strerror or exc})"
    if not os.access(folder, os.W_OK | os.X_OK):  # root passes this, except on a read-only file system
        return f"the folder {folder} {_read_only_words(folder, None)}"
    return None


def _read_only_words(folder: Path, error: int | None) -> str:
    if error == errno.EROFS or (error is None and _on_read_only_mount(folder)):
        return "is on a read-only file system"
    return "is read-only for this user (no write permission)"


def _on_read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
