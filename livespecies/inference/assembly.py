"""One place that turns a choice of model files into a ``Recognizer``, and the rules for changing it later.

    ModelChoice (classifier, detector, specialists, detector size) ──► assemble() ──► Recognizer
    Recognizer + a newly loaded classifier file ──► with_classifier() ──► Recognizer (swap rules)
    Recognizer + a site's species list ──► with_species() ──► Recognizer (same loaded models)

The window, the watcher, ``classify`` (and its Ray workers) and ``LivePipeline`` users all build their
recognizer here, so a rule about which models go together is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from livespecies.errors import ModelError
from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.model_file import LoadedModel, load_model
from livespecies.inference.specialists import RoutedClassifier, fitting
from livespecies.inference.species_list import SpeciesList


@dataclass(frozen=True)
class ModelChoice:
    """Which model files recognize, and how the detector runs.

    ``detector`` None: no detector (whole frames). ``only_fitting_specialists``: specialists whose scope the
    classifier does not know are dropped (the shipped ones behind a user's own classifier) instead of refused,
    as a file the user named is refused. ``detector_size`` None: the detector's native input size.
    """

    classifier: Path
    detector: Path | None
    specialists: tuple[Path, ...] = ()
    only_fitting_specialists: bool = False
    detector_size: int | None = None


def assemble(choice: ModelChoice, settings: EngineSettings, threads: int | None = None, providers: str = "auto") -> Recognizer:
    """Load the chosen files (a bad one is a ``ModelError`` naming it) into one recognizer with ``settings``;
    the choice's detector size wins over the settings' one."""

    def classifier(path: Path) -> SpeciesClassifier:
        return SpeciesClassifier(load_model(path, providers, threads, expect_kind="classifier"))

    settings = replace(settings, detector_size=choice.detector_size) if choice.detector_size is not None else settings
    generalist = classifier(choice.classifier)
    loaded = [classifier(path) for path in choice.specialists]
    routed = RoutedClassifier(generalist, fitting(generalist, loaded) if choice.only_fitting_specialists else loaded)
    detector = None
    if choice.detector is not None and settings.use_detector:
        detector = AnimalDetector(load_model(choice.detector, providers, threads, expect_kind="detector"), settings.detector_size)
    return Recognizer(routed, detector, settings)


def with_classifier(current: Recognizer | None, path: Path, model: LoadedModel) -> Recognizer:
    """The recognizer once the classifier file ``path`` (already loaded as ``model``) is put to use.

    A file that declares a scope (birds, insects…) is a specialist: it replaces the specialist for the same
    taxon and the others stay. Any other file replaces the classifier, and the specialists stay behind it where
    it knows their taxon. The detector and the settings stay. A specialist with no classifier to stand behind is
    a ``ModelError``.
    """
    loaded = SpeciesClassifier(model)
    routed = current.classifier if current else None
    scope = model.contract.scope
    if scope is not None:
        if routed is None:
            raise ModelError(f"{path} is a specialist ({scope.name}); load a main classifier first.")
        kept = [s.classifier for s in routed.specialists if s.scope != scope]
        classifier = RoutedClassifier(routed.generalist, [*kept, loaded])
    else:
        classifier = RoutedClassifier(loaded, fitting(loaded, [s.classifier for s in routed.specialists] if routed else []))
    # A threshold someone chose stays; the classifier's own default goes with it, and the new one brings its own.
    return Recognizer(classifier, current.detector if current else None, current.chosen_settings if current else EngineSettings())


def with_species(current: Recognizer, species: SpeciesList | None) -> Recognizer:
    """The same loaded models, restricted to a site's species (None: every species they know)."""
    return current.with_settings(species=species)


def role_of(model: LoadedModel) -> str:
    """How a classifier file is used, in words: "classifier" or "specialist for Aves"."""
    scope = model.contract.scope
    return f"specialist for {scope.name}" if scope else "classifier"


def choose(classifier: Path, detector: Path | None, specialists: Sequence[Path] = (), only_fitting_specialists: bool = False,
           detector_size: int | None = None) -> ModelChoice:  # fmt: skip
    """A ``ModelChoice`` from loose arguments (command lines and configs give lists)."""
    return ModelChoice(classifier, detector, tuple(specialists), only_fitting_specialists, detector_size)
