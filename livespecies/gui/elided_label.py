"""A one-line label that gives way in a narrow window: it ends its text with "…" instead of cutting it mid-word."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy

MIN_WIDTH = 48  # room for a word and "…": what a label may shrink to before another gives way


class ElidedLabel(QLabel):
    """Asks for its whole text (``sizeHint``) but accepts less (``minimumSizeHint``), so a status bar is never
    forced wider than the window; whatever it cannot show is elided, so give it a tooltip with the whole text."""

    def __init__(self, text: str = "", policy: QSizePolicy.Policy = QSizePolicy.Policy.Preferred) -> None:
        super().__init__(text)
        self.setSizePolicy(policy, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(max(MIN_WIDTH, self.minimumWidth()), super().minimumSizeHint().height())

    @property
    def shown_text(self) -> str:
        """What is drawn: the text, or as much of it as fits followed by "…"."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.shown_text)
        painter.end()
