"""The watcher's cameras in a grid: ``livespecies gui --config CONFIG``.

The window runs the same ``Watcher`` as ``livespecies watch`` (same config, same
shared models, same database and sightings), and shows each camera's newest
frame with its labels, its state and its latest sighting. The models load in a
background thread while the window already shows "loading models…"; closing the
window stops the watcher as SIGTERM does (open sightings are ended and stored).
"""

from __future__ import annotations

import time
from datetime import datetime

import cv2
import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from livespecies.gui.background import run_in_background
from livespecies.gui.live_session import latest_result_for_display
from livespecies.gui.video_view import VideoView, to_qimage
from livespecies.overlay.draw import Pixels, draw_overlay, overlay_items
from livespecies.station import Station
from livespecies.watch.config import WatchConfig
from livespecies.watch.watcher import Watcher

REFRESH_MS = 66  # ~15 fps per tile is what the cameras send; more would only cost CPU
RESULT_MAX_AGE = 1.5


class CameraTile(QWidget):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.title = QLabel(f"<b>{name}</b>")
        self.video = VideoView()
        self.video.setMinimumSize(240, 135)
        self.state = QLabel("starting…")
        self.state.setWordWrap(True)
        self.sighting = QLabel("no sighting yet")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.title, self.video, self.state, self.sighting):
            layout.addWidget(widget, 1 if widget is self.video else 0)
        self.shown_seq = 0

    def show_camera(self, camera: Station, now: float) -> None:
        frame = camera.slot.peek()
        if frame is None or frame.seq == self.shown_seq:
            return
        self.shown_seq = frame.seq
        width, height = self.video.target_size(frame.width, frame.height)
        pixels: Pixels = np.asarray(cv2.resize(frame.pixels, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)
        shown = latest_result_for_display(camera.latest, RESULT_MAX_AGE, now)
        if shown is not None:
            pixels = draw_overlay(pixels, overlay_items(shown.result))
        self.video.show_image(to_qimage(pixels))
        self.video.show_message("")

    def show_stats(self, stats: dict[str, object]) -> None:
        self.state.setText(f"{stats['state']} · {stats['fps_processed']} results/s · {100 * float(stats['static_share']):.0f}% gated")  # type: ignore[arg-type]
        # A live camera's tooltip is its state; the last error (kept for the morning after) only while it is not live.
        error = stats.get("last_error")
        self.state.setToolTip(str(stats["state"]) if stats["status"] == "live" or not error else f"{stats['state']}: last error {error}")
        if stats["last_sighting"]:
            at = stats["last_sighting_at"]
            when = datetime.fromtimestamp(float(at)).strftime("%H:%M:%S") if at else ""  # type: ignore[arg-type]
            self.sighting.setText(f"last: {stats['last_sighting']} {when}")
        if stats["status"] != "live":
            self.video.show_message(str(stats["state"]))


class CameraGridWindow(QMainWindow):
    watcher_ready = Signal()
    watcher_failed = Signal(str)

    def __init__(self, config: WatchConfig, make_watcher: type[Watcher] = Watcher) -> None:
        super().__init__()
        self.config = config
        self.setWindowTitle(f"livespecies: {len(config.cameras)} cameras")
        self.watcher: Watcher | None = None
        self.banner = QLabel("Loading models…")
        self.banner.setWordWrap(True)
        self.tiles = [CameraTile(camera.name) for camera in config.cameras]
        grid = QGridLayout()
        columns = max(1, round(len(self.tiles) ** 0.5 + 0.49))
        for index, tile in enumerate(self.tiles):
            grid.addWidget(tile, index // columns, index % columns)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addLayout(grid, 1)
        self.setCentralWidget(central)
        self.resize(1280, 800)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.stats_timer = QTimer(self)
        self.stats_timer.timeout.connect(self.refresh_stats)
        # Loading the models takes seconds: the window is up meanwhile.
        run_in_background(lambda: make_watcher(config), self._started, self._failed, "loading-models")

    def _started(self, watcher: Watcher) -> None:
        self.watcher = watcher
        watcher.start()
        self.banner.hide()
        self.timer.start(REFRESH_MS)
        self.stats_timer.start(1000)
        self.watcher_ready.emit()

    def _failed(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setStyleSheet("background:#7a1010;color:white;padding:6px;")
        self.watcher_failed.emit(message)

    def refresh(self) -> None:
        if self.watcher is None:
            return
        now = time.monotonic()
        for tile, camera in zip(self.tiles, self.watcher.cameras, strict=True):
            tile.show_camera(camera, now)

    def refresh_stats(self) -> None:
        if self.watcher is None:
            return
        for tile, stats in zip(self.tiles, self.watcher.camera_states(), strict=True):
            tile.show_stats(stats)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.stats_timer.stop()
        if self.watcher is not None:
            self.watcher.stop()  # open sightings ended and stored, as `livespecies watch` does on SIGTERM
            self.watcher = None
        super().closeEvent(event)


def tile_texts(window: CameraGridWindow) -> dict[str, tuple[str, str]]:
    """Each tile's state and sighting lines (for tests and screenshots)."""
    return {tile.name: (tile.state.text(), tile.sighting.text()) for tile in window.tiles}

