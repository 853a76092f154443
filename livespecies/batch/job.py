"""What a ``classify`` run does to one file, as a plain value: the local loop and Ray's workers build the same
recognizer and the same decode → recognize → record steps from it, so both give the same records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from livespecies.batch.clips import is_video, read_clip
from livespecies.batch.records import ImageRecord
from livespecies.capture.image_file import DecodedImage, load_image
from livespecies.errors import ImageError
from livespecies.inference.assembly import ModelChoice, assemble
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.species_list import load_species_list
from livespecies.types import Result


@dataclass(frozen=True)
class ClassifyJob:
    classifier: Path
    detector: Path | None
    specialists: tuple[Path, ...]
    only_fitting_specialists: bool
    threshold: float | None  # None: the classifier's own
    detector_threshold: float
    use_detector: bool
    whole_frame_fallback: bool
    detector_size: int | None
    species_list: Path | None
    max_pixels: int
    clip_rate: float

    def settings(self) -> EngineSettings:
        species = load_species_list(self.species_list) if self.species_list else None
        return EngineSettings(threshold=self.threshold, detector_threshold=self.detector_threshold, use_detector=self.use_detector,
                              whole_frame_fallback=self.whole_frame_fallback, detector_size=self.detector_size, species=species)  # fmt: skip

    def recognizer(self, threads: int) -> Recognizer:
        choice = ModelChoice(self.classifier, self.detector if self.use_detector else None, self.specialists, self.only_fitting_specialists)
        return assemble(choice, self.settings(), threads=threads)

    def decode(self, path: Path) -> DecodedImage:
        # The classifier sees crops of at most a few hundred pixels: 2048 px on the long side is plenty.
        return load_image(path, max_pixels=self.max_pixels, target_long_side=2048)

    @staticmethod
    def recognize(recognizer: Recognizer) -> Callable[[DecodedImage], Result]:
        def recognize(image: DecodedImage) -> Result:
            return replace(recognizer.recognize(image.pixels), width=image.width, height=image.height)

        return recognize


Afterwards = Callable[[Path, DecodedImage, Result], None]  # in the worker, before the record is written (annotated copies)


def record_for(path: Path, decode: Callable[[Path], DecodedImage], recognize: Callable[[DecodedImage], Result],
               afterwards: Afterwards | None = None, clip_rate: float = 1.0) -> ImageRecord:  # fmt: skip
    """One photo or clip, start to end; a bad file becomes an error record."""
    try:
        if is_video(path):
            result, clip = read_clip(path, lambda pixels: recognize(DecodedImage(pixels, pixels.shape[1], pixels.shape[0], "video")), clip_rate)
            return ImageRecord(path, result, None, clip)
        image = decode(path)
        result = recognize(image)
        if afterwards is not None:
            afterwards(path, image, result)
        return ImageRecord(path, result, None)
    except ImageError as exc:
        return ImageRecord(path, None, str(exc))
    except MemoryError:
        return ImageRecord(path, None, f"{path} is too large to decode in the memory available.")
