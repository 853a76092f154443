"""What the sightings service hands to its sinks (the JSON Lines log, the SQLite database, MQTT), and the sink interface.

A sink receives every change of every sighting, in order, on the service's
recorder thread: ``started`` (with its snapshot when auto snapshots are on),
``renamed``, ``snapshot`` (a clearly better frame replaced the snapshot) and
``ended``. A sink that fails raises; the recorder reports the error as one
sentence and the other sinks still receive the record.

A sink that also keeps open sightings up to date (the database, so that a
``kill -9`` closes them at their last sighting, not at their start) implements
``ProgressSink``: every few seconds it receives, in one batch per camera, how
far each open sighting has got. Alerts and the log have nothing to say about
that and do not implement it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting

RecordKind = Literal["started", "renamed", "snapshot", "ended"]


@dataclass(frozen=True)
class SightingRecord:
    sighting_id: str  # unique across cameras and runs: the database's key, MQTT's id
    camera: str  # the camera's name (its redacted source when it has none)
    kind: RecordKind
    visit: Sighting
    snapshot: SnapshotFiles | None
    models: dict[str, str] = field(default_factory=dict)  # role → model id of the models that made the answers


class SightingSink(Protocol):
    def record(self, record: SightingRecord) -> None:
        """Store or send one change; raise OSError or UserError with a clear message when that is impossible."""

    def close(self) -> None:
        """Flush and release; called once, after the last record."""


@dataclass(frozen=True)
class SightingProgress:
    """How far an open sighting has got: when its animal was last seen (wall time) and in how many frames."""

    sighting_id: str
    last_seen_at: float
    frames: int


@runtime_checkable
class ProgressSink(Protocol):
    def record_progress(self, progress: Sequence[SightingProgress]) -> None:
        """Store a batch of progress in one write; never reopens or moves back a sighting. Raise as ``record`` does."""
