"""The red banner over the video: what went wrong, in full, until it is fixed or another message replaces it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


class ErrorBanner(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.about_source = False  # a source's own failure goes when it plays; model and input errors stay
        self.setWordWrap(True)
        self.setStyleSheet("background:#7a1010;color:white;padding:6px;")
        self.hide()

    def show_error(self, text: str, about_source: bool = False) -> None:
        self.setText(text)
        self.setToolTip(text)
        self.show()
        self.about_source = about_source

    def hide_error(self) -> None:
        self.hide()
        self.about_source = False

    @property
    def error_text(self) -> str:
        """The message shown, or "" when the banner is hidden."""
        return self.text() if self.isVisible() else ""
