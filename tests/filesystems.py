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
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"root ignores folder permissions, and a read-only bind mount failed here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """``folder`` (created empty) with a tmpfs mounted on it (``options``, e.g. "size=96k": a real ENOSPC, not a mock)
    for the duration of the block; skipped, with the reason, where this process may not mount (a normal user)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
