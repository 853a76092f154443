"""The sightings service: from live results to sightings, snapshots and records, without Qt.

The live window and the headless watcher both drive one service per camera:

    LiveResult ──► observe() ──► update_visits (pure) ──► events
                                    │
                                    ├── auto snapshot of a new sighting, or a clearly better frame of one
                                    ├── SightingRecord ──► every sink (log, database, MQTT), in order
                                    └── every PROGRESS_EVERY s: open sightings' last sighting and frames
                                        ──► progress sinks (the database), one batch

Decisions stay pure (``visits.update_visits``, ``snapshot_due``, ``progress_due`` below); files
and records are written on the recorder thread, so the caller (the window's
GUI thread, a watcher's camera loop) never waits for a disk. Visits end by the
monotonic clock of the frames; wall time is only written into records.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from livespecies.errors import UserError
from livespecies.inference.preprocess import square_crop
from livespecies.overlay.draw import draw_overlay, overlay_items
from livespecies.pipeline import LiveResult
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.records import ProgressSink, RecordKind, SightingProgress, SightingRecord, SightingSink
from livespecies.sightings.snapshots import SnapshotFiles, save_snapshot
from livespecies.sightings.visits import NamedTrack, Sighting, SightingEvent, end_all, update_visits
from livespecies.types import Frame, Prediction, Result

GONE_AFTER = 20.0  # seconds without the animal before its visit ends
REPLACE_MARGIN = 0.1  # a sighting's snapshot is redone when a frame is this much more confident (or better named)
# Seconds between stores of open sightings' progress: what a `kill -9` can lose of a sighting, and the bound on
# writes (one transaction per camera per PROGRESS_EVERY s, whatever the frame rate and the number of animals).
PROGRESS_EVERY = 2.0
MAX_EVIDENCE = 200  # sightings whose best frame is kept for teaching (a 1080p frame is 6 MB)
Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class SnapshotState:
    """A sighting's auto snapshot: its files once written (None while being written), how confident its frame
    was, and under which name it was taken."""

    files: SnapshotFiles | None
    confidence: float
    key: tuple[str, str]


def snapshot_due(state: SnapshotState | None, confidence: float, key: tuple[str, str], margin: float = REPLACE_MARGIN) -> bool:
    """Whether this frame should replace a sighting's snapshot: it shows the animal (as the visit names it) clearly
    better, or the sighting was renamed since. Never while the previous one is still being written."""
    if state is None or state.files is None or confidence == 0.0:
        return False
    return confidence >= state.confidence + margin or key != state.key


def progress_due(open_visits: Mapping[int, Sighting], stored: Mapping[int, tuple[float, int]], last_write: float, now: float,
                 every: float = PROGRESS_EVERY) -> list[Sighting]:  # fmt: skip
    """The open visits whose progress is stored now: none until ``every`` seconds after the camera's last progress
    write, then each visit at least ``every`` seconds old (its start was just recorded) whose last sighting or frame
    count moved since it was last stored (``stored``: visit id → (last_seen_at, frames)). Times on the frames' clock."""
    if now - last_write < every:
        return []
    return [v for v in open_visits.values() if now - v.started >= every and stored.get(v.visit_id) != (v.last_seen_at, v.frames)]


def sighted_in(live: LiveResult) -> list[NamedTrack]:
    """The named animals of one result, as the visit rule takes them."""
    return [NamedTrack(track, (a.taxon.rank, a.taxon.name), a.label, p.confidence, tuple((t.rank, t.name) for t in a.lineage),
                    common_names(a)) for p, track, a in zip(live.result.predictions, live.track_ids, live.visit_answers, strict=True)]  # fmt: skip


def common_names(answer: Prediction) -> tuple[str, ...]:
    """The common names of an answer's taxon and of every rank above it, finest first: a macaw's genus *Ara* has
    none, its order is "parrot", its class "bird" (what people search by)."""
    return tuple(dict.fromkeys(t.common_name for t in (answer.taxon, *answer.lineage) if t.common_name))


def confidence_in(live: LiveResult, visit: Sighting) -> float:
    """How clearly this frame shows the visit's animal *as what the visit is called*: a frame where one of its
    tracks is only "mammal" (perhaps another animal that joined on that coarse answer) does not count."""
    return max((p.confidence for p, track, answer in zip(live.result.predictions, live.track_ids, live.visit_answers, strict=True)
                if track in visit.tracks and visit.key in {(t.rank, t.name) for t in (answer.taxon, *answer.lineage)}), default=0.0)  # fmt: skip


def thumbnail(live: LiveResult, visit: Sighting) -> Pixels:
    """The visit's animal cut from the frame (the whole frame for a whole-frame answer)."""
    for prediction, track in zip(live.result.predictions, live.track_ids, strict=True):
        if track in visit.tracks and prediction.box is not None:
            x0, y0, x1, y1 = prediction.box.to_pixels(live.frame.width, live.frame.height)
            return square_crop(live.frame.pixels, x0, y0, x1, y1, 0.0)
    return live.frame.pixels


def snapshot_result(live: LiveResult, visit: Sighting) -> Result:
    """The frame's result as a sighting's snapshot shows it: each animal under the answer its visit supports (what
    sightings are named after, not the frame's smoothed answer: "koala", not "unidentified mammal"), and the
    sighting's own tracks under the sighting's name. The drawn labels and the sidecar then say what the database,
    the web card and the exports say."""
    predictions = []
    for prediction, track, answer in zip(live.result.predictions, live.track_ids, live.visit_answers, strict=True):
        named = named_as(answer, visit.key) if track in visit.tracks else answer
        predictions.append(replace(named, box=prediction.box, detector_score=prediction.detector_score))
    return replace(live.result, predictions=tuple(predictions))


def named_as(answer: Prediction, key: tuple[str, str]) -> Prediction:
    """``answer`` told at the rank of ``key`` when ``key`` is on its lineage (a sighting named "Ara" shows a frame's
    "Ara" answer as "Ara"); else ``answer`` unchanged. The claimed confidence is the answer's: the probability of a
    coarser taxon is at least that."""
    lineage = answer.lineage if answer.lineage and answer.lineage[0] == answer.taxon else (answer.taxon, *answer.lineage)
    at = next((i for i, taxon in enumerate(lineage) if (taxon.rank, taxon.name) == key), None)
    return answer if at is None or at == 0 else replace(answer, taxon=lineage[at], lineage=lineage[at:])


class SightingsService:
    """One camera's sightings. ``observe`` each result; ``close`` ends the open visits when the source goes."""

    def __init__(
        self,
        camera: str,
        recorder: Recorder,
        sinks: Sequence[SightingSink],
        snapshot_folder: Callable[[], Path],
        auto_snapshot: Callable[[], bool],
        model_ids: Callable[[], dict[str, str]],
        gone_after: float = GONE_AFTER,
        on_snapshot: Callable[[Sighting, SnapshotFiles], None] | None = None,
        first_visit_id: int = 1,
        evidence: dict[int, tuple[Frame, Prediction]] | None = None,
        max_evidence: int = MAX_EVIDENCE,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self.camera = camera
        self.recorder = recorder
        self.sinks = list(sinks)
        self.snapshot_folder = snapshot_folder
        self.auto_snapshot = auto_snapshot
        self.model_ids = model_ids
        self.gone_after = gone_after
        self.on_snapshot = on_snapshot
        self.open_visits: dict[int, Sighting] = {}
        self.next_visit = first_visit_id  # a window numbers visits across its sources, for its sightings panel
        self.sighting_ids: dict[int, str] = {}
        # The best frame and answer of each recent sighting, for the teach loop (bounded: the newest MAX_EVIDENCE).
        self.evidence: dict[int, tuple[Frame, Prediction]] = {} if evidence is None else evidence
        self.max_evidence = max_evidence  # 0 where nobody teaches (the headless watcher): frames are megabytes
        self._snapshots: dict[int, SnapshotState] = {}
        self._lock = threading.Lock()  # _snapshots is completed on the recorder thread
        self.progress_every = progress_every
        self._progress_sinks = [sink for sink in self.sinks if isinstance(sink, ProgressSink)]
        self._stored: dict[int, tuple[float, int]] = {}  # visit id → the progress last handed to the progress sinks
        self._last_progress = -math.inf
        self._progress_failing = False  # on the recorder thread: a full disk is reported once, not every few seconds

    # ---- from results to events -------------------------------------------------------
    def observe(self, live: LiveResult) -> list[SightingEvent]:
        """Fold one result in; queue snapshots and records; return what happened (for a display)."""
        self.open_visits, events, self.next_visit = update_visits(self.open_visits, sighted_in(live), live.frame.timestamp,
                                                                  self.gone_after, self.next_visit, live.frame.wall_time)  # fmt: skip
        self._keep_evidence(live)
        for event in events:
            visit = event.visit
            if event.kind == "started":
                self.sighting_ids[visit.visit_id] = uuid.uuid4().hex
                if self.auto_snapshot():
                    with self._lock:
                        self._snapshots[visit.visit_id] = SnapshotState(None, confidence_in(live, visit), visit.key)
                    self._save(live, visit, "started", replaces=None)
                    continue
            self._record(event.kind, visit)
            if event.kind == "ended":
                self._forget(visit)
        for visit in self.open_visits.values():
            confidence = confidence_in(live, visit)
            with self._lock:
                state = self._snapshots.get(visit.visit_id)
                due = snapshot_due(state, confidence, visit.key)
                if due and state is not None:
                    self._snapshots[visit.visit_id] = SnapshotState(None, confidence, visit.key)
            if due and state is not None:
                self._save(live, visit, "snapshot", replaces=state.files)
        self._store_progress(live.frame.timestamp)
        return events

    def close(self) -> list[SightingEvent]:
        """End every open visit (the source closed or the program stops) and record the ends."""
        events = end_all(self.open_visits)
        for event in events:
            self._record("ended", event.visit)
            self._forget(event.visit)
        self.open_visits = {}
        return events

    def snapshot(self, live: LiveResult, reason: str, on_saved: Callable[[SnapshotFiles], None]) -> None:
        """A snapshot someone asked for (the window's button): ``live`` drawn as the screen shows it, written on the
        recorder thread; a failure is reported by the recorder as one sentence."""
        folder, model_ids, camera = self.snapshot_folder(), self.model_ids(), self.camera

        def job() -> SnapshotFiles:
            annotated = draw_overlay(live.frame.pixels, overlay_items(live.result))
            return save_snapshot(folder, live.frame, annotated, live.result, camera, model_ids, reason, live.threshold)

        self.recorder.submit(job, on_saved)

    def snapshot_of(self, visit_id: int) -> SnapshotFiles | None:
        with self._lock:
            state = self._snapshots.get(visit_id)
        return state.files if state else None

    def _store_progress(self, now: float) -> None:
        """Queue the open sightings' progress when it is due (``progress_due``), as one batch."""
        if not self._progress_sinks:
            return
        due = progress_due(self.open_visits, self._stored, self._last_progress, now, self.progress_every)
        if not due:
            return
        self._last_progress = now
        batch = [SightingProgress(self.sighting_ids.get(v.visit_id, ""), v.last_seen_at or v.last_seen, v.frames) for v in due]
        self._stored.update({v.visit_id: (v.last_seen_at, v.frames) for v in due})
        self.recorder.submit(lambda: self._send_progress(batch))

    # ---- records and files (on the recorder thread) --------------------------------------
    def _send_progress(self, batch: Sequence[SightingProgress]) -> None:
        """Every progress sink gets the batch. A failure is raised (and reported) once until a batch goes through:
        on a full disk a report every few seconds would only fill the log."""
        failure: BaseException | None = None
        for sink in self._progress_sinks:
            try:
                sink.record_progress(batch)
            except Exception as exc:
                failure = failure or exc
        was_failing, self._progress_failing = self._progress_failing, failure is not None
        if failure is not None and not was_failing:
            raise failure

    def _record(self, kind: RecordKind, visit: Sighting, snapshot: SnapshotFiles | None = None) -> None:
        record = SightingRecord(self.sighting_ids.get(visit.visit_id, ""), self.camera, kind, visit,
                                snapshot or self.snapshot_of(visit.visit_id), self.model_ids())  # fmt: skip
        self.recorder.submit(lambda: self._send(record))

    def _send(self, record: SightingRecord) -> None:
        """Every sink gets the record, even when one before it fails; the first failure is then raised."""
        failure: BaseException | None = None
        for sink in self.sinks:
            try:
                sink.record(record)
            except Exception as exc:  # reported by the recorder as one sentence
                failure = failure or exc
        if failure is not None:
            raise failure

    def _save(self, live: LiveResult, visit: Sighting, kind: RecordKind, replaces: SnapshotFiles | None) -> None:
        """A sighting's snapshot, named after the sighting; then its record. A replaced snapshot's old files go once
        the new ones are written."""
        folder = self.snapshot_folder()
        model_ids = self.model_ids()
        sighting_id = self.sighting_ids.get(visit.visit_id, "")

        def job() -> SnapshotFiles | None:
            failure: Exception | None = None
            try:
                shown = snapshot_result(live, visit)  # one result for the picture and its sidecar: they cannot disagree
                annotated = draw_overlay(live.frame.pixels, overlay_items(shown))
                files: SnapshotFiles | None = save_snapshot(folder, live.frame, annotated, shown, self.camera, model_ids,
                                                            "sighting", live.threshold, (visit.started_at or visit.started, visit.label),
                                                            replaces)  # fmt: skip
            except (OSError, UserError) as exc:  # a full or read-only disk: the sighting is still recorded, without a new snapshot
                files, failure = None, exc
            if files is not None and replaces is not None:
                for old in (replaces.annotated, replaces.raw, replaces.sidecar):
                    if old not in (files.annotated, files.raw, files.sidecar):
                        old.unlink(missing_ok=True)
            with self._lock:
                known = self._snapshots.get(visit.visit_id)
                if known is not None:
                    # After a failure the old files stay (and this frame's confidence, so that not every next frame
                    # tries again on a full disk); a new sighting without one gets none.
                    kept = files or replaces
                    if kept is None:
                        del self._snapshots[visit.visit_id]
                    else:
                        self._snapshots[visit.visit_id] = replace(known, files=kept)
            if files is not None or kind != "snapshot":
                self._send(SightingRecord(sighting_id, self.camera, kind, visit, files or replaces, model_ids))
            if files is not None and self.on_snapshot is not None:
                self.on_snapshot(visit, files)
            if failure is not None:
                raise failure
            return files

        self.recorder.submit(job)

    def _forget(self, visit: Sighting) -> None:
        self._stored.pop(visit.visit_id, None)
        with self._lock:
            self._snapshots.pop(visit.visit_id, None)

    def _keep_evidence(self, live: LiveResult) -> None:
        """Remember each open visit's best frame and answer: what a confirmation or correction will save."""
        if self.max_evidence <= 0:
            return
        owner = {track: vid for vid, v in self.open_visits.items() for track in v.tracks}
        for prediction, track, answer in zip(live.result.predictions, live.track_ids, live.visit_answers, strict=True):
            vid = owner.get(track)
            if vid is None:
                continue
            known = self.evidence.get(vid)
            if known is None or prediction.confidence >= known[1].confidence:
                self.evidence[vid] = (live.frame, replace(answer, box=prediction.box, confidence=prediction.confidence))
        while len(self.evidence) > self.max_evidence:
            del self.evidence[min(self.evidence)]
