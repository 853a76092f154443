"""Measure recognition on real photos against their truth table.

    python -m training evaluate-default [--photos DIR]... [--sweep] [--sweep-routing] [--verbose]

Each photo's top prediction is graded against the truth's lineage: *exact* (the
true taxon, or for species-level truths any breed of it), *finer* (inside a truth
that is only known to the genus or family), a correct coarser answer at *genus*,
*family*, *order* (any rank between family and class) or *class* rank, *wrong*
(not on the truth's lineage) or *nothing*. Blank scenes count any prediction as a
false animal. "Informative", as the project's issues use it, is exact, finer,
genus or family; "named" (the bird target) is exact, finer or genus.

Two truth formats are read: ``tests/data/photos/truth.csv`` (a taxon of the
model's own tree per photo) and the registry evaluation set made by
``python -m training.registry_photos`` or the sets of real camera-trap frames made
by ``python -m training.camera_trap_sets`` (a ``lineage`` column up to the class;
the latter also a ``sequence`` column, which ``--replay`` uses). Every figure is
printed beside the same figure with the open-set rules off (``OPEN_SET_OFF``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from livespecies.capture.image_file import load_image
from livespecies.inference.assembly import assemble, choose
from livespecies.inference.classifier import Probabilities
from livespecies.inference.decision import decide
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.specialists import COMBINATION_RULES, RoutingSettings, Specialist
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Detection, Observation, Result, Taxon

PHOTOS = Path("tests/data/photos")
TaxonKey = tuple[str, str]
FAMILY_RANKS = ("family", "subfamily", "tribe", "subtribe")
GENUS_RANKS = ("genus", "subgenus")
INFORMATIVE = ("exact", "finer", "genus", "family")
SWEPT = ("threshold", "routing", "species", "min_evidence", "coarse_evidence", "gap_evidence")
OPEN_SET_OFF = {"min_evidence": 0.0, "coarse_evidence": 0.0, "gap_evidence": 0.0}


@dataclass(frozen=True)
class Truth:
    path: str
    taxon: TaxonKey | None
    accept_descendants: bool
    in_vocabulary: bool
    lineage: tuple[TaxonKey, ...] = ()  # the truth and its ancestors up to the class, where the truth file gives them
    group: str = ""
    sequence: str = ""  # frames of one camera-trap sequence share it (``training/replay_eval.py`` replays them in order)


def read_truth(folder: Path = PHOTOS) -> list[Truth]:
    with (folder / "truth.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        taxon = _key(row["truth"]) if row["truth"] else None
        if "lineage" in row:  # the registry evaluation set and the camera-trap sets
            lineage = (taxon, *(_key(part) for part in row["lineage"].split(";") if part)) if taxon else ()
            out.append(Truth(row["path"], taxon, False, True, tuple(k for k in lineage if k), row["group"], row.get("sequence", "")))
            continue
        group = "blank" if taxon is None else ("in_vocabulary" if row["in_vocabulary"] == "yes" else "out_of_vocabulary")
        out.append(Truth(row["path"], taxon, row["accept_descendants"] == "yes", row["in_vocabulary"] == "yes", (), group))
    return out


def _key(text: str) -> TaxonKey:
    rank, _, name = text.strip().partition(":")
    return rank, name


def grade(result: Result, truth: Truth, taxonomy: Taxonomy) -> str:
    """The top prediction's grade (module docstring); blank scenes: 'clear' or 'false_animal'."""
    if truth.taxon is None:
        return "false_animal" if result.predictions else "clear"
    if not result.predictions:
        return "nothing"
    claimed = result.predictions[0]
    keys = [(t.rank, t.name) for t in claimed.lineage]
    if keys[0] == truth.taxon or (truth.accept_descendants and truth.taxon in keys):
        return "exact"
    if truth.taxon in keys:
        return "finer"
    truth_lineage = truth.lineage or _lineage_of(truth.taxon, taxonomy)
    matched = _vouched_rank(claimed.lineage, truth_lineage)
    if matched is None:
        return "wrong"
    if matched in GENUS_RANKS or matched in ("species", "subspecies"):
        return "genus"
    if matched in FAMILY_RANKS:
        return "family"
    return "class" if matched == "class" else "order"


def _vouched_rank(claimed: Sequence[Taxon], truth_lineage: Sequence[TaxonKey]) -> str | None:
    """The rank at which a claim off the truth's own lineage is still known to be true, or None when it is wrong.

    A group without a rank ("zebra", "badger") is credited at its nearest ranked ancestor (Equus, Mustelidae),
    because the truth file cannot say whether the animal is inside the group. A rank the truth file does not list
    (suborder Oscines, superfamily Apoidea) is credited at the next coarser rank it does list, provided no
    rank the truth lists names something else on the way (flamingo in WordNet's order Ciconiiformes is wrong).
    """
    truth_ranks = {rank: name for rank, name in truth_lineage}
    for taxon in claimed:
        if (taxon.rank, taxon.name) in truth_lineage:
            return taxon.rank
        if taxon.rank in truth_ranks:
            return None  # a rank the truth names, with another name
    return None


def score(result: Result, truth: Truth, taxonomy: Taxonomy) -> str:
    """The coarse grade the real-photo tests use: 'exact', 'rollup', 'wrong', 'nothing', 'clear' or 'false_animal'."""
    outcome = grade(result, truth, taxonomy)
    return {"finer": "exact", "genus": "rollup", "family": "rollup", "order": "rollup", "class": "rollup"}.get(outcome, outcome)


def _lineage_of(key: TaxonKey, taxonomy: Taxonomy) -> tuple[TaxonKey, ...]:
    node = taxonomy.node(*key)
    if node is None:
        raise ValueError(f"truth {key} is not a taxon of this model")
    return tuple((t.rank, t.name) for t in taxonomy.lineage(node))


@dataclass(frozen=True)
class Observed:
    """Everything the models said about one photo, so that settings can be swept without running them again.

    Every specialist's answer is computed for every crop; routing then decides which of them count.
    """

    mode: str
    detections: list[Detection]
    general: Probabilities
    answers: dict[str, Probabilities]
    width: int
    height: int


def observe_all(recognizer: Recognizer, truths: Sequence[Truth], folder: Path) -> list[Observed]:
    out = []
    for truth in truths:
        image = load_image(folder / truth.path)
        mode, detections, crops = recognizer.crops(image.pixels)
        routed = recognizer.classifier
        general = routed.generalist.classify(crops)
        answers = {s.model_id: s.classifier.classify(crops) for s in routed.specialists}
        out.append(Observed(mode, detections, general, answers, image.width, image.height))
    return out


def observations_of(recognizer: Recognizer, item: Observed) -> list[Observation]:
    """One photo's cached answers routed and combined under the recognizer's settings."""

    def lookup(specialist: Specialist, rows: list[int]) -> Probabilities:
        return item.answers[specialist.model_id][rows]

    joint = recognizer.classifier.route(item.general, recognizer.settings.routing, lookup)
    return [Observation(d, p) for d, p in zip(item.detections, joint, strict=True)]


def results_for(recognizer: Recognizer, observed: Sequence[Observed]) -> list[Result]:
    """Route, combine and decide each photo's cached answers under the recognizer's settings."""
    return [decide(observations_of(recognizer, item), recognizer.taxonomy, recognizer.settings.decision, item.width, item.height,
                   item.mode) for item in observed]  # fmt: skip


def evaluate(recognizer: Recognizer, truths: Sequence[Truth], results: Sequence[Result], verbose: bool = False) -> dict[str, Counter[str]]:
    groups: dict[str, Counter[str]] = {}
    for truth, result in zip(truths, results, strict=True):
        outcome = grade(result, truth, recognizer.taxonomy)
        groups.setdefault(truth.group, Counter())[outcome] += 1
        if verbose:
            top = result.predictions[0] if result.predictions else None
            said = f"{top.taxon.rank} {top.taxon.name} ({top.label}) {top.confidence:.2f} {','.join(top.models)}" if top else "-"
            print(f"  {truth.path:55s} {outcome:12s} {result.mode:20s} n={len(result.predictions)} {said}")
    return groups


def summary(counts: Counter[str]) -> str:
    total = sum(counts.values())
    if not total:
        return "-"
    if set(counts) <= {"clear", "false_animal"}:
        return f"{counts['false_animal']}/{total} false animals"
    named = counts["exact"] + counts["finer"] + counts["genus"]
    informative = named + counts["family"]
    useless = counts["order"] + counts["class"]
    return (f"n={total} named {named / total:.0%}, informative {informative / total:.0%}, order/class {useless / total:.0%}, "
            f"nothing {counts['nothing'] / total:.0%}, wrong {counts['wrong'] / total:.0%} ({dict(sorted(counts.items()))})")  # fmt: skip


def sweep(name: str, settings: Sequence[EngineSettings], base: Recognizer, sets: Sequence[tuple[list[Truth], list[Observed]]],
          describe: Callable[[EngineSettings], str]) -> None:  # fmt: skip
    print(f"== {name}")
    for choice in settings:
        recognizer = base.with_settings(**{f: getattr(choice, f) for f in SWEPT})
        merged: dict[str, Counter[str]] = {}
        for truths, observed in sets:
            for group, counts in evaluate(recognizer, truths, results_for(recognizer, observed)).items():
                merged.setdefault(group, Counter()).update(counts)
        print(describe(choice) + " | " + " | ".join(f"{g}: {summary(c)}" for g, c in sorted(merged.items())))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training evaluate-default", description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, action="append", help="folders with a truth.csv (default: tests/data/photos, "
                        "and .cache/eval-photos when it exists)")  # fmt: skip
    parser.add_argument("--no-specialists", dest="specialists", action="store_false")
    parser.add_argument("--sweep", action="store_true", help="sweep the threshold")
    parser.add_argument("--sweep-routing", action="store_true", help="sweep the specialists' combination rule and routing threshold")
    parser.add_argument("--detector", type=Path, default=None, help="detector ONNX file (default: the shipped default)")
    parser.add_argument("--detector-size", type=int, default=None, help="detector input size (default: the engine's)")
    parser.add_argument("--sweep-open-set", action="store_true", help="sweep the open-set rules' evidence (inference/open_set.py)")
    parser.add_argument("--replay", type=float, action="append", default=[], metavar="RATE",
                        help="also replay sets with sequences through the live pipeline at RATE frames/s (repeatable)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    folders = args.photos or [PHOTOS, *([Path(".cache/eval-photos")] if Path(".cache/eval-photos/truth.csv").exists() else [])]
    specialists = default_specialists() if args.specialists else []
    base = assemble(choose(default_classifier(), args.detector or default_detector(), specialists), EngineSettings(detector_size=args.detector_size))
    sets = []
    for folder in folders:
        truths = read_truth(folder)
        sets.append((truths, observe_all(base, truths, folder)))
    print("== defaults: " + ", ".join(base.classifier.model_ids))
    without = base.with_settings(**OPEN_SET_OFF)
    for folder, (truths, observed) in zip(folders, sets, strict=True):
        before = evaluate(without, truths, results_for(without, observed))
        for group, counts in sorted(evaluate(base, truths, results_for(base, observed), args.verbose).items()):
            print(f"{folder}/{group}: {summary(counts)}")
            print(f"{' ' * len(str(folder))}  without the open-set rules: {summary(before[group])}")
    from training.replay_eval import replay  # it builds on this module

    for rate in args.replay:
        for folder, (truths, observed) in zip(folders, sets, strict=True):
            if any(t.sequence for t in truths):
                live, alone = replay(base, truths, observed, rate)
                live_off, alone_off = replay(without, truths, observed, rate)
                print(f"{folder} replayed at {rate:g} frames/s: live overlay {live}; single frames {alone}")
                print(f"{' ' * len(str(folder))}  without the open-set rules: live overlay {live_off}; single frames {alone_off}")
    if args.sweep:
        sweep("threshold", [replace(base.settings, threshold=t) for t in (0.5, 0.6, 0.7, 0.8, 0.9)], base, sets,
              lambda s: f"threshold {s.threshold:.2f}")  # fmt: skip
    if args.sweep_open_set:
        choices = [replace(base.settings, min_evidence=k, coarse_evidence=c, gap_evidence=g)
                   for k, c, g in itertools.product((0.0, 3.0, 5.0, 10.0), (0.0, 5.0, 20.0), (0.0, 5.0, 10.0, 20.0))]  # fmt: skip
        sweep("open set", choices, base, sets,
              lambda s: f"evidence {s.min_evidence:4g} coarse {s.coarse_evidence:4g} gap {s.gap_evidence:4g}")  # fmt: skip
    if args.sweep_routing and base.classifier.specialists:
        choices = [replace(base.settings, threshold=t, routing=RoutingSettings(r, rule))
                   for rule, r, t in itertools.product(COMBINATION_RULES, (0.05, 0.1, 0.2, 0.3, 0.5), (0.6, 0.7, 0.8))]  # fmt: skip
        sweep("routing", choices, base, sets,
              lambda s: f"{s.routing.rule:10s} route>={s.routing.route_threshold:.2f} threshold {s.threshold:.2f}")  # fmt: skip
    return 0
