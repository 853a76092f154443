"""Progress on stderr while a folder is classified, and the one-paragraph summary at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import IO

from livespecies.batch.clips import is_video
from livespecies.batch.records import ImageRecord


@dataclass
class Tally:
    """What a batch run has done so far. Photos and clips are counted apart: a clip costs as much as the frames
    sampled from it, so a rate of "images/s" over clips would read as a program a hundred times too slow."""

    images: int = 0  # photos
    clips: int = 0
    frames: int = 0  # sampled from the clips and recognized
    with_animals: int = 0
    without_animals: int = 0
    failed: int = 0
    predictions: int = 0
    skipped: int = 0  # already in the checkpoint of the run this one resumes
    started: float = field(default_factory=time.monotonic)

    def count(self, failed: bool, predictions: int, clip_frames: int | None = None) -> None:
        """One more photo, or clip (``clip_frames``: the frames recognized in it), done."""
        if clip_frames is None:
            self.images += 1
        else:
            self.clips += 1
            self.frames += clip_frames
        if failed:
            self.failed += 1
        elif predictions:
            self.with_animals += 1
            self.predictions += predictions
        else:
            self.without_animals += 1

    def add(self, record: ImageRecord) -> None:
        """Count one record as what it is: a photo, or a clip with its sampled frames."""
        frames = (len(record.clip.frames) if record.clip else 0) if is_video(record.path) else None
        self.count(record.failed, len(record.result.predictions) if record.result else 0, frames)

    @property
    def files(self) -> int:
        return self.images + self.clips

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def summary(self) -> str:
        pictures = self.images + self.frames  # what the models were run on
        rate = pictures / self.elapsed if self.elapsed > 0 else 0.0
        unit = "frames" if not self.images and self.clips else "images and frames" if self.clips else "images"
        return (
            f"Classified {self._what()} in {self.elapsed:.1f} s "
            f"({rate:.1f} {unit}/s): {self.with_animals} with animals ({self.predictions} recognised), "
            f"{self.without_animals} with none, {self.failed} failed"
            + (f"; {self.skipped} done before, skipped." if self.skipped else ".")
        )

    def _what(self) -> str:
        photos = f"{self.images} image{'s' if self.images != 1 else ''}"
        if not self.clips:
            return photos
        clips = f"{self.clips} clip{'s' if self.clips != 1 else ''} ({self.frames} frame{'s' if self.frames != 1 else ''} sampled)"
        return f"{photos} and {clips}" if self.images else clips


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
        rate = tally.files / tally.elapsed if tally.elapsed > 0 else 0.0
        unit = "files/s" if tally.clips else "img/s"  # a clip is a file, not an image
        total = self.total
        if total:
            finished = tally.files + tally.skipped
            done = min(1.0, finished / total)
            bar = "#" * int(done * self.width)
            eta = format_duration((total - finished) / rate) if rate > 0 else "?"
            line = f"[{bar:<{self.width}}] {finished}/{total} {done:4.0%} {rate:.1f} {unit} ETA {eta}"
        else:
            line = f"{tally.files + tally.skipped} {'files' if tally.clips else 'images'} {rate:.1f} {unit} (counting…)"
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
