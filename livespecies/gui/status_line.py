"""The status bar: the source's state, a passing notice, and the figures (the station's and the display's own)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSizePolicy, QStatusBar

from livespecies.gui.elided_label import ElidedLabel
from livespecies.rates import RateMeter
from livespecies.station import StationStats

STATS_MEANING = (
    "source: frames per second the source sends",
    "shown: frames per second painted",
    "results: recognition results per second",
    "inference: the models' time per frame (median)",
    "result latency: from capture to result (median)",
    "dropped: frames the display never painted",
    "skipped by recognition: frames the models never saw because they were busy (expected: the newest frame wins)",
)


def stats_text(stats: StationStats, shown: RateMeter, dropped: int, recognising: bool, now: float) -> str:
    """The figures in one line: the source's from its station, ``shown`` and ``dropped`` from the display; the
    frames recognition skipped only while there is recognition."""
    latency = stats.latency.median()
    inference = stats.inference_time.median()

    def figure(rate: float | None) -> str:
        return "–" if rate is None else f"{rate:.1f}"

    parts = [
        f"source {figure(stats.fps_in.rate(now))} fps",
        f"shown {figure(shown.rate(now))} fps",
        f"results {figure(stats.fps_processed.rate(now))}/s",
    ]
    if inference is not None:
        parts.append(f"inference {inference * 1000:.0f} ms")
    if latency is not None:
        parts.append(f"result latency {latency * 1000:.0f} ms")
    parts.append(f"dropped {dropped}")
    if recognising:
        # Frames the models never saw because they were busy: expected, the newest frame always wins.
        parts.append(f"skipped by recognition {stats.skipped_busy}")
    return "  ".join(parts)


class StatusLine(QObject):
    """The window's status bar's contents (the bar itself is the window's own: ``QMainWindow.statusBar``)."""

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        # The figures ask for their whole width; the state and the notices share what is left (a long reason or
        # path ends in "…", its full text in the tooltip). At 1280 px the figures then fit whole; in a narrower
        # window they give way too, elided, never cut mid-word.
        self.state_label = ElidedLabel("no source", QSizePolicy.Policy.Ignored)
        self.state_label.setMinimumWidth(160)  # the connection state stays readable in a small window
        self.stats_label = ElidedLabel("")
        # Notices ("Saved …") get their own place: QStatusBar.showMessage would hide the source's state meanwhile.
        self.notice_label = ElidedLabel("", QSizePolicy.Policy.Ignored)
        self.notice_label.setMinimumWidth(120)  # a notice's start ("Saved /home/…") stays in sight in a narrow window
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.timeout.connect(lambda: self.notice_label.setText(""))
        bar.addWidget(self.state_label, 2)
        bar.addWidget(self.notice_label, 2)
        bar.addWidget(self.stats_label)

    def notify(self, text: str, milliseconds: int) -> None:
        """A passing notice, beside (never over) the source's state."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip(text)
        self.notice_timer.start(milliseconds)

    def show_state(self, text: str) -> None:
        self.state_label.setText(text)
        self.state_label.setToolTip(text)  # the full reason, however narrow the status bar

    def show_stats(self, stats: StationStats, shown: RateMeter, dropped: int, recognising: bool) -> None:
        text = stats_text(stats, shown, dropped, recognising, time.monotonic())
        self.stats_label.setText(text)
        self.stats_label.setToolTip("\n".join([text, "", *STATS_MEANING]))
