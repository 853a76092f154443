"""The batch loop: decode and recognize several photos at once, write each record in input order, count.

    paths ─► [decode + recognize] × jobs (threads) ─► in-order records ─► writer

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

from livespecies.batch.formats import RecordWriter
from livespecies.batch.job import Afterwards, record_for
from livespecies.batch.progress import ProgressBar, Tally
from livespecies.batch.records import ImageRecord
from livespecies.capture.image_file import DecodedImage, load_image
from livespecies.types import Result

Decoder = Callable[[Path], DecodedImage]
Recognize = Callable[[DecodedImage], Result]


def classify_files(
    paths: Iterable[Path],
    recognize: Recognize,
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
            tally.add(record)
            progress.update(tally)

        for path in paths:
            pending.append(pool.submit(record_for, path, decode, recognize, afterwards, clip_rate))
            if len(pending) >= window:
                write_oldest()
        while pending:
            write_oldest()
    progress.update(tally, force=True)
    progress.finish()
    return tally
