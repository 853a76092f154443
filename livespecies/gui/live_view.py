"""The live video: a source's newest frame, scaled to the view and labelled with the newest result still due.

The window's display timer offers the newest frame (``show_newest``); results arrive when they come
(``show_result``) and relabel the frame already shown on a slow source (a photo folder). The view counts
the frames it painted and the ones it never did, for the status line.
"""

from __future__ import annotations

import time
from typing import cast

import cv2
from PySide6.QtCore import Signal

from livespecies.capture.latest import SkipCounter
from livespecies.gui.live_session import latest_result_for_display
from livespecies.gui.video_view import VideoView, to_qimage
from livespecies.overlay.draw import Pixels, draw_overlay, overlay_items
from livespecies.pipeline import LiveResult
from livespecies.rates import RateMeter
from livespecies.types import Frame

RESULT_MAX_AGE = 1.5  # seconds after the next result was due: then its boxes are no longer drawn over newer video


class LiveView(VideoView):
    frame_painted = Signal(object)  # Frame, after it was painted

    def __init__(self) -> None:
        super().__init__()
        self.latest: LiveResult | None = None
        self.display_skips = SkipCounter()  # frames shown and frames the display skipped, for this source
        self.result_pending = False
        self.shown_rate = RateMeter()  # the display's own figure; the source's are its station's (StationStats)

    def restart(self, message: str) -> None:
        """Another source: its figures and results only, not a mix."""
        self.latest = None
        self.display_skips = SkipCounter()
        self.shown_rate = RateMeter()
        self.clear(message)

    def show_result(self, live: LiveResult) -> None:
        self.latest = live
        self.result_pending = True

    def show_newest(self, frame: Frame | None) -> None:
        """Paint the newest frame if it was not shown yet (or a new result relabels it)."""
        if frame is None:
            return
        new_frame = frame.seq != self.display_skips.last_seq
        if not new_frame and not self.result_pending:
            return
        self.result_pending = False
        # A new result on a slow source (a photo folder) relabels the frame already shown.
        self.show_image(to_qimage(self.compose(frame, self.target_size(frame.width, frame.height), time.monotonic())))
        if not new_frame:
            return
        self.display_skips.saw(frame.seq)
        self.repaint()
        self.shown_rate.tick(time.monotonic())
        self.frame_painted.emit(frame)

    def compose(self, frame: Frame, size: tuple[int, int], now: float) -> Pixels:
        """The frame scaled to the view, then labelled: text stays readable however small the window."""
        width, height = size
        pixels = frame.pixels
        if (width, height) != (frame.width, frame.height) and width > 0 and height > 0:
            interpolation = cv2.INTER_AREA if width < frame.width * 0.5 else cv2.INTER_LINEAR
            pixels = cast(Pixels, cv2.resize(pixels, (width, height), interpolation=interpolation))
        shown = latest_result_for_display(self.latest, RESULT_MAX_AGE, now)
        return draw_overlay(pixels, overlay_items(shown.result)) if shown else pixels
