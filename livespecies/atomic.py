"""Writing files so that a crash, a full disk or a power cut never leaves a half-written one."""

from __future__ import annotations

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
