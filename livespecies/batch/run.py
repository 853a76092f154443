"""The batch loop: decode and recognise several photos at once, write each record in input order, count.

    paths ─► [decode + recognise] × jobs (threads) ─► in-order records ─► writer

Decoding (libjpeg, libwebp) and inference (onnxruntime) release the GIL, so a few
threads keep every core busy without a process pool. Measured on two cores
(``bench/bench_classify.py``): two photos at a time on one-thread model sessions
beat one photo at a time on two-thread sessions, because onnxruntime's intra-op
threads wait on each other at every layer while whole photos never do.
The records still come out in input order, one per path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from livespecies.batch.clips import is_video, read_clip
from livespecies.batch.formats import RecordWriter
from livespecies.batch.progress import ProgressBar, Tally
from livespecies.batch.records import ImageRecord
from livespecies.capture.image_file import DecodedImage, load_image
from livespecies.errors import ImageError
from livespecies.types import Result

Decoder = Callable[[Path], DecodedImage]
Recognise = Callable[[DecodedImage], Result]
Afterwards = Callable[[Path, DecodedImage, Result], None]  # in the worker, before the record is written (annotated copies)


def _record(path: Path, decode: Decoder, recognise: Recognise, afterwards: Afterwards | None, clip_rate: float) -> ImageRecord:
    """One photo or clip, start to end; a bad file becomes an error record."""
    try:
        if is_video(path):
            result, clip = read_clip(path, lambda pixels: recognise(DecodedImage(pixels, pixels.shape[1], pixels.shape[0], "video")), clip_rate)
            return ImageRecord(path, result, None, clip)
        image = decode(path)
        result = recognise(image)
        if afterwards is not None:
            afterwards(path, image, result)
        return ImageRecord(path, result, None)
    except ImageError as exc:
        return ImageRecord(path, None, str(exc))
    except MemoryError:
        return ImageRecord(path, None, f"{path} is too large to decode in the memory available.")


def classify_files(
    paths: Iterable[Path],
    recognise: Recognise,
    writer: RecordWriter,
    progress: ProgressBar,
    decode: Decoder = load_image,
    jobs: int = 2,
    tally: Tally | None = None,
    afterwards: Afterwards | None = None,
    clip_rate: float = 1.0,
) -> Tally:
    """Classify every path, ``jobs`` photos at a time; records are written in the order of ``paths``.
    ``paths`` may be a generator that is still walking an archive: photos start as they are found."""
    tally = tally or Tally()
    window = max(2, 2 * jobs)  # photos in flight: enough to keep every job busy, few enough to bound memory
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="classify") as pool:
        pending: deque[Future[ImageRecord]] = deque()

        def write_oldest() -> None:
            record = pending.popleft().result()
            writer.write(record)
            tally.images += 1
            if record.failed:
                tally.failed += 1
            elif record.result is not None and record.result.predictions:
                tally.with_animals += 1
                tally.predictions += len(record.result.predictions)
            else:
                tally.without_animals += 1
            progress.update(tally)

        for path in paths:
            pending.append(pool.submit(_record, path, decode, recognise, afterwards, clip_rate))
            if len(pending) >= window:
                write_oldest()
        while pending:
            write_oldest()
    progress.update(tally, force=True)
    progress.finish()
    return tally
