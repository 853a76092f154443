"""The contract a model file carries in its ONNX metadata, and its strict validation.

Every ONNX file livespecies runs describes itself: its kind, how to prepare its
input, what its outputs mean, its labels with their full lineage, and where its
weights came from. Code reads preprocessing from here, never from constants, so a
user's own model (exported by ``python -m training export``) works unchanged.

The contract is one JSON document stored under the metadata key ``livespecies``.
Parsing is strict (pydantic models of the JSON, with the rules in livespecies/validation.py):
unknown keys, missing keys and wrong types are refused with a sentence naming the
field, because a silently misread normalisation produces confident nonsense rather
than an error.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar, cast, get_args

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator, field_validator, model_validator
from pydantic_core import ErrorDetails

from livespecies.errors import ModelError
from livespecies.types import Taxon
from livespecies.validation import (
    RANGE_ERRORS,
    RULE,
    SENTENCE,
    Strict,
    Threshold,
    choices,
    field_at,
    key_path,
    limits,
    one_of,
    rule_error,
    sentence_error,
)

METADATA_KEY = "livespecies"
FORMAT_NAME = "livespecies-model"
FORMAT_VERSION = 1

ModelKind = Literal["detector", "classifier"]
ResizePolicy = Literal["letterbox", "resize_center_crop", "stretch"]
ScoreKind = Literal["logits", "probabilities", "yolox"]

ApplicationInput = Literal["detector-crops", "whole-frame"]

MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
RESIZE_POLICIES: tuple[str, ...] = get_args(ResizePolicy)
SCORE_KINDS: tuple[str, ...] = get_args(ScoreKind)

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


INPUT_KINDS: tuple[str, ...] = get_args(ApplicationInput)


@dataclass(frozen=True)
class Application:
    """What a classifier was trained to see, so that the engine shows it the same thing.

    ``detector-crops``: the square crop around each detector box, ``crop_padding`` larger than the box, and
    the whole frame when the detector finds nothing (what the engine does by default). ``whole-frame``: the
    whole frame only, whatever the detector finds (a model trained on a fixed camera's full view).
    """

    input: str = "detector-crops"
    crop_padding: float = 0.15
    # The model's own default threshold, chosen on its validation frames when it was trained (None: the engine's
    # default). The window's slider starts there; `classify` and the watcher use it unless told otherwise.
    threshold: float | None = None


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

    @property
    def threshold(self) -> float | None:
        """The default threshold the model's training chose on its validation frames (None: it names none)."""
        return self.application.threshold if self.application is not None else None

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
    from livespecies.serialization import taxon_to_dict  # the one place that knows a taxon's dict shape

    return taxon_to_dict(taxon)


def label_to_dict(label: LabelSpec) -> dict[str, Any]:
    return {
        "key": label.key,
        "common_name": label.common_name,
        "organism": label.organism,
        "lineage": [_taxon_to_dict(t) for t in label.lineage],
    }


def _application_to_dict(a: Application) -> dict[str, Any]:
    """The threshold only when the model has one: older files and the shipped models keep their exact JSON."""
    return {"input": a.input, "crop_padding": a.crop_padding, **({"threshold": a.threshold} if a.threshold is not None else {})}


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
        **({"application": _application_to_dict(c.application)} if c.application else {}),
    }  # fmt: skip


# ---- Reading: pydantic models of the JSON, then the dataclasses above ------------------------------------------------

# Ranges and choices are the fields' own rules; a refusal becomes "metadata field 'input.height' is 100000.0, outside
# 8..4096" in _refusal. Whole-number sizes are read as numbers (8.0 is 8), as the format always allowed.
Rank = Annotated[str, one_of(RANK_ORDER, "unknown rank '{value}' (species, genus, family, order, class …)")]


def _three_numbers(value: Any, handler: ValidatorFunctionWrapHandler) -> list[float]:
    if not isinstance(value, list):
        return cast(list[float], handler(value))  # not a list at all: the wrong type, as for any field
    try:
        return cast(list[float], handler(value))
    except ValidationError:
        raise rule_error("must be a list of three numbers") from None


def _positive(values: list[float]) -> list[float]:
    if min(values) <= 0:
        raise rule_error("must be positive")
    return values


Triple = Annotated[list[float], Field(min_length=3, max_length=3), WrapValidator(_three_numbers)]


class _TaxonFields(Strict):
    rank: Rank
    name: str
    common_name: str = Field(default=None)  # type: ignore[assignment]  # absent: None; a null is refused, as always
    scientific: bool


class _LabelFields(Strict):
    lineage: list[_TaxonFields]
    key: str
    common_name: str
    organism: bool

    @model_validator(mode="after")
    def _upwards(self) -> _LabelFields:
        if self.organism and not self.lineage:
            raise sentence_error("label '{name}' is an organism but has no lineage", name=self.common_name)
        ranks = [RANK_ORDER.index(t.rank) for t in self.lineage]
        if any(b <= a for a, b in itertools.pairwise(ranks)):
            raise sentence_error("the lineage of label '{name}' does not go from finer to coarser ranks", name=self.common_name)
        return self


class _InputFields(Strict):
    name: str
    layout: Literal["NCHW"]
    height: Annotated[float, Field(ge=8, le=4096)]
    width: Annotated[float, Field(ge=8, le=4096)]
    color: Literal["RGB", "BGR"]
    resize: ResizePolicy
    resize_size: Annotated[float, Field(ge=8, le=8192)]
    pad_value: Annotated[float, Field(ge=0, le=255)]
    scale: Annotated[float, Field(ge=1e-6, le=1e6)]
    mean: Triple
    std: Annotated[Triple, AfterValidator(_positive)]
    size_multiple: Annotated[float, Field(ge=0, le=512)] = 0


class _OutputFields(Strict):
    name: str
    scores: ScoreKind
    temperature: Annotated[float, Field(ge=1e-3, le=1e3)] = 1.0
    nms_iou: Annotated[float, Field(ge=0.0, le=1.0)] = 0.45


class _ProvenanceFields(Strict):
    weights_package: str
    weights_version: str
    weights_file: str
    weights_sha256: str
    licence: str
    build_command: str
    source: str = ""
    notes: str = ""


class _ScopeFields(Strict):
    rank: Rank
    name: str


class _ApplicationFields(Strict):
    input: ApplicationInput
    crop_padding: Annotated[float, Field(ge=0.0, le=2.0)] = 0.15
    threshold: Threshold | None = None


class _ContractFields(Strict):
    model_config = ConfigDict(protected_namespaces=())  # "model_id" is the format's key, not pydantic's

    format: str  # first: a document in another format is named as such, before any of its fields
    format_version: int
    input: _InputFields
    output: _OutputFields
    provenance: _ProvenanceFields
    labels: list[_LabelFields]
    scope: _ScopeFields | None = None
    application: _ApplicationFields | None = None
    model_id: str
    kind: ModelKind
    title: str
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("format")
    @classmethod
    def _ours(cls, name: str) -> str:
        if name != FORMAT_NAME:
            raise sentence_error(f"metadata is not in the {FORMAT_NAME} format")
        return name

    @field_validator("format_version")
    @classmethod
    def _readable(cls, version: int) -> int:
        if version != FORMAT_VERSION:
            raise sentence_error("model format version {version} is not supported by this livespecies "
                                 f"(it reads version {FORMAT_VERSION})", version=version)  # fmt: skip
        return version

    @field_validator("labels")
    @classmethod
    def _some(cls, labels: list[_LabelFields]) -> list[_LabelFields]:
        if not labels:
            raise sentence_error("metadata declares no labels")
        return labels

    @model_validator(mode="after")
    def _scores_fit_the_kind(self) -> _ContractFields:
        if self.kind == "detector" and self.output.scores != "yolox":
            raise sentence_error("a detector must declare output scores 'yolox', not '{scores}'", scores=self.output.scores)
        if self.kind == "classifier" and self.output.scores == "yolox":
            raise sentence_error("a classifier cannot declare detector output scores 'yolox'")
        return self


_Fields = TypeVar("_Fields", bound=Strict)


def _read(schema: type[_Fields], data: Any, source: str, path: str = "") -> _Fields:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise _refusal(schema, exc.errors(include_url=False)[0], source, path) from None


def _refusal(schema: type[Strict], error: ErrorDetails, source: str, path: str) -> ModelError:
    """One sentence for the first thing wrong, naming its field: "m.onnx: metadata field 'input.height' is …"."""
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == SENTENCE:
        return ModelError(f"{source}: {error['msg']}.")
    field = field_at(schema, error["loc"])
    if kind == "missing":
        why = "is missing"
    elif kind == "extra_forbidden":
        why = "is not part of the livespecies model format"
    elif kind == "model_type" and not isinstance((error["loc"] or (0,))[-1], str):  # the whole document, a label, a taxon
        why = "must be an object"
    elif isinstance(value, str) and (kind == "literal_error" or "choices" in context):
        why = f"is '{value}', not one of {', '.join(context.get('choices') or choices(field))}"
    elif kind in RANGE_ERRORS:
        low, high = limits(field)
        why = f"is {float(value)}, outside {low}..{high}"
    elif kind == RULE:
        why = error["msg"]
    else:  # a string for a number, true for a number, a number for a string …
        why = "has the wrong type"
    return ModelError(f"{source}: metadata field '{key_path(error['loc'], path)}' {why}.")


def _taxon(t: _TaxonFields) -> Taxon:
    return Taxon(rank=t.rank, name=t.name, common_name=t.common_name, scientific=t.scientific)


def _label(fields: _LabelFields) -> LabelSpec:
    return LabelSpec(key=fields.key, common_name=fields.common_name, organism=fields.organism, lineage=tuple(map(_taxon, fields.lineage)))


def label_from_dict(data: Any, path: str, source: str) -> LabelSpec:
    return _label(_read(_LabelFields, data, source, path))


def _contract_from_dict(data: Any, source: str) -> ModelContract:
    c = _read(_ContractFields, data, source)
    i, o, p = c.input, c.output, c.provenance
    inp = InputSpec(name=i.name, layout=i.layout, height=int(i.height), width=int(i.width), color=i.color, resize=i.resize,
                    resize_size=int(i.resize_size), pad_value=i.pad_value, scale=i.scale, mean=_as_triple(i.mean), std=_as_triple(i.std),
                    size_multiple=int(i.size_multiple))  # fmt: skip
    prov = Provenance(weights_package=p.weights_package, weights_version=p.weights_version, weights_file=p.weights_file,
                      weights_sha256=p.weights_sha256, licence=p.licence, build_command=p.build_command, source=p.source, notes=p.notes)  # fmt: skip
    contract = ModelContract(
        model_id=c.model_id,
        kind=c.kind,
        title=c.title,
        input=inp,
        output=OutputSpec(name=o.name, scores=o.scores, temperature=o.temperature, nms_iou=o.nms_iou),
        labels=tuple(map(_label, c.labels)),
        provenance=prov,
        extra=c.extra,
        scope=Taxon(rank=c.scope.rank, name=c.scope.name) if c.scope else None,
        application=Application(c.application.input, c.application.crop_padding, c.application.threshold) if c.application else None,
    )
    if contract.scope is not None:
        check_scope(contract, contract.scope, source)
    return contract


def _as_triple(values: list[float]) -> tuple[float, float, float]:
    return (values[0], values[1], values[2])


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
