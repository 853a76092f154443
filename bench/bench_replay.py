"""Benchmark: does the live view show the previous animal's name on the next one?

    python bench/bench_replay.py [--clip resources/demo/demo.mp4] [--rates 2 4 10] [--detector-size 416]

The demo clip (or any clip) is replayed through ``LivePipeline`` as the window runs
it, but at a fixed number of results per second: every frame whose capture time
is due is processed, the others are skipped, as when recognition is busy. For
each result, every animal the pipeline *shows* (tracked, smoothed, held) is
compared with what the models say about that frame alone (the same frame
through ``Recognizer.recognize``, the box that overlaps most): the shown taxon is
**incompatible** when neither lies on the other's lineage (a polar bear shown on
hens). Prints, per rate, the share of results showing an incompatible taxon, and
how many tracks and label changes there were. Numbers only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livespecies.inference.assembly import assemble, choose  # noqa: E402
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists  # noqa: E402
from livespecies.inference.engine import EngineSettings, Recognizer  # noqa: E402
from livespecies.inference.smoothing import iou  # noqa: E402
from livespecies.pipeline import LivePipeline  # noqa: E402
from livespecies.types import Frame, Prediction, Result  # noqa: E402


def compatible(a: Prediction, b: Prediction) -> bool:
    """True when one taxon lies on the other's lineage (the same animal, told at another rank)."""
    ka, kb = (a.taxon.rank, a.taxon.name), (b.taxon.rank, b.taxon.name)
    return ka in [(t.rank, t.name) for t in b.lineage] or kb in [(t.rank, t.name) for t in a.lineage]


def incompatible_shown(shown: Result, alone: Result) -> int:
    """How many shown animals contradict the frame's own answer for the box they overlap most."""
    count = 0
    for prediction in shown.predictions:
        best = max(alone.predictions, key=lambda p: iou(p.box, prediction.box), default=None)
        if best is not None and iou(best.box, prediction.box) >= 0.3 and not compatible(prediction, best):
            count += 1
    return count


def replay(recognizer: Recognizer, frames: list[Frame], rate: float) -> tuple[int, int, int, int]:
    """(results, results showing an incompatible taxon, tracks, label changes) at ``rate`` results per second."""
    pipeline = LivePipeline(recognizer)
    next_due = frames[0].timestamp
    results = bad = changes = 0
    last_label: dict[int, str] = {}
    for frame in frames:
        if frame.timestamp < next_due - 1e-9:
            continue
        next_due = max(next_due + 1.0 / rate, frame.timestamp)  # on schedule, so 10/s from a 12 fps clip is 10/s
        live = pipeline.process(frame, recognizer.threshold)
        alone = recognizer.recognize(frame.pixels)
        results += 1
        bad += incompatible_shown(live.result, alone) > 0
        for prediction, track in zip(live.result.predictions, live.track_ids, strict=True):
            if last_label.get(track, prediction.label) != prediction.label:
                changes += 1
            last_label[track] = prediction.label
    return results, bad, len(last_label), changes


def read_clip(path: Path) -> list[Frame]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 12.0
    frames = []
    while True:
        ok, pixels = capture.read()
        if not ok:
            break
        t = len(frames) / fps
        frames.append(Frame(len(frames) + 1, t, 1_700_000_000.0 + t, pixels))
    capture.release()
    return frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=ROOT / "resources" / "demo" / "demo.mp4")
    parser.add_argument("--rates", type=float, nargs="+", default=[2.0, 4.0, 10.0])
    parser.add_argument("--detector-size", type=int, default=416, help="as the window runs it (default 416)")
    args = parser.parse_args()
    choice = choose(default_classifier(), default_detector(), default_specialists())
    recognizer = assemble(choice, EngineSettings(detector_size=args.detector_size))
    frames = read_clip(args.clip)
    print(f"{args.clip.name}: {len(frames)} frames, {frames[-1].timestamp:.1f} s")
    for rate in args.rates:
        results, bad, tracks, changes = replay(recognizer, frames, rate)
        print(f"{rate:4.1f} results/s: {results} results, {bad} ({bad / results:.1%}) show a taxon incompatible with the frame's "
              f"own answer; {tracks} tracks, {changes} label changes")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
