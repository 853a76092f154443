"""Benchmark: what the bird and insect specialists cost, per routed crop, beside raw onnxruntime in the same run.

    python bench/bench_routing.py [--photos DIR]... [--repeat 3] [--threads N]

On the real photos of tests/data/photos (and .cache/eval-photos when it exists, see
``python -m training.registry_photos``), the detector runs once per photo and its
crops are kept. Then, on exactly those crops:

* the generalist alone, and the generalist with its specialists routed as the engine
  routes them (``RoutedClassifier.classify``), in ms per photo, passes interleaved;
* how many crops were routed to each specialist;
* the extra cost divided by the routed crops: the cost per routed crop;
* the same specialist run on one routed crop by a bare onnxruntime session (the raw
  model cost, no livespecies code), for the ratio.

Numbers only: nothing here passes or fails. The machines are shared, so compare ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livespecies.capture.image_file import load_image  # noqa: E402
from livespecies.inference.assembly import assemble, choose  # noqa: E402
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists  # noqa: E402
from livespecies.inference.engine import EngineSettings, Recognizer  # noqa: E402
from livespecies.inference.preprocess import Image, prepare  # noqa: E402
from livespecies.inference.specialists import RoutedClassifier, Specialist  # noqa: E402


def photo_crops(recognizer: Recognizer, folders: list[Path]) -> list[list[Image]]:
    crops = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".webp", ".jpg", ".png")):
            crops.append(recognizer.crops(load_image(path).pixels)[2])
    return crops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, action="append", help="folders of photos (default: tests/data/photos and .cache/eval-photos)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    folders = args.photos or [ROOT / "tests/data/photos", *([ROOT / ".cache/eval-photos"] if (ROOT / ".cache/eval-photos").is_dir() else [])]

    choice = choose(default_classifier(), default_detector(), default_specialists())
    recognizer = assemble(choice, EngineSettings(), threads=args.threads)
    routed = recognizer.classifier
    alone = RoutedClassifier(routed.generalist)
    photos = photo_crops(recognizer, folders)
    crops = sum(len(c) for c in photos)
    settings = recognizer.settings.routing
    print(f"{len(photos)} photos, {crops} crops; route threshold {settings.route_threshold}, rule {settings.rule}; "
          f"onnxruntime threads {args.threads}")

    routed_to: dict[str, int] = {s.model_id: 0 for s in routed.specialists}
    for photo in photos:

        def count(specialist: Specialist, rows: list[int], photo: list[Image] = photo) -> np.ndarray:
            routed_to[specialist.model_id] += len(rows)
            return specialist.classifier.classify([photo[i] for i in rows])

        routed.route(routed.generalist.classify(photo), settings, count)
    for model_id, count in routed_to.items():
        print(f"  routed to {model_id}: {count} crops ({count / crops:.0%})")

    timings: dict[str, list[float]] = {"generalist": [], "with specialists": []}
    for _ in range(args.repeat):
        for name, classifier in (("generalist", alone), ("with specialists", routed)):
            start = time.perf_counter()
            for photo in photos:
                classifier.classify(photo, settings)
            timings[name].append((time.perf_counter() - start) / len(photos) * 1000)
    base, full = statistics.median(timings["generalist"]), statistics.median(timings["with specialists"])
    total_routed = sum(routed_to.values())
    print(f"classification per photo: generalist {base:.1f} ms, with specialists {full:.1f} ms ({full / base - 1:+.0%})")
    per_crop = (full - base) * len(photos) / total_routed if total_routed else float("nan")
    print(f"extra cost per routed crop (routing, specialist, combining): {per_crop:.1f} ms")

    for specialist in routed.specialists:
        session, spec = specialist.classifier.model.session, specialist.classifier.spec
        tensor = prepare(photos[0][0], spec)[None]
        session.run(None, {spec.name: tensor})
        times = []
        for _ in range(20):
            start = time.perf_counter()
            session.run(None, {spec.name: tensor})
            times.append(time.perf_counter() - start)
        raw = statistics.median(times) * 1000
        print(f"raw onnxruntime, {specialist.model_id}, one crop: {raw:.1f} ms (engine per routed crop / raw: {per_crop / raw:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
