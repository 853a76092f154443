"""The main window: pick a source, watch it with live labels, snapshot, and keep a list of sightings.

The window sends commands (open a source, threshold, snapshot) and receives
frames (polled, newest only), results and states (queued signals). It never
reaches into the capture or inference loops and never waits on them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import cv2
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from livespecies.capture.latest import SkipCounter
from livespecies.capture.reader import ReconnectPolicy, SourceState
from livespecies.capture.source_spec import SourceError, SourceSpec, parse_source
from livespecies.errors import ModelError, UserError
from livespecies.gui.background import run_in_background
from livespecies.gui.elided_label import ElidedLabel
from livespecies.gui.live_session import LiveSession, latest_result_for_display
from livespecies.gui.settings_store import UiPreferences
from livespecies.gui.sightings_panel import CORRECT, MAX_ROWS, SightingsPanel
from livespecies.gui.training_run import TrainDialog
from livespecies.gui.video_view import VideoView, to_qimage
from livespecies.inference.assembly import role_of, with_classifier, with_species
from livespecies.inference.engine import Recognizer
from livespecies.inference.following import FollowSettings
from livespecies.inference.model_file import LoadedModel, load_model
from livespecies.inference.species_list import load_species_list, unknown_names_warning
from livespecies.overlay.draw import Pixels, draw_overlay, overlay_items
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.rates import RateMeter
from livespecies.sightings.log import SightingLog
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.service import SightingsService, thumbnail
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.teach import NON_ANIMALS, examples_per_class, known_classes, teach_sighting
from livespecies.sightings.visits import Visit
from livespecies.station import StationStats
from livespecies.types import Frame, Prediction

DISPLAY_INTERVAL_MS = 10  # poll for a new frame at 100 Hz: a 30 fps source is shown within ~10 ms of capture
# Frames kept for the teach loop (a confirmation saves the sighting's best frame): a memory budget, not a count,
# so a 1080p or 4K camera keeps fewer than the demo; never more than the panel shows, never fewer than a few.
EVIDENCE_BUDGET = 128 * 2**20
MIN_EVIDENCE = 10
STOP_WAIT = 10.0  # seconds a source switch waits for its threads; a slower inference ends in the background
RESULT_MAX_AGE = 1.5  # seconds after the next result was due: then its boxes are no longer drawn over newer video
STATS_MEANING = (
    "source: frames per second the source sends",
    "shown: frames per second painted",
    "results: recognition results per second",
    "inference: the models' time per frame (median)",
    "result latency: from capture to result (median)",
    "dropped: frames the display never painted",
    "skipped by recognition: frames the models never saw because they were busy (expected: the newest frame wins)",
)
RECENT = "@recent:"  # source box data of a stream, file or folder that was opened (kept in memory only)


def evidence_capacity(frame_bytes: int, budget: int = EVIDENCE_BUDGET, most: int = MAX_ROWS, least: int = MIN_EVIDENCE) -> int:
    """How many sightings' best frames the window keeps for teaching, for frames of this many bytes."""
    if frame_bytes <= 0:
        return most
    return max(least, min(most, budget // frame_bytes))


@dataclass(frozen=True)
class WindowOptions:
    recognizer: Recognizer | None
    model_error: str | None
    demo_clip: Path | None
    cameras: tuple[int, ...]
    default_snapshot_folder: Path
    threshold: float
    policy: ReconnectPolicy | None = None


class MainWindow(QMainWindow):
    frame_shown = Signal(object)  # Frame, after it was painted (for tests and benchmarks)
    snapshot_saved = Signal(object)  # SnapshotFiles, from the recorder thread
    sighting_saved = Signal(object, object)  # Visit, SnapshotFiles: an auto snapshot, from the recorder thread
    example_saved = Signal(int, str)  # visit id, class: a teach-loop example, from the recorder thread
    recording_failed = Signal(str)
    model_changed = Signal(str)  # the path of a classifier or specialist now in use
    model_refused = Signal(str)  # why a model file was not used

    def __init__(self, options: WindowOptions, settings: QSettings) -> None:
        super().__init__()
        self.options = options
        self.preferences = UiPreferences(settings)
        self.setWindowTitle("livespecies")
        self.session: LiveSession | None = None
        self.stopping: list[LiveSession] = []  # closed sessions whose threads have not ended yet (kept: see close_source)
        self.pipeline = LivePipeline(options.recognizer, follow=FollowSettings()) if options.recognizer else None
        self.latest: LiveResult | None = None
        self.display_skips = SkipCounter()  # frames shown and frames the display skipped, for this source
        self.result_pending = False
        self.next_visit = 1  # visits are numbered across sources: the sightings panel knows them by number
        # The best frame and answer of each recent sighting, for the teach loop, kept across sources.
        self.evidence: dict[int, tuple[Frame, Prediction]] = {}
        self.training_dialog: TrainDialog | None = None
        self.shown_rate = RateMeter()  # the display's own figure; the source's are its station's (StationStats)
        self.last_snapshot: SnapshotFiles | None = None
        self.recorder = Recorder(self.recording_failed.emit)
        self.snapshot_saved.connect(self._on_snapshot_saved)
        self.sighting_saved.connect(self._on_sighting_saved)
        self.example_saved.connect(self._on_example_saved)
        self.recording_failed.connect(self.show_error)

        self.video = VideoView()
        self.banner = QLabel()
        self.banner_about_source = False  # a source's own failure goes when it plays; model and input errors stay
        self.source_state: SourceState | None = None
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#7a1010;color:white;padding:6px;")
        self.banner.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.video, 1)
        self.setCentralWidget(central)

        self._build_toolbar()
        self._show_source_in_box()  # "no source" until one plays
        self.sightings = SightingsPanel()
        self.sightings.teach_requested.connect(self._teach_requested)
        dock = QDockWidget("Sightings", self)
        dock.setObjectName("sightings")
        dock.setWidget(self.sightings)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        # The figures ask for their whole width; the state and the notices share what is left (a long reason or
        # path ends in "…", its full text in the tooltip). At 1280 px the figures then fit whole; in a narrower
        # window they give way too, elided, never cut mid-word.
        self.state_label = ElidedLabel("no source", QSizePolicy.Policy.Ignored)
        self.state_label.setMinimumWidth(160)  # the connection state stays readable in a small window
        self.stats_label = ElidedLabel("")
        # Notices ("Saved …") get their own place: QStatusBar.showMessage would hide the source's state meanwhile.
        self.notice_label = ElidedLabel("", QSizePolicy.Policy.Ignored)
        self.notice_label.setMinimumWidth(120)  # a notice's start ("Saved /home/…") stays in sight in a narrow window
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.timeout.connect(lambda: self.notice_label.setText(""))
        self.statusBar().addWidget(self.state_label, 2)
        self.statusBar().addWidget(self.notice_label, 2)
        self.statusBar().addWidget(self.stats_label)

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

    # ---- controls ---------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Controls")
        bar.setObjectName("controls")
        self.addToolBar(bar)
        self.source_box = QComboBox()
        self.source_box.setMinimumWidth(220)
        for index in self.options.cameras:
            self.source_box.addItem(f"Camera {index}", str(index))
        if self.options.demo_clip is not None:
            self.source_box.addItem("Demo clip", "demo")
        self.source_box.addItem("Open video file…", "@file")
        self.source_box.addItem("Open image folder…", "@folder")
        self.source_box.addItem("Stream URL…", "@url")
        self.source_box.activated.connect(self._source_chosen)
        bar.addWidget(QLabel(" Source "))
        bar.addWidget(self.source_box)

        bar.addWidget(QLabel("  Threshold "))
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(5, 99)
        self.threshold_slider.setFixedWidth(160)
        saved = self.preferences.threshold
        self.threshold_slider.setValue(round(100 * (saved if saved is not None else self.options.threshold)))
        self.threshold_label = QLabel()
        self.threshold_slider.valueChanged.connect(self._threshold_moved)
        self._threshold_moved(self.threshold_slider.value())
        bar.addWidget(self.threshold_slider)
        bar.addWidget(self.threshold_label)

        self.snapshot_button = QPushButton("Snapshot (S)")
        self.snapshot_button.clicked.connect(self.take_snapshot)
        bar.addWidget(self.snapshot_button)
        for keys in ("S", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, self.take_snapshot)
        self.auto_box = QCheckBox("Auto snapshot on new sighting")
        self.auto_box.setChecked(self.preferences.auto_snapshot)
        self.auto_box.toggled.connect(lambda on: setattr(self.preferences, "auto_snapshot", on))
        bar.addWidget(self.auto_box)
        self.model_button = QPushButton("Model…")
        self.model_button.setToolTip("Use another classifier (an ONNX file exported by `python -m training export`); "
                                     "a model that declares a scope (birds, insects…) is added as a specialist")  # fmt: skip
        self.model_button.clicked.connect(self._choose_model)
        bar.addWidget(self.model_button)
        self.species_button = QPushButton("Species: all")
        self.species_button.setToolTip("A site's species list: one scientific name per line; nothing outside it is claimed")
        species_menu = QMenu(self.species_button)
        species_menu.addAction("Choose species list…", self._choose_species_list)
        species_menu.addAction("All species (no list)", lambda: self.use_species_list(None))
        self.species_button.setMenu(species_menu)
        bar.addWidget(self.species_button)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        bar.addWidget(self.folder_button)
        self._refresh_folder_button()
        self.train_button = QPushButton("Train…")
        self.train_button.setToolTip("Train a model on the sightings you confirmed or corrected (right-click a sighting to teach)")
        train_menu = QMenu(self.train_button)
        train_menu.addAction("Train on my examples…", self.open_training)
        train_menu.addAction("Examples folder…", self._choose_teach_folder)
        self.train_button.setMenu(train_menu)
        bar.addWidget(self.train_button)

    @property
    def shown_frames(self) -> int:
        return self.display_skips.seen

    @property
    def threshold(self) -> float:
        return self.threshold_slider.value() / 100.0

    def _threshold_moved(self, value: int) -> None:
        self.threshold_label.setText(f" {value}% ")
        self.preferences.threshold = value / 100.0

    @property
    def snapshot_folder(self) -> Path:
        return self.preferences.snapshot_folder or self.options.default_snapshot_folder

    def set_snapshot_folder(self, folder: Path) -> None:
        self.preferences.snapshot_folder = folder
        self._refresh_folder_button()

    def _refresh_folder_button(self) -> None:
        self.folder_button.setText(f"Snapshots: {self.snapshot_folder.name or self.snapshot_folder}")
        self.folder_button.setToolTip(str(self.snapshot_folder))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Snapshot folder", str(self.snapshot_folder))
        if folder:
            self.set_snapshot_folder(Path(folder))

    def _choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Classifier model", "", "ONNX models (*.onnx);;All files (*)")
        if path:
            self.use_classifier(Path(path))

    def use_classifier(self, path: Path) -> None:
        """Swap the classifier, or add a specialist when the file declares a scope (the detector stays).

        The file loads in a background thread (seconds for a large model) while the video goes on; then
        ``model_changed`` is emitted, or a bad file is a message (``model_refused``) and nothing changes."""
        self.notify(f"Loading {path.name}…", 60000)
        run_in_background(lambda: load_model(path, threads=os.cpu_count() or 1, expect_kind="classifier"),
                          lambda model: self._apply_classifier(path, model), self._refuse_model, "model-loading")  # fmt: skip

    def _refuse_model(self, message: str) -> None:
        self.notify("", 1)
        self.show_error(message)
        self.model_refused.emit(message)

    def _apply_classifier(self, path: Path, model: LoadedModel) -> None:
        try:
            recognizer = with_classifier(self.options.recognizer, path, model)
        except ModelError as exc:
            self._refuse_model(str(exc))
            return
        self.options = replace(self.options, recognizer=recognizer, model_error=None)
        self.pipeline = LivePipeline(recognizer, follow=FollowSettings())
        self.model_button.setToolTip("Models: " + ", ".join(recognizer.classifier.model_ids))
        if self.session is not None:
            self.open_spec(self.session.spec, self.session.text)  # restart recognition on the same source with the new model
        self.notify(f"Using {model.model_id} as the {role_of(model)} ({len(model.contract.labels)} classes)", 6000)
        self.model_changed.emit(str(path))

    def _choose_species_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Species list", "", "Text files (*.txt);;All files (*)")
        if path:
            self.use_species_list(Path(path))

    def use_species_list(self, path: Path | None) -> bool:
        """Restrict answers to a site's species (None: all species); takes effect on the next result, without a restart.

        A list that cannot be used is a message and the current one stays; names the models do not know are
        named in the banner and the rest of the list applies.
        """
        species = None
        if path is not None:
            try:
                species = load_species_list(path)
            except UserError as exc:
                self.show_error(str(exc))
                return False
        self.preferences.species_list = path
        self.species_button.setText(f"Species: {path.name}" if path else "Species: all")
        self.species_button.setToolTip(str(path) if path else "No species list: every species the models know")
        recognizer = self.options.recognizer
        if recognizer is None:
            return True
        recognizer = with_species(recognizer, species)
        self.options = replace(self.options, recognizer=recognizer)
        if self.pipeline is not None:
            self.pipeline.recognizer = recognizer  # read by the worker for every frame: no restart, tracks re-decide
        if species is not None and (warning := unknown_names_warning(species, recognizer.taxonomy)):
            self.show_error(warning)
        return True

    def _source_chosen(self, index: int) -> None:
        data = self.source_box.itemData(index)
        if data == "@file":
            path, _ = QFileDialog.getOpenFileName(self, "Video file", "", "Videos (*.mp4 *.avi *.mkv *.mov *.webm *.mjpeg);;All files (*)")
            if path:
                self.open_source(path)
        elif data == "@folder":
            folder = QFileDialog.getExistingDirectory(self, "Folder of images")
            if folder:
                self.open_source(folder)
        elif data == "@url":
            url, ok = QInputDialog.getText(self, "Stream", "RTSP or HTTP URL (a password may be written as ${ENV_VAR}):")
            if ok and url:
                self.open_source(url)
        elif data:
            text = str(data)
            self.open_source(text[len(RECENT) :] if text.startswith(RECENT) else text)
        self._show_source_in_box()  # a cancelled dialog or a refused entry: the box goes back to what plays

    def _show_source_in_box(self) -> None:
        """Select the item of the source that plays (adding one for a stream, file or folder), or none."""
        self.source_box.blockSignals(True)
        try:
            if self.session is None:
                self.source_box.setCurrentIndex(-1)
                self.source_box.setPlaceholderText("no source")
                return
            spec = self.session.spec
            index = self.source_box.findData(self.session.text)
            if index < 0:
                for stale in range(self.source_box.count() - 1, -1, -1):
                    if str(self.source_box.itemData(stale)).startswith(RECENT):
                        self.source_box.removeItem(stale)
                index = self.source_box.findData("@file")
                self.source_box.insertItem(index, spec.display_name, RECENT + self.session.text)
            self.source_box.setCurrentIndex(index)
            self.source_box.setToolTip(spec.display_name)
        finally:
            self.source_box.blockSignals(False)

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
        self.latest = None
        self.display_skips = SkipCounter()
        self.shown_rate = RateMeter()  # figures of the source that plays, not a mix
        self.video.clear(f"{spec.display_name}: connecting…")
        self.setWindowTitle(f"livespecies: {spec.display_name}")
        service = SightingsService(
            spec.display_name, self.recorder, [SightingLog(lambda: self.snapshot_folder / "sightings.jsonl")],
            lambda: self.snapshot_folder, self.auto_box.isChecked,
            lambda: self.options.recognizer.model_ids if self.options.recognizer else {},
            on_snapshot=self.sighting_saved.emit, first_visit_id=self.next_visit, evidence=self.evidence,
        )  # fmt: skip
        session = LiveSession(spec, self.pipeline, lambda: self.threshold, self.options.demo_clip, self.options.policy, text=text,
                              service=service, evidence_capacity=evidence_capacity)  # fmt: skip
        session.state_changed.connect(self.on_state)
        session.result_ready.connect(self.on_result)
        session.error.connect(self.show_error)
        self.session = session
        self.source_state = None
        session.start()
        self._show_source_in_box()

    def close_source(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            # Kept until its threads end: Qt aborts the program when a running QThread is destroyed, and under a
            # heavy load one inference outlasted the wait ("QThread: Destroyed while thread 'inference' is still running").
            if not session.stop(STOP_WAIT):
                self.stopping.append(session)
            for event in session.station.close():  # the open sightings end when their source goes
                self.sightings.update_visit(event.visit)
            self.next_visit = session.station.next_visit or self.next_visit
        self.stopping = [session for session in self.stopping if not session.stopped()]

    def on_state(self, state: SourceState) -> None:
        if self.session is None or state.source != self.session.spec.display_name:
            return  # a late message from a source already closed
        self.source_state = state
        self.show_state()
        if state.status == "live":
            if self.banner_about_source:
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
        self.state_label.setText(text)
        self.state_label.setToolTip(text)  # the full reason, however narrow the status bar
        self.video.show_message("" if state.status == "live" else text)

    # ---- frames and results -------------------------------------------------------------
    def show_newest_frame(self) -> None:
        """Called by the display timer: paint the newest frame if there is one we have not shown."""
        if self.session is None:
            return
        frame = self.session.slot.peek()
        if frame is None:
            return
        new_frame = frame.seq != self.display_skips.last_seq
        if not new_frame and not self.result_pending:
            return
        self.result_pending = False
        # A new result on a slow source (a photo folder) relabels the frame already shown.
        self.video.show_image(to_qimage(self.compose(frame, self.video.target_size(frame.width, frame.height), time.monotonic())))
        if not new_frame:
            return
        self.display_skips.saw(frame.seq)
        self.video.repaint()
        self.shown_rate.tick(time.monotonic())
        self.frame_shown.emit(frame)

    def compose(self, frame: Frame, size: tuple[int, int], now: float) -> Pixels:
        """The frame scaled to the view, then labelled: text stays readable however small the window."""
        width, height = size
        pixels = frame.pixels
        if (width, height) != (frame.width, frame.height) and width > 0 and height > 0:
            interpolation = cv2.INTER_AREA if width < frame.width * 0.5 else cv2.INTER_LINEAR
            pixels = cast(Pixels, cv2.resize(pixels, (width, height), interpolation=interpolation))
        shown = latest_result_for_display(self.latest, RESULT_MAX_AGE, now)
        return draw_overlay(pixels, overlay_items(shown.result)) if shown else pixels

    def on_result(self, live: LiveResult) -> None:
        self.latest = live
        self.result_pending = True
        self._update_sightings(live)

    def _update_sightings(self, live: LiveResult) -> None:
        """The station's sightings decide (one sighting per tracked animal, its snapshot, its records); the panel shows."""
        if self.session is None or self.session.station.service is None:
            return
        for event in self.session.station.record(live):
            if event.kind == "started":
                self.sightings.add_visit(event.visit, thumbnail(live, event.visit), None)
            else:
                self.sightings.update_visit(event.visit)
        for visit in self.session.station.service.open_visits.values():
            self.sightings.update_visit(visit)

    # ---- the teach loop -----------------------------------------------------------------
    @property
    def teach_folder(self) -> Path:
        return self.preferences.teach_folder or self.snapshot_folder / "examples"

    def set_teach_folder(self, folder: Path) -> None:
        self.preferences.teach_folder = folder

    def _choose_teach_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Examples folder (one folder per class)", str(self.teach_folder))
        if folder:
            self.set_teach_folder(Path(folder))

    def _teach_requested(self, row: int, name: object) -> None:
        if name == CORRECT:
            choices = [t.common_name for t in known_classes(self.teach_folder)] + list(NON_ANIMALS)
            typed, ok = QInputDialog.getItem(self, "Correct the species", "What was it? (pick or type a name)", choices, 0, True)
            if not ok or not typed.strip():
                return
            name = typed
        self.teach_sighting(row, name if isinstance(name, str) else None)

    def teach_sighting(self, row: int, name: str | None) -> bool:
        """Save the sighting in ``row`` as a labelled example: its species when ``name`` is None, else ``name``
        (a class taught before, "empty", "human", "vehicle", or a new species by name). Written on the recorder thread."""
        visit = self.sightings.row_visit(row)
        source = self.session.spec.display_name if self.session else ""
        try:
            # Marked by visit, not by row: newer sightings push rows down (and the oldest out) while the file is written.
            teach_sighting(self.evidence, -1 if visit is None else visit, name, self.teach_folder, source, self.recorder,
                           lambda label: self.example_saved.emit(visit, label))  # fmt: skip
        except UserError as exc:
            self.show_error(str(exc))
            return False
        return True

    def _on_example_saved(self, visit: int, label: str) -> None:
        row = self.sightings.row_of(visit)
        if row is not None:
            self.sightings.mark_taught(row, label)
        counts = examples_per_class(self.teach_folder)
        self.notify(f"Saved as an example of {label} in {self.teach_folder} "
                                     f"({', '.join(f'{k} {v}' for k, v in counts.items())})", 8000)  # fmt: skip

    def open_training(self, extra_arguments: list[str] | None = None) -> TrainDialog:
        """The Train… dialog on the examples folder; when its model is ready it is loaded in its chosen role."""
        dialog = TrainDialog(self.teach_folder, self.teach_folder.parent / "runs", self, extra_arguments or [])
        dialog.model_ready.connect(self.use_trained_model)
        dialog.show()
        self.training_dialog = dialog
        return dialog

    def use_trained_model(self, path: Path, role: str) -> None:
        """Load a model the Train… dialog made: as the classifier, or (exported with a scope) as a specialist."""
        self.use_classifier(path)

    # ---- snapshots ----------------------------------------------------------------------
    def take_snapshot(self) -> bool:
        """The snapshot button and shortcut: the newest frame with the newest result drawn on it, written by the
        station's recorder thread; ``snapshot_saved`` or the error banner reports the outcome."""
        try:
            if self.session is None:
                raise UserError("No video yet: open a source before taking a snapshot.")
            self.session.station.snapshot(self.threshold, time.monotonic(), self.snapshot_saved.emit)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        return True

    def _on_snapshot_saved(self, files: SnapshotFiles) -> None:
        self.last_snapshot = files
        self.notify(f"Saved {files.annotated}", 4000)

    def _on_sighting_saved(self, visit: Visit, files: SnapshotFiles) -> None:
        self.sightings.attach_snapshot(visit, files)
        self._on_snapshot_saved(files)

    # ---- messages and status ------------------------------------------------------------
    def notify(self, text: str, milliseconds: int) -> None:
        """A passing notice in the status bar, beside (never over) the source's state."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip(text)
        self.notice_timer.start(milliseconds)

    def show_error(self, text: str, about_source: bool = False) -> None:
        self.banner.setText(text)
        self.banner.setToolTip(text)
        self.banner.show()
        self.banner_about_source = about_source

    def hide_error(self) -> None:
        self.banner.hide()
        self.banner_about_source = False

    @property
    def error_text(self) -> str:
        return self.banner.text() if self.banner.isVisible() else ""

    def update_stats(self) -> None:
        now = time.monotonic()
        stats = self.session.station.stats if self.session else StationStats()
        latency = stats.latency.median()
        inference = stats.inference_time.median()

        def figure(rate: float | None) -> str:
            return "–" if rate is None else f"{rate:.1f}"

        parts = [
            f"source {figure(stats.fps_in.rate(now))} fps",
            f"shown {figure(self.shown_rate.rate(now))} fps",
            f"results {figure(stats.fps_processed.rate(now))}/s",
        ]
        if inference is not None:
            parts.append(f"inference {inference * 1000:.0f} ms")
        if latency is not None:
            parts.append(f"result latency {latency * 1000:.0f} ms")
        parts.append(f"dropped {self.display_skips.skipped}")
        if self.session is not None and self.session.worker is not None:
            # Frames the models never saw because they were busy: expected, the newest frame always wins.
            parts.append(f"skipped by recognition {stats.skipped_busy}")
        self.stats_label.setText("  ".join(parts))
        self.stats_label.setToolTip("\n".join(["  ".join(parts), "", *STATS_MEANING]))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preferences.save_layout(self.saveGeometry(), self.saveState())
        self.preferences.sync()
        self.display_timer.stop()
        self.close_source()
        for session in self.stopping:
            session.stop(None)  # the last inference ends between frames: wait for it, or Qt aborts at exit
        self.stopping = []
        self.recorder.close()  # every snapshot asked for is written before the window goes
        super().closeEvent(event)

