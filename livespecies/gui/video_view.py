"""The video area: paints the newest composed frame, letterboxed, or a line saying what the source is doing."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def to_qimage(pixels: npt.NDArray[np.uint8]) -> QImage:
    """BGR numpy → QImage without a colour conversion; copied so the numpy buffer may go away."""
    h, w = pixels.shape[:2]
    contiguous = np.ascontiguousarray(pixels)
    return QImage(contiguous.data, w, h, contiguous.strides[0], QImage.Format.Format_BGR888).copy()


class VideoView(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._message = "starting…"

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    def show_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def show_message(self, text: str) -> None:
        """Shown over the video, or alone when there is no frame yet."""
        self._message = text
        self.update()

    def clear(self, message: str) -> None:
        self._image = None
        self.show_message(message)

    @property
    def message(self) -> str:
        return self._message

    def target_rect(self, image_size: QSize) -> QRect:
        """Where an image of this size is drawn: as large as fits, centred, aspect kept."""
        area = self.rect()
        if image_size.isEmpty():
            return area
        scaled = image_size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect((area.width() - scaled.width()) // 2, (area.height() - scaled.height()) // 2, scaled.width(), scaled.height())

    def target_size(self, width: int, height: int) -> tuple[int, int]:
        rect = self.target_rect(QSize(width, height))
        return max(1, rect.width()), max(1, rect.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        if self._image is not None:
            painter.drawImage(self.target_rect(self._image.size()), self._image)
        if self._message:
            font = QFont(self.font())
            font.setPointSizeF(max(10.0, self.height() / 40))
            painter.setFont(font)
            painter.setPen(QColor(255, 255, 255))
            box = self.rect().adjusted(12, 12, -12, -12)
            align = Qt.AlignmentFlag.AlignCenter if self._image is None else (Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft)
            painter.drawText(box, int(align | Qt.TextFlag.TextWordWrap), self._message)
        painter.end()
