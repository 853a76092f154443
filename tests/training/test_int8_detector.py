"""The shipped INT8 detector: built from the float one, its decode in float, its boxes close to the float model's."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from livespecies.inference.defaults import INT8_DETECTOR_FILE, default_detector, default_live_detector, float_detector
from livespecies.inference.model_file import load_model
from training.default_models.quantize import MIN_PRECISION, MIN_RECALL, box_agreement, head_nodes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_photos(photos: Path) -> list[Path]:
    return sorted([*photos.rglob("*.webp"), *(ROOT / "resources" / "samples").glob("*.webp")])


def test_the_int8_detector_is_the_default_and_describes_itself(models_dir: Path) -> None:
    path = models_dir / INT8_DETECTOR_FILE
    assert default_detector() == default_live_detector() == path  # classify, the watcher and the window
    contract = load_model(path, expect_kind="detector").contract
    float_contract = load_model(float_detector()).contract
    assert contract.model_id.endswith("int8@2022.05.28") and contract.model_id != float_contract.model_id
    assert "INT8" in contract.provenance.notes and contract.input == float_contract.input
    assert path.stat().st_size < float_detector().stat().st_size / 3


def test_the_prediction_convolutions_and_the_decode_stay_in_float(models_dir: Path) -> None:
    """The decode puts pixel box sizes and 0–1 scores in one tensor: quantised together, every score became 0."""
    model = onnx.load(str(models_dir / INT8_DETECTOR_FILE))
    produced_by = {out: node for node in model.graph.node for out in node.output}
    quantised = [n for n in model.graph.node if n.op_type == "QuantizeLinear"]
    assert len(quantised) > 50, "the backbone is not quantised"
    kept_float = set(head_nodes(model))
    for node in model.graph.node:
        if node.name in kept_float and node.op_type != "Conv":
            for name in node.input:
                source = produced_by.get(name)
                assert source is None or source.op_type != "DequantizeLinear", f"{node.name} takes a quantised input"
    final = produced_by[model.graph.output[0].name]
    assert final.op_type == "Concat"


@pytest.mark.parametrize(("size", "recall", "precision"), [(640, MIN_RECALL, MIN_PRECISION), (416, 0.92, 0.92)])
def test_int8_boxes_match_the_float_models_on_real_photos(models_dir: Path, real_photos: list[Path], size: int, recall: float,
                                                           precision: float) -> None:  # fmt: skip
    """Measured on an AVX2 CPU without VNNI: 640 px recall 93.3 %, precision 90.9 %; 416 px (the live window) 92.6 % and
    96.2 %, against the float model's boxes at the default threshold (8-bit weights gave 80.0 / 63.2 % and 76.5 / 84.9 %
    there: saturation). The floors catch a broken quantisation (an earlier trial gave no box at all)."""
    agreement = box_agreement(float_detector(), models_dir / INT8_DETECTOR_FILE, real_photos, size=size)
    assert agreement.reference_boxes > 60
    assert agreement.recall >= recall, agreement.describe()
    assert agreement.precision >= precision, agreement.describe()
    assert agreement.same_verdict >= 0.9 * agreement.images, agreement.describe()
