"""The sightings log: one JSON line per change of a sighting, appended and flushed to disk at once.

An append-only file survives crashes line by line, and reads with any tool
(`jq`, a spreadsheet). It is one of the sinks (``records.SightingSink``) the
sightings service writes to; the SQLite database is another.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from livespecies.sightings.records import SightingRecord
from livespecies.sightings.writer import writer


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="seconds")


class SightingLog:
    """``path``: the file, or a function giving it (the window's snapshot folder can change while it runs)."""

    def __init__(self, path: Path | Callable[[], Path]) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path() if callable(self._path) else self._path

    def record(self, record: SightingRecord) -> None:
        """Append one line; raises OSError (for the caller to show) if the disk refuses."""
        visit = record.visit
        line = {
            "event": record.kind,
            "sighting": record.sighting_id,
            "visit": visit.visit_id,
            "label": visit.label,
            "rank": visit.key[0],
            "name": visit.key[1],
            "source": record.camera,
            "writer": writer(),
            "started": iso(visit.started_at or visit.started),
            "last_seen": iso(visit.last_seen_at or visit.last_seen),
            "best_confidence": round(visit.best_confidence, 4),
            "frames": visit.frames,
            "snapshot": str(record.snapshot.annotated) if record.snapshot else None,
        }
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def close(self) -> None:
        pass  # every line is on disk when ``record`` returns
