"""When each frame was taken, and which frames belong to one event (one visit that fired the camera).

A trail camera fires in bursts: one badger makes five near-identical frames in
ten seconds. Frames of one event must stay in one split, or the test measures
memory. Grouping by *appearance* (difference hashes) chains a fixed camera's
frames together, because its background never changes: a whole class ended up
in one group. Grouping by *time* does not: an event is a run of frames of the
same label, each within ``max_gap`` seconds of the previous one, cut after
``max_size`` frames.

The time of a frame comes from, in this order, for the dataset as a whole:
EXIF DateTimeOriginal (what the camera wrote), else the file's modification time
when those differ between files (copying a card often resets them all), else the
sequence number in the file name (IMG_0123.JPG), else none, and then frames are
grouped by appearance, with the same size bound so that nothing chains.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from training.data.splits import hamming

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
DATETIME = 0x0132
NUMBER = re.compile(r"(\d+)(?!.*\d)")
# Sequence numbers stand in for seconds: consecutive frames of a burst differ by 1, so a gap of
# max_gap numbers would be far too loose; a burst is numbers at most this far apart.
SEQUENCE_GAP = 2


@dataclass(frozen=True)
class FrameTimes:
    source: str  # "exif", "file", "sequence" or "none"
    times: tuple[float | None, ...]  # seconds (or sequence numbers) per frame; None where unknown


def exif_time(path: Path) -> float | None:
    from PIL import Image  # Pillow comes with matplotlib in the training extra

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            text = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    except (OSError, ValueError, SyntaxError):
        return None
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S").timestamp()
    except ValueError:
        return None


def frame_times(paths: Sequence[Path]) -> FrameTimes:
    """One time source for the whole dataset, the most trustworthy one that most frames have."""
    if not paths:
        return FrameTimes("none", ())
    exif = [exif_time(p) for p in paths]
    if sum(t is not None for t in exif) >= 0.9 * len(paths):
        return FrameTimes("exif", tuple(exif))
    modified = [os.stat(p).st_mtime for p in paths]
    if len(paths) > 1 and len({round(t) for t in modified}) > 0.5 * len(paths):
        return FrameTimes("file", tuple(modified))
    numbers = [NUMBER.search(p.stem) for p in paths]
    if sum(n is not None for n in numbers) >= 0.9 * len(paths):
        return FrameTimes("sequence", tuple(float(n.group(1)) if n else None for n in numbers))
    return FrameTimes("none", (None,) * len(paths))


def group_events(
    labels: Sequence[int], times: FrameTimes, max_gap: float, max_size: int, hashes: Sequence[int] | None = None, max_distance: int = 6
) -> list[int]:
    """An event id per frame. Frames without a time, or all frames when there is no time, are grouped by
    appearance instead: consecutive near-duplicates (``hashes``) of one label, bounded by ``max_size`` too."""
    gap = SEQUENCE_GAP if times.source == "sequence" else max_gap
    event = [-1] * len(labels)
    timed = sorted((t, i) for i, t in enumerate(times.times) if t is not None)
    next_id = 0
    previous: tuple[float, int] | None = None
    size = 0
    for t, i in timed:
        same = previous is not None and labels[previous[1]] == labels[i] and t - previous[0] <= gap and size < max_size
        if not same:
            next_id += 1
            size = 0
        event[i] = next_id
        size += 1
        previous = (t, i)
    untimed = [i for i, t in enumerate(times.times) if t is None]
    last: int | None = None
    for i in untimed:  # file order, which for a camera's folders is usually time order
        same = (last is not None and hashes is not None and labels[last] == labels[i] and size < max_size
                and hamming(hashes[last], hashes[i]) <= max_distance)  # fmt: skip
        if not same:
            next_id += 1
            size = 0
        event[i] = next_id
        size += 1
        last = i
    return event
