"""Starting the desktop window: check for a display, load the models, pick the first source, run Qt."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from livespecies.gui.display import display_problem
from livespecies.gui.signals import closing_on_signals
from livespecies.inference.assembly import assemble, choose
from livespecies.inference.engine import DEFAULT_THRESHOLD, EngineSettings, Recognizer
from livespecies.priority import start_loading

# The live view runs the (INT8) detector at 416 px: measured on this 2-core machine it doubles the result rate
# for slightly less small-animal recall; `classify` keeps 640 (README, "Benchmarks").
LIVE_DETECTOR_SIZE = 416


def load_live_recognizer(
    classifier: Path, detector: Path | None, settings: EngineSettings, specialists: Sequence[Path] = (), only_fitting_specialists: bool = False
) -> Recognizer:
    """The models on all cores; their threads go below the window's priority once the first result is out (``priority.start_loading``)."""
    return start_loading_live_recognizer(classifier, detector, settings, specialists, only_fitting_specialists)()


def start_loading_live_recognizer(
    classifier: Path, detector: Path | None, settings: EngineSettings, specialists: Sequence[Path] = (), only_fitting_specialists: bool = False
) -> Callable[[], Recognizer]:
    """As ``load_live_recognizer``, started now; the function returned waits for the models."""
    choice = choose(classifier, detector, specialists, only_fitting_specialists)
    return start_loading(lambda: assemble(choice, settings, threads=os.cpu_count() or 1))


def default_snapshot_folder() -> Path:
    pictures = Path.home() / "Pictures"
    return (pictures if pictures.is_dir() else Path.home()) / "livespecies"


def run_gui(
    source: str | None,
    classifier: Path,
    detector: Path | None,
    threshold: float | None,
    snapshot_folder: Path | None = None,
    settings_file: Path | None = None,
    detector_size: int | None = LIVE_DETECTOR_SIZE,
    specialists: Sequence[Path] = (),
    species_list: Path | None = None,
    only_fitting_specialists: bool = False,
) -> int:
    """Open the window; returns the process exit status."""
    problem = display_problem(os.environ)
    if problem:
        print(f"livespecies: {problem}", file=sys.stderr)
        return 2
    # The models load (and warm up, once) while Qt starts and the cameras are probed: launch to first label ≤ 2 s.
    models = start_loading_live_recognizer(classifier, detector, EngineSettings(threshold=threshold, detector_size=detector_size),
                                           specialists, only_fitting_specialists)  # fmt: skip

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from livespecies.capture.sources import find_cameras
    from livespecies.errors import ModelError
    from livespecies.gui.main_window import MainWindow, WindowOptions
    from livespecies.inference.defaults import demo_clip

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("livespecies")
    app.setOrganizationName("livespecies")
    recognizer, model_error = None, None
    cameras = tuple(find_cameras())
    try:
        # All cores, at a lower priority than the window, so the video keeps its pace (see bench_live.py).
        recognizer = models()
    except ModelError as exc:
        model_error = str(exc)
    clip = demo_clip()
    options = WindowOptions(
        recognizer=recognizer,
        model_error=model_error,
        demo_clip=clip if clip.is_file() else None,
        cameras=cameras,
        default_snapshot_folder=snapshot_folder or default_snapshot_folder(),
        # The slider starts at the threshold asked for, else the classifier's own (a trained model names one).
        threshold=threshold if threshold is not None else (recognizer.threshold if recognizer else DEFAULT_THRESHOLD),
        threshold_wins=threshold is not None or (recognizer is not None and recognizer.classifier.generalist.model.contract.threshold is not None),
    )
    qsettings = QSettings(str(settings_file), QSettings.Format.IniFormat) if settings_file else QSettings()
    window = MainWindow(options, qsettings)
    if snapshot_folder is not None:
        window.set_snapshot_folder(snapshot_folder)
    if species_list is not None:
        window.use_species_list(species_list)
    elif window.preferences.species_list is not None:
        window.use_species_list(window.preferences.species_list)
    window.show()
    first = source or window.preferences.source or (str(cameras[0]) if cameras else "demo")
    with closing_on_signals(window):  # before any thread starts: a signal from then on closes the window properly
        # A source that cannot be used stays an error on screen, with nothing playing: never another source in its place.
        window.open_source(first)
        return int(app.exec())


def run_grid(config_path: Path) -> int:
    """The watcher's cameras in a grid window; the config is checked before any window opens."""
    from livespecies.watch.config import load_config
    from livespecies.watch.watcher import check_config_files

    config = load_config(config_path)
    check_config_files(config)
    problem = display_problem(os.environ)
    if problem:
        print(f"livespecies: {problem}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from livespecies.gui.camera_grid import CameraGridWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("livespecies")
    window = CameraGridWindow(config)
    window.show()
    with closing_on_signals(window):
        return int(app.exec())
