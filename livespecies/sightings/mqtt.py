"""MQTT alerts: sightings published to a broker under Frigate-style topics, with Home Assistant discovery.

Topics, under a prefix (``livespecies`` by default), modelled on Frigate's (``frigate/available``,
``frigate/events``, ``frigate/<camera>/<object>``, ``…/snapshot``, ``frigate/stats``):

    <prefix>/available                    online / offline, retained; offline is also the last will
    <prefix>/events                       {"type": "new"|"update"|"end", "before", "after"} per alerted sighting
    <prefix>/<camera>/<species>           open sightings of the species on the camera, retained
    <prefix>/<camera>/<species>/snapshot  the species' latest best annotated snapshot (JPEG), retained
    <prefix>/<camera>/all                 open sightings on the camera, retained
    <prefix>/<camera>/last                the camera's latest alerted sighting (JSON), retained
    <prefix>/stats                        per-camera statistics, sent when ``publish_stats`` is called
    <discovery>/device/<node>/config      Home Assistant device discovery for each camera, retained

Species topics use the taxon's scientific name (``ursus_maritimus``): common names differ between models and
languages, and two taxa may share one. Which sightings are announced is decided per camera by an
``AlertRule`` (species, minimum rank and confidence, cool-down) in ``decide``, a pure function.

The sink never makes the recorder wait for the network: paho's own thread talks to the broker and
``publish`` only queues bytes. While the broker is away, events wait in a bounded queue (the oldest are
dropped beyond it, and counted); retained state is kept as its latest value per topic and sent again on
every connection, so a broker restarted without persistence is brought up to date.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import Field, ModelWrapValidatorHandler, ValidationError, field_validator, model_validator
from pydantic import dataclasses as pydantic_dataclasses
from pydantic_core import ErrorDetails

from livespecies import __version__, slugs
from livespecies.errors import UserError
from livespecies.inference.contract import RANK_ORDER, Rank
from livespecies.redaction import public_camera  # a camera by its source URL: scheme, host and path only
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.visits import Sighting
from livespecies.validation import (
    RULE,
    SENTENCE,
    STRICT,
    AlertCooldown,
    Fraction,
    MqttClientId,
    MqttHost,
    Port,
    TopicPrefix,
    field_at,
    limits,
    sentence_error,
)

log = logging.getLogger(__name__)

EventType = Literal["new", "update", "end"]
RESERVED_LEVELS = frozenset({"all", "last"})  # camera-level topics a species slug must not shadow


class MqttError(UserError):
    """An MQTT setting that cannot work, or an alert that could not be delivered."""


@pydantic_dataclasses.dataclass(frozen=True, config=STRICT)
class MqttSettings:
    """How to reach the broker. The password comes from the environment (the caller's job) and is never shown.
    A setting that cannot work is an MqttError naming it, in one sentence (the rules: livespecies/validation.py)."""

    host: MqttHost = "127.0.0.1"
    port: Port = 1883
    topic_prefix: TopicPrefix = "livespecies"
    client_id: MqttClientId = ""  # empty: a random id, so two watchers never disconnect each other
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    keepalive: Annotated[int, Field(ge=5, le=65535)] = 60
    discovery: bool = True
    discovery_prefix: TopicPrefix = "homeassistant"
    qos: Annotated[int, Field(ge=0, le=2)] = 1
    queue_limit: Annotated[int, Field(ge=1, le=100_000)] = 100  # events kept while the broker is away; older ones are dropped
    reconnect_max_seconds: Annotated[int, Field(ge=1, le=3600)] = 30

    @model_validator(mode="after")
    def _login(self) -> MqttSettings:
        if self.password is not None and not self.username:
            raise sentence_error("An MQTT password needs a username: set the MQTT username too")
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _one_sentence(cls, values: Any, handler: ModelWrapValidatorHandler[MqttSettings]) -> MqttSettings:
        try:
            return handler(values)
        except ValidationError as exc:
            raise MqttError(_setting_sentence(cls, exc.errors(include_url=False)[0])) from None

    @property
    def broker(self) -> str:
        return f"{self.host}:{self.port}"


@pydantic_dataclasses.dataclass(frozen=True, config=STRICT)
class AlertRule:
    """Which sightings of one camera are announced. ``species``: names matched against the label and the scientific
    and common name of every taxon of the lineage, ignoring case (``Ursus`` announces both bears, ``bird`` every
    bird); empty announces every animal. Kept as topic slugs."""

    species: Annotated[frozenset[str], Field(strict=False)] = frozenset()  # any collection of names (never one string)
    min_rank: Rank | None = None  # e.g. "genus": only answers at least that specific
    min_confidence: Fraction = 0.0
    cooldown_seconds: AlertCooldown = 0.0  # after a "new" for a species, later ones on the camera within this are held back

    @field_validator("species")
    @classmethod
    def _as_slugs(cls, species: frozenset[str]) -> frozenset[str]:
        if not all(s.strip() for s in species):
            raise sentence_error(_SPECIES_LIST.removesuffix("."))
        topic_names = frozenset(topic_slug(s, "") for s in species)
        if "" in topic_names:
            raise sentence_error('Alert species names need letters or digits, for example "Vulpes vulpes"')
        return topic_names

    @model_validator(mode="wrap")
    @classmethod
    def _one_sentence(cls, values: Any, handler: ModelWrapValidatorHandler[AlertRule]) -> AlertRule:
        try:
            return handler(values)
        except ValidationError as exc:
            raise MqttError(_rule_sentence(cls, exc.errors(include_url=False)[0])) from None


@dataclass(frozen=True)
class AlertState:
    """One camera's alert memory. ``announced``/``held_back``: open sightings (id → species slug) that met the
    rule and were announced, or were held back by the cool-down; ``last_new``: species slug → clock of its last "new"."""

    announced: Mapping[str, str] = field(default_factory=dict)
    held_back: Mapping[str, str] = field(default_factory=dict)
    last_new: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool = False


@dataclass(frozen=True)
class MqttStatus:
    connected: bool
    error: str | None  # why the broker cannot be used right now, one sentence
    queued: int  # events waiting for the broker
    dropped: int  # events dropped since start because the queue was full


# ---- Pure decisions: names, rules, payloads -------------------------------------------------------------------


def topic_slug(text: str, fallback: str) -> str:
    """A topic level that is safe everywhere: lowercase ASCII letters, digits and underscores, never empty."""
    return slugs.slug(text, 64, separator="_", fallback=fallback)


def camera_slug(camera: str) -> str:
    return topic_slug(public_camera(camera), "camera")


def species_slug(visit: Sighting) -> str:
    slug = topic_slug(visit.key[1], "animal")
    return f"{slug}_taxon" if slug in RESERVED_LEVELS else slug


def rule_matches(rule: AlertRule, visit: Sighting) -> bool:
    """Whether a sighting, as named now, is one the camera's rule asks to hear about."""
    if visit.best_confidence < rule.min_confidence:
        return False
    if rule.min_rank is not None and visit.key[0] not in RANK_ORDER[: RANK_ORDER.index(rule.min_rank) + 1]:
        return False
    names = {visit.label, visit.key[1], *(name for _, name in visit.lineage), *visit.common_names}
    return not rule.species or any(topic_slug(n, "") in rule.species for n in names)


def decide(state: AlertState, rule: AlertRule, record: SightingRecord) -> tuple[AlertState, tuple[EventType, ...]]:
    """The events one record causes on its camera, and the camera's next alert memory.

    A sighting is announced ("new") by its first record that meets the rule, so one that becomes confident or
    specific enough later is announced then; once announced, its changes and its end always follow. Time is the
    visit's ``last_seen``, on the clock visits end by (monotonic in the live program)."""
    sid, slug, now, ended = record.sighting_id, species_slug(record.visit), record.visit.last_seen, record.kind == "ended"
    if sid in state.held_back:
        held = {k: v for k, v in state.held_back.items() if k != sid} | ({} if ended else {sid: slug})
        return replace(state, held_back=held), ()
    if sid in state.announced:
        announced = {k: v for k, v in state.announced.items() if k != sid}
        if ended:
            return replace(state, announced=announced), ("end",)
        renamed = state.announced[sid] != slug  # the user has just heard of this species: it starts a cool-down too
        last_new = {**state.last_new, slug: now} if renamed else state.last_new
        return replace(state, announced={**announced, sid: slug}, last_new=last_new), ("update",)
    if not rule_matches(rule, record.visit):
        return state, ()
    previous = state.last_new.get(slug)
    if previous is not None and now - previous < rule.cooldown_seconds:
        return (state, ()) if ended else (replace(state, held_back={**state.held_back, sid: slug}), ())
    last_new = {**state.last_new, slug: now}
    if ended:  # met the rule only by the end (its best confidence grew): a late alert beats none
        return replace(state, last_new=last_new), ("new", "end")
    return replace(state, announced={**state.announced, sid: slug}, last_new=last_new), ("new",)


def open_counts(state: AlertState) -> Counter[str]:
    """Open sightings per species that met the rule (held-back ones count: two foxes are two, alerted or not)."""
    return Counter([*state.announced.values(), *state.held_back.values()])


def sighting_payload(record: SightingRecord, snapshot_name: str | None) -> dict[str, Any]:
    """The sighting as events carry it (Frigate's ``before``/``after``); times are unix seconds."""
    v = record.visit
    return {
        "id": record.sighting_id,
        "camera": public_camera(record.camera),
        "label": v.label,
        "taxon": {"rank": v.key[0], "name": v.key[1]},
        "species": species_slug(v),
        "lineage": [{"rank": rank, "name": name} for rank, name in v.lineage],
        "best_confidence": round(v.best_confidence, 4),
        "frames": v.frames,
        "start_time": v.started_at or v.started,
        "last_seen_time": v.last_seen_at or v.last_seen,
        "end_time": (v.last_seen_at or v.last_seen) if record.kind == "ended" else None,
        "snapshot": snapshot_name,
        "models": dict(record.models),
    }


def to_json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def discovery_message(settings: MqttSettings, camera: str) -> Message:
    """Home Assistant's device-based discovery: one retained config per camera with two sensors, the last species
    and the animals present, sharing the device, origin and availability."""
    cam = camera_slug(camera)
    node = f"{topic_slug(settings.topic_prefix, 'livespecies')}_{cam}"
    base = f"{settings.topic_prefix}/{cam}"
    config = {
        "dev": {"ids": [node], "name": public_camera(camera), "mf": "livespecies", "mdl": "Animal species watcher", "sw": __version__},
        "o": {"name": "livespecies", "sw": __version__},
        "availability": [{"topic": f"{settings.topic_prefix}/available", "payload_available": "online", "payload_not_available": "offline"}],
        "qos": settings.qos,
        "cmps": {
            f"{node}_last_species": {"p": "sensor", "name": "Last species", "unique_id": f"{node}_last_species", "icon": "mdi:paw",
                                     "state_topic": f"{base}/last", "value_template": "{{ value_json.label }}",
                                     "json_attributes_topic": f"{base}/last"},
            f"{node}_animals": {"p": "sensor", "name": "Animals present", "unique_id": f"{node}_animals", "icon": "mdi:counter",
                                "state_topic": f"{base}/all", "state_class": "measurement"},
        },
    }  # fmt: skip
    return Message(f"{settings.discovery_prefix}/device/{node}/config", to_json(config), retain=True)


def connect_failure(settings: MqttSettings, error: BaseException | None) -> str:
    """Why a connection attempt failed, in words (the broker's address only: never the login)."""
    if isinstance(error, ConnectionRefusedError):
        reason = "nothing listens there (connection refused)"
    elif isinstance(error, TimeoutError):
        reason = "it did not answer in time"
    elif isinstance(error, socket.gaierror):
        reason = "unknown host"
    else:
        reason = (getattr(error, "strerror", None) or str(error) or type(error).__name__) if error else "the connection failed"
    return f"Cannot reach the MQTT broker at {settings.broker}: {reason}."


def refusal(settings: MqttSettings, reason: ReasonCode) -> str:
    words = str(reason).lower()
    if "not authori" in words or "bad user name or password" in words:
        return f"The MQTT broker at {settings.broker} refused the login: check the MQTT username and password."
    return f"The MQTT broker at {settings.broker} refused the connection: {reason}."


# ---- The sink ----------------------------------------------------------------------------------------------------


class MqttSink:
    """A ``SightingSink`` that announces sightings over MQTT. ``rules``: camera name → rule (cameras without one
    announce every animal; the named cameras get their discovery config at once); ``stats``: the cameras'
    statistics as JSON can write them, sent under ``"cameras"`` by ``publish_stats``."""

    def __init__(self, settings: MqttSettings, rules: Mapping[str, AlertRule] | None = None,
                 stats: Callable[[], object] | None = None) -> None:  # fmt: skip
        self.settings = settings
        self._rules = dict(rules or {})
        _check_camera_slugs(self._rules)
        self._stats = stats
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._up = threading.Event()
        self._connected = self._closed = self._overflow_reported = False
        self._error: str | None = None
        self._dropped = 0
        self._backlog: deque[Message] = deque()
        self._retained: dict[str, bytes] = {}  # topic → latest payload, re-sent on every connection
        self._discovery: dict[str, bytes] = {}
        self._alerts: dict[str, AlertState] = {}
        self._snapshots: dict[str, Path] = {}  # open sighting → its annotated snapshot
        self._published: dict[str, dict[str, Any]] = {}  # announced sighting → its last "after"
        self._last: dict[str, str] = {}  # camera → latest announced sighting
        for camera in self._rules:
            self._add_camera(camera)
        self._client = self._make_client()
        self._client.connect_async(settings.host, settings.port, settings.keepalive)
        self._client.loop_start()

    @property
    def availability_topic(self) -> str:
        return f"{self.settings.topic_prefix}/available"

    def record(self, record: SightingRecord) -> None:
        """Turn one change into messages and hand them to the network thread; never waits for the broker."""
        with self._lock:
            if self._closed:
                raise RuntimeError("MqttSink.record() after close()")
            if record.snapshot is not None:
                self._snapshots[record.sighting_id] = record.snapshot.annotated
            self._add_camera(record.camera)
            messages, snapshot = self._messages_for(record)
            overflowed, why = self._send(messages), self._error or "The MQTT broker is unreachable."
        if snapshot is not None:
            self._send_snapshot(record.camera, *snapshot)
        if overflowed:
            raise MqttError(f"{why} Alerts are queued; the oldest were dropped.")

    def publish_stats(self) -> bool:
        """Send ``<prefix>/stats`` now; False when the broker is away (stale statistics are not worth queueing)."""
        cameras = self._stats() if self._stats is not None else {}
        with self._lock:
            service = {"version": __version__, "uptime": round(time.monotonic() - self._started),
                       "mqtt": {"connected": self._connected, "queued": len(self._backlog), "dropped": self._dropped}}  # fmt: skip
            if not self._connected:
                return False
            self._publish(Message(f"{self.settings.topic_prefix}/stats", to_json({"cameras": cameras, "service": service})))
            return True

    def status(self) -> MqttStatus:
        with self._lock:
            return MqttStatus(self._connected, self._error, len(self._backlog), self._dropped)

    def wait_connected(self, timeout: float) -> bool:
        """Wait until the broker has accepted the connection (start-up checks and tests); True if it has."""
        return self._up.wait(timeout)

    def close(self) -> None:
        """Say "offline" (a clean disconnect sends no last will) and stop the network thread; returns within about
        3 s even when the broker is gone (2 s for the goodbye, 1 s for paho's thread to notice)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            info = self._client.publish(self.availability_topic, b"offline", qos=1, retain=True) if self._connected else None
            left = len(self._backlog)
        if info is not None and info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass  # the connection went at the last moment: the broker sends the last will instead
        self._client.disconnect()
        self._client.loop_stop()
        if left:
            log.warning("MQTT: %d alert(s) for %s were never sent: the broker was unreachable until the end", left, self.settings.broker)

    # ---- inside the lock: state → messages

    def _messages_for(self, record: SightingRecord) -> tuple[list[Message], tuple[Path, str] | None]:
        """The record's events, the camera's changed counts and last sighting, and where its snapshot should go."""
        rule = self._rules.get(record.camera, AlertRule())
        before_state = self._alerts.get(record.camera, AlertState())
        state, events = decide(before_state, rule, record)
        self._alerts[record.camera] = state
        sid, cam = record.sighting_id, camera_slug(record.camera)
        base = f"{self.settings.topic_prefix}/{cam}"
        snapshot = self._snapshots.get(sid)
        after = sighting_payload(record, snapshot.name if snapshot else None)
        messages: list[Message] = []
        previous = self._published.get(sid)
        for event in events:
            before = None if event == "new" else previous
            messages.append(Message(f"{self.settings.topic_prefix}/events", to_json({"type": event, "before": before, "after": after})))
            previous = after
        if events:
            self._published[sid] = after
            if events[0] == "new" or self._last.get(record.camera) == sid:
                self._last[record.camera] = sid
                messages.append(Message(f"{base}/last", to_json(after), retain=True))
        messages += self._count_messages(base, before_state, state)
        if record.kind == "ended":
            self._snapshots.pop(sid, None)
            self._published.pop(sid, None)
        species = species_slug(record.visit)
        renamed = before_state.announced.get(sid) not in (None, species)
        wants_snapshot = "new" in events or (events == ("update",) and (record.kind == "snapshot" or renamed))
        return messages, (snapshot, f"{base}/{species}/snapshot") if wants_snapshot and snapshot is not None else None

    def _count_messages(self, base: str, before: AlertState, after: AlertState) -> list[Message]:
        old, new = open_counts(before), open_counts(after)
        changed = sorted(s for s in set(old) | set(new) if old[s] != new[s])
        messages = [Message(f"{base}/{species}", str(new[species]).encode(), retain=True) for species in changed]
        if changed or f"{base}/all" not in self._retained:
            messages.append(Message(f"{base}/all", str(new.total()).encode(), retain=True))
        return messages

    def _add_camera(self, camera: str) -> None:
        if self.settings.discovery:
            message = discovery_message(self.settings, camera)
            if message.topic not in self._discovery:
                self._discovery[message.topic] = message.payload
                if self._connected:  # else it goes with the others on connecting
                    self._publish(message)

    def _send(self, messages: Iterable[Message]) -> bool:
        """Publish now, or keep for the next connection; True when the queue overflowed first in this outage."""
        overflowed = False
        for m in messages:
            if m.retain:
                self._retained[m.topic] = m.payload
            if self._connected:
                self._publish(m)
            elif not m.retain:  # retained state needs no queue: its latest value is sent on connecting
                if len(self._backlog) >= self.settings.queue_limit:
                    self._backlog.popleft()
                    self._dropped += 1
                    overflowed |= not self._overflow_reported  # one sentence per outage, not one per animal
                    self._overflow_reported = True
                self._backlog.append(m)
        return overflowed

    def _publish(self, m: Message) -> None:
        info = self._client.publish(m.topic, m.payload, qos=self.settings.qos, retain=m.retain)
        if info.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
            self._dropped += 1  # paho's own queue (messages sent just as the connection dropped) is full too

    def _send_snapshot(self, camera: str, path: Path, topic: str) -> None:
        """Read and send the JPEG outside the lock (a slow disk must not hold up the network thread)."""
        try:
            jpeg = path.read_bytes()
        except OSError as exc:
            raise MqttError(f"Cannot send the snapshot {path.name} of camera {public_camera(camera)} over MQTT: {exc.strerror or exc}.") from None
        with self._lock:
            self._send([Message(topic, jpeg, retain=True)])

    # ---- paho's network thread

    def _make_client(self) -> paho.Client:
        s = self.settings
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=s.client_id, protocol=paho.MQTTv311, clean_session=True)
        if s.username:
            client.username_pw_set(s.username, s.password)
        client.will_set(self.availability_topic, b"offline", qos=1, retain=True)
        client.reconnect_delay_set(1, s.reconnect_max_seconds)
        client.max_queued_messages_set(s.queue_limit)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: paho.Client, _userdata: object, _flags: object, reason: ReasonCode, _props: object) -> None:
        if reason.is_failure:
            self._set_error(refusal(self.settings, reason))
            return
        with self._lock:
            self._connected, self._error, self._overflow_reported = True, None, False
            client.publish(self.availability_topic, b"online", qos=self.settings.qos, retain=True)
            if self.settings.discovery:
                client.subscribe(f"{self.settings.discovery_prefix}/status", qos=1)
            state = [Message(t, p, retain=True) for t, p in (*self._discovery.items(), *self._retained.items())]
            queued = list(self._backlog)
            self._backlog.clear()
            for m in state + queued:
                self._publish(m)
        self._up.set()
        log.info("MQTT: connected to %s (%d queued alert(s) sent)", self.settings.broker, len(queued))

    def _on_connect_fail(self, _client: paho.Client, _userdata: object) -> None:
        # paho calls this inside its ``except OSError`` block: the exception being handled says why.
        self._set_error(connect_failure(self.settings, sys.exc_info()[1]))

    def _on_disconnect(self, _client: paho.Client, _userdata: object, _flags: object, reason: ReasonCode, _props: object) -> None:
        self._up.clear()
        with self._lock:
            was_connected, self._connected = self._connected, False
            closing = self._closed
        if was_connected and not closing:
            log.warning("MQTT: lost the connection to %s (%s); reconnecting, alerts are queued meanwhile", self.settings.broker, reason)

    def _on_message(self, _client: paho.Client, _userdata: object, message: paho.MQTTMessage) -> None:
        # Home Assistant says "online" on its status topic when it starts: it may have lost our devices.
        if message.topic == f"{self.settings.discovery_prefix}/status" and message.payload.strip() == b"online":
            with self._lock:
                for topic, payload in self._discovery.items():
                    self._publish(Message(topic, payload, retain=True))

    def _set_error(self, error: str) -> None:
        with self._lock:
            repeated, self._error = self._error == error, error
        if not repeated:  # once per cause: the client retries every few seconds for as long as it takes
            log.warning("%s Retrying every %d s at most; alerts are queued meanwhile.", error, self.settings.reconnect_max_seconds)


# ---- Setting checks: each names the setting and what to write instead ------------------------------------------


def _setting_sentence(settings: type, error: ErrorDetails) -> str:
    """One sentence from a pydantic error: MQTT port 70000 is not allowed: use a whole number from 1 to 65535."""
    if error["type"] == SENTENCE or not error["loc"]:
        return f"{error['msg']}."
    name = _field_name(settings, error["loc"][0])
    low, high = limits(field_at(settings, (name,)))
    if low is not None and high is not None:
        return f"MQTT {name} {error['input']!r} is not allowed: use a whole number from {low} to {high}."
    if error["type"] == RULE:
        return f"MQTT {name} {error['msg']}."
    shown = "" if name == "password" else f" {error['input']!r}"  # never echo a password
    return f"MQTT {name}{shown} is not allowed: {error['msg'][0].lower()}{error['msg'][1:]}."


_SPECIES_LIST = 'Alert species must be a list of names, for example ["Vulpes vulpes", "Ursus"].'
# Each alert rule's refusal in words; {value}, {low} and {high} are the value given and the rule's limits.
_RULE_SENTENCES = {
    "species": _SPECIES_LIST,
    "min_rank": "Unknown alert min_rank '{value}': use one of species, genus, family, order, class.",
    "min_confidence": "Alert min_confidence {value} is out of range: use a number from {low:g} to {high:g}.",
    "cooldown_seconds": "Alert cooldown_seconds {value} is out of range: use {low:g} to {high:g} seconds.",
}


def _rule_sentence(rule: type, error: ErrorDetails) -> str:
    name = _field_name(rule, error["loc"][0]) if error["loc"] else ""
    if error["type"] == SENTENCE or name not in _RULE_SENTENCES:
        return f"{error['msg']}."
    low, high = limits(field_at(rule, (name,)))
    return _RULE_SENTENCES[name].format(value=error.get("input"), low=low or 0, high=high or 0)


def _field_name(schema: type, part: int | str) -> str:
    """Positional arguments are named by position in pydantic's errors: AlertRule(frozenset(), "genus")."""
    return part if isinstance(part, str) else dataclasses.fields(schema)[part].name


def _check_camera_slugs(cameras: Iterable[str]) -> None:
    seen: dict[str, str] = {}
    for camera in cameras:
        slug = camera_slug(camera)
        if slug in seen:
            raise MqttError(f"Cameras '{seen[slug]}' and '{camera}' would share the MQTT topic '{slug}': rename one of them.")
        seen[slug] = camera
