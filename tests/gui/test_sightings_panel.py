"""The sightings panel keeps the newest sightings only: a window left watching a feeder for days stays the same size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livespecies.gui.main_window import evidence_capacity
from livespecies.gui.sightings_panel import MAX_ROWS, SightingsPanel
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting
from tests.gui.conftest import MakeWindow


def visit(number: int, label: str = "koala") -> Sighting:
    return Sighting(number, ("species", label), label, float(number), float(number), 0.8, 3, (number,), started_at=1.7e9 + number)


def test_the_panel_keeps_the_newest_rows_and_forgets_the_rest(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Guards a panel that grew by a row, a thumbnail and two dict entries per sighting, without end."""
    panel = SightingsPanel()
    qtbot.addWidget(panel)
    picture = np.full((120, 90, 3), 128, np.uint8)
    for number in range(1, MAX_ROWS + 51):
        panel.add_visit(visit(number), picture, tmp_path / f"{number}.jpg" if number % 2 else None)
    assert panel.rowCount() == MAX_ROWS
    assert panel.row_visit(0) == MAX_ROWS + 50 and panel.row_visit(MAX_ROWS - 1) == 51  # newest first, oldest kept last
    assert len(panel.snapshots) == MAX_ROWS // 2 and panel.snapshots[1] == tmp_path / f"{MAX_ROWS + 49}.jpg" and 0 not in panel.snapshots
    panel.update_visit(visit(3, "polar bear"))  # gone from the panel (the database keeps it): nothing to update
    assert "polar bear" not in {panel.row_label(r) for r in range(panel.rowCount())}
    panel.update_visit(visit(60, "polar bear"))
    assert panel.row_label(panel.row_of(60)) == "polar bear" and panel.row_of(60) == MAX_ROWS + 50 - 60
    files = SnapshotFiles(tmp_path / "60.jpg", tmp_path / "60.raw.jpg", tmp_path / "60.json")
    panel.attach_snapshot(visit(60), files)
    assert panel.snapshots[panel.row_of(60)] == files.annotated
    panel.attach_snapshot(visit(2), files)  # a late snapshot of a sighting no longer shown: ignored
    assert panel.row_of(2) is None and panel.rowCount() == MAX_ROWS


@pytest.mark.parametrize(
    ("frame_bytes", "expected"),
    [
        (800 * 450 * 3, 124),  # the demo clip: 1.08 MB a frame
        (1280 * 720 * 3, 48),
        (1920 * 1080 * 3, 21),
        (3840 * 2160 * 3, 10),  # 4K: never fewer than the last few sightings
        (320 * 240 * 3, MAX_ROWS),  # small frames: as many as the panel shows, no more
        (0, MAX_ROWS),
    ],
)
def test_frames_kept_for_teaching_fit_a_memory_budget(frame_bytes: int, expected: int) -> None:
    assert evidence_capacity(frame_bytes) == expected


def test_the_window_keeps_frames_for_teaching_within_its_budget(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    """Guards the teach loop's frames: 200 whole frames were kept whatever their size (1.2 GB of 1080p frames)."""
    window = make_window()
    window.open_source("demo")
    qtbot.waitUntil(lambda: window.sightings.rowCount() >= 1 and window.session is not None, timeout=30000)
    service = window.session.station.service if window.session else None
    assert service is not None and service.max_evidence == evidence_capacity(800 * 450 * 3) == 124
    assert window.sightings.max_rows == MAX_ROWS
