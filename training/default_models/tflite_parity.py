"""Does the converted ONNX model answer as the TFLite original does, on real photos?

The reference is Google's own interpreter (``ai-edge-litert``, a build-time
dependency of the training extra; the program never imports it). Both models see
exactly the engine's preprocessing of each photo (square crop of the whole frame,
resize, centre crop), the TFLite one as the uint8 pixels it was built for.
Agreement means the same top-1 label on at least 99% of the photos and
probabilities within ``MAX_STEPS`` steps of the TFLite output's uint8 grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import InputSpec
from livespecies.inference.preprocess import prepare, square_crop
from training.export import ParityError

MIN_TOP1_AGREEMENT = 0.99
# Of the TFLite output's quantisation step (1/256 for these models). Measured on the project's photos: median
# 0.49 steps (TFLite's own rounding of its output), 2 of 71 photos above 2 steps, the worst 3.7, where one
# logit lands one step (0.08) apart after onnxruntime's and TFLite's integer requantisation round differently.
MAX_STEPS = 4.0


@dataclass(frozen=True)
class Agreement:
    photos: int
    same_top1: int
    max_abs_diff: float
    median_abs_diff: float
    step: float

    @property
    def top1_rate(self) -> float:
        return self.same_top1 / self.photos if self.photos else 0.0

    @property
    def max_steps(self) -> float:
        return self.max_abs_diff / self.step

    def describe(self) -> str:
        return (f"vs TFLite on {self.photos} real photos: same top-1 {self.same_top1}/{self.photos}, max |diff| "
                f"{self.max_abs_diff:.4f} ({self.max_steps:.2f} quantisation steps; median {self.median_abs_diff / self.step:.2f})")  # fmt: skip

    def check(self) -> None:
        if self.photos == 0:
            raise ParityError("no photos to compare the conversion on")
        if self.top1_rate < MIN_TOP1_AGREEMENT or self.max_steps > MAX_STEPS:
            raise ParityError(f"converted model disagrees with the TFLite original {self.describe()}")


def compare(onnx_path: Path, tflite_path: Path, spec: InputSpec, photos: Sequence[Path]) -> Agreement:
    from ai_edge_litert.interpreter import Interpreter  # build-time only

    interpreter = Interpreter(model_path=str(tflite_path), num_threads=1)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]
    target = interpreter.get_output_details()[0]
    step, zero_point = target["quantization"]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    same, diffs = 0, []
    for photo in photos:
        pixels = load_image(photo).pixels
        h, w = pixels.shape[:2]
        tensor = prepare(square_crop(pixels, 0, 0, w, h, 0.0, spec.resize_size), spec)
        # The engine's float input is (pixel - mean) / std; the TFLite input is the pixel itself.
        as_pixels = np.rint(tensor * np.array(spec.std, np.float32)[:, None, None] + np.array(spec.mean, np.float32)[:, None, None])
        interpreter.set_tensor(source["index"], as_pixels.transpose(1, 2, 0)[None].astype(np.uint8))
        interpreter.invoke()
        reference = (interpreter.get_tensor(target["index"])[0].astype(np.float32) - zero_point) * step
        converted = session.run(None, {spec.name: tensor[None]})[0][0]
        same += int(reference.argmax() == converted.argmax())
        diffs.append(float(np.abs(reference - converted).max()))
    return Agreement(len(photos), same, max(diffs, default=0.0), float(np.median(diffs)) if diffs else 0.0, float(step))
