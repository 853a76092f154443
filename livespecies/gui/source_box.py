"""The Source box: the cameras found, the demo clip, a video file, an image folder or a stream URL.

Picking an entry asks for the file, folder or URL where it needs one and emits ``chosen`` with the source as
typed; the window decides whether it plays. The box then shows what plays (a stream, file or folder opened
gets an entry of its own, kept in memory only), so a cancelled dialog or a refused source leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QInputDialog

RECENT = "@recent:"  # item data of a stream, file or folder that was opened (kept in memory only)


class SourceBox(QComboBox):
    chosen = Signal(str)  # the source to open, as the user gave it

    def __init__(self, cameras: Sequence[int], demo: bool, playing: Callable[[], tuple[str, str] | None]) -> None:
        """``playing``: the source that plays now, as (what was typed, its display name), or None."""
        super().__init__()
        self.playing = playing
        self.setMinimumWidth(220)
        for index in cameras:
            self.addItem(f"Camera {index}", str(index))
        if demo:
            self.addItem("Demo clip", "demo")
        self.addItem("Open video file…", "@file")
        self.addItem("Open image folder…", "@folder")
        self.addItem("Stream URL…", "@url")
        self.activated.connect(self._picked)

    def _picked(self, index: int) -> None:
        data = self.itemData(index)
        parent = self.window()
        if data == "@file":
            path, _ = QFileDialog.getOpenFileName(parent, "Video file", "", "Videos (*.mp4 *.avi *.mkv *.mov *.webm *.mjpeg);;All files (*)")
            if path:
                self.chosen.emit(path)
        elif data == "@folder":
            folder = QFileDialog.getExistingDirectory(parent, "Folder of images")
            if folder:
                self.chosen.emit(folder)
        elif data == "@url":
            url, ok = QInputDialog.getText(parent, "Stream", "RTSP or HTTP URL (a password may be written as ${ENV_VAR}):")
            if ok and url:
                self.chosen.emit(url)
        elif data:
            text = str(data)
            self.chosen.emit(text[len(RECENT) :] if text.startswith(RECENT) else text)
        self.show_playing()  # a cancelled dialog or a refused entry: the box goes back to what plays

    def show_playing(self) -> None:
        """Select the item of the source that plays (adding one for a stream, file or folder), or none."""
        playing = self.playing()
        self.blockSignals(True)
        try:
            if playing is None:
                self.setCurrentIndex(-1)
                self.setPlaceholderText("no source")
                return
            text, name = playing
            index = self.findData(text)
            if index < 0:
                for stale in range(self.count() - 1, -1, -1):
                    if str(self.itemData(stale)).startswith(RECENT):
                        self.removeItem(stale)
                index = self.findData("@file")
                self.insertItem(index, name, RECENT + text)
            self.setCurrentIndex(index)
            self.setToolTip(name)
        finally:
            self.blockSignals(False)
