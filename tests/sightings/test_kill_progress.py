"""A `kill -9` of a real `livespecies watch` while an animal is in view: the interrupted sighting is closed at its
last stored sighting, which the watcher kept up to date while it ran, not at its start with no frames."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from livespecies.sightings.database import SightingDatabase, StoredSighting
from tests.watch.streams import scene_frames, wait_until, write_config

ROOT = Path(__file__).resolve().parents[2]


def open_rows(path: Path) -> list[StoredSighting]:
    if not path.exists():
        return []
    database = SightingDatabase(path, readonly=True)
    try:
        return [r for r in database.query() if r.status == "open"]
    finally:
        database.close()


def test_a_killed_watcher_leaves_its_open_sighting_closed_at_its_last_sighting(tmp_path: Path, photos: Path) -> None:
    # A folder source played at 2 frames per second, a polar bear standing in every frame: the animal stays in view
    # for as long as the watcher runs, and its visit (gone_after 20 s) stays open until the kill.
    folder = tmp_path / "frames"
    scene_frames(photos, folder, 0, 8, 8)
    path = write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": str(folder), "motion": {"enabled": False}}])
    database = tmp_path / "sightings.db"
    watcher = subprocess.Popen([sys.executable, "-m", "livespecies", "watch", str(path)], cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        wait_until(lambda: bool(open_rows(database)), 120, "an open sighting in the database")
        [started] = open_rows(database)
        # The watcher stores how far the open sighting has got while it runs: wait until the row shows it.
        wait_until(lambda: any(r.id == started.id and r.frames >= 3 and r.last_seen_at > started.started_at for r in open_rows(database)),
                   60, "the open sighting's frames and last sighting stored while the animal stays in view")  # fmt: skip
        [before_kill] = open_rows(database)
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(10)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait(10)
    assert watcher.returncode == -signal.SIGKILL
    recovered = SightingDatabase(database)  # what a restarted watcher does first
    try:
        assert recovered.close_interrupted() == 1
        [row] = [r for r in recovered.query() if r.id == started.id]
        assert recovered.integrity() == "ok"
    finally:
        recovered.close()
    assert row.status == "interrupted" and row.label == "polar bear"
    assert row.ended_at is not None and row.ended_at > row.started_at and row.ended_at >= before_kill.last_seen_at
    assert row.frames > 0 and row.frames >= before_kill.frames
