"""MQTT alerts against a real Mosquitto broker on loopback: availability and the last will of a killed watcher,
one animal giving one "new" and one "end" with a snapshot that decodes, per-camera rules and cool-down, Home
Assistant discovery and its re-send, a broker that is down at start or restarted, logins that never leak, and
settings refused in one sentence. The decisions (names, rules, payloads) are table-tested without a broker."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from livespecies.errors import UserError
from livespecies.sightings.mqtt import (
    AlertRule,
    AlertState,
    MqttSettings,
    MqttSink,
    decide,
    discovery_message,
    open_counts,
    public_camera,
    rule_matches,
    sighting_payload,
    species_slug,
    topic_slug,
)
from livespecies.sightings.records import RecordKind, SightingRecord
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting, TaxonKey
from tests.servers.mosquitto import Mosquitto, Subscriber, free_port, mosquitto_binary

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "tests" / "data" / "photos" / "animals" / "erase-red_panda.webp"
WALL = 1_700_000_000.0
BEAR = (("species", "Ursus maritimus"), ("genus", "Ursus"), ("family", "Ursidae"), ("class", "Mammalia"), ("kingdom", "Animalia"))
HEN = (("species", "Gallus gallus"), ("genus", "Gallus"), ("class", "Aves"), ("kingdom", "Animalia"))
LABELS = {"Ursus maritimus": "polar bear", "Ursus": "Ursus (genus)", "Mammalia": "unidentified mammal", "Gallus gallus": "hen"}


def visit(lineage: tuple[TaxonKey, ...], t: float, confidence: float = 0.9, started: float = 0.0) -> Sighting:
    label = LABELS.get(lineage[0][1], lineage[0][1])
    return Sighting(1, lineage[0], label, started, t, confidence, 5, (1,), lineage, WALL + started, WALL + t)


def rec(sid: str, kind: RecordKind, v: Sighting, camera: str = "garden", snapshot: SnapshotFiles | None = None) -> SightingRecord:
    return SightingRecord(sid, camera, kind, v, snapshot, {"classifier": "mobilenet-v3"})


def snapshot_files(folder: Path, stem: str) -> SnapshotFiles:
    """A real annotated JPEG, as the snapshot writer leaves it."""
    pixels = cv2.imread(str(PHOTO))
    assert pixels is not None
    ok, jpeg = cv2.imencode(".jpg", pixels)
    assert ok
    files = SnapshotFiles(folder / f"{stem}.jpg", folder / f"{stem}.raw.jpg", folder / f"{stem}.json")
    files.annotated.write_bytes(jpeg.tobytes())
    return files


def events(subscriber: Subscriber, count: int, prefix: str = "livespecies") -> list[dict[str, Any]]:
    return [json.loads(m.payload) for m in subscriber.wait_for(f"{prefix}/events", count)]


def barrier(sink: MqttSink, subscriber: Subscriber) -> None:
    """Everything the sink published before this has arrived (one connection delivers in order)."""
    before = len(subscriber.received)
    assert sink.publish_stats()
    subscriber.wait_for("livespecies/stats", where=lambda m: subscriber.received.index(m) >= before)


# ---- pure decisions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [("North Gate", "north_gate"), ("Ursus maritimus", "ursus_maritimus"), ("Île/cam#1+", "ile_cam_1"), ("***", "x"), ("", "x")],
)
def test_topic_slugs_are_safe_topic_levels(text: str, slug: str) -> None:
    assert topic_slug(text, "x") == slug


@pytest.mark.parametrize(
    ("camera", "public"),
    [
        ("garden", "garden"),
        ("rtsp://admin:***@10.0.0.5:554/stream1", "rtsp://10.0.0.5:554/stream1"),
        ("http://cam.local/video.mjpg?user=admin&pwd=secret#x", "http://cam.local/video.mjpg"),
        ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
    ],
)
def test_cameras_named_by_their_source_lose_user_and_query(camera: str, public: str) -> None:
    assert public_camera(camera) == public


def test_a_species_never_shadows_the_camera_level_topics() -> None:
    assert species_slug(visit((("species", "All"),), 0)) == "all_taxon"
    assert species_slug(visit(BEAR, 0)) == "ursus_maritimus"


@pytest.mark.parametrize(
    ("rule", "lineage", "confidence", "matches"),
    [
        (AlertRule(), HEN, 0.1, True),
        (AlertRule(species=frozenset({"Ursus"})), BEAR, 0.9, True),  # a genus in the lineage
        (AlertRule(species=frozenset({"POLAR BEAR"})), BEAR, 0.9, True),  # the label, any case
        (AlertRule(species=frozenset({"ursus_maritimus"})), BEAR, 0.9, True),  # as the topic writes it
        (AlertRule(species=frozenset({"Ursus"})), HEN, 0.9, False),
        (AlertRule(min_rank="genus"), BEAR, 0.9, True),
        (AlertRule(min_rank="genus"), BEAR[1:], 0.9, True),
        (AlertRule(min_rank="species"), BEAR[1:], 0.9, False),
        (AlertRule(min_rank="genus"), BEAR[3:], 0.9, False),
        (AlertRule(min_confidence=0.8), BEAR, 0.79, False),
        (AlertRule(min_confidence=0.8), BEAR, 0.8, True),
    ],
)
def test_rule_matching(rule: AlertRule, lineage: tuple[TaxonKey, ...], confidence: float, matches: bool) -> None:
    assert rule_matches(rule, visit(lineage, 0, confidence)) is matches


@pytest.mark.parametrize(("species", "matches"), [("bird", True), ("Chicken", True), ("Aves", True), ("mammal", False)])
def test_rules_match_the_common_names_of_every_rank(species: str, matches: bool) -> None:
    hen = replace(visit(HEN, 0), common_names=("chicken", "gallinaceous bird", "bird", "animal"))
    assert rule_matches(AlertRule(species=frozenset({species})), hen) is matches


Step = tuple[str, RecordKind, tuple[TaxonKey, ...], float, float]  # sighting, kind, lineage, time, best confidence
DECISIONS: list[tuple[str, AlertRule, list[Step], list[tuple[str, ...]]]] = [
    ("every change of an announced sighting follows", AlertRule(),
     [("a", "started", BEAR, 0, 0.9), ("a", "snapshot", BEAR, 1, 0.95), ("a", "renamed", BEAR[1:], 2, 0.95), ("a", "ended", BEAR[1:], 9, 0.95)],
     [("new",), ("update",), ("update",), ("end",)]),
    ("other species are not announced", AlertRule(species=frozenset({"Ursus"})),
     [("h", "started", HEN, 0, 0.9), ("h", "ended", HEN, 5, 0.9)], [(), ()]),
    ("announced once specific enough", AlertRule(min_rank="genus"),
     [("a", "started", BEAR[3:], 0, 0.9), ("a", "renamed", BEAR, 2, 0.9), ("a", "ended", BEAR, 5, 0.9)],
     [(), ("new",), ("end",)]),
    ("confident enough only by its end: a late alert", AlertRule(min_confidence=0.8),
     [("a", "started", BEAR, 0, 0.5), ("a", "ended", BEAR, 5, 0.85)], [(), ("new", "end")]),
    ("the cool-down holds back a second bear, changes and end included", AlertRule(cooldown_seconds=60),
     [("a", "started", BEAR, 0, 0.9), ("b", "started", BEAR, 10, 0.9), ("b", "snapshot", BEAR, 11, 0.95),
      ("b", "ended", BEAR, 20, 0.95), ("a", "ended", BEAR, 30, 0.9), ("c", "started", BEAR, 61, 0.9)],
     [("new",), (), (), (), ("end",), ("new",)]),
    ("the cool-down is per species", AlertRule(cooldown_seconds=60),
     [("a", "started", BEAR, 0, 0.9), ("h", "started", HEN, 1, 0.9)], [("new",), ("new",)]),
    ("a rename announces the new species and starts its cool-down", AlertRule(cooldown_seconds=60),
     [("a", "started", BEAR[1:], 0, 0.9), ("a", "renamed", BEAR, 5, 0.9), ("b", "started", BEAR, 30, 0.9)],
     [("new",), ("update",), ()]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "rule", "steps", "expected"), DECISIONS, ids=[d[0] for d in DECISIONS])
def test_decisions(name: str, rule: AlertRule, steps: list[Step], expected: list[tuple[str, ...]]) -> None:
    state = AlertState()
    got = []
    for sid, kind, lineage, t, confidence in steps:
        state, emitted = decide(state, rule, rec(sid, kind, visit(lineage, t, confidence)))
        got.append(emitted)
    assert got == expected


def test_held_back_sightings_still_count() -> None:
    """Two bears in view are two, even when the second one's alert was held back by the cool-down."""
    rule = AlertRule(cooldown_seconds=60)
    state, _ = decide(AlertState(), rule, rec("a", "started", visit(BEAR, 0)))
    state, _ = decide(state, rule, rec("b", "started", visit(BEAR, 5)))
    assert open_counts(state) == {"ursus_maritimus": 2}
    state, _ = decide(state, rule, rec("b", "renamed", visit(BEAR[1:], 6)))
    assert open_counts(state) == {"ursus_maritimus": 1, "ursus": 1}


def test_sighting_payload_names_no_path_and_no_login(tmp_path: Path) -> None:
    files = SnapshotFiles(tmp_path / "secret-dir" / "a.jpg", tmp_path / "a.raw.jpg", tmp_path / "a.json")
    record = rec("s1", "ended", visit(BEAR, 12.0, started=2.0), camera="rtsp://admin:***@cam/1", snapshot=files)
    payload = sighting_payload(record, files.annotated.name)
    assert payload == {
        "id": "s1", "camera": "rtsp://cam/1", "label": "polar bear", "taxon": {"rank": "species", "name": "Ursus maritimus"},
        "species": "ursus_maritimus", "lineage": [{"rank": r, "name": n} for r, n in BEAR], "best_confidence": 0.9, "frames": 5,
        "start_time": WALL + 2, "last_seen_time": WALL + 12, "end_time": WALL + 12, "snapshot": "a.jpg",
        "models": {"classifier": "mobilenet-v3"},
    }  # fmt: skip
    assert sighting_payload(rec("s1", "started", visit(BEAR, 2.0)), None)["end_time"] is None


def test_discovery_config_is_a_device_with_availability() -> None:
    message = discovery_message(MqttSettings(topic_prefix="site/a"), "North Gate")
    config = json.loads(message.payload)
    assert message.topic == "homeassistant/device/site_a_north_gate/config" and message.retain
    assert config["dev"]["ids"] == ["site_a_north_gate"] and config["dev"]["name"] == "North Gate" and config["o"]["name"] == "livespecies"
    assert config["availability"] == [{"topic": "site/a/available", "payload_available": "online", "payload_not_available": "offline"}]
    components = config["cmps"]
    assert {c["p"] for c in components.values()} == {"sensor"}
    assert {c["state_topic"] for c in components.values()} == {"site/a/north_gate/last", "site/a/north_gate/all"}
    assert all(key == c["unique_id"] for key, c in components.items())


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"port": 70000}, "MQTT port 70000 is not allowed: use a whole number from 1 to 65535."),
        ({"port": 0}, "MQTT port 0"),
        ({"port": True}, "MQTT port True"),
        ({"qos": 3}, "MQTT qos 3"),
        ({"keepalive": 1}, "MQTT keepalive 1"),
        ({"host": ""}, "is not a host name"),
        ({"host": "mqtt://broker"}, "without a scheme"),
        ({"topic_prefix": "a/#"}, "MQTT topic_prefix 'a/#'"),
        ({"topic_prefix": "/a"}, "MQTT topic_prefix '/a'"),
        ({"topic_prefix": "a/"}, "MQTT topic_prefix 'a/'"),
        ({"topic_prefix": "my house"}, "MQTT topic_prefix 'my house' is not a usable topic prefix"),
        ({"topic_prefix": "x" * 65}, "64 characters at most"),
        ({"client_id": "a\nb"}, "MQTT client_id must be printable text"),
        ({"discovery": "yes"}, "MQTT discovery 'yes' is not allowed"),
        ({"discovery_prefix": ""}, "MQTT discovery_prefix ''"),
        ({"password": "pw"}, "needs a username"),
    ],
)
def test_bad_settings_are_one_sentence(settings: dict[str, Any], words: str) -> None:
    with pytest.raises(UserError) as caught:
        MqttSettings(**settings)
    message = str(caught.value)
    assert words in message and message.endswith(".") and "\n" not in message and message.count(". ") == 0


def test_a_host_with_a_login_is_refused_without_repeating_it() -> None:
    with pytest.raises(UserError) as caught:
        MqttSettings(host="user:hunter2@broker")
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(MqttSettings(username="u", password="hunter2"))


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"min_rank": "specie"}, "Unknown alert min_rank 'specie'"),
        ({"min_confidence": 1.5}, "min_confidence 1.5"),
        ({"cooldown_seconds": -1}, "cooldown_seconds -1"),
        ({"species": "fox"}, "list of names"),
        ({"species": frozenset({"!!"})}, "letters or digits"),
    ],
)
def test_bad_rules_are_one_sentence(rule: dict[str, Any], words: str) -> None:
    with pytest.raises(UserError, match=words):
        AlertRule(**rule)


def test_cameras_that_would_share_a_topic_are_refused() -> None:
    with pytest.raises(UserError, match="Cameras 'North Gate' and 'north-gate' would share the MQTT topic 'north_gate'"):
        MqttSink(MqttSettings(port=free_port()), {"North Gate": AlertRule(), "north-gate": AlertRule()})


# ---- against a real broker ---------------------------------------------------------------------------------------


def _need_mosquitto() -> None:
    if mosquitto_binary() is None:
        pytest.skip("the mosquitto broker is not installed (apt-get install mosquitto)")


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[Callable[..., Mosquitto]]:
    """Fresh Mosquitto brokers on 127.0.0.1, each on a free port, stopped after the test (after its sinks and clients,
    which are set up later and so torn down first)."""
    _need_mosquitto()
    started: list[Mosquitto] = []

    def start(**options: Any) -> Mosquitto:
        folder = tmp_path / f"broker{len(started)}"
        folder.mkdir()
        server = Mosquitto(folder, **options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def broker(brokers: Callable[..., Mosquitto]) -> Mosquitto:
    """A fresh broker that lets anonymous clients in."""
    return brokers()


@pytest.fixture
def make_sink() -> Iterator[Callable[..., MqttSink]]:
    """Sinks made by a test are closed after it, whatever happens."""
    made: list[MqttSink] = []

    def make(port: int, rules: dict[str, AlertRule] | None = None, stats: Callable[[], object] | None = None, **settings: Any) -> MqttSink:
        sink = MqttSink(MqttSettings(host="127.0.0.1", port=port, reconnect_max_seconds=2, **settings), rules, stats)
        made.append(sink)
        return sink

    yield make
    for sink in made:
        sink.close()


@pytest.fixture
def subscribers() -> Iterator[Callable[..., Subscriber]]:
    made: list[Subscriber] = []

    def make(port: int, *topics: str, **options: Any) -> Subscriber:
        subscriber = Subscriber(port, topics or ("#",), **options)
        made.append(subscriber)
        return subscriber

    yield make
    for subscriber in made:
        subscriber.close()


def test_availability_is_online_while_connected_and_offline_after_close(broker: Mosquitto, make_sink: Callable[..., MqttSink],
                                                                        subscribers: Callable[..., Subscriber]) -> None:  # fmt: skip
    sink = make_sink(broker.port)
    assert sink.wait_connected(10)
    barrier(sink, subscribers(broker.port, "livespecies/#"))
    watcher = subscribers(broker.port, "livespecies/available")
    [online] = watcher.wait_for("livespecies/available")
    assert online.payload == b"online" and online.retain  # retained: a late subscriber learns it at once
    sink.close()
    watcher.wait_for("livespecies/available", where=lambda m: m.payload == b"offline")
    late = subscribers(broker.port, "livespecies/available")
    assert late.wait_for("livespecies/available")[0].payload == b"offline"


def test_the_last_will_says_offline_when_the_watcher_is_killed(broker: Mosquitto, subscribers: Callable[..., Subscriber]) -> None:
    """A watcher killed with SIGKILL sends nothing; the broker publishes its last will for it."""
    code = (
        "import sys, time\n"
        "from livespecies.sightings.mqtt import MqttSettings, MqttSink\n"
        f"sink = MqttSink(MqttSettings(host='127.0.0.1', port={broker.port}))\n"
        "print('ready' if sink.wait_connected(10) else 'no broker', flush=True)\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        watcher = subscribers(broker.port, "livespecies/available")
        assert watcher.wait_for("livespecies/available")[0].payload == b"online"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        [offline] = watcher.wait_for("livespecies/available", where=lambda m: m.payload == b"offline")
        assert not offline.retain  # delivered live, and retained for later subscribers:
        assert subscribers(broker.port, "livespecies/available").wait_for("livespecies/available")[0].payload == b"offline"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_animal_that_appears_and_leaves_gives_one_new_and_one_end(broker: Mosquitto, make_sink: Callable[..., MqttSink],
                                                                    subscribers: Callable[..., Subscriber], tmp_path: Path) -> None:  # fmt: skip
    watcher = subscribers(broker.port, "livespecies/#")
    sink = make_sink(broker.port)
    assert sink.wait_connected(10)
    files = snapshot_files(tmp_path, "bear")
    sink.record(rec("s1", "started", visit(BEAR, 0.0), snapshot=files))
    sink.record(rec("s1", "ended", visit(BEAR, 20.0), snapshot=None))
    barrier(sink, watcher)
    assert [e["type"] for e in events(watcher, 2)] == ["new", "end"]
    assert len(watcher.wait_for("livespecies/events", 2)) == len([m for m in watcher.received if m.topic == "livespecies/events"])
    new, end = events(watcher, 2)
    assert new["before"] is None and new["after"]["id"] == "s1" and new["after"]["snapshot"] == "bear.jpg"
    assert end["before"] == new["after"] and end["after"]["end_time"] == WALL + 20.0
    [jpeg] = watcher.wait_for("livespecies/garden/ursus_maritimus/snapshot")
    pixels = cv2.imdecode(np.frombuffer(jpeg.payload, np.uint8), cv2.IMREAD_COLOR)
    original = cv2.imread(str(PHOTO))
    assert pixels is not None and original is not None and pixels.shape == original.shape
    counts = [m.payload for m in watcher.received if m.topic == "livespecies/garden/ursus_maritimus"]
    assert counts == [b"1", b"0"]
    assert [m.payload for m in watcher.received if m.topic == "livespecies/garden/all"][-1] == b"0"
    assert json.loads(watcher.wait_for("livespecies/garden/last")[0].payload)["label"] == "polar bear"


def test_snapshot_replacements_and_stats(broker: Mosquitto, make_sink: Callable[..., MqttSink], subscribers: Callable[..., Subscriber],
                                         tmp_path: Path) -> None:  # fmt: skip
    watcher = subscribers(broker.port, "livespecies/#")
    sink = make_sink(broker.port, stats=lambda: {"garden": {"fps_in": 12.0, "reconnects_last_hour": 0}})
    assert sink.wait_connected(10)
    sink.record(rec("s1", "started", visit(BEAR, 0.0), snapshot=snapshot_files(tmp_path, "first")))
    better = snapshot_files(tmp_path, "second")
    sink.record(rec("s1", "snapshot", visit(BEAR, 3.0, confidence=0.97), snapshot=better))
    barrier(sink, watcher)
    new, update = events(watcher, 2)
    assert (new["type"], update["type"], update["after"]["snapshot"], update["before"]["snapshot"]) == ("new", "update", "second.jpg", "first.jpg")
    assert len(watcher.wait_for("livespecies/garden/ursus_maritimus/snapshot", 2)) == 2
    stats = json.loads(watcher.wait_for("livespecies/stats")[0].payload)
    assert stats["cameras"] == {"garden": {"fps_in": 12.0, "reconnects_last_hour": 0}}
    assert stats["service"]["mqtt"] == {"connected": True, "queued": 0, "dropped": 0}


def test_rules_per_camera(broker: Mosquitto, make_sink: Callable[..., MqttSink], subscribers: Callable[..., Subscriber]) -> None:
    """The gate camera only announces bears named at least to the genus, with a one-minute cool-down; the yard
    camera announces everything."""
    watcher = subscribers(broker.port, "livespecies/events", "livespecies/stats")
    sink = make_sink(broker.port, {"gate": AlertRule(frozenset({"Ursus"}), "genus", 0.6, 60.0)})
    assert sink.wait_connected(10)
    sink.record(rec("h1", "started", visit(HEN, 0.0), camera="gate"))  # not a bear
    sink.record(rec("m1", "started", visit(BEAR[3:], 0.0), camera="gate"))  # "mammal": too vague
    sink.record(rec("b0", "started", visit(BEAR, 0.0, confidence=0.4), camera="gate"))  # not sure enough
    sink.record(rec("b1", "started", visit(BEAR, 1.0), camera="gate"))
    sink.record(rec("b2", "started", visit(BEAR, 30.0), camera="gate"))  # within the cool-down
    sink.record(rec("b3", "started", visit(BEAR, 62.0), camera="gate"))
    sink.record(rec("h2", "started", visit(HEN, 0.0), camera="yard"))
    barrier(sink, watcher)
    announced = [(e["type"], e["after"]["id"], e["after"]["camera"]) for e in events(watcher, 3)]
    assert announced == [("new", "b1", "gate"), ("new", "b3", "gate"), ("new", "h2", "yard")]
    assert len([m for m in watcher.received if m.topic == "livespecies/events"]) == 3


def test_home_assistant_discovery_and_its_resend(broker: Mosquitto, make_sink: Callable[..., MqttSink],
                                                 subscribers: Callable[..., Subscriber]) -> None:  # fmt: skip
    sink = make_sink(broker.port, {"North Gate": AlertRule()})
    assert sink.wait_connected(10)
    barrier(sink, subscribers(broker.port, "livespecies/#"))  # the config is at the broker: it comes as stored
    home_assistant = subscribers(broker.port, "homeassistant/#")
    [stored] = home_assistant.wait_for("homeassistant/device/+/config")
    assert stored.topic == "homeassistant/device/livespecies_north_gate/config" and stored.retain
    config = json.loads(stored.payload)
    assert config["availability"][0]["topic"] == "livespecies/available" and config["dev"]["name"] == "North Gate"
    home_assistant.publish("homeassistant/status", b"online")  # what Home Assistant says when it (re)starts
    [resent] = home_assistant.wait_for("homeassistant/device/+/config", where=lambda m: not m.retain)
    assert json.loads(resent.payload) == config
    sink.record(rec("s1", "started", visit(HEN, 0.0), camera="yard"))  # a camera first seen in a record
    [yard] = home_assistant.wait_for("homeassistant/device/livespecies_yard/config")
    assert json.loads(yard.payload)["cmps"]["livespecies_yard_animals"]["state_topic"] == "livespecies/yard/all"


def test_no_discovery_when_turned_off(broker: Mosquitto, make_sink: Callable[..., MqttSink], subscribers: Callable[..., Subscriber]) -> None:
    watcher = subscribers(broker.port, "#")
    sink = make_sink(broker.port, {"gate": AlertRule()}, discovery=False)
    assert sink.wait_connected(10)
    sink.record(rec("s1", "started", visit(HEN, 0.0), camera="gate"))
    barrier(sink, watcher)
    assert not [m for m in watcher.received if m.topic.startswith("homeassistant/")]


def test_broker_down_at_start_then_up(brokers: Callable[..., Mosquitto], make_sink: Callable[..., MqttSink],
                                      subscribers: Callable[..., Subscriber]) -> None:  # fmt: skip
    """Recording never waits for a missing broker; queued alerts arrive once it is up, and so do later ones.

    A persistent subscriber session (made before the broker goes down) receives what the broker gets while the
    subscriber is away, so the test does not depend on who reconnects first."""
    broker = brokers(persistence=True)
    subscribers(broker.port, "livespecies/events", client_id="test-watcher", clean_session=False).close()
    broker.stop()
    sink = make_sink(broker.port)
    durations = []
    for record in (rec("a", "started", visit(BEAR, 0.0)), rec("a", "ended", visit(BEAR, 20.0))):
        start = time.perf_counter()
        sink.record(record)
        durations.append(time.perf_counter() - start)
    assert max(durations) < 0.05, durations
    status = sink.status()
    assert not status.connected and status.queued == 2
    broker.start()
    assert sink.wait_connected(15)
    assert sink.status().error is None
    watcher = subscribers(broker.port, "livespecies/events", client_id="test-watcher", clean_session=False)
    sink.record(rec("b", "started", visit(HEN, 30.0)))
    got = [(e["type"], e["after"]["id"]) for e in events(watcher, 3)]
    assert got == [("new", "a"), ("end", "a"), ("new", "b")]


def test_a_refused_connection_is_one_sentence_and_close_does_not_wait(make_sink: Callable[..., MqttSink],
                                                                      caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    port = free_port()
    sink = make_sink(port)
    with caplog.at_level(logging.WARNING, logger="livespecies.sightings.mqtt"):
        deadline = time.monotonic() + 10
        while sink.status().error is None and time.monotonic() < deadline:
            sink.wait_connected(0.05)
    assert sink.status().error == f"Cannot reach the MQTT broker at 127.0.0.1:{port}: nothing listens there (connection refused)."
    start = time.perf_counter()
    sink.close()
    assert time.perf_counter() - start < 3.0


def test_the_queue_is_bounded_while_the_broker_is_away(make_sink: Callable[..., MqttSink]) -> None:
    sink = make_sink(free_port(), queue_limit=3)
    for i in range(3):
        sink.record(rec(f"s{i}", "started", visit(HEN, float(i))))
    with pytest.raises(UserError, match="the oldest were dropped"):
        sink.record(rec("s3", "started", visit(HEN, 3.0)))
    sink.record(rec("s4", "started", visit(HEN, 4.0)))  # reported once per outage, not once per animal
    assert (sink.status().queued, sink.status().dropped) == (3, 2)


def test_a_restarted_broker_gets_the_state_again(broker: Mosquitto, make_sink: Callable[..., MqttSink],
                                                 subscribers: Callable[..., Subscriber]) -> None:  # fmt: skip
    """A broker without persistence forgets retained messages when it restarts; the sink sends its state again."""
    sink = make_sink(broker.port)
    assert sink.wait_connected(10)
    sink.record(rec("a", "started", visit(BEAR, 0.0)))
    subscribers(broker.port, "livespecies/garden/ursus_maritimus").wait_for("livespecies/garden/ursus_maritimus")
    broker.stop()
    broker.start()
    watcher = subscribers(broker.port, "livespecies/#")
    assert watcher.wait_for("livespecies/garden/ursus_maritimus", timeout=15)[0].payload == b"1"
    watcher.wait_for("livespecies/available", where=lambda m: m.payload == b"online")
    sink.record(rec("a", "ended", visit(BEAR, 20.0)))
    assert [e["type"] for e in events(watcher, 1)] == ["end"]


def test_logins_work_and_never_leak(brokers: Callable[..., Mosquitto], make_sink: Callable[..., MqttSink],
                                    subscribers: Callable[..., Subscriber], caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    user, password = "mqtt-user-7", "S3cret-pa55word"
    broker = brokers(users={user: password, "reader": "reader-pw"})
    with caplog.at_level(logging.DEBUG):
        watcher = subscribers(broker.port, "#", username="reader", password="reader-pw")
        sink = make_sink(broker.port, {"rtsp://admin:***@10.0.0.5/stream1": AlertRule()}, username=user, password=password)
        assert sink.wait_connected(10)
        sink.record(rec("s1", "started", visit(BEAR, 0.0), camera="rtsp://admin:***@10.0.0.5/stream1"))
        barrier(sink, watcher)
        wrong = make_sink(broker.port, username=user, password="not-" + password)
        deadline = time.monotonic() + 10
        while wrong.status().error is None and time.monotonic() < deadline:
            wrong.wait_connected(0.05)
    assert wrong.status().error == f"The MQTT broker at 127.0.0.1:{broker.port} refused the login: check the MQTT username and password."
    assert events(watcher, 1)[0]["after"]["camera"] == "rtsp://10.0.0.5/stream1"
    assert watcher.wait_for("livespecies/rtsp_10_0_0_5_stream1/all")
    for secret in (password.encode(), user.encode(), b"admin"):
        assert not [m.topic for m in watcher.received if secret in m.payload or secret in m.topic.encode()]
    assert password not in caplog.text and user not in caplog.text
