"""The batch loop: decode ahead in a thread, recognise, write each record, count.

Decoding (libjpeg, libwebp) and inference (onnxruntime) both release the GIL,
so decoding the next photo while the models run on this one keeps both cores
busy without a process pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from livespecies.batch.formats import RecordWriter
from livespecies.batch.progress import ProgressBar, Tally
from livespecies.batch.records import ImageRecord
from livespecies.capture.image_file import DecodedImage, load_image
from livespecies.errors import ImageError
from livespecies.types import Result

Decoder = Callable[[Path], DecodedImage]
Recognise = Callable[[DecodedImage], Result]


def _decoded_in_order(paths: Iterable[Path], decode: Decoder, lookahead: int) -> Iterator[tuple[Path, Future[DecodedImage]]]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
        pending: list[tuple[Path, Future[DecodedImage]]] = []
        for path in paths:
            pending.append((path, pool.submit(decode, path)))
            if len(pending) > lookahead:
                yield pending.pop(0)
        yield from pending


def classify_files(
    paths: Iterable[Path],
    recognise: Recognise,
    writer: RecordWriter,
    progress: ProgressBar,
    decode: Decoder = load_image,
    lookahead: int = 2,
) -> Tally:
    """Classify every path; a bad file becomes an error record and the run goes on."""
    tally = Tally()
    for path, future in _decoded_in_order(paths, decode, lookahead):
        try:
            image = future.result()
            result = recognise(image)
            record = ImageRecord(path, result, None)
        except ImageError as exc:
            record = ImageRecord(path, None, str(exc))
        except MemoryError:
            record = ImageRecord(path, None, f"{path} is too large to decode in the memory available.")
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
    progress.update(tally, force=True)
    progress.finish()
    return tally
