"""The teach loop: a sighting confirmed or corrected in the panel becomes a labelled example, and Train… makes a model.

    right-click a sighting ──► teach (its best frame, kept by ``Recording``) ──► recorder thread writes the example
                           ──► ``announce`` (visit, class) ──► example_saved: the row is marked, the count shown
    Train… ──► TrainDialog on the examples folder ──► its model is used (``use_model``)

Examples go to the examples folder (a preference; by default ``examples`` in the snapshot folder), one folder per class.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from livespecies.errors import UserError
from livespecies.gui.recording import Recording
from livespecies.gui.settings_store import UiPreferences
from livespecies.gui.sightings_panel import CORRECT, SightingsPanel
from livespecies.gui.training_run import TrainDialog
from livespecies.sightings.teach import NON_ANIMALS, examples_per_class, known_classes, teach_sighting


class TeachLoop(QObject):
    notice = Signal(str, int)  # a passing notice, for so many milliseconds
    error = Signal(str)

    def __init__(self, owner: QWidget, panel: SightingsPanel, recording: Recording, preferences: UiPreferences,
                 snapshot_folder: Callable[[], Path], source: Callable[[], str], announce: Callable[[int, str], None],
                 use_model: Callable[[Path], None]) -> None:  # fmt: skip
        """``source``: the name of the source that plays ("" for none); ``announce(visit, class)`` is called on the
        recorder thread once an example is written; ``use_model`` loads a model the Train… dialog made."""
        super().__init__(owner)
        self.owner = owner  # the dialogs' parent
        self.panel = panel
        self.recording = recording
        self.preferences = preferences
        self.snapshot_folder = snapshot_folder
        self.source = source
        self.announce = announce
        self.use_model = use_model
        self.training_dialog: TrainDialog | None = None
        panel.teach_requested.connect(self._requested)

    # ---- the examples folder ---------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return self.preferences.teach_folder or self.snapshot_folder() / "examples"

    def set_folder(self, folder: Path) -> None:
        self.preferences.teach_folder = folder

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.owner, "Examples folder (one folder per class)", str(self.folder))
        if folder:
            self.set_folder(Path(folder))

    # ---- examples ---------------------------------------------------------------------------
    def _requested(self, row: int, name: object) -> None:
        if name == CORRECT:
            choices = [t.common_name for t in known_classes(self.folder)] + list(NON_ANIMALS)
            typed, ok = QInputDialog.getItem(self.owner, "Correct the species", "What was it? (pick or type a name)", choices, 0, True)
            if not ok or not typed.strip():
                return
            name = typed
        self.teach(row, name if isinstance(name, str) else None)

    def teach(self, row: int, name: str | None) -> bool:
        """Save the sighting in ``row`` as a labelled example: its species when ``name`` is None, else ``name``
        (a class taught before, "empty", "human", "vehicle", or a new species by name). Written on the recorder thread."""
        visit = self.panel.row_visit(row)
        visit_id = -1 if visit is None else visit  # a row without a sighting has no kept frame: refused below
        try:
            # Marked by visit, not by row: newer sightings push rows down (and the oldest out) while the file is written.
            teach_sighting(self.recording.evidence, visit_id, name, self.folder, self.source(), self.recording.recorder,
                           lambda label: self.announce(visit_id, label))  # fmt: skip
        except UserError as exc:
            self.error.emit(str(exc))
            return False
        return True

    def example_saved(self, visit: int, label: str) -> None:
        row = self.panel.row_of(visit)
        if row is not None:
            self.panel.mark_taught(row, label)
        counts = examples_per_class(self.folder)
        self.notice.emit(f"Saved as an example of {label} in {self.folder} ({', '.join(f'{k} {v}' for k, v in counts.items())})", 8000)

    # ---- training ---------------------------------------------------------------------------
    def open_training(self, extra_arguments: list[str] | None = None) -> TrainDialog:
        """The Train… dialog on the examples folder; when its model is ready it is loaded in its chosen role."""
        dialog = TrainDialog(self.folder, self.folder.parent / "runs", self.owner, extra_arguments or [])
        dialog.model_ready.connect(self.use_trained_model)
        dialog.show()
        self.training_dialog = dialog
        return dialog

    def use_trained_model(self, path: Path, role: str) -> None:
        """Load a model the Train… dialog made: as the classifier, or (exported with a scope) as a specialist."""
        self.use_model(path)
