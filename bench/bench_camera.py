"""Benchmark: train on one camera's earlier frames with the README's commands, judge the model on its later frames.

    python bench/bench_camera.py --frames DIR/frames.csv --labels DIR/labels.csv [--held-out 0.3] [--mode head] [--out DIR]

This is how a user meets a model trained on their own camera, and how the
project's hidden trail-camera set is checked: the frames (a ``path,label`` CSV in
time order, as ``python -m training.sample_camera`` writes) are cut by time; the
earlier ones go to

    python -m training train --data TRAIN.csv --labels LABELS.csv --out OUT
    python -m training export --checkpoint OUT/model.pt --out OUT/model.onnx
    livespecies classify --json --model OUT/model.onnx LATER_FRAMES…

and every later frame is graded from ``classify``'s first answer: *right* (its
animal, or no animal on an empty, human or vehicle frame), *wrong* (another
animal, or an animal on a non-animal frame), *coarser* (a true coarser taxon,
"unidentified mammal" on a deer), or *abstained*. Prints the rates,
the confusions, and the wall time of training and export. Numbers only.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str]) -> float:
    began = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=Path, required=True, help="path,label CSV of the camera's frames in time order")
    parser.add_argument("--labels", type=Path, required=True, help="labels CSV (organism = no for empty, human, vehicle)")
    parser.add_argument("--held-out", type=float, default=0.3, help="the latest share of frames kept for judging (default 0.3)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--train-option", action="append", default=[], help="extra option for `training train` (repeatable)")
    parser.add_argument("--classify-option", action="append", default=[],
                        help="extra option for `livespecies classify` (repeatable), e.g. --detector models/…onnx")
    parser.add_argument("--answers", type=Path, default=None,
                        help="grade this `classify --json` output of the later frames instead of training (another version's model)")
    args = parser.parse_args()

    with args.frames.open(newline="") as handle:
        rows = [(args.frames.parent / r["path"], r["label"]) for r in csv.DictReader(handle)]
    cut = round(len(rows) * (1 - args.held_out))
    earlier, later = rows[:cut], rows[cut:]
    organism, names = {}, {}
    with args.labels.open(newline="") as handle:
        for r in csv.DictReader(handle):
            organism[r["folder"]] = (r.get("organism") or "yes").lower() not in ("no", "false", "0")
            # `classify` names the class by the labels CSV's scientific (else common) name; its lineage lists the ranks above.
            own = r.get("scientific_name") or r.get("common_name") or r["folder"].replace("_", " ")
            names[r["folder"]] = [own] + [part.split(":", 1)[1] for part in (r.get("lineage") or "").split(";") if ":" in part]
    train_s = export_s = 0.0
    if args.answers is not None:
        output = args.answers.read_text()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out or Path(tmp) / "run"
            table = Path(tmp) / "earlier.csv"
            with table.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(("path", "label"))
                writer.writerows((str(path.resolve()), label) for path, label in earlier)
            python = sys.executable
            train_s = run([python, "-m", "training", "train", "--data", str(table), "--labels", str(args.labels), "--out", str(out),
                           *args.train_option])  # fmt: skip
            export_s = run([python, "-m", "training", "export", "--checkpoint", str(out / "model.pt"), "--out", str(out / "model.onnx")])
            classify = [python, "-m", "livespecies", "classify", "--json", "--model", str(out / "model.onnx"), *args.classify_option]
            output = subprocess.run([*classify, *(str(p) for p, _ in later)], capture_output=True, text=True, cwd=ROOT).stdout
    answers = {Path(r["path"]).resolve(): r for r in map(json.loads, output.splitlines())}
    outcomes: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    per_class: dict[str, Counter[str]] = {}
    for path, label in later:
        predictions = answers[path.resolve()]["predictions"]
        claimed = predictions[0]["scientific_name"] or predictions[0]["label"] if predictions else None
        if claimed is None:
            outcome = "abstained" if organism[label] else "right"
        elif not organism[label]:
            outcome = "wrong"
        elif claimed == names[label][0]:
            outcome = "right"
        else:
            outcome = "coarser" if claimed in names[label][1:] else "wrong"  # "unidentified mammal" on a deer is true
        outcomes[outcome] += 1
        per_class.setdefault(label, Counter())[outcome] += 1
        if outcome == "wrong":
            confusions[(label, claimed or "-")] += 1
    n = len(later)
    print(f"{len(earlier)} earlier frames trained on, {n} later frames judged; training {train_s:.0f} s, export {export_s:.0f} s")
    print(f"later frames: right {outcomes['right'] / n:.1%}, wrong {outcomes['wrong'] / n:.1%}, coarser {outcomes['coarser'] / n:.1%}, "
          f"abstained {outcomes['abstained'] / n:.1%}")  # fmt: skip
    for label, counts in sorted(per_class.items()):
        total = sum(counts.values())
        print(f"  {label:12s} {total:4d} frames: right {counts['right'] / total:.0%}, wrong {counts['wrong'] / total:.0%}, "
              f"coarser {counts['coarser'] / total:.0%}, abstained {counts['abstained'] / total:.0%}")  # fmt: skip
    if confusions:
        print("wrong answers: " + ", ".join(f"{t} → {c} ×{k}" for (t, c), k in confusions.most_common(8)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
