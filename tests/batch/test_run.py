"""The batch loop works on several photos at once and still writes one record per path, in input order."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np

from livespecies.batch.progress import ProgressBar
from livespecies.batch.records import ImageRecord
from livespecies.batch.run import classify_files
from livespecies.capture.image_file import DecodedImage, load_image
from livespecies.types import Result


class Collect:
    def __init__(self) -> None:
        self.records: list[ImageRecord] = []

    def write(self, record: ImageRecord) -> None:
        self.records.append(record)

    def close(self) -> None: ...


def test_two_photos_are_worked_on_at_once_and_written_in_input_order(tmp_path: Path, photos: Path) -> None:
    """The first photo's recognition waits until the second one's has started: with one job this would never end,
    so finishing proves the overlap; the records still come out first, second, third."""
    by_width: dict[int, Path] = {}
    for path in sorted(photos.rglob("*.webp")):
        by_width.setdefault(load_image(path).width, path)
    paths = list(by_width.values())[:3]  # three widths: recognize() can tell the photos apart
    assert len(paths) == 3
    second_started = threading.Event()

    def recognize(image: DecodedImage) -> Result:
        if image.width == first_width and not second_started.is_set():
            assert second_started.wait(timeout=60), "the second photo never started while the first was in progress"
        else:
            second_started.set()
        return Result(image.width, image.height, ())

    first_width = load_image(paths[0]).width
    writer = Collect()
    tally = classify_files(paths, recognize, writer, ProgressBar(io.StringIO(), None, False), jobs=2)
    assert [r.path for r in writer.records] == paths
    assert tally.images == 3 and tally.failed == 0


def test_a_broken_photo_among_good_ones_is_an_error_record_in_its_place(tmp_path: Path, photos: Path) -> None:
    good = sorted((photos / "animals").glob("*.webp"))[:4]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    paths = [good[0], broken, *good[1:]]
    writer = Collect()
    tally = classify_files(paths, lambda image: Result(image.width, image.height, ()), writer,
                           ProgressBar(io.StringIO(), None, False), jobs=3)  # fmt: skip
    assert [r.path for r in writer.records] == paths
    assert [r.failed for r in writer.records] == [False, True, False, False, False]
    assert writer.records[1].error and "broken.jpg" in writer.records[1].error
    assert tally.failed == 1 and tally.images == 5
    assert np.all([r.result is not None for r in writer.records if not r.failed])
