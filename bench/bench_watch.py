"""Benchmark: the watcher on 4 cameras (720p, 15 fps RTSP on loopback; half of them mostly static) for minutes.

    python bench/bench_watch.py [--seconds 300] [--cameras 4] [--static 2] [--mqtt] [--no-gating]

Real GStreamer RTSP servers on 127.0.0.1 serve real photos: the *busy* cameras
show animals all the time (a slow pan over real photos), the *static* ones show
an empty landscape with sensor noise, where a real polar bear photo stands for
2 s every 20 s. The watcher runs in this process, exactly as ``livespecies watch``
does (one shared inference thread, motion gating, SQLite, and MQTT to a real
Mosquitto on loopback with ``--mqtt``). Prints, per camera: frames in, frames
processed per second, frames skipped because the models were busy, frames the
motion gate skipped, lag (capture to result) in the first and the last minute;
the process's CPU (cores) and resident memory, and the RTSP servers' CPU apart
(they encode H.264 on the same two cores, which a real camera does not);
and for each bear appearance, the time from the first frame showing it (seen by
a marker square in the frame's corner) to its sighting being committed to the
database (and its MQTT ``new`` message received, with ``--mqtt``).

Numbers only. Compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livespecies.capture.reader import ReconnectPolicy  # noqa: E402
from livespecies.sightings.records import SightingRecord  # noqa: E402
from livespecies.watch.config import load_config  # noqa: E402
from livespecies.watch.watcher import Watcher  # noqa: E402
from tests.servers.rtsp import RtspServer  # noqa: E402

FPS = 15
SIZE = (1280, 720)
MARK = (slice(0, 24), slice(0, 24))  # a white square in the corner of every frame that shows the bear
PHOTOS = ROOT / "tests/data/photos"


def static_frames(folder: Path, seed: int) -> str:
    """20 s loop: empty landscape with noise; the bear (and the marker) from 4 s to 6 s."""
    folder.mkdir(parents=True)
    scene = cv2.resize(cv2.imread(str(PHOTOS / "blank/usa-canyondeChelly.webp")), SIZE)
    bear = cv2.resize(cv2.imread(str(PHOTOS / "animals/explore_world_animals-polar_bear.webp")), (480, 360))
    rng = np.random.default_rng(seed)
    for index in range(20 * FPS):
        frame = scene.copy()
        if 4 * FPS <= index < 6 * FPS:
            frame[250:610, 400:880] = bear
            frame[MARK] = 255
        noisy = np.clip(frame.astype(np.int16) + rng.normal(0, 3, frame.shape).astype(np.int16), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"{index:03d}.jpg"), noisy, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return str(folder / "%03d.jpg")


def busy_frames(folder: Path) -> str:
    """20 s loop: a slow pan across real animal photos, every frame different."""
    folder.mkdir(parents=True)
    names = ("explore_farm_animals-chicken.webp", "explore_world_animals-koala.webp", "erase-red_panda.webp", "explore_farm_animals-cow.webp")
    per = 5 * FPS
    index = 0
    for name in names:
        image = cv2.resize(cv2.imread(str(PHOTOS / "animals" / name)), (1408, 792))
        for k in range(per):
            dx = int(k / per * 120)
            cv2.imwrite(str(folder / f"{index:03d}.jpg"), image[36 : 36 + 720, dx : dx + 1280], [cv2.IMWRITE_JPEG_QUALITY, 85])
            index += 1
    return str(folder / "%03d.jpg")


class Timings:
    """When each bear appeared (first marked frame captured) and when its sighting was stored / announced."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.appeared: dict[str, list[float]] = {}
        self.stored: dict[str, list[float]] = {}
        self.announced: dict[str, list[float]] = {}
        self._marked: dict[str, bool] = {}

    def watch_slot(self, camera: str, slot: object) -> None:
        original = slot.put  # type: ignore[attr-defined]

        def put(frame: object) -> None:
            pixels = frame.pixels  # type: ignore[attr-defined]
            marked = float(pixels[4:20, 4:20].mean()) > 200
            if marked and not self._marked.get(camera):
                with self.lock:
                    self.appeared.setdefault(camera, []).append(frame.timestamp)  # type: ignore[attr-defined]
            self._marked[camera] = marked
            original(frame)

        slot.put = put  # type: ignore[attr-defined]

    def record(self, record: SightingRecord) -> None:  # a sink after the database: the row is committed
        if record.kind == "started":
            with self.lock:
                self.stored.setdefault(record.camera, []).append(time.monotonic())

    def close(self) -> None:
        pass


def delays(appeared: list[float], done: list[float]) -> list[float]:
    """For each appearance, the first completion after it (and before the next appearance)."""
    out = []
    for i, start in enumerate(appeared):
        end = appeared[i + 1] if i + 1 < len(appeared) else float("inf")
        later = [t for t in done if start <= t < end]
        if later:
            out.append(later[0] - start)
    return out


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--static", type=int, default=2)
    parser.add_argument("--mqtt", action="store_true", help="also send to a real Mosquitto on loopback and time the `new` messages")
    parser.add_argument("--no-gating", action="store_true", help="motion gating off on every camera (the baseline for its savings and recall)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_watch_"))
    servers, cameras = [], []
    for i in range(args.cameras):
        static = i < args.static
        name = f"static{i + 1}" if static else f"busy{i + 1 - args.static}"
        pattern = static_frames(work / name, i) if static else busy_frames(work / name)
        server = RtspServer(pattern, fps=FPS)
        server.start()
        servers.append(server)
        cameras.append((name, server.url))
    broker = None
    mqtt_lines = ""
    if args.mqtt:
        from tests.servers.mosquitto import Mosquitto  # type: ignore[import-not-found]

        (work / "mosquitto").mkdir()
        broker = Mosquitto(work / "mosquitto")
        broker.start()
        mqtt_lines = f"[mqtt]\nhost = \"127.0.0.1\"\nport = {broker.port}\ndiscovery = false\n"
    config_path = work / "watch.toml"
    lines = [f'snapshot_folder = "{work / "snapshots"}"', "[database]", f'path = "{work / "sightings.db"}"', mqtt_lines]
    for name, url in cameras:
        lines += ["[[cameras]]", f'name = "{name}"', f'source = "{url}"', "gone_after = 5.0", "[cameras.motion]", "check_every = 2.0",
                  f"enabled = {'false' if args.no_gating else 'true'}",
                  "[cameras.alerts]", "cooldown = 0.0"]  # every appearance announced, so every one is timed
    config_path.write_text("\n".join(lines) + "\n")
    config = load_config(config_path)
    timings = Timings()
    subscriber = None
    if broker is not None:
        import paho.mqtt.client as mqtt

        subscriber = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)

        def on_message(_client: object, _userdata: object, message: object) -> None:
            import json

            event = json.loads(message.payload)  # type: ignore[attr-defined]
            if event.get("type") == "new":
                with timings.lock:
                    timings.announced.setdefault(event["after"]["camera"], []).append(time.monotonic())

        subscriber.on_message = on_message
        subscriber.connect("127.0.0.1", broker.port)
        subscriber.subscribe("livespecies/events")
        subscriber.loop_start()

    watcher = Watcher(config, policy=ReconnectPolicy(first_delay=0.5, max_delay=2.0), extra_sinks=[timings])
    for camera in watcher.cameras:
        timings.watch_slot(camera.name, camera.slot)
    print(f"{args.cameras} cameras ({args.static} mostly static), {SIZE[0]}x{SIZE[1]} {FPS} fps RTSP on loopback, {args.seconds:.0f} s, "
          f"motion gating {'off' if args.no_gating else 'on'}")
    rss_start = rss_mb()
    started, cpu_start = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    servers_cpu_start = sum(proc_cpu_seconds(s.process.pid) for s in servers if s.process)
    lags: dict[str, list[tuple[float, float]]] = {c.name: [] for c in watcher.cameras}
    watcher.start()
    rss_warm = None
    try:
        while time.monotonic() - started < args.seconds:
            time.sleep(1.0)
            now = time.monotonic() - started
            if rss_warm is None and now > 60:
                rss_warm = rss_mb()
            for state in watcher.camera_states():
                lags[str(state["name"])].append((now, float(state["lag"])))  # type: ignore[arg-type]
    finally:
        states = watcher.camera_states()
        wall = time.monotonic() - started
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
        servers_cpu = sum(proc_cpu_seconds(s.process.pid) for s in servers if s.process) - servers_cpu_start
        rss_end = rss_mb()
        watcher.stop()
        for server in servers:
            server.stop()
        if subscriber is not None:
            subscriber.loop_stop()
        if broker is not None:
            broker.stop()
    print(f"{'camera':10} {'frames in':>9} {'processed/s':>11} {'busy skip':>9} {'gated':>6} {'gated %':>7} {'lag 1st min':>11} {'lag last min':>12}")
    total_considered = total_gated = 0
    for state in states:
        name = str(state["name"])
        series = lags[name]
        first = [lag for t, lag in series if t <= 60] or [0.0]
        last = [lag for t, lag in series if t >= wall - 60] or [0.0]
        processed = int(state["processed"])  # type: ignore[call-overload]
        gated = int(state["skipped_static"])  # type: ignore[call-overload]
        total_considered += processed + gated
        total_gated += gated
        print(f"{name:10} {int(state['frames_in']):>9} {processed / wall:>11.2f} {int(state['skipped_busy']):>9} {gated:>6} "  # type: ignore[call-overload]
              f"{100 * float(state['static_share']):>6.1f}% {statistics.median(first) * 1000:>9.0f}ms {statistics.median(last) * 1000:>10.0f}ms")  # type: ignore[arg-type]  # fmt: skip
    cpu = (cpu_end.ru_utime + cpu_end.ru_stime - cpu_start.ru_utime - cpu_start.ru_stime) / wall
    print(f"inference skipped by motion gating: {100 * total_gated / max(1, total_considered):.1f}% of frames looked at")
    print(f"watcher CPU {cpu:.2f} cores; RTSP servers (H.264 encoding, not part of the watcher) {servers_cpu / wall:.2f} cores")
    print(f"resident memory: start {rss_start:.0f} MB, after 60 s {rss_warm or rss_end:.0f} MB, end {rss_end:.0f} MB")
    for name in sorted(timings.appeared):
        stored = delays(timings.appeared[name], timings.stored.get(name, []))
        line = f"{name}: {len(timings.appeared[name])} bear appearances, stored {len(stored)}"
        if stored:
            line += f", appearance→stored median {statistics.median(stored):.2f} s, max {max(stored):.2f} s"
        if broker is not None:
            announced = delays(timings.appeared[name], timings.announced.get(name, []))
            if announced:
                line += f"; appearance→MQTT median {statistics.median(announced):.2f} s, max {max(announced):.2f} s ({len(announced)})"
        print(line)


if __name__ == "__main__":
    main()
