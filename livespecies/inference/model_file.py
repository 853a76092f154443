"""Opening an ONNX model file and checking that its contract matches its graph.

A user can point livespecies at any file. Each way that can go wrong (missing,
unreadable, not ONNX, ONNX without our metadata, metadata that disagrees with
the graph) becomes one sentence naming the file and what to do about it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from livespecies.errors import ModelError
from livespecies.inference.contract import METADATA_KEY, ModelContract
from livespecies.inference.providers import select_providers


@dataclass(frozen=True, eq=False)
class LoadedModel:
    path: Path
    contract: ModelContract
    session: ort.InferenceSession
    sha256: str

    @property
    def model_id(self) -> str:
        return self.contract.model_id


def _default_threads() -> int:
    # Leave a core for decoding, capture and the GUI: on two cores one inference
    # thread is often as fast as two once anything else is running.
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def load_model(
    path: Path | str,
    providers: Sequence[str] | str = "auto",
    threads: int | None = None,
    expect_kind: str | None = None,
) -> LoadedModel:
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise ModelError(f"Model file {name} does not exist; check the path or rebuild it with `python -m training build-default-models`.")
    if not path.is_file():
        raise ModelError(f"Model path {name} is not a file.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"Model file {name} cannot be read ({exc.strerror}).") from None
    if not data:
        raise ModelError(f"Model file {name} is empty.")

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or _default_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # The detector and the classifier each own a thread pool; spinning idle threads of one steal the
    # cores the other (and JPEG decoding) needs. Measured on 1080p frames: detector 136 → 104 ms.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(
            data, sess_options=options, providers=select_providers(ort.get_available_providers(), providers)
        )
    except Exception as exc:  # onnxruntime raises several private exception types for bad files
        first_line = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"Model file {name} is not a valid ONNX model ({first_line}).") from None

    metadata = session.get_modelmeta().custom_metadata_map
    if METADATA_KEY not in metadata:
        raise ModelError(
            f"Model file {name} is ONNX but carries no livespecies metadata; export it with `python -m training export`."
        )
    contract = ModelContract.from_json(metadata[METADATA_KEY], source=name)
    if expect_kind and contract.kind != expect_kind:
        raise ModelError(f"Model file {name} is a {contract.kind}, but a {expect_kind} was expected here.")
    _check_graph(session, contract, name)
    return LoadedModel(path=path, contract=contract, session=session, sha256=hashlib.sha256(data).hexdigest())


def _dim(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _check_graph(session: ort.InferenceSession, contract: ModelContract, name: str) -> None:
    inputs = session.get_inputs()
    outputs = session.get_outputs()
    if len(inputs) != 1:
        raise ModelError(f"Model file {name} has {len(inputs)} inputs; livespecies models take exactly one image tensor.")
    graph_input = inputs[0]
    if graph_input.name != contract.input.name:
        raise ModelError(f"Model file {name}: its metadata names input '{contract.input.name}' but the graph's input is '{graph_input.name}'.")
    if graph_input.type != "tensor(float)":
        raise ModelError(f"Model file {name}: input must be a float tensor, not {graph_input.type}.")
    shape = list(graph_input.shape)
    if len(shape) != 4 or _dim(shape[1]) not in (3, None):
        raise ModelError(f"Model file {name}: input shape {shape} is not N×3×H×W.")
    h, w = _dim(shape[2]), _dim(shape[3])
    if contract.input.size_multiple and (h is not None or w is not None):
        raise ModelError(f"Model file {name}: metadata says the input size is flexible but the graph fixes it at {h}×{w}.")
    if (h is not None and h != contract.input.height) or (w is not None and w != contract.input.width):
        raise ModelError(
            f"Model file {name}: metadata says {contract.input.height}×{contract.input.width} input but the graph takes {h}×{w}."
        )
    by_name = {o.name: o for o in outputs}
    if contract.output.name not in by_name:
        raise ModelError(f"Model file {name}: its metadata names output '{contract.output.name}', which the graph lacks.")
    out_shape = list(by_name[contract.output.name].shape)
    labels = len(contract.labels)
    if contract.kind == "classifier":
        width = _dim(out_shape[-1]) if out_shape else None
        if len(out_shape) != 2 or (width is not None and width != labels):
            raise ModelError(f"Model file {name} declares {labels} labels but its output has shape {out_shape}.")
    else:
        width = _dim(out_shape[-1]) if out_shape else None
        if len(out_shape) != 3 or (width is not None and width != 5 + labels):
            raise ModelError(
                f"Model file {name} declares {labels} detector classes but its output has shape {out_shape} "
                f"(expected N×anchors×{5 + labels})."
            )
