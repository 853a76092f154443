"""The contract a model file carries in its ONNX metadata, and its strict validation.

Every ONNX file livespecies runs describes itself: its kind, how to prepare its
input, what its outputs mean, its labels with their full lineage, and where its
weights came from. Code reads preprocessing from here, never from constants, so a
user's own model (exported by ``python -m training export``) works unchanged.

The contract is one JSON document stored under the metadata key ``livespecies``.
Parsing is strict: unknown keys, missing keys and wrong types are refused with a
sentence naming the field, because a silently misread normalisation produces
confident nonsense rather than an error.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from livespecies.errors import ModelError
from livespecies.types import Taxon

METADATA_KEY = "livespecies"
FORMAT_NAME = "livespecies-model"
FORMAT_VERSION = 1

ModelKind = Literal["detector", "classifier"]
ResizePolicy = Literal["letterbox", "resize_center_crop", "stretch"]
ScoreKind = Literal["logits", "probabilities", "yolox"]

MODEL_KINDS: tuple[str, ...] = ("detector", "classifier")
RESIZE_POLICIES: tuple[str, ...] = ("letterbox", "resize_center_crop", "stretch")
SCORE_KINDS: tuple[str, ...] = ("logits", "probabilities", "yolox")

# Ranks from finest to coarsest. Only used to check that a lineage goes upwards;
# the roll-up itself walks the tree and does not need a global order.
RANK_ORDER: tuple[str, ...] = (
    "unranked", "form", "breed", "subspecies", "species", "subgenus", "genus", "subtribe", "tribe",
    "subfamily", "family", "superfamily", "infraorder", "suborder", "order", "superorder",
    "infraclass", "subclass", "class", "superclass", "subphylum", "phylum", "division",
    "subkingdom", "kingdom",
)  # fmt: skip


@dataclass(frozen=True)
class InputSpec:
    """How to turn an RGB/BGR uint8 image into the tensor the graph expects.

    Pixel values are transformed as ``(value * scale - mean[c]) / std[c]`` after
    resizing, in the declared colour order.
    """

    name: str
    height: int
    width: int
    color: Literal["RGB", "BGR"]
    resize: ResizePolicy
    resize_size: int
    pad_value: float
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    layout: Literal["NCHW"] = "NCHW"
    # 0: the graph takes exactly height × width. N > 0: the graph also takes any square size that is a
    # multiple of N (a detector can trade small-animal recall for speed); height × width is the native size.
    size_multiple: int = 0


@dataclass(frozen=True)
class OutputSpec:
    """What the first output holds and how to turn it into probabilities or boxes."""

    name: str
    scores: ScoreKind
    temperature: float = 1.0
    nms_iou: float = 0.45


@dataclass(frozen=True)
class Provenance:
    """Where the weights came from, so anyone can rebuild or audit the file."""

    weights_package: str
    weights_version: str
    weights_file: str
    weights_sha256: str
    licence: str
    build_command: str
    source: str = ""
    notes: str = ""


INPUT_KINDS: tuple[str, ...] = ("detector-crops", "whole-frame")


@dataclass(frozen=True)
class Application:
    """What a classifier was trained to see, so that the engine shows it the same thing.

    ``detector-crops``: the square crop around each detector box, ``crop_padding`` larger than the box, and
    the whole frame when the detector finds nothing (what the engine does by default). ``whole-frame``: the
    whole frame only, whatever the detector finds (a model trained on a fixed camera's full view).
    """

    input: str = "detector-crops"
    crop_padding: float = 0.15


@dataclass(frozen=True)
class LabelSpec:
    """One output class: its names, rank and lineage from the label up to the kingdom.

    ``organism`` is False for ImageNet's objects and scenes (cars, fences,
    valleys): probability there counts against reporting an animal.
    """

    key: str
    common_name: str
    organism: bool
    lineage: tuple[Taxon, ...] = ()

    @property
    def taxon(self) -> Taxon | None:
        return self.lineage[0] if self.lineage else None


@dataclass(frozen=True)
class ModelContract:
    model_id: str
    kind: ModelKind
    title: str
    input: InputSpec
    output: OutputSpec
    labels: tuple[LabelSpec, ...]
    provenance: Provenance
    extra: dict[str, Any] = field(default_factory=dict)
    # A specialist classifier names the taxon it knows (class Aves for a bird model): the engine runs it only
    # on crops the generalist places in that taxon, and only there do its answers count.
    scope: Taxon | None = None
    # None: the engine's defaults (detector crops with its own padding), as for the shipped classifiers.
    application: Application | None = None

    def to_json(self) -> str:
        return json.dumps(_contract_to_dict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = "model") -> ModelContract:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(f"{source}: its livespecies metadata is not valid JSON ({exc.msg}).") from None
        return _contract_from_dict(data, source)


def _taxon_to_dict(taxon: Taxon) -> dict[str, Any]:
    out: dict[str, Any] = {"rank": taxon.rank, "name": taxon.name, "scientific": taxon.scientific}
    if taxon.common_name:
        out["common_name"] = taxon.common_name
    return out


def label_to_dict(label: LabelSpec) -> dict[str, Any]:
    return {
        "key": label.key,
        "common_name": label.common_name,
        "organism": label.organism,
        "lineage": [_taxon_to_dict(t) for t in label.lineage],
    }


def _contract_to_dict(c: ModelContract) -> dict[str, Any]:
    i, o, p = c.input, c.output, c.provenance
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model_id": c.model_id,
        "kind": c.kind,
        "title": c.title,
        "input": {
            "name": i.name, "layout": i.layout, "height": i.height, "width": i.width,
            "color": i.color, "resize": i.resize, "resize_size": i.resize_size,
            "pad_value": i.pad_value, "scale": i.scale, "mean": list(i.mean), "std": list(i.std),
            "size_multiple": i.size_multiple,
        },
        "output": {"name": o.name, "scores": o.scores, "temperature": o.temperature, "nms_iou": o.nms_iou},
        "labels": [label_to_dict(lab) for lab in c.labels],
        "provenance": {
            "weights_package": p.weights_package, "weights_version": p.weights_version,
            "weights_file": p.weights_file, "weights_sha256": p.weights_sha256,
            "licence": p.licence, "build_command": p.build_command,
            "source": p.source, "notes": p.notes,
        },
        "extra": c.extra,
        **({"scope": {"rank": c.scope.rank, "name": c.scope.name}} if c.scope else {}),
        **({"application": {"input": c.application.input, "crop_padding": c.application.crop_padding}} if c.application else {}),
    }  # fmt: skip


class _Reader:
    """Strict field access that names the offending path in its error."""

    def __init__(self, data: Any, path: str, source: str) -> None:
        if not isinstance(data, dict):
            raise ModelError(f"{source}: metadata field '{path}' must be an object.")
        self.data: dict[str, Any] = data
        self.path = path
        self.source = source
        self.seen: set[str] = set()

    def _fail(self, key: str, why: str) -> ModelError:
        where = f"{self.path}.{key}" if self.path else key
        return ModelError(f"{self.source}: metadata field '{where}' {why}.")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.data[key]
        # bool is an int in Python; a JSON true must never pass for a number.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self._fail(key, "has the wrong type")
        if not isinstance(value, kind):
            raise self._fail(key, "has the wrong type")
        return value

    def number(self, key: str, default: Any = ..., low: float | None = None, high: float | None = None) -> float:
        value = float(self.get(key, (int, float), default))
        if (low is not None and value < low) or (high is not None and value > high):
            raise self._fail(key, f"is {value}, outside {low}..{high}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            raise self._fail(key, f"is '{value}', not one of {', '.join(allowed)}")
        return cast(str, value)

    def triple(self, key: str) -> tuple[float, float, float]:
        value = self.get(key, list)
        if len(value) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise self._fail(key, "must be a list of three numbers")
        return (float(value[0]), float(value[1]), float(value[2]))

    def child(self, key: str) -> _Reader:
        where = f"{self.path}.{key}" if self.path else key
        return _Reader(self.get(key, dict), where, self.source)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self._fail(unknown[0], "is not part of the livespecies model format")


def _taxon_from_dict(data: Any, path: str, source: str) -> Taxon:
    r = _Reader(data, path, source)
    rank = r.choice("rank", RANK_ORDER)
    taxon = Taxon(
        rank=rank,
        name=r.get("name", str),
        common_name=r.get("common_name", str, None),
        scientific=r.get("scientific", bool),
    )
    r.done()
    return taxon


def label_from_dict(data: Any, path: str, source: str) -> LabelSpec:
    r = _Reader(data, path, source)
    lineage_data = r.get("lineage", list)
    lineage = tuple(_taxon_from_dict(t, f"{path}.lineage[{k}]", source) for k, t in enumerate(lineage_data))
    label = LabelSpec(key=r.get("key", str), common_name=r.get("common_name", str), organism=r.get("organism", bool), lineage=lineage)
    r.done()
    if label.organism and not lineage:
        raise ModelError(f"{source}: label '{label.common_name}' is an organism but has no lineage.")
    ranks = [RANK_ORDER.index(t.rank) for t in lineage]
    if any(b <= a for a, b in itertools.pairwise(ranks)):
        raise ModelError(f"{source}: the lineage of label '{label.common_name}' does not go from finer to coarser ranks.")
    return label


def _contract_from_dict(data: Any, source: str) -> ModelContract:
    root = _Reader(data, "", source)
    if root.get("format", str) != FORMAT_NAME:
        raise ModelError(f"{source}: metadata is not in the {FORMAT_NAME} format.")
    version = root.get("format_version", int)
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{source}: model format version {version} is not supported by this livespecies (it reads version {FORMAT_VERSION})."
        )
    ri = root.child("input")
    inp = InputSpec(
        name=ri.get("name", str),
        layout=cast(Literal["NCHW"], ri.choice("layout", ("NCHW",))),
        height=int(ri.number("height", low=8, high=4096)),
        width=int(ri.number("width", low=8, high=4096)),
        color=cast(Literal["RGB", "BGR"], ri.choice("color", ("RGB", "BGR"))),
        resize=cast(ResizePolicy, ri.choice("resize", RESIZE_POLICIES)),
        resize_size=int(ri.number("resize_size", low=8, high=8192)),
        pad_value=ri.number("pad_value", low=0, high=255),
        scale=ri.number("scale", low=1e-6, high=1e6),
        mean=ri.triple("mean"),
        std=ri.triple("std"),
        size_multiple=int(ri.number("size_multiple", 0, low=0, high=512)),
    )
    ri.done()
    if min(inp.std) <= 0:
        raise ModelError(f"{source}: metadata field 'input.std' must be positive.")
    ro = root.child("output")
    out = OutputSpec(
        name=ro.get("name", str),
        scores=cast(ScoreKind, ro.choice("scores", SCORE_KINDS)),
        temperature=ro.number("temperature", 1.0, low=1e-3, high=1e3),
        nms_iou=ro.number("nms_iou", 0.45, low=0.0, high=1.0),
    )
    ro.done()
    rp = root.child("provenance")
    prov = Provenance(
        weights_package=rp.get("weights_package", str),
        weights_version=rp.get("weights_version", str),
        weights_file=rp.get("weights_file", str),
        weights_sha256=rp.get("weights_sha256", str),
        licence=rp.get("licence", str),
        build_command=rp.get("build_command", str),
        source=rp.get("source", str, ""),
        notes=rp.get("notes", str, ""),
    )
    rp.done()
    labels_data = root.get("labels", list)
    if not labels_data:
        raise ModelError(f"{source}: metadata declares no labels.")
    labels = tuple(label_from_dict(lab, f"labels[{k}]", source) for k, lab in enumerate(labels_data))
    scope = None
    if "scope" in root.data:
        rs = root.child("scope")
        scope = Taxon(rank=rs.choice("rank", RANK_ORDER), name=rs.get("name", str))
        rs.done()
    application = None
    if "application" in root.data:
        ra = root.child("application")
        application = Application(input=ra.choice("input", INPUT_KINDS), crop_padding=ra.number("crop_padding", 0.15, low=0.0, high=2.0))
        ra.done()
    contract = ModelContract(
        model_id=root.get("model_id", str),
        kind=cast(ModelKind, root.choice("kind", MODEL_KINDS)),
        title=root.get("title", str),
        input=inp,
        output=out,
        labels=labels,
        provenance=prov,
        extra=root.get("extra", dict, {}),
        scope=scope,
        application=application,
    )
    root.done()
    if contract.kind == "detector" and out.scores != "yolox":
        raise ModelError(f"{source}: a detector must declare output scores 'yolox', not '{out.scores}'.")
    if contract.kind == "classifier" and out.scores == "yolox":
        raise ModelError(f"{source}: a classifier cannot declare detector output scores 'yolox'.")
    if scope is not None:
        check_scope(contract, scope, source)
    return contract


def check_scope(contract: ModelContract, scope: Taxon, source: str) -> None:
    """A scope must be a taxon every organism label of the model descends from: otherwise its answers
    would be counted inside a taxon they do not belong to."""
    if contract.kind != "classifier":
        raise ModelError(f"{source}: only a classifier can declare a scope.")
    organisms = [label for label in contract.labels if label.organism]
    if not organisms:
        raise ModelError(f"{source}: a specialist (scope {scope.rank} {scope.name}) needs at least one organism label.")
    for label in organisms:
        if not any((t.rank, t.name) == (scope.rank, scope.name) for t in label.lineage):
            raise ModelError(
                f"{source}: label '{label.common_name}' does not descend from the model's scope {scope.rank} {scope.name}; "
                "a specialist's species must all lie inside its scope."
            )
