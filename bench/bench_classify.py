"""Benchmark: photo classification throughput, per stage, against raw onnxruntime in the same process.

    python bench/bench_classify.py [--folder DIR_OF_JPEGS] [--repeat 3] [--threads N]

Without --folder it makes 1920×1080 JPEGs (quality 90) from the real photos in
tests/data/photos, so every image holds what a camera would see. Prints:

* engine, stage by stage (decode, detect, classify, total) in ms per image;
* the same work done with bare cv2 + onnxruntime sessions (no livespecies code), and the ratio;
* the throughput of ``livespecies classify``'s loop: the old one (one photo at a time, two-thread sessions)
  against the new one (a photo per core, one-thread sessions), with the float and the INT8 detector, interleaved.

The engine runs without the bird and insect specialists here, so that it does the same work as the raw
baseline; what the specialists add is measured by ``bench/bench_routing.py``.

Numbers only: nothing here passes or fails. The machines are shared, so compare
the ratio, and rerun before trusting a difference of a few percent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livespecies.batch.progress import ProgressBar  # noqa: E402
from livespecies.batch.run import classify_files  # noqa: E402
from livespecies.capture.image_file import DecodedImage, load_image  # noqa: E402
from livespecies.inference.assembly import ModelChoice, assemble, choose  # noqa: E402
from livespecies.inference.decision import decide  # noqa: E402
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists  # noqa: E402
from livespecies.inference.detector import AnimalDetector  # noqa: E402
from livespecies.inference.engine import EngineSettings, Recognizer  # noqa: E402
from livespecies.inference.model_file import load_model  # noqa: E402
from livespecies.inference.preprocess import square_crop  # noqa: E402
from livespecies.types import Detection, Observation, Result  # noqa: E402

INT8_DETECTOR = "megadetector-lite-yolox-tiny-int8.onnx"


def make_1080p_jpegs(out: Path) -> list[Path]:
    sources = sorted((ROOT / "tests/data/photos").glob("*/*.webp"))
    paths = []
    for index, source in enumerate(sources):
        image = cv2.imread(str(source))
        h, w = image.shape[:2]
        scale = max(1920 / w, 1080 / h)  # fill the frame, then centre-crop to 16:9
        resized = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
        top, left = (resized.shape[0] - 1080) // 2, (resized.shape[1] - 1920) // 2
        path = out / f"frame_{index:03d}.jpg"
        cv2.imwrite(str(path), resized[top : top + 1080, left : left + 1920], [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


class Raw:
    """The same models and the same work, written the shortest way with cv2 and onnxruntime only."""

    def __init__(self, recognizer: Recognizer) -> None:
        assert recognizer.detector is not None
        self.det = recognizer.detector.model.session
        self.cls = recognizer.classifier.generalist.model.session
        self.cls_spec = recognizer.classifier.generalist.spec
        self.settings = recognizer.settings
        self.size = recognizer.detector.spec.width

    def detect(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        h, w = image.shape[:2]
        n = self.size
        s = min(n / w, n / h)
        canvas = np.zeros((n, n, 3), np.uint8)
        canvas[: round(h * s), : round(w * s)] = cv2.resize(image, (round(w * s), round(h * s)))
        blob = canvas[..., ::-1].transpose(2, 0, 1)[None].astype(np.float32)
        out = self.det.run(None, {"images": blob})[0][0]
        scores = out[:, 4] * out[:, 5]
        keep = scores >= self.settings.detector_threshold
        boxes = [[(cx - bw / 2) / s, (cy - bh / 2) / s, bw / s, bh / s] for cx, cy, bw, bh in out[keep, :4]]
        chosen = cv2.dnn.NMSBoxes(boxes, scores[keep].tolist(), self.settings.detector_threshold, 0.45)
        return [tuple(boxes[i]) for i in np.array(chosen).reshape(-1)]  # type: ignore[misc]

    def classify(self, image: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
        h, w = image.shape[:2]
        crops = []
        for x, y, bw, bh in boxes or [(0.0, 0.0, float(w), float(h))]:
            side = int(max(bw, bh) * 1.15)
            cx, cy = int(x + bw / 2), int(y + bh / 2)
            crop = image[max(cy - side // 2, 0) : cy + side // 2, max(cx - side // 2, 0) : cx + side // 2]
            crop = cv2.resize(crop, (256, 256))[16:240, 16:240]
            crops.append(crop[..., ::-1].transpose(2, 0, 1).astype(np.float32))
        return np.asarray(self.cls.run(None, {"image": np.stack(crops)})[0])


def classify_stage(recognizer: Recognizer, pixels: np.ndarray, detections: list[Detection]) -> list[Observation]:
    """The classifier's share of recognize(): the boxes' crops, or the whole frame when there is no box (fallback)."""
    h, w = pixels.shape[:2]
    size = recognizer.classifier.crop_size
    if detections:
        crops = []
        for detection in detections:
            assert detection.box is not None
            x0, y0, x1, y1 = detection.box.to_pixels(w, h)
            crops.append(square_crop(pixels, x0, y0, x1, y1, recognizer.settings.crop_padding, size))
    else:
        detections = [Detection(None, None)]
        crops = [square_crop(pixels, 0, 0, w, h, 0.0, size)]
    probabilities = recognizer.classifier.classify(crops, recognizer.settings.routing)
    return [Observation(d, p) for d, p in zip(detections, probabilities, strict=True)]


def time_one(recognizer: Recognizer, raw: Raw, path: Path, blob: bytes) -> dict[str, float]:
    """Seconds per stage for one image: the engine stage by stage (the calls recognize() makes), the engine
    end to end, and the raw baseline doing the same decode, the same two models and the same number of crops."""
    assert recognizer.detector is not None
    clock = time.perf_counter
    t0 = clock()
    image = load_image(path)
    t1 = clock()
    detections = recognizer.detector.detect(image.pixels, recognizer.settings.detector_threshold)
    t2 = clock()
    observed = classify_stage(recognizer, image.pixels, detections)
    t3 = clock()
    decide(observed, recognizer.taxonomy, recognizer.settings.decision, image.width, image.height, "detector")
    t4 = clock()
    recognizer.recognize(load_image(path).pixels)
    t5 = clock()
    pixels = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    t6 = clock()
    raw_boxes = raw.detect(pixels)
    t7 = clock()
    raw.classify(pixels, raw_boxes)
    t8 = clock()
    return {"decode": t1 - t0, "detect": t2 - t1, "classify": t3 - t2, "decide": t4 - t3, "total": t5 - t4,
            "raw_decode": t6 - t5, "raw_detect": t7 - t6, "raw_classify": t8 - t7, "raw_total": t8 - t5}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="folder of JPEGs (default: 1080p frames made from tests/data/photos)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the folder; the median pass is reported")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="onnxruntime intra-op threads (default: all cores, as classify)")
    parser.add_argument("--detector-size", type=int, default=None, help="detector input size (default: native 640)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted(args.folder.glob("*.jp*g")) if args.folder else make_1080p_jpegs(Path(tmp))
        blobs = [p.read_bytes() for p in paths]
        settings = EngineSettings(detector_size=args.detector_size)
        recognizer = assemble(ModelChoice(default_classifier(), default_detector()), settings, threads=args.threads)
        raw = Raw(recognizer)
        assert recognizer.detector is not None
        first = cv2.imdecode(np.frombuffer(blobs[0], np.uint8), cv2.IMREAD_COLOR)
        threads = recognizer.detector.model.session.get_session_options().intra_op_num_threads
        print(f"detector input {raw.size}×{raw.size}; {len(paths)} images of {first.shape[1]}×{first.shape[0]}, "
              f"{args.repeat} passes, onnxruntime threads {threads}")

        stages: dict[str, list[float]] = {k: [] for k in ("decode", "detect", "classify", "decide", "total", "raw_decode", "raw_detect",
                                                            "raw_classify", "raw_total")}  # fmt: skip
        for _ in range(args.repeat):
            pass_times: dict[str, float] = dict.fromkeys(stages, 0.0)
            for path, blob in zip(paths, blobs, strict=True):
                for key, value in time_one(recognizer, raw, path, blob).items():
                    pass_times[key] += value
            for key in stages:
                stages[key].append(pass_times[key] / len(paths) * 1000)

        median = {k: statistics.median(v) for k, v in stages.items()}
        boxes = sum(len(recognizer.detector.detect(load_image(p).pixels, recognizer.settings.detector_threshold)) for p in paths)
        print(f"boxes per image (detector >= {recognizer.settings.detector_threshold}): {boxes / len(paths):.2f}")
        print(f"{'stage':12s} {'engine ms':>10s} {'raw ms':>10s} {'ratio':>7s}")
        for stage in ("decode", "detect", "classify", "total"):
            engine = median[stage]
            bare = median[f"raw_{stage}"]
            print(f"{stage:12s} {engine:10.1f} {bare:10.1f} {engine / bare:7.2f}")
        print(f"{'decide':12s} {median['decide']:10.2f}")
        overhead = median["total"] / median["raw_total"] - 1
        print(f"engine overhead over raw decode + inference: {overhead:+.1%}  (sequential, one image at a time)")
        print(f"sequential throughput: engine {1000 / median['total']:.1f} images/s, raw {1000 / median['raw_total']:.1f} images/s")

        # The detector alone, float against INT8, same threads, same photos, interleaved.
        detectors = {"float": recognizer.detector,
                     "INT8": AnimalDetector(load_model(ROOT / "models" / INT8_DETECTOR, threads=args.threads), args.detector_size)}  # fmt: skip
        decoded = [load_image(p).pixels for p in paths]
        detect_ms: dict[str, list[float]] = {k: [] for k in detectors}
        for _ in range(args.repeat):
            for name, detector in detectors.items():
                began = time.perf_counter()
                for pixels in decoded:
                    detector.detect(pixels, recognizer.settings.detector_threshold)
                detect_ms[name].append((time.perf_counter() - began) / len(decoded) * 1000)
        f, q = statistics.median(detect_ms["float"]), statistics.median(detect_ms["INT8"])
        print(f"detector alone at {raw.size} px, {threads} threads: float {f:.1f} ms, INT8 {q:.1f} ms per image, float / INT8 {f / q:.2f}")

        class Null:
            def write(self, record: object) -> None: ...
            def close(self) -> None: ...

        cores = os.cpu_count() or 1
        int8 = ROOT / "models" / INT8_DETECTOR
        loops = [("old: 1 photo at a time, 2-thread sessions, float detector", 1, cores, default_detector()),
                 (f"new: {cores} photos at a time, 1-thread sessions, float detector (default)", cores, 1, default_detector()),
                 (f"new: {cores} photos at a time, 1-thread sessions, INT8 detector", cores, 1, int8)]  # fmt: skip
        engines = {name: assemble(choose(default_classifier(), detector, default_specialists()), settings, threads=threads)
                   for name, _, threads, detector in loops}  # fmt: skip
        rates: dict[str, list[float]] = {name: [] for name, *_ in loops}
        for _ in range(args.repeat):  # interleaved, so that a noisy minute hits every variant alike
            for name, jobs, _, _ in loops:
                loop_engine = engines[name]

                def recognise_all(image: DecodedImage, engine: Recognizer = loop_engine) -> Result:  # as `livespecies classify` runs
                    return replace(engine.recognize(image.pixels), width=image.width, height=image.height)

                tally = classify_files(paths, recognise_all, Null(), ProgressBar(sys.stderr, None, False),
                                       decode=lambda p: load_image(p, target_long_side=2048), jobs=jobs)  # fmt: skip
                rates[name].append(tally.images / tally.elapsed)
        baseline = statistics.median(rates[loops[0][0]])
        print("`livespecies classify` loop with the shipped specialists, images/s (median of passes; ratio to the old loop):")
        for name, *_ in loops:
            rate = statistics.median(rates[name])
            print(f"  {name}: {rate:.1f}  x{rate / baseline:.2f}  (passes: {', '.join(f'{r:.1f}' for r in rates[name])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
