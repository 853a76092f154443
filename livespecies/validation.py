"""The rules structured input shares, each written once, and what turns a pydantic error into a sentence.

Every structured input is validated by pydantic: the watcher's config file (``watch/config.py``), the contract a
model file carries (``inference/contract.py``), the training options (``training/config.py``), the MQTT settings and
alert rules (``sightings/mqtt.py``). A rule two of them share, such as a port's range or what an MQTT topic prefix
may hold, is one type here, so the config file and the MQTT settings cannot drift apart.

Each reader words its own sentences ("cameras[1].threshold: …", "MQTT port 0 is not allowed: …", "metadata field
'input.height' …") from an error's key path and kind, and from the field itself where a sentence names both limits
or every choice (an error carries only the limit it broke). A rule's own refusal is a ``RULE`` error, a phrase that
follows the key; a rule across several keys raises a ``SENTENCE`` error, a whole sentence that names them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

# Strict types (no "1" for 1, no true for 1) and unknown keys refused. Pydantic dataclasses take it as it is (they
# are frozen through their decorator); models add frozen.
STRICT = ConfigDict(extra="forbid", strict=True)

RULE = "livespecies_rule"  # the refusal completes a sentence that starts with the key: "'a/#' is not a usable …"
SENTENCE = "livespecies_sentence"  # the refusal is a whole sentence (without its full stop)

RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


class Strict(BaseModel):
    """A frozen model with strict types that refuses unknown keys."""

    model_config = ConfigDict(**STRICT, frozen=True)


def rule_error(message: str, **context: Any) -> PydanticCustomError:
    """A rule's refusal; ``message`` is a phrase that follows the key and may name context values as ``{name}``."""
    return PydanticCustomError(RULE, message, context or None)


def sentence_error(message: str, **context: Any) -> PydanticCustomError:
    """A refusal that is a whole sentence: a rule across several keys."""
    return PydanticCustomError(SENTENCE, message, context or None)


def one_of(choices: tuple[str, ...], message: str) -> AfterValidator:
    """A string that must be one of ``choices``; ``message`` words the refusal (``{value}`` is the string given).
    The error carries the choices, for readers that list them their own way."""

    def check(value: str) -> str:
        if value not in choices:
            raise PydanticCustomError(RULE, message, {"value": value, "choices": choices})
        return value

    return AfterValidator(check)


# ---- Shared rules ---------------------------------------------------------------------------------------------------

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
# A confidence a taxon or a box must reach: above 0 (0 would claim everything) and at most 1. The watcher's config,
# a model's own threshold in its contract and the command line's --threshold/--detector-threshold share it.
Threshold = Annotated[float, Field(gt=0.0, le=1.0)]
Port = Annotated[int, Field(ge=1, le=65535)]
AlertCooldown = Annotated[float, Field(ge=0.0, le=86400.0)]  # seconds an alerted species is quiet on its camera

# An MQTT topic prefix: levels of letters, digits, - and _ separated by /. So no wildcard (+ #), no $ (the broker's own
# topics), no empty level (a leading, trailing or double /), and short enough to leave room for the topics under it.
TOPIC_PREFIX = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")
TOPIC_PREFIX_LENGTH = 64


def _topic_prefix(prefix: str) -> str:
    if len(prefix) > TOPIC_PREFIX_LENGTH or not TOPIC_PREFIX.fullmatch(prefix):
        raise rule_error("'{prefix}' is not a usable topic prefix: use levels of letters, digits, - and _ separated by /, "
                         f"{TOPIC_PREFIX_LENGTH} characters at most", prefix=prefix)  # fmt: skip
    return prefix


def _mqtt_host(host: str) -> str:
    if "@" in host:  # never echo it: it may hold a password
        raise rule_error("must be a bare host name or address: put the user in the MQTT username and the password in an "
                         "environment variable")  # fmt: skip
    if not host or "://" in host or re.search(r"[\s/]", host):
        raise rule_error("'{host}' is not a host name or address: write it without a scheme or path, for example 192.168.1.10",
                         host=host)  # fmt: skip
    return host


def _client_id(client_id: str) -> str:
    if len(client_id) > 128 or not client_id.isprintable():
        raise rule_error("must be printable text of at most 128 characters")
    return client_id


TopicPrefix = Annotated[str, AfterValidator(_topic_prefix)]
MqttHost = Annotated[str, AfterValidator(_mqtt_host)]
MqttClientId = Annotated[str, AfterValidator(_client_id)]


# ---- Reading errors back ------------------------------------------------------------------------------------------


def key_path(loc: Sequence[int | str], start: str = "") -> str:
    """``cameras[1].threshold`` from pydantic's ``("cameras", 1, "threshold")``, after ``start`` if given."""
    where = start
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


def field_at(schema: Any, loc: Sequence[int | str]) -> FieldInfo | None:
    """The field an error's key path ends at, in a pydantic model or dataclass (None past a list item or a dict)."""
    info: FieldInfo | None = None
    annotation: Any = schema
    for part in loc:
        if isinstance(part, int):  # list[X], tuple[X, ...]: into the items' type
            annotation, info = next(iter(get_args(annotation)), None), None
            continue
        fields = next((getattr(a, "__pydantic_fields__", None) for a in (annotation, *get_args(annotation))
                       if hasattr(a, "__pydantic_fields__")), None)  # fmt: skip
        if fields is None or part not in fields:
            return None
        info = fields[part]
        annotation = info.annotation
    return info


def limits(info: FieldInfo | None) -> tuple[Any, Any]:
    """A field's lower and upper bound, as written in its rule (None where it has none)."""
    low = high = None
    for rule in info.metadata if info is not None else ():
        low = getattr(rule, "ge", getattr(rule, "gt", low))
        high = getattr(rule, "le", getattr(rule, "lt", high))
    return low, high


def choices(info: FieldInfo | None) -> tuple[Any, ...]:
    """The values a ``Literal`` field allows (or ``X | None`` of one); () for any other field."""
    annotation = info.annotation if info is not None else None
    for candidate in (annotation, *get_args(annotation)):
        if get_origin(candidate) is Literal:
            return get_args(candidate)
    return ()
