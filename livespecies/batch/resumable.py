"""A ``classify`` run over an archive: streaming discovery, the checkpoint as the durable record, outputs at the end.

    find_images (streams) ─► skip what the checkpoint has ─► classify_files ─► checkpoint (a transaction a second)
                                                                                    │ at the end, in input order
                                                                                    ▼
                                                             JSON Lines / CSV / MegaDetector / text, written atomically

The first photo is classified as soon as the walk finds it, while a second walk counts the archive for the
progress bar's total and time left.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from livespecies.atomic import atomic_text_file
from livespecies.batch.checkpoint import Checkpoint
from livespecies.batch.discover import walk
from livespecies.batch.formats import RecordWriter
from livespecies.batch.progress import ProgressBar, Tally
from livespecies.batch.records import ImageRecord
from livespecies.inference.engine import Recognizer


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_identity(recognizer: Recognizer, settings: dict[str, Any], inputs: Iterable[Path]) -> dict[str, Any]:
    """What a resumed run must share with the run it continues: the exact model files, the settings that change
    answers, and the inputs named on the command line; plus the species list's file name, which the settings hold
    only as a digest of its contents, to name it when a resume is refused."""
    models = {"classifier": recognizer.classifier.generalist.model.sha256}
    for specialist in recognizer.classifier.specialists:
        models[f"specialist {specialist.scope.name}"] = specialist.classifier.model.sha256
    if recognizer.detector is not None:
        models["detector"] = recognizer.detector.model.sha256
    species = recognizer.settings.species
    names = {"species_list": str(Path(species.path).resolve()) if species is not None else None}
    return {"models": models, "settings": settings, "inputs": [str(p.resolve()) for p in inputs], "names": names}


class CheckpointWriter:
    """The classify loop's writer when the checkpoint is the record: each record goes in with its input position."""

    def __init__(self, checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint
        self.positions: dict[Path, list[int]] = {}  # only photos in flight: bounded by the loop's window

    def expect(self, seq: int, path: Path) -> None:
        self.positions.setdefault(path, []).append(seq)

    def write(self, record: ImageRecord) -> None:
        seqs = self.positions[record.path]
        seq = seqs.pop(0)
        if not seqs:
            del self.positions[record.path]
        self.checkpoint.add(seq, record)

    def close(self) -> None:
        self.checkpoint.commit()


def numbered_to_do(paths: Iterator[Path], checkpoint: Checkpoint, tally: Tally) -> Iterator[tuple[int, Path]]:
    """The discovered paths with their input positions, without those the checkpoint already holds (counted as
    skipped)."""
    for seq, path in enumerate(paths):
        if checkpoint.done(path):
            tally.skipped += 1
            continue
        yield seq, path


def to_do(paths: Iterator[Path], checkpoint: Checkpoint, writer: CheckpointWriter, tally: Tally) -> Iterator[Path]:
    """As ``numbered_to_do``, for the local loop: the writer learns each path's position."""
    for seq, path in numbered_to_do(paths, checkpoint, tally):
        writer.expect(seq, path)
        yield path


def count_in_background(paths: list[Path], progress: ProgressBar) -> threading.Thread:
    """Walk the archive a second time, only counting, and give the progress bar its total when done."""

    def count() -> None:
        progress.total = sum(1 for _ in walk(paths))

    thread = threading.Thread(target=count, name="count", daemon=True)
    thread.start()
    return thread


def write_output(checkpoint: Checkpoint, output: Path, make_writer: Callable[[IO[str] | None], RecordWriter], to_stream: bool) -> None:
    """The user's output from the checkpoint, in input order, streaming. ``to_stream``: the writer is given a text file
    (line formats, written atomically here); otherwise it writes ``output`` itself (MegaDetector JSON)."""
    if to_stream:
        with atomic_text_file(output) as stream:
            write_records(checkpoint, make_writer(stream))
    else:
        write_records(checkpoint, make_writer(None))


def write_records(checkpoint: Checkpoint, writer: RecordWriter) -> None:
    """Every record of the checkpoint, in input order, through ``writer``, which is then closed."""
    for record in checkpoint.records():
        writer.write(record)
    writer.close()
