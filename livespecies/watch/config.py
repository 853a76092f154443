"""The watcher's config file (TOML), typed and strict.

    [database]
    path = "~/livespecies/sightings.db"
    retention_days = 90

    [[cameras]]
    name = "feeder"
    source = "rtsp://viewer:${FEEDER_PASSWORD}@192.0.2.10:554/stream1"
    threshold = 0.7

    [cameras.motion]
    enabled = true

    [cameras.alerts]
    species = ["red fox", "Meles meles"]
    min_confidence = 0.8

Validated by pydantic (strict types, unknown keys refused), with the rules it
shares with the MQTT settings and alert rules taken from livespecies/validation.py.
Every mistake is reported with the key that holds it ("cameras[2].threshold: …"),
all of them in one message, so a user fixes the file in one pass. A password is never written
in the file: a source URL carries ``${NAME}`` and the environment holds it;
MQTT and the web token name their environment variables.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator

from livespecies.capture.source_spec import SourceError, parse_source
from livespecies.errors import UserError
from livespecies.inference.contract import Rank
from livespecies.validation import AlertCooldown, Fraction, MqttClientId, MqttHost, Port, Strict, Threshold, TopicPrefix, key_path

Seconds = Annotated[float, Field(gt=0.0, le=86400.0)]
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMERA_NAME = re.compile(r"[\w][\w .-]{0,62}")


class Motion(Strict):
    """Frigate-style gating: a running-average background; the detector runs when changed regions are large enough."""

    enabled: bool = True
    pixel_threshold: Annotated[int, Field(ge=1, le=255)] = 25  # grey-level change that counts as changed
    min_area: Annotated[float, Field(gt=0.0, le=1.0)] = 0.002  # share of the frame a changed region must cover
    background_alpha: Annotated[float, Field(gt=0.0, le=1.0)] = 0.02  # weight of each new frame in the background
    recalibrate_above: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5  # a change this large is light (IR switch), not an animal
    check_every: Seconds = 5.0  # run the detector anyway this often, so a still animal is not missed


class Snapshots(Strict):
    auto: bool = True


class Alerts(Strict):
    """Which sightings are announced over MQTT (all are stored)."""

    species: tuple[str, ...] = ()  # common or scientific names, or a genus/family…; empty: every animal
    min_rank: Rank = "class"
    min_confidence: Fraction = 0.0
    cooldown: AlertCooldown = 300.0


class Camera(Strict):
    name: Annotated[str, Field(pattern=_CAMERA_NAME.pattern)]
    source: str
    threshold: Threshold | None = None  # None: the classifier's own default threshold (0.7 for the shipped models)
    detector_threshold: Threshold | None = None
    species_list: Path | None = None
    gone_after: Seconds = 20.0
    motion: Motion = Motion()
    snapshots: Snapshots = Snapshots()
    alerts: Alerts = Alerts()

    @field_validator("source")
    @classmethod
    def _usable_source(cls, source: str) -> str:
        try:
            spec = parse_source(source)
        except SourceError as exc:
            raise ValueError(str(exc)) from None
        if spec.kind == "stream":
            password = urlsplit(source).password
            if password is not None and not re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", password):
                raise ValueError("holds a password: write it as ${NAME} and set NAME in the environment, so the file holds no secret")
        return source

    @model_validator(mode="after")
    def _check_before_gone(self) -> Camera:
        if self.motion.enabled and self.motion.check_every >= self.gone_after:
            raise ValueError(f"motion.check_every ({self.motion.check_every:g} s) must be shorter than gone_after "
                             f"({self.gone_after:g} s), or a still animal's visit would end between checks")  # fmt: skip
        return self


class Database(Strict):
    path: Path
    retention_days: Annotated[float, Field(gt=0.0)] | None = None


class Web(Strict):
    address: str = "127.0.0.1"
    port: Port = 8765
    token_env: Annotated[str, Field(pattern=_ENV_NAME.pattern)] | None = None  # required when address is not loopback


class Mqtt(Strict):
    """The broker's settings, checked by the same rules as sightings.mqtt.MqttSettings, which is made from them."""

    host: MqttHost = "127.0.0.1"
    port: Port = 1883
    topic_prefix: TopicPrefix = "livespecies"
    client_id: MqttClientId = ""  # empty: a random id, so two watchers on one broker never disconnect each other
    username: str | None = None
    password_env: Annotated[str, Field(pattern=_ENV_NAME.pattern)] | None = None
    discovery: bool = True
    discovery_prefix: TopicPrefix = "homeassistant"


class Models(Strict):
    classifier: Path | None = None
    detector: Path | None = None
    no_detector: bool = False
    specialists: tuple[Path, ...] | None = None  # None: the shipped ones; () for none
    detector_size: Annotated[int, Field(ge=128, le=2048, multiple_of=32)] = 416
    threads: Annotated[int, Field(ge=1, le=256)] | None = None  # the CPU budget all cameras share (default: every core)


class WatchConfig(Strict):
    cameras: Annotated[tuple[Camera, ...], Field(min_length=1)]
    database: Database
    snapshot_folder: Path
    models: Models = Models()
    web: Web | None = None
    mqtt: Mqtt | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> WatchConfig:
        names = [c.name.casefold() for c in self.cameras]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"camera names must differ (their sightings are told apart by name): {', '.join(twice)}")
        return self


def load_config(path: Path) -> WatchConfig:
    """Read and check a config file; every mistake in one UserError naming its key."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Cannot read the config file {path}: {getattr(exc, 'strerror', None) or exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} is not valid TOML: {exc}.") from None
    base = path.resolve().parent
    try:
        config = WatchConfig.model_validate(_paths_as_paths(document))
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items failed also "has no items after validation": that second message would only confuse.
        errors = [e for e in errors if not (e["type"] == "too_short" and any(len(o["loc"]) > len(e["loc"]) and o["loc"][: len(e["loc"])] == e["loc"]
                                                                            for o in errors))]  # fmt: skip
        raise UserError(f"{path}: " + "; ".join(_describe(error) for error in errors) + ".") from None
    return _resolved(config, base)


def _describe(error: object) -> str:
    """"cameras[1].threshold: Input should be less than or equal to 1" from one pydantic error."""
    assert isinstance(error, dict)
    where = key_path(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ").rstrip(".")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    elif error["type"] == "is_instance_of":
        message = "should be a path, written as a string"
    return f"{where or 'file'}: {message}"


# Keys whose TOML strings are file paths: strict mode takes a Path only as a Path.
_PATH_KEYS = {("database", "path"), ("snapshot_folder",), ("models", "classifier"), ("models", "detector"), ("cameras", "species_list")}


def _paths_as_paths(document: dict[str, object]) -> dict[str, object]:
    def convert(value: object, trail: tuple[str, ...]) -> object:
        if isinstance(value, dict):
            return {k: convert(v, (*trail, k)) for k, v in value.items()}
        if isinstance(value, list):
            if trail == ("models", "specialists"):
                return tuple(Path(v) if isinstance(v, str) else v for v in value)
            return tuple(convert(v, trail) for v in value)
        if isinstance(value, str) and trail in _PATH_KEYS:
            return Path(value)
        return value

    converted = convert(document, ())
    assert isinstance(converted, dict)
    return converted


def _resolved(config: WatchConfig, base: Path) -> WatchConfig:
    """Relative paths are relative to the config file (``~`` is the user's home), as a user reading the file expects."""

    def at(path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() else base / path

    models = config.models.model_copy(update={
        "classifier": at(config.models.classifier) if config.models.classifier else None,
        "detector": at(config.models.detector) if config.models.detector else None,
        "specialists": tuple(at(p) for p in config.models.specialists) if config.models.specialists is not None else None,
    })  # fmt: skip
    cameras = tuple(c.model_copy(update={"species_list": at(c.species_list) if c.species_list else None}) for c in config.cameras)
    return config.model_copy(update={
        "cameras": cameras, "models": models, "snapshot_folder": at(config.snapshot_folder),
        "database": config.database.model_copy(update={"path": at(config.database.path)}),
    })  # fmt: skip


def secret(name: str | None, what: str) -> str | None:
    """A secret from the environment variable the config names; a missing one is a clear error."""
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise UserError(f"{what} is read from the environment variable {name}, which is not set.")
    return value
