"""The window's controls: source, threshold, snapshot, auto snapshot, model, species list, snapshot folder, training.

The bar keeps what is only a preference (threshold, auto snapshot, snapshot folder) and asks for what the window
does through signals (a snapshot, a model file, a species list, training); it never reaches a source or a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QLabel, QMenu, QPushButton, QSlider, QToolBar

from livespecies.gui.settings_store import UiPreferences
from livespecies.gui.source_box import SourceBox
from livespecies.gui.window_options import WindowOptions


class ControlBar(QToolBar):
    snapshot_requested = Signal()
    model_chosen = Signal(object)  # Path of a classifier (or specialist) file
    species_chosen = Signal(object)  # Path of a species list, or None: all species
    training_requested = Signal()
    examples_folder_requested = Signal()

    def __init__(self, options: WindowOptions, preferences: UiPreferences, playing: Callable[[], tuple[str, str] | None]) -> None:
        super().__init__("Controls")
        self.setObjectName("controls")
        self.preferences = preferences
        self.default_snapshot_folder = options.default_snapshot_folder
        self.source_box = SourceBox(options.cameras, options.demo_clip is not None, playing)
        self.addWidget(QLabel(" Source "))
        self.addWidget(self.source_box)

        self.addWidget(QLabel("  Threshold "))
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(5, 99)
        self.threshold_slider.setFixedWidth(160)
        saved = preferences.threshold
        self.threshold_slider.setValue(round(100 * (saved if saved is not None and not options.threshold_wins else options.threshold)))
        self.threshold_label = QLabel()
        self.threshold_slider.valueChanged.connect(self._threshold_moved)
        self._threshold_moved(self.threshold_slider.value())
        self.addWidget(self.threshold_slider)
        self.addWidget(self.threshold_label)

        self.snapshot_button = QPushButton("Snapshot (S)")
        self.snapshot_button.clicked.connect(lambda: self.snapshot_requested.emit())
        self.addWidget(self.snapshot_button)
        self.auto_box = QCheckBox("Auto snapshot on new sighting")
        self.auto_box.setChecked(preferences.auto_snapshot)
        self.auto_box.toggled.connect(lambda on: setattr(self.preferences, "auto_snapshot", on))
        self.addWidget(self.auto_box)
        self.model_button = QPushButton("Model…")
        self.model_button.setToolTip("Use another classifier (an ONNX file exported by `python -m training export`); "
                                     "a model that declares a scope (birds, insects…) is added as a specialist")  # fmt: skip
        self.model_button.clicked.connect(self._choose_model)
        self.addWidget(self.model_button)
        self.species_button = QPushButton("Species: all")
        self.species_button.setToolTip("A site's species list: one scientific name per line; nothing outside it is claimed")
        species_menu = QMenu(self.species_button)
        species_menu.addAction("Choose species list…", self._choose_species_list)
        species_menu.addAction("All species (no list)", lambda: self.species_chosen.emit(None))
        self.species_button.setMenu(species_menu)
        self.addWidget(self.species_button)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        self.addWidget(self.folder_button)
        self._refresh_folder_button()
        self.train_button = QPushButton("Train…")
        self.train_button.setToolTip("Train a model on the sightings you confirmed or corrected (right-click a sighting to teach)")
        train_menu = QMenu(self.train_button)
        train_menu.addAction("Train on my examples…", lambda: self.training_requested.emit())
        train_menu.addAction("Examples folder…", lambda: self.examples_folder_requested.emit())
        self.train_button.setMenu(train_menu)
        self.addWidget(self.train_button)
        self.source_box.show_playing()  # "no source" until one plays

    # ---- threshold -------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        return self.threshold_slider.value() / 100.0

    def _threshold_moved(self, value: int) -> None:
        self.threshold_label.setText(f" {value}% ")
        self.preferences.threshold = value / 100.0

    # ---- the snapshot folder --------------------------------------------------------------
    @property
    def snapshot_folder(self) -> Path:
        return self.preferences.snapshot_folder or self.default_snapshot_folder

    def set_snapshot_folder(self, folder: Path) -> None:
        self.preferences.snapshot_folder = folder
        self._refresh_folder_button()

    def _refresh_folder_button(self) -> None:
        self.folder_button.setText(f"Snapshots: {self.snapshot_folder.name or self.snapshot_folder}")
        self.folder_button.setToolTip(str(self.snapshot_folder))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window(), "Snapshot folder", str(self.snapshot_folder))
        if folder:
            self.set_snapshot_folder(Path(folder))

    # ---- models and species ---------------------------------------------------------------
    def _choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window(), "Classifier model", "", "ONNX models (*.onnx);;All files (*)")
        if path:
            self.model_chosen.emit(Path(path))

    def set_threshold(self, threshold: float) -> None:
        """Move the slider (a classifier that names its own threshold was put to use)."""
        self.threshold_slider.setValue(round(100 * threshold))

    def show_models(self, model_ids: Sequence[str]) -> None:
        self.model_button.setToolTip("Models: " + ", ".join(model_ids))

    def _choose_species_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window(), "Species list", "", "Text files (*.txt);;All files (*)")
        if path:
            self.species_chosen.emit(Path(path))

    def show_species(self, path: Path | None) -> None:
        self.species_button.setText(f"Species: {path.name}" if path else "Species: all")
        self.species_button.setToolTip(str(path) if path else "No species list: every species the models know")
