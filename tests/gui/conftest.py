"""GUI fixtures: a real MainWindow (offscreen Qt) with the real models, a temporary settings file and snapshot folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from livespecies.capture.reader import ReconnectPolicy
from livespecies.gui.main_window import MainWindow, WindowOptions
from livespecies.inference.engine import Recognizer

QUICK = ReconnectPolicy(first_delay=0.5, factor=2.0, max_delay=2.0)
MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot, recognizer: Recognizer, demo_clip: Path, tmp_path: Path) -> Iterator[MakeWindow]:  # type: ignore[no-untyped-def]
    made: list[MainWindow] = []

    def make(recognizer_: Recognizer | None = recognizer, model_error: str | None = None, settings_file: Path | None = None) -> MainWindow:
        options = WindowOptions(recognizer_, model_error, demo_clip, (), tmp_path / "snapshots", 0.7, QUICK)
        settings = QSettings(str(settings_file or tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(options, settings)
        qtbot.addWidget(window)
        window.resize(960, 600)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close_source()


def single_photo_folder(photos: Path, tmp_path: Path, name: str) -> Path:
    """A folder with one real photo, played as a stream: the same picture every frame, so results are stable."""
    folder = tmp_path / f"feed-{Path(name).stem}"
    folder.mkdir()
    (folder / Path(name).name).write_bytes((photos / name).read_bytes())
    return folder
