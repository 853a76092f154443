"""Output formats for ``livespecies classify``: text, JSON Lines, CSV and MegaDetector batch JSON.

Line formats are written and flushed record by record. The MegaDetector format is one JSON document, written when
the run ends (atomically, if to a file) from entries spooled to a temporary file, so memory stays flat. With
``--output FILE`` every format is written at the end from the run's checkpoint (``checkpoint.py``).

MegaDetector batch output and whole-frame answers
-------------------------------------------------
In MegaDetector's format (https://lila.science/megadetector-output-format, 1.x) a detection is a detector's box
with the detector's confidence ``conf``; a classifier's answers for that box go in its ``classifications`` list,
``[category, confidence]`` pairs in descending order. Timelapse selects with both: an image is "empty" when no
detection reaches its detection threshold, and a species selection needs the detection's ``conf`` above that
threshold *and* the classification's confidence above the classification threshold. AddaxAI reads the same fields.

An answer with a detector box is written so. An answer without one (``--no-detector``, a model trained on whole
frames, or the detector's fallback when it finds nothing) has no box and no detector score, and the format has no
place for a classification of a whole image. It was once written as an "animal" detection whose ``conf`` was the
classifier's confidence and whose box was the frame: Timelapse then took a classifier's confidence for a
detector's, and the detection threshold silently filtered species answers. Now:

* all of an image's whole-frame answers form one detection of its own category, ``"4": "animal (whole image)"``
  (listed only when used), with the box ``[0, 0, 1, 1]`` and ``conf`` 1.0;
* the classifier's confidences are only in that detection's ``classifications``.

The category tells a reader, and Timelapse's category selector, that no detector stands behind the box, and lets
them leave such images out. ``conf`` 1.0 says "this entry is the whole image", not a detector's certainty: it keeps
Timelapse's detection threshold from hiding, or calling empty, an image the classifier named, leaving the
classification threshold as the one that applies, as MegaDetector's own tool for whole-image classifications
(``generate_whole_image_detections_for_classifications``) does. A failed image has ``"detections": null``, as the
format asks.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from livespecies import __version__
from livespecies.atomic import atomic_text_file
from livespecies.batch.records import ImageRecord, record_to_dict
from livespecies.serialization import prediction_to_dict
from livespecies.spreadsheet_safe import safe_row
from livespecies.types import Result

FORMATS = ("text", "jsonl", "csv", "megadetector")


class RecordWriter(Protocol):
    def write(self, record: ImageRecord) -> None:
        """Emit one image's record."""

    def close(self) -> None:
        """Finish the output (documents that are written at the end do it here)."""


class TextWriter:
    """One line per prediction, for people reading a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, record: ImageRecord) -> None:
        if record.error:
            line = f"{record.path}: ERROR {record.error}"
        elif record.result is None or not record.result.predictions:
            line = f"{record.path}: nothing recognised"
        else:
            parts = []
            for p in record.result.predictions:
                name = p.label
                if p.scientific_name and p.scientific_name != p.taxon.display_name:
                    name += f" ({p.scientific_name})"
                if p.taxon.rank not in ("species", "subspecies", "breed", "form", "unranked", "class"):
                    name += f" [{p.taxon.rank}]"
                parts.append(f"{name} {p.confidence:.0%}")
            line = f"{record.path}: " + "; ".join(parts)
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class JsonLinesWriter:
    def __init__(self, stream: IO[str], frames: bool = False) -> None:
        self.stream = stream
        self.frames = frames  # a clip's sampled frames too

    def write(self, record: ImageRecord) -> None:
        self.stream.write(json.dumps(record_to_dict(record, self.frames), ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


CSV_COLUMNS = (
    "path", "width", "height", "error", "prediction", "label", "common_name", "scientific_name", "rank",
    "confidence", "box_x", "box_y", "box_w", "box_h", "detector_confidence", "lineage",
    "first_seen_s", "last_seen_s", "best_frame",  # video clips: when the taxon was seen, and its best frame
)  # fmt: skip


class CsvWriter:
    """One row per prediction; an image with none (or an error) still gets one row. A clip's rows say when each
    taxon was first and last seen; with ``frames``, each sampled frame follows as rows named ``clip.mp4/frame000123.jpg``
    (MegaDetector's convention for video frames)."""

    def __init__(self, stream: IO[str], frames: bool = False) -> None:
        self.stream = stream
        self.frames = frames
        self.writer = csv.writer(stream)
        self.writer.writerow(CSV_COLUMNS)

    def _rows(self, name: str, result: Result | None, error: str | None, timing: Sequence[tuple[float, float, int]] = ()) -> None:
        base = [name, result.width if result else "", result.height if result else "", error or ""]
        predictions = result.predictions if result else ()
        if not predictions:
            self.writer.writerow(safe_row(base + [""] * (len(CSV_COLUMNS) - len(base))))
        for index, prediction in enumerate(predictions):
            d = prediction_to_dict(prediction)
            box = d["box"] or ["", "", "", ""]
            lineage = " > ".join(f"{t['rank']}:{t['name']}" for t in d["lineage"])
            seen = [round(timing[index][0], 3), round(timing[index][1], 3), timing[index][2]] if timing else ["", "", ""]
            self.writer.writerow(safe_row(base + [index, d["label"], d["common_name"] or "", d["scientific_name"] or "", d["rank"],
                                                  d["confidence"], *box, "" if d["detector_confidence"] is None else d["detector_confidence"],
                                                  lineage, *seen]))  # fmt: skip

    def write(self, record: ImageRecord) -> None:
        clip = record.clip
        timing = [(t.first_seconds, t.last_seconds, t.best_frame) for t in clip.taxa] if clip else []
        self._rows(str(record.path), record.result, record.error, timing)
        if clip is not None and self.frames:
            for frame in clip.frames:
                self._rows(frame_name(str(record.path), frame.index), frame.result, None)
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


def frame_name(clip: str, index: int) -> str:
    """A sampled frame as MegaDetector names video frames: the clip's path, then ``frame000123.jpg``."""
    return f"{clip}/frame{index:06d}.jpg"


ANIMAL, WHOLE_IMAGE = "1", "4"
DETECTION_CATEGORIES = {ANIMAL: "animal", "2": "person", "3": "vehicle"}
WHOLE_IMAGE_NAME = "animal (whole image)"
WHOLE_FRAME = [0.0, 0.0, 1.0, 1.0]


class MegaDetectorWriter:
    """MegaDetector batch-output JSON (format 1.4), as read by Timelapse and AddaxAI.

    Each prediction with a detector box is a detection of category "1" (animal) carrying one classification;
    detections the classifier could not name keep the category with no classification. An image's whole-frame
    predictions (no detector box) are one detection of category "4" (see the module's docstring for why). File paths
    are relative to ``base`` when they lie under it.

    The image entries wait in a temporary file, not in memory: the document (one JSON object, whose category
    tables are known only at the end) is written when the run ends, atomically if to a file.
    """

    def __init__(self, stream: IO[str] | None, path: Path | None, base: Path | None, model_ids: dict[str, str]) -> None:
        self.stream = stream
        self.path = path
        self.base = base
        self.model_ids = model_ids
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # one image entry per line
        self.count = 0
        self.categories: dict[str, str] = {}
        self.descriptions: dict[str, str] = {}
        self.whole_images = False  # some image has whole-frame answers: category "4" is listed

    def _category(self, prediction: dict[str, Any]) -> str:
        name = prediction["scientific_name"] or prediction["label"]
        key = f"{prediction['rank']}:{name}"
        if key not in self.descriptions:
            category = str(len(self.descriptions) + 1)
            self.descriptions[key] = category
            self.categories[category] = prediction["label"]
        return self.descriptions[key]

    def _file(self, path: Path) -> str:
        if self.base is not None:
            try:
                return path.resolve().relative_to(self.base.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def write(self, record: ImageRecord) -> None:
        if record.clip is not None:  # MegaDetector's video convention: a row per sampled frame, with the clip's frame rate
            for frame in record.clip.frames:
                self._write_entry(frame_name(self._file(record.path), frame.index), frame.result, None, round(record.clip.frame_rate, 3))
        else:
            self._write_entry(self._file(record.path), record.result, record.error)

    def _write_entry(self, name: str, result: Result | None, error: str | None, frame_rate: float | None = None) -> None:
        entry: dict[str, Any] = {"file": name}
        if frame_rate is not None:
            entry["frame_rate"] = frame_rate
        if error or result is None:
            entry["failure"] = error or "unknown failure"
            entry["detections"] = None  # the format's "not processed", unlike [] for "nothing found"
        else:
            answers = [prediction_to_dict(p) for p in result.predictions]
            detections = [self._boxed(d) for d in answers if d["box"] is not None]
            if whole := [d for d in answers if d["box"] is None]:
                detections.append(self._whole_image(whole))
            for detection in result.unidentified:
                assert detection.box is not None
                detections.append({"category": "1", "conf": round(detection.score or 0.0, 4),
                                   "bbox": [round(v, 4) for v in detection.box.as_list()]})  # fmt: skip
            entry["detections"] = detections
            entry["max_detection_conf"] = max((d["conf"] for d in detections), default=0.0)
        self.spool.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.count += 1

    def _boxed(self, d: dict[str, Any]) -> dict[str, Any]:
        """A detector's box with its answer. "classifier_models" is ours: which classifiers the answer rests on."""
        conf = d["detector_confidence"] if d["detector_confidence"] is not None else d["confidence"]
        return {"category": ANIMAL, "conf": conf, "bbox": d["box"], "classifications": [[self._category(d), d["confidence"]]],
                "classifier_models": d["models"]}  # fmt: skip

    def _whole_image(self, answers: list[dict[str, Any]]) -> dict[str, Any]:
        """An image's answers without a detector box: one entry for the whole image, the classifier's confidences only
        in its classifications (best first, as the format requires)."""
        self.whole_images = True
        ranked = sorted(answers, key=lambda d: -d["confidence"])
        return {"category": WHOLE_IMAGE, "conf": 1.0, "bbox": list(WHOLE_FRAME),
                "classifications": [[self._category(d), d["confidence"]] for d in ranked], "classifier_models": ranked[0]["models"]}  # fmt: skip

    def header(self) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "info": {
                "format_version": "1.4",
                "detector": self.model_ids.get("detector", "none (whole-frame classification)"),
                "detection_completion_time": now,
                "classifier": self.model_ids.get("classifier", ""),
                "classifier_specialists": {k.removeprefix("specialist "): v for k, v in self.model_ids.items() if k.startswith("specialist ")},
                "classification_completion_time": now,
                "livespecies_version": __version__,
            },
            "detection_categories": DETECTION_CATEGORIES | ({WHOLE_IMAGE: WHOLE_IMAGE_NAME} if self.whole_images else {}),
            "classification_categories": self.categories,
            "classification_category_descriptions": {cat: key for key, cat in self.descriptions.items()},
        }

    def _write_document(self, out: IO[str]) -> None:
        head = json.dumps(self.header(), indent=1, ensure_ascii=False)
        out.write(head[:-2] + ',\n "images": [')  # the header object, left open for the images
        self.spool.seek(0)
        for index, line in enumerate(self.spool):
            out.write(("\n  " if index == 0 else ",\n  ") + line.rstrip("\n"))
        out.write("\n ]\n}\n" if self.count else "]\n}\n")

    def close(self) -> None:
        try:
            if self.path is None:
                assert self.stream is not None
                self._write_document(self.stream)
                self.stream.flush()
            else:
                with atomic_text_file(self.path) as out:
                    self._write_document(out)
        finally:
            self.spool.close()
