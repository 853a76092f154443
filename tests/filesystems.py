"""Real file systems the fault tests need: a folder this process cannot write to, and a small tmpfs.

A normal user gets a folder without write permission (chmod). Root ignores permissions, so for root the folder is
made a read-only bind mount of itself instead, and the test is skipped, with the reason, where root may not mount.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """``folder`` (created empty) made read-only for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)  # so that pytest can remove it
        return
    with mounted(["mount", "--bind", "-o", "ro", str(folder), str(folder)], folder,
                 "root ignores folder permissions, and a read-only bind mount failed here"):  # fmt: skip
        yield folder


@contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """``folder`` (created empty) with a tmpfs mounted on it (``options``, e.g. "size=96k": a real ENOSPC, not a mock)
    for the duration of the block; skipped, with the reason, where this process may not mount (a normal user)."""
    folder.mkdir(parents=True, exist_ok=True)
    with mounted(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], folder, "mounting a tmpfs needs root"):
        yield folder


@contextmanager
def mounted(command: list[str], folder: Path, why_skipped: str) -> Iterator[None]:
    """Run a ``mount`` command for the duration of the block and unmount ``folder`` after it; skipped, with
    ``why_skipped`` and mount's own words, where it fails (a normal user)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"{why_skipped}: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)
