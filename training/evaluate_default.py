"""Measure recognition on the real photos in tests/data/photos against their truth table.

    python -m training evaluate-default --models models [--classifier FILE] [--sweep]

Scores each photo's top prediction against the truth's lineage in the model's
own taxonomy: *exact* (the true taxon, or for species-level truths any breed of
it), *roll-up* (a correct coarser taxon), *wrong* (a taxon not on the truth's
lineage) or *nothing*. Blank scenes count any prediction as a false animal.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from livespecies.capture.image_file import load_image
from livespecies.inference.decision import decide
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Observation, Result

PHOTOS = Path("tests/data/photos")


@dataclass(frozen=True)
class Truth:
    path: str
    taxon: tuple[str, str] | None
    accept_descendants: bool
    in_vocabulary: bool


def read_truth(folder: Path = PHOTOS) -> list[Truth]:
    with (folder / "truth.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        taxon = tuple(row["truth"].split(":", 1)) if row["truth"] else None
        out.append(Truth(row["path"], taxon, row["accept_descendants"] == "yes", row["in_vocabulary"] == "yes"))  # type: ignore[arg-type]
    return out


def score(result: Result, truth: Truth, taxonomy: Taxonomy) -> str:
    """'exact', 'rollup', 'wrong', 'nothing', or for blank scenes 'clear' / 'false_animal'."""
    if truth.taxon is None:
        return "false_animal" if result.predictions else "clear"
    if not result.predictions:
        return "nothing"
    claimed = result.predictions[0]
    keys = [(t.rank, t.name) for t in claimed.lineage]
    if keys[0] == truth.taxon or (truth.accept_descendants and truth.taxon in keys):
        return "exact"
    truth_lineage = _lineage_of(truth.taxon, taxonomy)
    if truth_lineage is None:
        raise ValueError(f"{truth.path}: truth {truth.taxon} is not a taxon of this model")
    return "rollup" if keys[0] in truth_lineage else "wrong"


def _lineage_of(key: tuple[str, str], taxonomy: Taxonomy) -> list[tuple[str, str]] | None:
    for node, taxon in enumerate(taxonomy.taxa):
        if (taxon.rank, taxon.name) == key:
            return [(t.rank, t.name) for t in taxonomy.lineage(node)]
    return None


def observe_all(recognizer: Recognizer, truths: Sequence[Truth], folder: Path) -> list[tuple[str, list[Observation], int, int]]:
    """Run the models once per photo; thresholds are then swept over the same observations."""
    out = []
    for truth in truths:
        image = load_image(folder / truth.path)
        mode, observations = recognizer.observe(image.pixels)
        out.append((mode, observations, image.width, image.height))
    return out


def evaluate(
    recognizer: Recognizer,
    truths: Sequence[Truth],
    observed: Sequence[tuple[str, list[Observation], int, int]],
    verbose: bool = False,
) -> dict[str, Counter[str]]:
    groups: dict[str, Counter[str]] = {}
    for truth, (mode, observations, width, height) in zip(truths, observed, strict=True):
        result = decide(observations, recognizer.taxonomy, recognizer.settings.decision, width, height, mode)
        outcome = score(result, truth, recognizer.taxonomy)
        group = "blank" if truth.taxon is None else ("in_vocabulary" if truth.in_vocabulary else "out_of_vocabulary")
        groups.setdefault(group, Counter())[outcome] += 1
        if truth.taxon is not None:
            # Every claimed box, not just the top one: a second, wrong label in the same photo is still wrong.
            for prediction in result.predictions:
                single = Result(width, height, (prediction,), mode=mode)
                groups.setdefault("boxes", Counter())[score(single, truth, recognizer.taxonomy)] += 1
        if verbose:
            top = result.predictions[0] if result.predictions else None
            said = f"{top.taxon.rank} {top.taxon.name} ({top.label}) {top.confidence:.2f}" if top else "-"
            print(f"  {truth.path:45s} {outcome:12s} {result.mode:20s} n={len(result.predictions)} {said}")
    return groups


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training evaluate-default", description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--classifier", type=Path, action="append", help="classifier file(s); default: every imagenet-*.onnx in --models")
    parser.add_argument("--photos", type=Path, default=PHOTOS)
    parser.add_argument("--sweep", action="store_true", help="also sweep thresholds and the whole-frame fallback")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    truths = read_truth(args.photos)
    detector = args.models / "megadetector-lite-yolox-tiny.onnx"
    for classifier in args.classifier or sorted(args.models.glob("imagenet-*.onnx")):
        base = Recognizer.from_files(classifier, detector, EngineSettings())
        print(f"== {classifier.name}")
        modes = [EngineSettings()]
        thresholds: Sequence[float] = (EngineSettings().threshold,)
        if args.sweep:
            modes = [EngineSettings(detector_threshold=d, whole_frame_fallback=f) for d, f in itertools.product((0.15, 0.25, 0.35), (True, False))]
            modes.append(EngineSettings(use_detector=False))
            thresholds = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
        for mode_settings in modes:
            recognizer = Recognizer(base.classifier, base.detector, mode_settings)
            observed = observe_all(recognizer, truths, args.photos)
            for threshold in thresholds:
                settings = replace(mode_settings, threshold=threshold)
                groups = evaluate(Recognizer(base.classifier, base.detector, settings), truths, observed, args.verbose)
                where = "whole-frame"
                if settings.use_detector:
                    where = f"detector>={settings.detector_threshold:.2f}" + ("+fallback" if settings.whole_frame_fallback else "")
                print(f"{where:28s} threshold {threshold:.2f}: " + "  ".join(f"{g}: {dict(sorted(c.items()))}" for g, c in sorted(groups.items())))
    return 0
