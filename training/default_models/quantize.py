"""An INT8 copy of the shipped detector: static QDQ quantisation calibrated on the project's real photos.

Everything up to the last convolutions runs in INT8 (7-bit weights per channel, activations per tensor, calibrated
by percentile on real photos); the prediction convolutions and the in-graph decode stay in float. The decode
concatenates box sizes in pixels with 0–1 scores: under one INT8 scale every score rounds to zero (what an earlier
trial of whole-graph quantisation produced).

Measured on this project's photos (README, "Photo classification"): about 2× faster than the float model, but
its boxes differ near the threshold, and end to end that costs answers, so ``classify`` keeps the float model by
default and the INT8 one is a choice (``--detector models/megadetector-lite-yolox-tiny-int8.onnx``).
The build refuses a quantisation whose boxes stray further from the float model's than ``MIN_RECALL`` /
``MIN_PRECISION``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import onnx

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import METADATA_KEY, ModelContract
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.model_file import load_model
from livespecies.inference.preprocess import letterbox
from livespecies.inference.smoothing import iou
from training.export import ParityError

INT8_DETECTOR_FILE = "megadetector-lite-yolox-tiny-int8.onnx"
# Floors for the build, below what was measured (recall 0.96, precision 0.81 against the float model's boxes at
# 640 px on tests/data/photos and resources/samples): they catch a broken quantisation, not a slightly noisier one.
MIN_RECALL = 0.9
MIN_PRECISION = 0.75
MATCH_IOU = 0.5


def calibration_photos(folders: Sequence[Path]) -> list[Path]:
    """Every other real photo, in a fixed order: the other half stays unseen by calibration."""
    photos = sorted(p for folder in folders for p in folder.rglob("*") if p.suffix.lower() in (".webp", ".jpg", ".jpeg", ".png"))
    return photos[::2]


def head_nodes(model: onnx.ModelProto) -> list[str]:
    """The prediction convolutions and every node after them (the decode): kept in float."""
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    predictions = [n for n in model.graph.node if n.op_type == "Conv" and "_preds." in n.name]
    if len(predictions) != 9:  # 3 levels × (box, objectness, class)
        raise ParityError(f"expected the 9 YOLOX prediction convolutions, found {len(predictions)}")
    kept = {n.name for n in predictions}
    pending = [out for n in predictions for out in n.output]
    while pending:
        for node in consumers.get(pending.pop(), []):
            if node.name not in kept:
                kept.add(node.name)
                pending.extend(node.output)
    return sorted(kept)


def quantize_detector(float_path: Path, out_path: Path, photo_folders: Sequence[Path]) -> BoxAgreement:
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    contract = load_model(float_path).contract
    photos = calibration_photos(photo_folders)
    if len(photos) < 20:
        raise ParityError(f"only {len(photos)} calibration photos in {', '.join(map(str, photo_folders))}; need at least 20")

    class Photos(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.batches: Iterator[np.ndarray] = (letterbox(load_image(p).pixels, contract.input)[0][None] for p in photos)

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self.batches, None)
            return None if batch is None else {contract.input.name: batch}

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_path), str(prepared), skip_symbolic_shape=True)
        quantized = Path(tmp) / "int8.onnx"
        # reduce_range: 7-bit weights. Without it, x86 CPUs with AVX2 but no VNNI (AMD EPYC, many desktops) saturate
        # the uint8 × int8 products of onnxruntime's integer convolutions: measured on such a CPU, the 8-bit build's
        # boxes matched the float model's on only 80 % (640 px) and 77 % (416 px), against 93 % with 7-bit weights.
        quantize_static(
            str(prepared), str(quantized), Photos(), quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
            nodes_to_exclude=head_nodes(onnx.load(str(prepared))),
        )  # fmt: skip
        model = onnx.load(str(quantized))
    int8_contract = int8_detector_contract(contract, len(photos))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, int8_contract.to_json()
    model.doc_string = int8_contract.title
    tmp_out = out_path.with_suffix(".tmp.onnx")
    try:
        onnx.save(model, str(tmp_out))
        agreement = box_agreement(float_path, tmp_out, sorted(p for folder in photo_folders for p in folder.rglob("*.webp")))
        agreement.check()
        tmp_out.replace(out_path)
    finally:
        tmp_out.unlink(missing_ok=True)
    return agreement


def int8_detector_contract(float_contract: ModelContract, calibration_count: int) -> ModelContract:
    provenance = replace(
        float_contract.provenance,
        notes=float_contract.provenance.notes + f" INT8 (onnxruntime static QDQ, per-channel 7-bit weights, percentile calibration on "
        f"{calibration_count} real photos of tests/data/photos and resources/samples); prediction convolutions and decode in float.",
    )  # fmt: skip
    return replace(
        float_contract,
        model_id=float_contract.model_id.replace("-640@", "-640-int8@"),
        title=float_contract.title + " (INT8)",
        provenance=provenance,
    )


@dataclass(frozen=True)
class BoxAgreement:
    """How the candidate's boxes match the reference's at the default detector threshold (IoU ≥ 0.5, one to one)."""

    reference_boxes: int
    candidate_boxes: int
    matched: int
    images: int
    same_verdict: int  # images where both find an animal, or neither does

    @property
    def recall(self) -> float:
        return self.matched / self.reference_boxes if self.reference_boxes else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.candidate_boxes if self.candidate_boxes else 1.0

    def describe(self) -> str:
        return (f"against the float model's {self.reference_boxes} boxes on {self.images} photos: recall {self.recall:.1%}, "
                f"precision {self.precision:.1%} ({self.candidate_boxes} boxes); same animal/no-animal verdict on "
                f"{self.same_verdict}/{self.images}")  # fmt: skip

    def check(self) -> None:
        if self.recall < MIN_RECALL or self.precision < MIN_PRECISION:
            raise ParityError(f"INT8 detector strays too far from the float one: {self.describe()}")


def box_agreement(reference_path: Path, candidate_path: Path, photos: Sequence[Path], threshold: float = 0.25,
                  size: int | None = None) -> BoxAgreement:  # fmt: skip
    reference = AnimalDetector(load_model(reference_path, threads=2), size)
    candidate = AnimalDetector(load_model(candidate_path, threads=2), size)
    totals = [0, 0, 0, 0]
    for photo in photos:
        image = load_image(photo).pixels
        expected, found = reference.detect(image, threshold), candidate.detect(image, threshold)
        pairs = sorted(((iou(e.box, f.box), i, j) for i, e in enumerate(expected) for j, f in enumerate(found)
                        if e.box is not None and f.box is not None), reverse=True)  # fmt: skip
        used_e: set[int] = set()
        used_f: set[int] = set()
        for overlap, i, j in pairs:
            if overlap >= MATCH_IOU and i not in used_e and j not in used_f:
                used_e.add(i)
                used_f.add(j)
        totals[0] += len(expected)
        totals[1] += len(found)
        totals[2] += len(used_e)
        totals[3] += bool(expected) == bool(found)
    return BoxAgreement(totals[0], totals[1], totals[2], len(photos), totals[3])


def main() -> int:
    """``python -m training.default_models.quantize``: (re)build only the INT8 detector from the shipped float one."""
    models = Path("models")
    agreement = quantize_detector(models / "megadetector-lite-yolox-tiny.onnx", models / INT8_DETECTOR_FILE,
                                  [Path("tests/data/photos"), Path("resources/samples")])  # fmt: skip
    print(f"{models / INT8_DETECTOR_FILE}: {(models / INT8_DETECTOR_FILE).stat().st_size / 1e6:.1f} MB, {agreement.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
