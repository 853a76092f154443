"""Tiny ONNX graphs with hand-written contracts, for testing the loader's checks in milliseconds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from livespecies.inference.contract import METADATA_KEY, InputSpec, LabelSpec, ModelContract, OutputSpec, Provenance
from livespecies.types import Taxon

ANIMALIA = Taxon("kingdom", "Animalia", "animal")


def labels(n: int) -> tuple[LabelSpec, ...]:
    return tuple(
        LabelSpec(f"c{i}", f"creature {i}", True, (Taxon("species", f"Genus{i} species", f"creature {i}"), Taxon("genus", f"Genus{i}"), ANIMALIA))
        for i in range(n)
    )


def contract(n_labels: int = 3, **changes: object) -> ModelContract:
    base = ModelContract(
        model_id="test/tiny@1",
        kind="classifier",
        title="tiny test classifier",
        input=InputSpec("image", 8, 8, "RGB", "resize_center_crop", 8, 0.0, 1 / 255, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
        output=OutputSpec("scores", "logits"),
        labels=labels(n_labels),
        provenance=Provenance("none", "0", "none", "0" * 64, "CC0-1.0", "tests/tiny_models.py"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def write_classifier(path: Path, classes: int = 3, metadata: ModelContract | str | None = None, seed: int = 0) -> Path:
    """image (N×3×8×8) → global average pool → linear → scores (N×classes)."""
    rng = np.random.default_rng(seed)
    weight = numpy_helper.from_array(rng.normal(size=(3, classes)).astype(np.float32), "w")
    nodes = [
        helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 8, 8])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", classes])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if metadata is not None:
        entry = model.metadata_props.add()
        entry.key = METADATA_KEY
        entry.value = metadata if isinstance(metadata, str) else metadata.to_json()
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
