"""Benchmark: photo classification throughput, per stage, against raw onnxruntime in the same process.

    python bench/bench_classify.py [--folder DIR_OF_JPEGS] [--repeat 3] [--threads N]

Without --folder it makes 1920×1080 JPEGs (quality 90) from the real photos in
tests/data/photos, so every image holds what a camera would see. Prints:

* engine, stage by stage (decode, detect, classify, total) in ms per image;
* the same work done with bare cv2 + onnxruntime sessions (no livespecies code), and the ratio;
* the throughput of ``livespecies classify``'s loop: the old one (one photo at a time, two-thread sessions)
  against the new one (a photo per core, one-thread sessions), with the float and the INT8 detector (the default),
  with and without the specialists, against the raw baseline run the same way (a photo per core, one-thread
  sessions of the same files), interleaved;
* the real command end to end (``python -m livespecies classify --json DIR``, output thrown away): its wall time
  with start-up and model loading, and the rate it reports itself, against the raw loop of the same pass.

The stage-by-stage engine runs without the bird and insect specialists, so that it does the same work as the raw
baseline; what the specialists add is measured by ``bench/bench_routing.py`` (and shows here as the loop with them
against the loop without).

Numbers only: nothing here passes or fails. The machines are shared, so compare
the ratio, and rerun before trusting a difference of a few percent.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists, float_detector  # noqa: E402
from livespecies.inference.detector import AnimalDetector  # noqa: E402
from livespecies.inference.engine import EngineSettings, Recognizer  # noqa: E402
from livespecies.inference.model_file import load_model  # noqa: E402
from livespecies.inference.preprocess import square_crop  # noqa: E402
from livespecies.types import Detection, Observation, Result  # noqa: E402

TARGET = 15.0  # photos/s on 1080p photos on two cores, end to end (issue 20)


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


def raw_loop(raw: Raw, paths: list[Path], jobs: int) -> tuple[float, float]:
    """(images/s, CPU ms per image) of the raw baseline run as ``classify`` runs: ``jobs`` photos at a time, each
    read from its file, decoded, detected and its boxes classified, on the sessions ``raw`` holds."""

    def one(path: Path) -> None:
        pixels = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
        assert pixels is not None, path
        raw.classify(pixels, raw.detect(pixels))

    began, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, paths))
    return len(paths) / (time.perf_counter() - began), (time.process_time() - cpu) / len(paths) * 1000


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command_run(folder: Path) -> tuple[float, float, float]:
    """``livespecies classify --json folder`` as a user runs it: (images/s over the wall time, start-up and model
    loading included; the images/s the command reports itself, its loop alone; its CPU ms per image, start-up included)."""
    began, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([sys.executable, "-m", "livespecies", "classify", "--json", "--no-progress", str(folder)], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)  # fmt: skip
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    found = re.search(r"Classified (\d+) images in [\d.]+ s \(([\d.]+) images/s\)", done.stderr)
    assert found, done.stderr
    images = int(found.group(1))
    return images / wall, float(found.group(2)), cpu / images * 1000


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
        print(f"detector {default_detector().name} (the default), input {raw.size}×{raw.size}; {len(paths)} images of "
              f"{first.shape[1]}×{first.shape[0]}, {args.repeat} passes, onnxruntime threads {threads}; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

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
        detectors = {"float": AnimalDetector(load_model(float_detector(), threads=args.threads), args.detector_size),
                     "INT8": recognizer.detector}  # fmt: skip
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
        plain = f"{cores} photos at a time, 1-thread sessions"
        loops = [(f"old: 1 photo at a time, {cores}-thread sessions, float detector", 1, cores, float_detector(), True),
                 (f"{plain}, float detector (--detector {float_detector().name})", cores, 1, float_detector(), True),
                 (f"default: {plain}, INT8 detector", cores, 1, default_detector(), True),
                 (f"{plain}, INT8 detector, no specialists (the raw loop's work)", cores, 1, default_detector(), False)]  # fmt: skip
        engines = {name: assemble(choose(default_classifier(), detector, default_specialists() if specialists else []), settings,
                                  threads=threads)
                   for name, _, threads, detector, specialists in loops}  # fmt: skip
        raw_one_thread = Raw(engines[loops[-1][0]])  # the same INT8 detector and ImageNet files, 1-thread sessions
        raw_name = f"raw onnxruntime + cv2: {plain}, INT8 detector, ImageNet ensemble alone"
        command_name = f"`livespecies classify --json DIR` (defaults: {cores} jobs, INT8 detector, specialists)"
        rates: dict[str, list[float]] = {name: [] for name, *_ in loops}
        rates[raw_name] = []
        command_rates: list[tuple[float, float, float]] = []
        raw_cpu: list[float] = []
        folder = args.folder or Path(tmp)
        for _ in range(args.repeat):  # interleaved, so that a noisy minute hits every variant alike
            rate, cpu_ms = raw_loop(raw_one_thread, paths, cores)
            rates[raw_name].append(rate)
            raw_cpu.append(cpu_ms)
            command_rates.append(command_run(folder))
            for name, jobs, _, _, _ in loops:
                loop_engine = engines[name]

                def recognise_all(image: DecodedImage, engine: Recognizer = loop_engine) -> Result:  # as `livespecies classify` runs
                    return replace(engine.recognize(image.pixels), width=image.width, height=image.height)

                tally = classify_files(paths, recognise_all, Null(), ProgressBar(sys.stderr, None, False),
                                       decode=lambda p: load_image(p, target_long_side=2048), jobs=jobs)  # fmt: skip
                rates[name].append(tally.images / tally.elapsed)
        def against(rates_of: list[float], reference: list[float]) -> float:
            """The median over passes of the ratio within each pass: a busy minute slows both sides of it alike."""
            return statistics.median(a / b for a, b in zip(rates_of, reference, strict=True))

        old, raw_rates = rates[loops[0][0]], rates[raw_name]
        print("`livespecies classify`'s loop, images/s (median of passes; ratios within each pass to the old loop and to the raw loop):")
        for name in rates:
            print(f"  {name}: {statistics.median(rates[name]):.1f}  x{against(rates[name], old):.2f} old, "
                  f"x{against(rates[name], raw_rates):.2f} raw  (passes: {', '.join(f'{r:.1f}' for r in rates[name])})")
        walls, reports, command_cpu = ([run[k] for run in command_rates] for k in range(3))
        wall, reported = statistics.median(walls), statistics.median(reports)
        print(f"end to end, {command_name}:")
        print(f"  over its wall time, start-up and model loading included: {wall:.1f} images/s, x{against(walls, raw_rates):.2f} raw  "
              f"(passes: {', '.join(f'{r:.1f}' for r in walls)})")
        print(f"  as it reports itself (its loop): {reported:.1f} images/s, x{against(reports, raw_rates):.2f} raw  "
              f"(passes: {', '.join(f'{r:.1f}' for r in reports)})")
        # On a shared machine the rates above fall with the load; CPU time per image much less so. With the cores
        # to itself a CPU-bound run would reach about cores / CPU seconds per image.
        c, r = statistics.median(command_cpu), statistics.median(raw_cpu)
        print(f"  CPU per image: the command {c:.0f} ms (start-up included), the raw loop {r:.0f} ms, x{c / r:.2f}; "
              f"with {cores} cores to itself about {cores * 1000 / c:.1f} and {cores * 1000 / r:.1f} images/s")
        print(f"  target >= {TARGET:g} images/s on {cores} cores: {'met' if reported >= TARGET else 'not met'} by the loop, "
              f"{'met' if wall >= TARGET else 'not met'} over the wall time; load average now "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
