"""The watcher on real RTSP streams on loopback: several cameras at once, one killed and restarted, one frozen, a
static one where motion gating saves work, an animal that comes and goes (one sighting, one snapshot), a kill -9
and a restart, credentials that never leak, and bad configs refused key by key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from livespecies.capture.reader import ReconnectPolicy
from livespecies.errors import UserError
from livespecies.inference.engine import Recognizer
from livespecies.sightings.database import SightingDatabase
from livespecies.watch.config import load_config
from livespecies.watch.watcher import Watcher
from tests.servers.rtsp import RtspServer
from tests.watch.streams import scene_frames, wait_until, write_config

ROOT = Path(__file__).resolve().parents[2]
QUICK = ReconnectPolicy(first_delay=0.5, factor=2.0, max_delay=2.0)
VISIT = {"gone_after": 3.0, "motion": {"check_every": 1.0}}


def stats(watcher: Watcher, name: str) -> dict[str, object]:
    return next(s for s in watcher.camera_states() if s["name"] == name)


def test_several_streams_one_killed_one_frozen_none_stalls_the_others(
    tmp_path: Path, photos: Path, recognizer: Recognizer, start_stream: Callable[[str], RtspServer]
) -> None:
    busy = start_stream(scene_frames(photos, tmp_path / "a", 0, 60, 60))
    killed = start_stream(scene_frames(photos, tmp_path / "b", 0, 60, 60, seed=1))
    frozen = start_stream(scene_frames(photos, tmp_path / "c", 0, 60, 60, seed=2))
    config = load_config(write_config(tmp_path / "watch.toml", [
        {"name": "busy", "source": busy.url, "motion": {"enabled": False}},
        {"name": "killed", "source": killed.url, "motion": {"enabled": False}},
        {"name": "frozen", "source": frozen.url, "motion": {"enabled": False}},
    ]))  # fmt: skip
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    try:
        wait_until(lambda: all(int(s["processed"]) >= 3 for s in watcher.camera_states()), 60, "every camera processed")  # type: ignore[call-overload]
        killed.kill()
        frozen.freeze()
        try:
            before = int(stats(watcher, "busy")["processed"])  # type: ignore[call-overload]
            wait_until(lambda: stats(watcher, "killed")["status"] == "reconnecting", 20, "the killed camera reconnecting")
            wait_until(lambda: int(stats(watcher, "busy")["processed"]) >= before + 10, 30, "the healthy camera going on")  # type: ignore[call-overload]
            wait_until(lambda: stats(watcher, "frozen")["status"] == "reconnecting", 30, "the frozen camera noticed")
            killed.start()
            wait_until(lambda: stats(watcher, "killed")["status"] == "live", 30, "the killed camera back")
            after = int(stats(watcher, "killed")["processed"])  # type: ignore[call-overload]
            wait_until(lambda: int(stats(watcher, "killed")["processed"]) > after + 3, 30, "the restarted camera processed again")
            assert int(stats(watcher, "killed")["reconnects_last_hour"]) >= 1  # type: ignore[call-overload]
        finally:
            frozen.thaw()
    finally:
        watcher.stop()


def test_a_static_stream_is_gated_and_an_animal_makes_one_sighting(
    tmp_path: Path, photos: Path, recognizer: Recognizer, start_stream: Callable[[str], RtspServer]
) -> None:
    # 3 s of empty scene, 2 s with a polar bear, 6 s empty, looped: its visit ends before it comes back.
    stream = start_stream(scene_frames(photos, tmp_path / "frames", 36, 60, 132))
    config = load_config(write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": stream.url, **VISIT}]))
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    database = SightingDatabase(config.database.path, readonly=True)
    try:
        wait_until(lambda: any(r.status == "ended" for r in database.query()), 60, "a sighting that ended")
    finally:
        watcher.stop()
    rows = database.query()
    database.close()
    ended = [r for r in rows if r.status == "ended"]
    assert len(ended) >= 1 and ended[-1].label == "polar bear", [(r.label, r.status) for r in rows]
    first = min(ended, key=lambda r: r.started_at)
    assert first.snapshot is not None and Path(first.snapshot).is_file() and Path(first.snapshot).name.endswith("_polar-bear.jpg")
    # One visit, one snapshot: no other sighting overlaps the first bear's, and its folder has one set of files per sighting.
    assert not [r for r in rows if r.id != first.id and r.started_at < (first.ended_at or 0) and r.started_at >= first.started_at]
    snapshots = sorted((config.snapshot_folder / "meadow").glob("*.json"))
    assert len(snapshots) == len([r for r in rows if r.snapshot])
    camera = stats(watcher, "meadow")
    assert float(camera["static_share"]) > 0.5, camera  # type: ignore[arg-type]  # the empty scene mostly skipped


def test_kill_9_then_restart_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, photos: Path, start_stream: Callable[[str], RtspServer]
) -> None:
    stream = start_stream(scene_frames(photos, tmp_path / "frames", 36, 60, 132))
    path = write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": stream.url, **VISIT}])
    config = load_config(path)
    command = [sys.executable, "-m", "livespecies", "watch", str(path)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: config.database.path.exists() and any(
            r.status == "ended" for r in SightingDatabase(config.database.path, readonly=True).query()), 120, "a recorded sighting")  # fmt: skip
        wait_until(lambda: any(r.status == "open" for r in SightingDatabase(config.database.path, readonly=True).query()), 60,
                   "a sighting in progress")  # fmt: skip
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    before = SightingDatabase(config.database.path, readonly=True).query()
    second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: len(SightingDatabase(config.database.path, readonly=True).query()) > len(before), 120, "a new sighting")
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=60)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, out
    assert "closed 1 sightings left open" in out
    database = SightingDatabase(config.database.path)
    after = database.query()
    assert database.integrity() == "ok"
    ids = [r.id for r in after]
    assert len(ids) == len(set(ids))
    assert {r.id for r in before if r.status == "ended"} <= {r.id for r in after if r.status == "ended"}
    assert [r.status for r in after if r.id in {b.id for b in before if b.status == "open"}] == ["interrupted"]
    assert all(r.status != "open" for r in after)  # SIGTERM ended the second run's sightings properly


def test_credentials_never_leave_the_environment(
    tmp_path: Path, photos: Path, recognizer: Recognizer, rtsp_frames: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = RtspServer(scene_frames(photos, tmp_path / "frames", 0, 60, 60), credentials=("ranger", "Pa55-secret-9"))
    server.start()
    os.environ["TEST_CAM_PASSWORD"] = "Pa55-secret-9"
    try:
        source = server.url.replace("Pa55-secret-9", "${TEST_CAM_PASSWORD}")
        wrong = server.url.replace("Pa55-secret-9", "wrong-secret-7")
        config = load_config(write_config(tmp_path / "watch.toml", [
            {"name": "gate", "source": source, **VISIT},
        ]))  # fmt: skip
        caplog.set_level("INFO")
        watcher = Watcher(config, recognizer, QUICK)
        watcher.start()
        database = SightingDatabase(config.database.path, readonly=True)
        try:
            wait_until(lambda: len(database.query()) > 0, 60, "a sighting through the password-protected stream")
        finally:
            watcher.stop()
            database.close()
        text = caplog.text + config.database.path.read_bytes().decode("latin-1") + "".join(
            p.read_text(errors="replace") for p in config.snapshot_folder.rglob("*.json"))  # fmt: skip
        assert "Pa55-secret-9" not in text and "wrong-secret-7" not in text
        assert wrong  # a literal password in the config file is refused (below)
        with pytest.raises(UserError, match=r"cameras\[0\]\.source: holds a password"):
            load_config(write_config(tmp_path / "bad.toml", [{"name": "gate", "source": wrong}]))
    finally:
        os.environ.pop("TEST_CAM_PASSWORD", None)
        server.stop()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n', "cameras: Field required"),
        ('snapshot_folder = "s"\ncameras = []\n[database]\npath = "d.db"\n', "cameras: Tuple should have at least 1 item"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\ncolour = 1\n[[cameras]]\nname = "a"\nsource = "demo"\n', "database.colour: unknown key"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\nthreshold = 1.5\n',
         "cameras[0].threshold: Input should be less than or equal to 1"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\nthreshold = "0.5"\n',
         "cameras[0].threshold: Input should be a valid number"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "rtps://x/y"\n', "did you mean rtsp://?"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\n[[cameras]]\nname = "A"\nsource = "demo"\n',
         "camera names must differ"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\ngone_after = 4.0\n',
         "motion.check_every (5 s) must be shorter than gone_after (4 s)"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\n[cameras.alerts]\nmin_rank = "specie"\n',
         "cameras[0].alerts.min_rank: unknown rank 'specie'"),
        ('snapshot_folder = "s"\n[database]\npath = "d.db"\n[mqtt]\nport = 70000\n[[cameras]]\nname = "a"\nsource = "demo"\n',
         "mqtt.port: Input should be less than or equal to 65535"),
        ("snapshot_folder = \n", "is not valid TOML"),
    ],
)  # fmt: skip
def test_bad_configs_are_refused_naming_the_key(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "watch.toml"
    path.write_text(document)
    done = subprocess.run([sys.executable, "-m", "livespecies", "watch", str(path), "--check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_a_good_config_checks(tmp_path: Path) -> None:
    path = write_config(tmp_path / "watch.toml", [{"name": "demo", "source": "demo"}])
    done = subprocess.run([sys.executable, "-m", "livespecies", "watch", str(path), "--check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0 and "1 camera," in done.stdout, done.stderr


def test_watcher_threads_end_on_stop(tmp_path: Path, recognizer: Recognizer) -> None:
    before = {t.name for t in threading.enumerate()}
    config = load_config(write_config(tmp_path / "watch.toml", [{"name": "demo", "source": "demo"}]))
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    wait_until(lambda: int(stats(watcher, "demo")["processed"]) >= 2, 60, "the demo processed")  # type: ignore[call-overload]
    watcher.stop()
    left = {t.name for t in threading.enumerate() if t.is_alive()} - before
    assert not left, left


def test_an_animal_that_comes_and_goes_is_one_sighting_one_snapshot_one_new_one_end(
    tmp_path: Path, photos: Path, recognizer: Recognizer, start_stream: Callable[[str], RtspServer]
) -> None:
    """Through a real Mosquitto on loopback, as Home Assistant or a phone would receive it."""
    import json

    from tests.servers.mosquitto import Mosquitto, Subscriber, mosquitto_binary

    if mosquitto_binary() is None:
        pytest.skip("the mosquitto broker is not installed (apt-get install mosquitto)")
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    subscriber = Subscriber(broker.port, ("livespecies/#",))
    stream = start_stream(scene_frames(photos, tmp_path / "frames", 36, 60, 132))
    mqtt = f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n'
    config = load_config(write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": stream.url, **VISIT}], extra=mqtt))
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    try:
        [end] = subscriber.wait_for("livespecies/events", where=lambda m: json.loads(m.payload)["type"] == "end", timeout=90)
    finally:
        watcher.stop()
        subscriber.close()
        broker.stop()
    sighting = json.loads(end.payload)["after"]
    events = [json.loads(m.payload) for m in subscriber.received if m.topic == "livespecies/events"]
    mine = [e["type"] for e in events if e["after"]["id"] == sighting["id"]]
    assert mine.count("new") == 1 and mine.count("end") == 1 and sighting["label"] == "polar bear", mine
    snapshots = [m for m in subscriber.received if m.topic.endswith("/snapshot")]
    assert snapshots and snapshots[0].payload[:3] == b"\xff\xd8\xff"  # a JPEG
    database = SightingDatabase(config.database.path, readonly=True)
    [row] = [r for r in database.query() if r.id == sighting["id"]]
    database.close()
    assert row.status == "ended" and row.snapshot is not None and Path(row.snapshot).is_file()
    # One sighting, one name, one snapshot: the picture's sidecar names the animal as the sighting does.
    assert row.sidecar is not None and "polar bear" in [p["label"] for p in json.loads(Path(row.sidecar).read_text())["predictions"]]
    assert [m.payload for m in subscriber.received if m.topic == "livespecies/available"][-1] == b"offline"


def test_the_shipped_example_config_checks() -> None:
    done = subprocess.run([sys.executable, "-m", "livespecies", "watch", "resources/watch-example.toml", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_a_read_only_snapshot_folder_is_a_logged_error_and_sightings_are_still_stored(
    tmp_path: Path, photos: Path, recognizer: Recognizer, start_stream: Callable[[str], RtspServer], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a read-only filesystem needs root: {mounted.stderr.strip()}")
    try:
        stream = start_stream(scene_frames(photos, tmp_path / "frames", 0, 60, 60))
        config = load_config(write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": stream.url, **VISIT}]))
        caplog.set_level("ERROR")
        watcher = Watcher(config, recognizer, QUICK)
        watcher.start()
        database = SightingDatabase(config.database.path, readonly=True)
        try:
            wait_until(lambda: len(database.query()) > 0 and stats(watcher, "meadow")["last_error"] is not None, 60,
                       "a sighting stored and the snapshot error reported")  # fmt: skip
            assert "Read-only file system" in str(stats(watcher, "meadow")["last_error"])
        finally:
            watcher.stop()
        rows = database.query()
        database.close()
        assert rows and rows[0].label == "polar bear" and rows[0].snapshot is None
        assert any("meadow: Cannot save a snapshot" in r.getMessage() and "Read-only file system" in r.getMessage() for r in caplog.records)
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_the_watcher_serves_its_web_page_on_loopback(
    tmp_path: Path, photos: Path, recognizer: Recognizer, start_stream: Callable[[str], RtspServer]
) -> None:
    import httpx

    from tests.servers.rtsp import free_port

    stream = start_stream(scene_frames(photos, tmp_path / "frames", 0, 60, 60))
    web = f'[web]\naddress = "127.0.0.1"\nport = {free_port()}\n'
    config = load_config(write_config(tmp_path / "watch.toml", [{"name": "meadow", "source": stream.url, **VISIT}], extra=web))
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    try:
        database = SightingDatabase(config.database.path, readonly=True)
        wait_until(lambda: any(r.snapshot for r in database.query()), 60, "a sighting with its snapshot")
        database.close()
        base = f"http://127.0.0.1:{config.web.port}"  # type: ignore[union-attr]
        page = httpx.get(f"{base}/", timeout=30)
        cameras = httpx.get(f"{base}/api/cameras", timeout=30).json()["cameras"]
    finally:
        watcher.stop()
    assert page.status_code == 200 and "polar bear" in page.text
    assert [c["name"] for c in cameras] == ["meadow"] and cameras[0]["state"]["status"] == "live" and cameras[0]["sightings_today"] >= 1
