"""What the window records across its sources, and each source's session wired to it.

One recorder thread writes every snapshot, log line and teach-loop example, in order; the best frames of recent
sightings (for the teach loop) and the sightings' numbering (the panel knows them by number) outlive a source.
Each source the window opens gets its own ``LiveSession`` (its Station) with a ``SightingsService`` over these.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livespecies.capture.source_spec import SourceSpec
from livespecies.gui.live_session import LiveSession
from livespecies.gui.sightings_panel import MAX_ROWS
from livespecies.gui.window_options import WindowOptions
from livespecies.pipeline import LivePipeline
from livespecies.sightings.log import SightingLog
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.service import SightingsService
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting
from livespecies.types import Frame, Prediction

# Frames kept for the teach loop (a confirmation saves the sighting's best frame): a memory budget, not a count,
# so a 1080p or 4K camera keeps fewer than the demo; never more than the panel shows, never fewer than a few.
EVIDENCE_BUDGET = 128 * 2**20
MIN_EVIDENCE = 10


def evidence_capacity(frame_bytes: int, budget: int = EVIDENCE_BUDGET, most: int = MAX_ROWS, least: int = MIN_EVIDENCE) -> int:
    """How many sightings' best frames the window keeps for teaching, for frames of this many bytes."""
    if frame_bytes <= 0:
        return most
    return max(least, min(most, budget // frame_bytes))


class Recording:
    def __init__(
        self,
        on_error: Callable[[str], None],
        snapshot_folder: Callable[[], Path],
        auto_snapshot: Callable[[], bool],
        model_ids: Callable[[], dict[str, str]],
        on_sighting_snapshot: Callable[[Sighting, SnapshotFiles], None],
    ) -> None:
        self.recorder = Recorder(on_error)
        self.snapshot_folder = snapshot_folder
        self.auto_snapshot = auto_snapshot
        self.model_ids = model_ids
        self.on_sighting_snapshot = on_sighting_snapshot
        self.next_visit = 1  # visits are numbered across sources: the sightings panel knows them by number
        # The best frame and answer of each recent sighting, for the teach loop, kept across sources.
        self.evidence: dict[int, tuple[Frame, Prediction]] = {}

    def open_session(self, spec: SourceSpec, text: str | None, pipeline: LivePipeline | None, threshold: Callable[[], float],
                     options: WindowOptions) -> LiveSession:  # fmt: skip
        """A source's session (not started), recording into the window's folder, log, numbering and kept frames."""
        service = SightingsService(
            spec.display_name, self.recorder, [SightingLog(lambda: self.snapshot_folder() / "sightings.jsonl")],
            self.snapshot_folder, self.auto_snapshot, self.model_ids,
            on_snapshot=self.on_sighting_snapshot, first_visit_id=self.next_visit, evidence=self.evidence,
        )  # fmt: skip
        return LiveSession(spec, pipeline, threshold, options.demo_clip, options.policy, text=text,
                           service=service, evidence_capacity=evidence_capacity)  # fmt: skip

    def closed(self, session: LiveSession) -> list[Sighting]:
        """A source went: its open sightings end (returned, to show), and the next source numbers on from its last."""
        ended = [event.visit for event in session.station.close()]
        self.next_visit = session.station.next_visit or self.next_visit
        return ended

    def close(self) -> None:
        """Every write asked for is done, then the recorder stops (the window is closing)."""
        self.recorder.close()
