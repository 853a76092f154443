"""The toolbar's controls through the window, their dialogs answered by the test: what each one opens, shows and keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from livespecies.gui import control_bar, source_box, teach_loop
from tests.gui.conftest import MakeWindow


def menu_action(button: QPushButton, text: str) -> QAction:
    menu = button.menu()
    assert menu is not None
    return next(action for action in menu.actions() if action.text() == text)


def test_the_source_box_plays_what_is_picked_and_goes_back_when_a_dialog_is_cancelled_or_refused(  # type: ignore[no-untyped-def]
    qtbot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(recognizer_=None)
    box = window.source_box
    assert [box.itemText(i) for i in range(box.count())] == ["Demo clip", "Open video file…", "Open image folder…", "Stream URL…"]
    assert box.currentIndex() == -1 and box.placeholderText() == "no source"
    answer = ("", False)
    monkeypatch.setattr(source_box.QInputDialog, "getText", lambda *_: answer)
    box.activated.emit(box.findData("@url"))  # cancelled: nothing plays, nothing is selected
    assert window.session is None and box.currentIndex() == -1
    box.activated.emit(box.findData("demo"))
    assert window.session is not None and window.session.spec.kind == "demo" and box.currentText() == "Demo clip"
    answer = ("rtps://127.0.0.1/live", True)
    box.activated.emit(box.findData("@url"))  # refused: the demo plays on and the box says so
    assert "unsupported scheme" in window.error_text and box.currentText() == "Demo clip" and window.session.spec.kind == "demo"


def test_the_buttons_and_menus_choose_folders_species_and_snapshots(  # type: ignore[no-untyped-def]
    qtbot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = make_window(recognizer_=None)
    qtbot.mouseClick(window.snapshot_button, Qt.MouseButton.LeftButton)
    assert window.error_text == "No video yet: open a source before taking a snapshot."
    monkeypatch.setattr(control_bar.QFileDialog, "getExistingDirectory", lambda *_: str(tmp_path / "pictures"))
    qtbot.mouseClick(window.folder_button, Qt.MouseButton.LeftButton)
    assert window.snapshot_folder == tmp_path / "pictures" and window.preferences.snapshot_folder == tmp_path / "pictures"
    assert window.folder_button.text() == "Snapshots: pictures" and window.folder_button.toolTip() == str(tmp_path / "pictures")
    assert window.teach_folder == tmp_path / "pictures" / "examples"
    monkeypatch.setattr(teach_loop.QFileDialog, "getExistingDirectory", lambda *_: str(tmp_path / "mine"))
    menu_action(window.bar.train_button, "Examples folder…").trigger()
    assert window.teach_folder == tmp_path / "mine" and window.preferences.teach_folder == tmp_path / "mine"
    site = tmp_path / "site.txt"
    site.write_text("Ursus maritimus\n")
    monkeypatch.setattr(control_bar.QFileDialog, "getOpenFileName", lambda *_: (str(site), ""))
    menu_action(window.species_button, "Choose species list…").trigger()
    assert window.species_button.text() == "Species: site.txt" and window.species_button.toolTip() == str(site)
    assert window.preferences.species_list == site
    menu_action(window.species_button, "All species (no list)").trigger()
    assert window.species_button.text() == "Species: all" and window.preferences.species_list is None
    assert window.species_button.toolTip() == "No species list: every species the models know"
