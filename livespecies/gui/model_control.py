"""The models the window recognises with: another classifier or specialist, a site's species list.

Which models go together is the model assembly's rule (``inference.assembly``); this only loads a file off the
GUI thread, keeps the recognizer and the pipeline the window's sources use, and says what happened:

    use_classifier(path) ──► load in the background ──► with_classifier ──► swapped (the source restarts),
                                                                            notice, changed; or refused
    use_species_list(path) ──► with_species ──► the pipeline's recognizer (the next result uses it, no restart)
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from livespecies.errors import ModelError, UserError
from livespecies.gui.background import run_in_background
from livespecies.gui.settings_store import UiPreferences
from livespecies.gui.window_options import WindowOptions
from livespecies.inference.assembly import role_of, with_classifier, with_species
from livespecies.inference.following import FollowSettings
from livespecies.inference.model_file import LoadedModel, load_model
from livespecies.inference.species_list import load_species_list, unknown_names_warning
from livespecies.pipeline import LivePipeline


class ModelControl(QObject):
    notice = Signal(str, int)  # a passing notice, for so many milliseconds
    error = Signal(str)  # a message that stays (a refused file, species the models do not know)
    swapped = Signal(object)  # the model ids now in use: a new pipeline, which the playing source must restart with
    species_shown = Signal(object)  # the species list now in use (a Path), or None: all species
    changed = Signal(str)  # the path of a classifier or specialist now in use
    refused = Signal(str)  # why a model file was not used
    threshold_offered = Signal(float)  # a classifier put to use names its own threshold (chosen when it was trained)

    def __init__(self, options: WindowOptions, preferences: UiPreferences) -> None:
        super().__init__()
        self.options = options  # as given, with the recognizer now in use
        self.preferences = preferences
        self.pipeline = LivePipeline(options.recognizer, follow=FollowSettings()) if options.recognizer else None

    def model_ids(self) -> dict[str, str]:
        """What the snapshots' sidecars and the records name as the models (none without models)."""
        return self.options.recognizer.model_ids if self.options.recognizer else {}

    def use_classifier(self, path: Path) -> None:
        """Swap the classifier, or add a specialist when the file declares a scope (the detector stays).

        The file loads in a background thread (seconds for a large model) while the video goes on; then
        ``changed`` is emitted, or a bad file is a message (``refused``) and nothing changes."""
        self.notice.emit(f"Loading {path.name}…", 60000)
        run_in_background(lambda: load_model(path, threads=os.cpu_count() or 1, expect_kind="classifier"),
                          lambda model: self._apply_classifier(path, model), self._refuse, "model-loading")  # fmt: skip

    def _refuse(self, message: str) -> None:
        self.notice.emit("", 1)
        self.error.emit(message)
        self.refused.emit(message)

    def _apply_classifier(self, path: Path, model: LoadedModel) -> None:
        try:
            recognizer = with_classifier(self.options.recognizer, path, model)
        except ModelError as exc:
            self._refuse(str(exc))
            return
        self.options = replace(self.options, recognizer=recognizer, model_error=None)
        self.pipeline = LivePipeline(recognizer, follow=FollowSettings())
        self.swapped.emit(recognizer.classifier.model_ids)
        own = model.contract.threshold if model.contract.scope is None else None  # a specialist's is not the window's
        if own is not None:
            self.threshold_offered.emit(own)
        threshold = f"; its threshold {own:g}" if own is not None else ""
        self.notice.emit(f"Using {model.model_id} as the {role_of(model)} ({len(model.contract.labels)} classes){threshold}", 6000)
        self.changed.emit(str(path))

    def use_species_list(self, path: Path | None) -> bool:
        """Restrict answers to a site's species (None: all species); takes effect on the next result, without a restart.

        A list that cannot be used is a message and the current one stays; names the models do not know are
        named in a message and the rest of the list applies.
        """
        species = None
        if path is not None:
            try:
                species = load_species_list(path)
            except UserError as exc:
                self.error.emit(str(exc))
                return False
        self.preferences.species_list = path
        self.species_shown.emit(path)
        recognizer = self.options.recognizer
        if recognizer is None:
            return True
        recognizer = with_species(recognizer, species)
        self.options = replace(self.options, recognizer=recognizer)
        if self.pipeline is not None:
            self.pipeline.recognizer = recognizer  # read by the worker for every frame: no restart, tracks re-decide
        if species is not None and (warning := unknown_names_warning(species, recognizer.taxonomy)):
            self.error.emit(warning)
        return True
