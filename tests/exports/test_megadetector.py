"""The MegaDetector export: sidecars turn back into the records ``classify --format megadetector`` writes, and the
exported document lists every snapshot's raw image (linked beside it) with the detections of its sidecar."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from livespecies.batch.formats import MegaDetectorWriter
from livespecies.batch.records import ImageRecord
from livespecies.capture.image_file import load_image
from livespecies.errors import UserError
from livespecies.exports.megadetector import result_from_sidecar
from livespecies.exports.run import export
from livespecies.inference.engine import Recognizer
from livespecies.serialization import prediction_from_dict, prediction_to_dict
from livespecies.sightings.database import SightingDatabase, SightingQuery
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting
from tests.exports.conftest import GATE, NORTH, SightingsFixture
from tests.exports.md_format import assert_valid_batch_output


@pytest.fixture(scope="module")
def document(sightings: SightingsFixture, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("md") / "timelapse"
    written = export(sightings.db, "megadetector", out)
    assert written[0] == out / "megadetector.json" and all(p.is_file() for p in written)
    return out, json.loads(written[0].read_text())


def test_sidecar_predictions_round_trip(sightings: SightingsFixture) -> None:
    """prediction_from_dict is the inverse of prediction_to_dict on every real sidecar, so the writer sees what was saved."""
    sidecars = [json.loads(p.read_text()) for p in sightings.snapshots.glob("*.json")]
    assert len(sidecars) == 7
    for sidecar in sidecars:
        for saved in sidecar["predictions"]:
            assert prediction_to_dict(prediction_from_dict(saved)) == saved


def test_the_export_matches_what_classify_writes(document: tuple[Path, dict], recognizer: Recognizer, photos: Path) -> None:  # type: ignore[type-arg]
    """The polar bear's entry equals the one the classify command's writer makes from the live result."""
    out, doc = document
    [bear] = [image for image in doc["images"] if image["file"].endswith("_polar-bear.raw.jpg")]
    live = recognizer.recognize(load_image(photos / "animals/explore_world_animals-polar_bear.webp").pixels)
    stream = io.StringIO()
    writer = MegaDetectorWriter(stream, None, out, recognizer.model_ids)
    writer.write(ImageRecord(out / bear["file"], live, None))
    writer.close()
    assert json.loads(stream.getvalue())["images"] == [bear]


def test_the_document(document: tuple[Path, dict], sightings: SightingsFixture) -> None:  # type: ignore[type-arg]
    out, doc = document
    assert_valid_batch_output(doc)
    assert doc["detection_categories"] == {"1": "animal", "2": "person", "3": "vehicle"}  # every answer has a detector box
    info = doc["info"]
    assert info["format_version"] == "1.4" and info["detector"] == sightings.model_ids["detector"]
    assert info["classifier"] == sightings.model_ids["classifier"] and "Aves" in info["classifier_specialists"]
    files = [image["file"] for image in doc["images"]]
    assert len(files) == 7 and not any(f.startswith("/") for f in files)  # the jaguar had no snapshot
    assert {f.split("/")[0] for f in files} == {"north-meadow", "rtsp-ranger-10-0-0-7-live"}  # a folder per camera
    for image in doc["images"]:
        assert (out / image["file"]).is_file() and image["file"].endswith(".raw.jpg")  # the frame without drawn boxes
        assert image["max_detection_conf"] == max(d["conf"] for d in image["detections"])
    [kingfisher] = [i for i in doc["images"] if i["file"].endswith("_common-kingfisher.raw.jpg")]
    named = {doc["classification_categories"][d["classifications"][0][0]] for d in kingfisher["detections"]}
    assert named == {"Common Kingfisher", "unidentified bird"}  # every box of the frame, as the sidecar has them
    assert set(doc["classification_category_descriptions"].values()) >= {"species:Ursus maritimus", "class:Mammalia", "breed:Canis familiaris"}


def test_a_damaged_sidecar_is_a_listed_failure(sightings: SightingsFixture, tmp_path: Path) -> None:
    """A snapshot whose sidecar was lost is still listed, as MegaDetector lists an image it could not read."""
    [bear] = [s for s in sightings.db.query() if s.id == "bear"]
    db = SightingDatabase(tmp_path / "s.db")
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    visit = Sighting(1, (bear.taxon_rank, bear.taxon_name), bear.label, 0.0, 1.0, 0.9, 1, (1,), bear.lineage, bear.started_at, bear.last_seen_at)
    files = SnapshotFiles(Path(str(bear.snapshot)), Path(str(bear.raw_snapshot)), broken)
    db.record(SightingRecord("lost", NORTH, "ended", visit, files))
    doc = json.loads(export(db, "megadetector", tmp_path / "out")[0].read_text())
    assert [(i["failure"], i["detections"]) for i in doc["images"]] == [("its livespecies sidecar is missing or unreadable", None)]
    assert_valid_batch_output(doc)


def test_sightings_without_snapshots_are_one_sentence(sightings: SightingsFixture, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="None of the 1 sightings selected has a snapshot image"):
        export(sightings.db, "megadetector", tmp_path / "out", SightingQuery(camera=GATE, species="jaguar"))
    assert not list(tmp_path.iterdir())  # nothing left behind


def test_sidecar_result_keeps_unidentified_boxes() -> None:
    sidecar = {"width": 640, "height": 480, "predictions": [], "mode": "detector",
               "unidentified": [{"box": [0.1, 0.2, 0.3, 0.4], "detector_confidence": 0.8}, {"box": None, "detector_confidence": 0.5}]}  # fmt: skip
    result = result_from_sidecar(sidecar)
    assert (result.width, result.height, len(result.unidentified)) == (640, 480, 1)
    assert result.unidentified[0].box is not None and result.unidentified[0].box.as_list() == [0.1, 0.2, 0.3, 0.4]


def test_a_whole_frame_answer_classifies_the_whole_image_instead_of_posing_as_a_detection(recognizer: Recognizer, photos: Path) -> None:
    """A whole-frame answer has no detector box and no detector score; it was written as an "animal" detection whose
    ``conf`` was the classifier's confidence. Now it is one detection of its own category, "animal (whole image)",
    whose classifications carry the classifier's confidences."""
    whole = recognizer.with_settings(use_detector=False)
    result = whole.recognize(load_image(photos / "animals/explore_world_animals-polar_bear.webp").pixels)
    assert result.mode == "whole-frame" and result.predictions and all(p.box is None for p in result.predictions)
    stream = io.StringIO()
    writer = MegaDetectorWriter(stream, None, None, whole.model_ids)
    writer.write(ImageRecord(Path("bear.webp"), result, None))
    writer.write(ImageRecord(Path("card.jpg"), None, "card.jpg is empty (0 bytes)."))
    writer.close()
    doc = json.loads(stream.getvalue())
    assert_valid_batch_output(doc)
    bear, card = doc["images"]
    [detection] = bear["detections"]  # one whole image, however many answers it has
    assert doc["detection_categories"][detection["category"]] == "animal (whole image)"
    assert detection["conf"] == 1.0 and detection["bbox"] == [0.0, 0.0, 1.0, 1.0]
    named = [(doc["classification_categories"][category], confidence) for category, confidence in detection["classifications"]]
    expected = sorted(((p.label, round(p.confidence, 4)) for p in result.predictions), key=lambda pair: -pair[1])
    assert [(label, pytest.approx(confidence, abs=1e-4)) for label, confidence in named] == expected
    assert named[0][0] == "polar bear"
    assert card == {"file": "card.jpg", "failure": "card.jpg is empty (0 bytes).", "detections": None}
