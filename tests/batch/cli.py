"""What the classify tests share: running the command as a user does, and reading a run's checkpoint."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def classify(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``livespecies classify ARGS`` in a fresh process, from the repository root."""
    return subprocess.run([sys.executable, "-m", "livespecies", "classify", *args], capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env=env)  # fmt: skip


def recorded(database: Path) -> int:
    """Images durably recorded in a run's checkpoint so far (0 before it or its tables exist)."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM records").fetchone()[0])
    except sqlite3.Error:
        return 0
