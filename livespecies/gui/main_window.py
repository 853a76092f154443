"""The main window: pick a source, watch it with live labels, snapshot, and keep a list of sightings.

The window sends commands (open a source, threshold, snapshot) and receives frames (polled, newest only), results
and states (queued signals). It never reaches into the capture or inference loops and never waits on them.

Made of widgets (control_bar, status_line, error_banner, live_view, sightings_panel), each in its own module, and
of what they drive: the source's Station through live_session, then recording, model_control and teach_loop.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from livespecies.capture.latest import SkipCounter
from livespecies.capture.reader import SourceState
from livespecies.capture.source_spec import SourceError, SourceSpec, parse_source
from livespecies.errors import UserError
from livespecies.gui.control_bar import ControlBar
from livespecies.gui.error_banner import ErrorBanner
from livespecies.gui.live_session import LiveSession
from livespecies.gui.live_view import LiveView
from livespecies.gui.model_control import ModelControl
from livespecies.gui.recording import Recording
from livespecies.gui.recording import evidence_capacity as evidence_capacity  # re-exported: known here before it moved
from livespecies.gui.settings_store import UiPreferences
from livespecies.gui.sightings_panel import SightingsPanel
from livespecies.gui.status_line import StatusLine
from livespecies.gui.teach_loop import TeachLoop
from livespecies.gui.training_run import TrainDialog
from livespecies.gui.window_options import WindowOptions as WindowOptions  # re-exported: known here before it moved
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting
from livespecies.station import NO_VIDEO, StationStats

DISPLAY_INTERVAL_MS = 10  # poll for a new frame at 100 Hz: a 30 fps source is shown within ~10 ms of capture
STOP_WAIT = 10.0  # seconds a source switch waits for its threads; a slower inference ends in the background


class MainWindow(QMainWindow):
    frame_shown = Signal(object)  # Frame, after it was painted (for tests and benchmarks)
    snapshot_saved = Signal(object)  # SnapshotFiles, from the recorder thread
    sighting_saved = Signal(object, object)  # Sighting, SnapshotFiles: an auto snapshot, from the recorder thread
    example_saved = Signal(int, str)  # visit id, class: a teach-loop example, from the recorder thread
    recording_failed = Signal(str)
    model_changed = Signal(str)  # the path of a classifier or specialist now in use
    model_refused = Signal(str)  # why a model file was not used

    def __init__(self, options: WindowOptions, settings: QSettings) -> None:
        super().__init__()
        self.preferences = UiPreferences(settings)
        self.setWindowTitle("livespecies")
        self.session: LiveSession | None = None
        self.stopping: list[LiveSession] = []  # closed sessions whose threads have not ended yet (kept: see close_source)
        self.last_snapshot: SnapshotFiles | None = None
        self.source_state: SourceState | None = None
        # The widgets in the window's order, then what they drive: the models, what is recorded, the teach loop.
        self.video, self.banner, self.sightings = LiveView(), ErrorBanner(), SightingsPanel()
        self.bar = ControlBar(options, self.preferences, lambda: (self.session.text, self.session.spec.display_name) if self.session else None)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.video, 1)
        self.setCentralWidget(central)
        self.addToolBar(self.bar)
        dock = QDockWidget("Sightings", self)
        dock.setObjectName("sightings")
        dock.setWidget(self.sightings)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.status = StatusLine(self.statusBar())
        self.models = ModelControl(options, self.preferences)
        self.recording = Recording(self.recording_failed.emit, lambda: self.snapshot_folder, self.bar.auto_box.isChecked,
                                   self.models.model_ids, self.sighting_saved.emit)  # fmt: skip
        self.teach = TeachLoop(self, self.sightings, self.recording, self.preferences, lambda: self.snapshot_folder,
                               lambda: self.session.spec.display_name if self.session else "", self.example_saved.emit,
                               self.models.use_classifier)  # fmt: skip
        # Their widgets and methods under the window's own names (gui/app.py, the tests and the benchmarks use these).
        bar, status, models, teach = self.bar, self.status, self.models, self.teach
        self.source_box, self.threshold_slider, self.snapshot_button = bar.source_box, bar.threshold_slider, bar.snapshot_button
        self.auto_box, self.model_button, self.species_button = bar.auto_box, bar.model_button, bar.species_button
        self.folder_button, self.set_snapshot_folder = bar.folder_button, bar.set_snapshot_folder
        self.state_label, self.notice_label, self.stats_label = status.state_label, status.notice_label, status.stats_label
        self.notify, self.show_error, self.hide_error = status.notify, self.banner.show_error, self.banner.hide_error
        self.recorder, self.evidence, self.compose = self.recording.recorder, self.recording.evidence, self.video.compose
        self.use_classifier, self.use_species_list = models.use_classifier, models.use_species_list
        self.teach_sighting, self.open_training, self.set_teach_folder = teach.teach, teach.open_training, teach.set_folder

        self.snapshot_saved.connect(self._on_snapshot_saved)
        self.sighting_saved.connect(self._on_sighting_saved)
        self.example_saved.connect(teach.example_saved)
        self.recording_failed.connect(self.show_error)
        self.video.frame_painted.connect(self.frame_shown)
        bar.source_box.chosen.connect(self.open_source)
        bar.snapshot_requested.connect(self.take_snapshot)
        for keys in ("S", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, self.take_snapshot)
        bar.model_chosen.connect(self.use_classifier)
        bar.species_chosen.connect(self.use_species_list)
        bar.training_requested.connect(self.open_training)
        bar.examples_folder_requested.connect(teach.choose_folder)
        models.swapped.connect(bar.show_models)
        models.threshold_offered.connect(bar.set_threshold)
        models.swapped.connect(self._restart_source)  # recognition restarts on the same source with the new model
        models.species_shown.connect(bar.show_species)
        models.changed.connect(self.model_changed)
        models.refused.connect(self.model_refused)
        for part in (models, teach):
            part.notice.connect(self.notify)
            part.error.connect(self.show_error)
        self.display_timer = QTimer(self)
        self.display_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.display_timer.timeout.connect(self.show_newest_frame)
        self.display_timer.start(DISPLAY_INTERVAL_MS)
        self.stats_timer = QTimer(self)
        self.stats_timer.timeout.connect(self.update_stats)
        self.stats_timer.timeout.connect(self.show_state)  # a reconnect countdown counts down
        self.stats_timer.start(500)

        geometry, state = self.preferences.geometry(), self.preferences.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 760)
        if state is not None:
            self.restoreState(state)
        if options.model_error:
            self.show_error(options.model_error + " Video is shown without recognition.")

    # ---- what the parts hold ------------------------------------------------------------
    @property
    def options(self) -> WindowOptions:
        """The options the window started with, with the models now in use."""
        return self.models.options

    @property
    def pipeline(self) -> LivePipeline | None:
        """The pipeline the next source opened recognises with (None: no models)."""
        return self.models.pipeline

    @pipeline.setter
    def pipeline(self, pipeline: LivePipeline | None) -> None:
        self.models.pipeline = pipeline

    @property
    def latest(self) -> LiveResult | None:
        """The newest result (drawn until the next one is overdue)."""
        return self.video.latest

    @latest.setter
    def latest(self, live: LiveResult | None) -> None:
        self.video.latest = live

    @property
    def display_skips(self) -> SkipCounter:
        return self.video.display_skips

    @property
    def shown_frames(self) -> int:
        return self.display_skips.seen

    @property
    def threshold(self) -> float:
        return self.bar.threshold

    @property
    def snapshot_folder(self) -> Path:
        return self.bar.snapshot_folder

    @property
    def teach_folder(self) -> Path:
        return self.teach.folder

    @property
    def training_dialog(self) -> TrainDialog | None:
        return self.teach.training_dialog

    @property
    def error_text(self) -> str:
        return self.banner.error_text

    # ---- sources ----------------------------------------------------------------------
    def open_source(self, text: str) -> bool:
        """Switch to a source. One that cannot be used is an error that stays on screen; whatever played
        before keeps playing (or nothing does): the window never quietly shows another source."""
        try:
            spec = parse_source(text)
        except SourceError as exc:
            self.show_error(str(exc))
            if self.session is None:
                self.video.clear(f"{exc}\nChoose a source in the Source box.")
            return False
        self.open_spec(spec, text)
        self.preferences.source = text
        return True

    def open_spec(self, spec: SourceSpec, text: str | None = None) -> None:
        self.close_source()
        self.hide_error()
        self.video.restart(f"{spec.display_name}: connecting…")  # figures of the source that plays, not a mix
        self.setWindowTitle(f"livespecies: {spec.display_name}")
        session = self.recording.open_session(spec, text, self.pipeline, lambda: self.threshold, self.options)
        session.state_changed.connect(self.on_state)
        session.result_ready.connect(self.on_result)
        session.error.connect(self.show_error)
        self.session = session
        self.source_state = None
        session.start()
        self.source_box.show_playing()

    def _restart_source(self) -> None:
        if self.session is not None:
            self.open_spec(self.session.spec, self.session.text)

    def close_source(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            # Kept until its threads end: Qt aborts the program when a running QThread is destroyed, and under a
            # heavy load one inference outlasted the wait ("QThread: Destroyed while thread 'inference' is still running").
            if not session.stop(STOP_WAIT):
                self.stopping.append(session)
            for visit in self.recording.closed(session):  # the open sightings end when their source goes
                self.sightings.update_visit(visit)
        self.stopping = [session for session in self.stopping if not session.stopped()]

    def on_state(self, state: SourceState) -> None:
        if self.session is None or state.source != self.session.spec.display_name:
            return  # a late message from a source already closed
        self.source_state = state
        self.show_state()
        if state.status == "live":
            if self.banner.about_source:
                self.hide_error()
        elif state.status == "failed":
            self.show_error(f"{state.source}: failed: {state.detail}", about_source=True)
        elif state.status == "reconnecting" and state.cause:
            # The reason a stream does not open stays in sight (and in full) between attempts.
            self.show_error(f"{state.source}: {state.detail}; trying again", about_source=True)

    def show_state(self) -> None:
        """The source's state in the status bar and over the video; a reconnect countdown counts."""
        state = self.source_state
        if state is None:
            return
        text = f"{state.source}: {state.describe(time.monotonic())}"
        self.status.show_state(text)
        self.video.show_message("" if state.status == "live" else text)

    def update_stats(self) -> None:
        stats = self.session.station.stats if self.session else StationStats()
        recognising = self.session is not None and self.session.worker is not None
        self.status.show_stats(stats, self.video.shown_rate, self.display_skips.skipped, recognising)

    # ---- frames and results -------------------------------------------------------------
    def show_newest_frame(self) -> None:
        """Called by the display timer: paint the newest frame if there is one we have not shown."""
        if self.session is not None:
            self.video.show_newest(self.session.slot.peek())

    def on_result(self, live: LiveResult) -> None:
        self.video.show_result(live)
        if self.session is not None:  # the station's sightings decide; the panel shows
            self.sightings.show_changes(self.session.record(live))

    # ---- snapshots ----------------------------------------------------------------------
    def take_snapshot(self) -> bool:
        """The snapshot button and shortcut: the newest frame with the newest result drawn on it, written by the
        station's recorder thread; ``snapshot_saved`` or the error banner reports the outcome."""
        try:
            if self.session is None:
                raise UserError(NO_VIDEO)
            self.session.station.snapshot(self.threshold, time.monotonic(), self.snapshot_saved.emit)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        return True

    def _on_snapshot_saved(self, files: SnapshotFiles) -> None:
        self.last_snapshot = files
        self.notify(f"Saved {files.annotated}", 4000)

    def _on_sighting_saved(self, visit: Sighting, files: SnapshotFiles) -> None:
        self.sightings.attach_snapshot(visit, files)
        self._on_snapshot_saved(files)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preferences.save_layout(self.saveGeometry(), self.saveState())
        self.preferences.sync()
        self.display_timer.stop()
        self.close_source()
        for session in self.stopping:
            session.stop(None)  # the last inference ends between frames: wait for it, or Qt aborts at exit
        self.stopping = []
        self.recording.close()  # every snapshot asked for is written before the window goes
        super().closeEvent(event)
