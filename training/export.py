"""Export a PyTorch model to a self-describing ONNX file, and prove the file is right.

Every export (the shipped models and users' own) goes through ``export_onnx``:
it writes the livespecies contract into the ONNX metadata, runs
``onnx.checker``, compares onnxruntime's output with PyTorch's on a batch of
two (so the batch axis stays dynamic and is exercised), and finally loads the
file through the engine's own loader, which validates the contract against the
graph. A file that fails any step is deleted rather than left half-right.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from livespecies.inference.contract import METADATA_KEY, ModelContract
from livespecies.inference.model_file import load_model

OPSET = 17


@dataclass(frozen=True)
class ExportReport:
    path: Path
    max_abs_diff: float
    size_bytes: int


class ParityError(RuntimeError):
    pass


def _dynamic_axes(input_name: str, output_name: str, extra: dict[str, dict[int, str]]) -> dict[str, dict[int, str]]:
    axes = {input_name: {0: "batch"}, output_name: {0: "batch"}}
    for name, more in extra.items():
        axes[name] = {**axes.get(name, {}), **more}
    return axes


def export_onnx(
    model: nn.Module,
    example: torch.Tensor,
    contract: ModelContract,
    path: Path,
    output_name: str,
    atol: float = 1e-4,
    extra_dynamic_axes: dict[str, dict[int, str]] | None = None,
) -> ExportReport:
    """Write ``model`` to ``path`` with ``contract`` in its metadata; raise if onnxruntime disagrees with torch."""
    if example.shape[0] < 2:
        raise ValueError("export with an example batch of at least 2 so the batch axis stays dynamic")
    model = model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            model,
            (example,),
            str(tmp),
            dynamo=False,
            opset_version=OPSET,
            input_names=[contract.input.name],
            output_names=[output_name],
            dynamic_axes=_dynamic_axes(contract.input.name, output_name, extra_dynamic_axes or {}),
            do_constant_folding=True,
        )
    try:
        graph = onnx.load(str(tmp))
        del graph.metadata_props[:]
        entry = graph.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, contract.to_json()
        graph.producer_name = "livespecies-training"
        graph.doc_string = contract.title
        onnx.checker.check_model(graph, full_check=True)
        onnx.save(graph, str(tmp))

        with torch.no_grad():
            expected = model(example).numpy()
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        actual = session.run(None, {contract.input.name: example.numpy()})[0]
        diff = float(np.max(np.abs(actual - expected)))
        if not np.isfinite(diff) or diff > atol:
            raise ParityError(f"onnxruntime output differs from PyTorch by {diff:.3g} (> {atol:g}) for {path.name}")
        load_model(tmp)  # the engine's own validation of contract against graph
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportReport(path=path, max_abs_diff=diff, size_bytes=path.stat().st_size)
