"""The sightings log: one JSON line per visit that starts or ends, appended and flushed to disk at once.

An append-only file survives crashes line by line; the crash-safe SQLite store
of the monitoring issue will replace it behind the same ``record`` call.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from livespecies.sightings.visits import VisitEvent
from livespecies.sightings.writer import writer


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="seconds")


class SightingLog:
    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source

    def record(self, event: VisitEvent, snapshot: Path | None = None) -> None:
        """Append one line; raises OSError (for the caller to show) if the disk refuses."""
        visit = event.visit
        line = {
            "event": event.kind,
            "visit": visit.visit_id,
            "label": visit.label,
            "rank": visit.key[0],
            "name": visit.key[1],
            "source": self.source,
            "writer": writer(),
            "started": _iso(visit.started),
            "last_seen": _iso(visit.last_seen),
            "best_confidence": round(visit.best_confidence, 4),
            "frames": visit.frames,
            "snapshot": str(snapshot) if snapshot else None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
