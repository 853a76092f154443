"""Progress on stderr while a folder is classified, and the one-paragraph summary at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import IO


@dataclass
class Tally:
    """What a batch run has done so far."""

    images: int = 0
    with_animals: int = 0
    without_animals: int = 0
    failed: int = 0
    predictions: int = 0
    skipped: int = 0  # already in the checkpoint of the run this one resumes
    started: float = field(default_factory=time.monotonic)

    def count(self, failed: bool, predictions: int) -> None:
        """One more image (or clip) done."""
        self.images += 1
        if failed:
            self.failed += 1
        elif predictions:
            self.with_animals += 1
            self.predictions += predictions
        else:
            self.without_animals += 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def summary(self) -> str:
        rate = self.images / self.elapsed if self.elapsed > 0 else 0.0
        return (
            f"Classified {self.images} image{'s' if self.images != 1 else ''} in {self.elapsed:.1f} s "
            f"({rate:.1f} images/s): {self.with_animals} with animals ({self.predictions} recognised), "
            f"{self.without_animals} with none, {self.failed} failed"
            + (f"; {self.skipped} done before, skipped." if self.skipped else ".")
        )


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressBar:
    """A single redrawn line, e.g. ``[#####.....]  512/1024  50%  6.1 img/s  ETA 1m24s  2 failed``."""

    def __init__(self, stream: IO[str], total: int | None, enabled: bool, width: int = 24) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled
        self.width = width
        self._last_draw = 0.0

    def update(self, tally: Tally, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        rate = tally.images / tally.elapsed if tally.elapsed > 0 else 0.0
        total = self.total
        if total:
            finished = tally.images + tally.skipped
            done = min(1.0, finished / total)
            bar = "#" * int(done * self.width)
            eta = format_duration((total - finished) / rate) if rate > 0 else "?"
            line = f"[{bar:<{self.width}}] {finished}/{total} {done:4.0%} {rate:.1f} img/s ETA {eta}"
        else:
            line = f"{tally.images + tally.skipped} images {rate:.1f} img/s (counting…)"
        if tally.failed:
            line += f"  {tally.failed} failed"
        if tally.skipped:
            line += f"  {tally.skipped} skipped (done before)"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
