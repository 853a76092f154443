"""Soak: the real ``livespecies watch`` on 4 RTSP cameras for a long time, with faults, to see whether anything grows or is lost.

    python bench/soak_watch.py [--minutes 30] [--interval 30] [--warmup 5] [--cycle 600] [--fps 8] [--disk-mb 64]

Runs ``python -m livespecies watch CONFIG`` as a user does (a subprocess: the shipped models, the example config's
settings, a web page and MQTT on loopback) against:

* 4 cameras, each a real GStreamer RTSP server on 127.0.0.1 (``tests/servers/rtsp_server.py``) that loops one JPEG
  file at ``--fps``. The bench replaces that file (atomically) to script what a camera sees: a real landscape photo,
  and for 15 s of every minute a real animal photo standing in it (polar bear or giant panda; the cameras take turns),
  so every appearance has a known camera, start and end.
* a real Mosquitto broker on 127.0.0.1 with persistence, and a paho subscriber with a persistent session that
  counts the watcher's ``events`` (the alert cool-down is 0 here, so every sighting is announced).
* the output folder (database and snapshots) on a private 64 MB tmpfs, when run as root.

Faults, repeated every ``--cycle`` seconds (outages 30, 90 or 15 s in turn, at most a quarter of a cycle), staggered
between cameras: each camera's server is killed (SIGKILL) and started again after the outage, frozen (SIGSTOP) and
thawed (SIGCONT) after the outage, and restarted (SIGTERM, then started at once); the broker is stopped (SIGTERM) for
30 s and started again; the output disk is filled to the last byte for 60 s, then freed. As a normal user the disk
fault is skipped (filling a shared disk would hurt everyone else, and a private tmpfs needs root); so it is when
root may not mount.

Every ``--interval`` seconds it samples the watcher process: resident memory, threads, open file descriptors, CPU,
and the database's size (file and WAL) and rows. At the end (SIGTERM to the watcher) it prints the series, the
least-squares slopes after ``--warmup`` minutes, the faults with how long each camera took to be live again, and
how many appearances became sightings (from the SQLite file) and MQTT "new" events: by whether the camera was up
during the appearance, recovering from a fault, or down. Numbers only; exit 0.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from growth import slope_per_hour  # noqa: E402  (this folder, on the path as the script's own)

from livespecies.sightings.database import SightingDatabase, StoredSighting  # noqa: E402
from tests.servers.mosquitto import Mosquitto, Subscriber  # noqa: E402
from tests.servers.rtsp import RtspServer, free_port  # noqa: E402

PHOTOS = ROOT / "tests/data/photos"
# (background, animal): checked with `livespecies classify`: each composite is one animal, named at >= 90 %; the
# backgrounds alone are "nothing recognised" (the Pont du Gard is not: it was called a mammal).
SCENES = (("usa-canyondeChelly", "polar_bear"), ("france-montStMichel", "panda"), ("egypt-bentPyramid", "polar_bear"),
          ("france-rocamadour", "panda"))  # fmt: skip
PERIOD, SHOWN, FIRST = 60.0, 15.0, 20.0  # an appearance every minute per camera, 15 s long; gone_after (20 s) fits between
SETTLE = 45.0  # an appearance this soon after a camera came back is "recovering": the reconnect backoff reaches 30 s
LATENCY = 10.0  # a sighting may start this long after its appearance ended (stream buffering, models' lag on a loaded machine)
OUTAGES = (30.0, 90.0, 15.0)


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mb: float
    threads: int
    fds: int
    cpu_s: float
    db_kb: float
    wal_kb: float
    rows: int
    disk_used_mb: float
    load1: float


@dataclass
class Interval:
    what: str  # "killed", "frozen", "restarted", "broker stopped", "disk full", "starting"
    target: str  # a camera name, "broker" or "disk"
    start: float  # wall time
    end: float | None = None
    note: str = ""


@dataclass
class Appearance:
    camera: str
    start: float  # wall time the animal photo replaced the empty one
    end: float | None = None


@dataclass
class Soak:
    """What happened, in wall time: the bench's own record, compared with the database and MQTT at the end."""

    appearances: list[Appearance] = field(default_factory=list)
    faults: list[Interval] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# ---- the cameras ----------------------------------------------------------------------------------------------------


def photo(name: str, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    pixels = cv2.imread(str(PHOTOS / name))
    if pixels is None:
        raise FileNotFoundError(PHOTOS / name)
    return np.asarray(cv2.resize(pixels, size), dtype=np.uint8)


class Camera:
    """One RTSP server looping one JPEG file; ``show`` swaps that file, so the stream changes within a frame or two."""

    def __init__(self, name: str, folder: Path, background: str, animal: str, fps: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        scene = photo(f"blank/{background}.webp", (640, 360))
        with_animal = scene.copy()
        with_animal[120:315, 190:450] = photo(f"animals/explore_world_animals-{animal}.webp", (260, 195))
        self.name, self.animal = name, animal
        self.empty, self.full, self.frame = folder / "empty.jpg", folder / "animal.jpg", folder / "frame.jpg"
        cv2.imwrite(str(self.empty), scene, [cv2.IMWRITE_JPEG_QUALITY, 85])
        cv2.imwrite(str(self.full), with_animal, [cv2.IMWRITE_JPEG_QUALITY, 85])
        self.show(False)
        self.server = RtspServer(str(self.frame), fps=fps)  # a location without %d: multifilesrc reads this file for every frame

    def show(self, animal: bool) -> None:
        staged = self.frame.with_suffix(".next")
        shutil.copyfile(self.full if animal else self.empty, staged)
        os.replace(staged, self.frame)  # atomic: the server never reads half a file

    def terminate(self) -> None:
        process = self.server.process
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)


# ---- the output disk ------------------------------------------------------------------------------------------------


def mount_private_disk(folder: Path, megabytes: int) -> str | None:
    """A tmpfs for the watcher's output, so filling it hurts nobody; None when mounted, else why the fault is skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return "not root: filling a shared disk would hurt other users, and a private tmpfs needs root"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)], capture_output=True, text=True)
    return None if done.returncode == 0 else f"root, but mounting a tmpfs was refused: {done.stderr.strip()}"


def fill(folder: Path) -> int:
    """Fill the file system to the last byte with one file; returns the bytes written."""
    written = 0
    chunk = b"\0" * (1 << 20)
    with open(folder / "filler", "wb", buffering=0) as filler:
        for size in (len(chunk), 4096, 1):
            piece = chunk[:size]
            try:
                while True:
                    written += filler.write(piece)
            except OSError:
                continue  # ENOSPC: go on with smaller pieces for the last bytes
    return written


def used_mb(folder: Path) -> float:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize / 2**20


# ---- the watcher ----------------------------------------------------------------------------------------------------


class Watch:
    """``livespecies watch`` as a subprocess; its output goes to a file and is kept with arrival times (wall)."""

    def __init__(self, config: Path, log: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "livespecies", "watch", str(config)], cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)  # fmt: skip
        self.lines: list[tuple[float, str]] = []
        self.changed = threading.Condition()
        self._log = log
        threading.Thread(target=self._read, daemon=True, name="watch-log").start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with open(self._log, "w") as out:
            for line in self.process.stdout:
                out.write(line)
                out.flush()
                with self.changed:
                    self.lines.append((time.time(), line.rstrip("\n")))
                    self.changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(text in line for _, line in self.lines):
                if self.process.poll() is not None or not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    return any(text in line for _, line in self.lines)
        return True

    def sample(self, started: float, database: Path, output: Path) -> Sample:
        pid = self.process.pid
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        wal = database.with_name(database.name + "-wal")
        return Sample(time.monotonic() - started, int(status["VmRSS"].split()[0]) / 1024, int(status["Threads"]), len(os.listdir(f"/proc/{pid}/fd")),
                      cpu, _size_kb(database), _size_kb(wal), _rows(database), used_mb(output), os.getloadavg()[0])  # fmt: skip

    def stop(self, timeout: float = 90.0) -> tuple[int | None, float]:
        """SIGTERM, as a service manager stops it; the exit code (None: still running, then killed) and seconds taken."""
        begun = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None, time.monotonic() - begun
        return self.process.returncode, time.monotonic() - begun


def _size_kb(path: Path) -> float:
    try:
        return path.stat().st_size / 1024
    except FileNotFoundError:
        return 0.0


def _rows(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM sightings").fetchone()[0])
    except sqlite3.Error:
        return -1


def write_config(work: Path, output: Path, cameras: list[Camera], mqtt_port: int) -> Path:
    """The example config's settings (resources/watch-example.toml), with an alert for every sighting (cool-down 0)."""
    lines = [f'snapshot_folder = "{output / "snapshots"}"', "[database]", f'path = "{output / "sightings.db"}"', "retention_days = 90",
             "[models]", "detector_size = 416", "[web]", 'address = "127.0.0.1"', f"port = {free_port()}",
             "[mqtt]", 'host = "127.0.0.1"', f"port = {mqtt_port}"]  # fmt: skip
    for camera in cameras:
        lines += ["[[cameras]]", f'name = "{camera.name}"', f'source = "{camera.server.url}"', "threshold = 0.7", "gone_after = 20.0",
                  "[cameras.motion]", "enabled = true", "check_every = 5.0",
                  "[cameras.alerts]", "min_confidence = 0.7", "cooldown = 0.0"]  # fmt: skip
    path = work / "watch.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


# ---- the schedule ---------------------------------------------------------------------------------------------------


@dataclass(order=True)
class Step:
    at: float  # seconds after the watcher said it is watching
    order: int
    name: str = field(compare=False)
    action: Callable[[], None] = field(compare=False)


def appearance_times(cameras: int, total: float) -> list[tuple[float, int]]:
    """(start, camera index): one per camera per minute, the cameras in turn, all ended 30 s before the end."""
    times = []
    for k in range(int(total // PERIOD) + 1):
        for i in range(cameras):
            start = FIRST + k * PERIOD + i * PERIOD / cameras
            if start + SHOWN <= total - 30:
                times.append((start, i))
    return times


def fault_times(cameras: int, total: float, cycle: float) -> list[tuple[float, str, int, float]]:
    """(start, fault, camera index or -1, outage): every kind once per cycle, cameras staggered, all over 60 s before the end."""
    plan = []
    for k in range(math.ceil(total / cycle)):
        base, outage = k * cycle, min(OUTAGES[k % len(OUTAGES)], 0.25 * cycle)
        for i in range(cameras):
            step = 0.04 * cycle * i
            plan += [(base + 0.10 * cycle + step, "killed", i, outage), (base + 0.40 * cycle + step, "frozen", i, outage),
                     (base + 0.70 * cycle + step, "restarted", i, 0.0)]  # fmt: skip
        plan += [(base + 0.25 * cycle, "broker stopped", -1, min(30.0, 0.15 * cycle)), (base + 0.55 * cycle, "disk full", -1, min(60.0, 0.2 * cycle))]
    return sorted(p for p in plan if p[0] + p[3] <= total - 60)


# ---- the run --------------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="soak-watch-"))
        self.output = self.work / "out"
        self.soak = Soak()
        self.cameras = [Camera(f"cam{i + 1}", self.work / f"cam{i + 1}", *SCENES[i % len(SCENES)], args.fps) for i in range(args.cameras)]
        (self.work / "broker").mkdir()
        self.broker = Mosquitto(self.work / "broker", persistence=True)
        self.subscriber: Subscriber | None = None
        self.watch: Watch | None = None
        self.disk_skipped = mount_private_disk(self.output, args.disk_mb) if not args.no_disk else "--no-disk"
        self.mounted = self.disk_skipped is None
        if self.disk_skipped:
            self.soak.skipped.append(f"disk full: skipped ({self.disk_skipped})")
        self.database = self.output / "sightings.db"

    def start(self) -> float:
        self.broker.start()
        self.subscriber = Subscriber(self.broker.port, ("livespecies/events", "livespecies/stats"), client_id="soak-observer", clean_session=False)
        for camera in self.cameras:
            camera.server.start()
        config = write_config(self.work, self.output, self.cameras, self.broker.port)
        launched = time.time()
        self.watch = Watch(config, self.work / "watch.log")
        if not self.watch.wait_for("watching", 600):
            raise RuntimeError("the watcher did not start:\n" + "\n".join(line for _, line in self.watch.lines[-30:]))
        for camera in self.cameras:  # until its first "live", a camera counts as recovering
            self.soak.faults.append(Interval("starting", camera.name, launched, time.time()))
        return time.monotonic()

    def plan(self) -> list[Step]:
        steps: list[Step] = []
        total = self.args.minutes * 60
        for start, i in appearance_times(len(self.cameras), total):
            steps += [Step(start, len(steps), f"{self.cameras[i].name} animal", partial(self.appear, i)),
                      Step(start + SHOWN, len(steps) + 1, f"{self.cameras[i].name} empty", partial(self.vanish, i))]  # fmt: skip
        for start, what, i, outage in fault_times(len(self.cameras), total, self.args.cycle):
            if what == "disk full" and not self.mounted:
                continue
            interval = Interval(what, self.cameras[i].name if i >= 0 else ("broker" if "broker" in what else "disk"), 0.0)
            steps += [Step(start, len(steps), f"{interval.target} {what}", partial(self.fault_begins, interval)),
                      Step(start + outage, len(steps) + 1, f"{interval.target} back", partial(self.fault_ends, interval))]  # fmt: skip
        for k in range(1, int(total // self.args.interval) + 1):
            steps.append(Step(k * self.args.interval, len(steps), "sample", self.take_sample))
        heapq.heapify(steps)
        return steps

    def camera(self, name: str) -> Camera:
        return next(c for c in self.cameras if c.name == name)

    def appear(self, i: int) -> None:
        self.cameras[i].show(True)
        self.soak.appearances.append(Appearance(self.cameras[i].name, time.time()))

    def vanish(self, i: int) -> None:
        self.cameras[i].show(False)
        mine = [a for a in self.soak.appearances if a.camera == self.cameras[i].name]
        mine[-1].end = time.time()

    def fault_begins(self, interval: Interval) -> None:
        interval.start = time.time()
        self.soak.faults.append(interval)
        if interval.what == "killed":
            self.camera(interval.target).server.kill()
        elif interval.what == "frozen":
            self.camera(interval.target).server.freeze()
        elif interval.what == "restarted":
            self.camera(interval.target).terminate()
        elif interval.what == "broker stopped":
            self.broker.stop()
        elif interval.what == "disk full":
            interval.note = f"{fill(self.output) / 2**20:.1f} MB written to fill it"

    def fault_ends(self, interval: Interval) -> None:
        if interval.what in ("killed", "restarted"):
            self.camera(interval.target).server.start()
        elif interval.what == "frozen":
            self.camera(interval.target).server.thaw()
        elif interval.what == "broker stopped":
            self.broker.start()
        elif interval.what == "disk full":
            (self.output / "filler").unlink()
        interval.end = time.time()

    def take_sample(self) -> None:
        assert self.watch is not None
        s = self.watch.sample(self.started, self.database, self.output)
        previous = self.soak.samples[-1] if self.soak.samples else None
        self.soak.samples.append(s)
        cpu = 100 * (s.cpu_s - previous.cpu_s) / (s.seconds - previous.seconds) if previous else float("nan")
        print(f"{s.seconds / 60:6.1f} min  RSS {s.rss_mb:7.1f} MB  threads {s.threads:3d}  fds {s.fds:4d}  CPU {cpu:5.0f} %  "
              f"db {s.db_kb:7.0f} kB  wal {s.wal_kb:6.0f} kB  rows {s.rows:4d}  disk {s.disk_used_mb:5.1f} MB  load {s.load1:5.1f}",
              flush=True)  # fmt: skip

    def run(self) -> None:
        self.started = self.start()
        print(f"soak: {len(self.cameras)} cameras at {self.args.fps} fps, {self.args.minutes:g} min, faults every {self.args.cycle:g} s, "
              f"a sample every {self.args.interval:g} s; files in {self.work}", flush=True)  # fmt: skip
        for note in self.soak.skipped:
            print(f"  {note}")
        assert self.watch is not None
        steps = self.plan()
        while steps:
            step = heapq.heappop(steps)
            time.sleep(max(0.0, self.started + step.at - time.monotonic()))
            if self.watch.process.poll() is not None:
                print(f"the watcher ended by itself at {step.at / 60:.1f} min with exit code {self.watch.process.returncode}", flush=True)
                break
            if step.name != "sample" and not step.name.endswith(("animal", "empty")):
                print(f"{(time.monotonic() - self.started) / 60:6.1f} min  {step.name}", flush=True)
            step.action()
        time.sleep(max(0.0, self.started + self.args.minutes * 60 - time.monotonic()))

    def close(self) -> tuple[int | None, float]:
        """Stop the watcher first (it ends its open sightings), then the servers; keep the database out of the tmpfs."""
        stopped: tuple[int | None, float] = (None, 0.0)
        if self.watch is not None:
            stopped = self.watch.stop()
        for camera in self.cameras:
            camera.server.stop()
        (self.output / "filler").unlink(missing_ok=True)
        time.sleep(2)  # let the subscriber take the last events (they went out before the watcher exited)
        if self.subscriber is not None:
            self.subscriber.close()
        self.broker.stop()
        if self.database.exists():
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{self.database}{suffix}").exists():
                    shutil.copyfile(f"{self.database}{suffix}", self.work / f"sightings.db{suffix}")
        if self.mounted:
            shutil.copytree(self.output / "snapshots", self.work / "snapshots", dirs_exist_ok=True)
            subprocess.run(["umount", "-l", str(self.output)], check=False)
        self.database = self.work / "sightings.db"
        return stopped


# ---- the report -----------------------------------------------------------------------------------------------------


def report_growth(samples: list[Sample], warmup: float) -> None:
    after = [s for s in samples if s.seconds >= warmup]
    if len(after) < 2:
        print("Too few samples after the warm-up for a slope; run longer.")
        return
    print(f"\nAfter the warm-up ({after[0].seconds / 60:.1f} to {after[-1].seconds / 60:.1f} min, {len(after)} samples), least-squares slopes:")
    late = after[len(after) // 2 :]
    for name, unit, key in (("RSS", "MB", "rss_mb"), ("threads", "", "threads"), ("fds", "", "fds"), ("database", "kB", "db_kb"),
                            ("WAL", "kB", "wal_kb"), ("rows", "", "rows")):  # fmt: skip
        values = [float(getattr(s, key)) for s in after]
        whole = slope_per_hour([(s.seconds, v) for s, v in zip(after, values, strict=True)])
        last = slope_per_hour([(s.seconds, float(getattr(s, key))) for s in late])
        print(f"  {name:9s} {values[0]:8.1f} → {values[-1]:8.1f} (min {min(values):.1f}, max {max(values):.1f}) {unit:2s}  "
              f"slope {whole:+8.1f} {unit}/hour (last half {last:+8.1f})")  # fmt: skip
    busy = [s.load1 for s in samples]
    cpu = (samples[-1].cpu_s - samples[0].cpu_s) / (samples[-1].seconds - samples[0].seconds) * 100
    print(f"  load average (1 min) over the run: mean {sum(busy) / len(busy):.1f}, max {max(busy):.1f} on {os.cpu_count()} cores; "
          f"the watcher used {cpu:.0f} % of one core")  # fmt: skip


def covered(intervals: list[Interval], start: float, end: float) -> list[Interval]:
    return [v for v in intervals if v.start < end and (v.end or math.inf) > start]


def appearance_state(appearance: Appearance, faults: list[Interval]) -> str:
    """Whether the camera could see it: "up", "recovering" (back less than SETTLE s before), "partly down", "down"."""
    start, end = appearance.start, appearance.end or appearance.start + SHOWN
    mine = [f for f in faults if f.target == appearance.camera]
    during = covered(mine, start, end)
    if any(f.start <= start and (f.end or math.inf) >= end for f in during if f.what != "restarted"):
        return "down"
    if during:
        return "partly down"
    return "recovering" if covered(mine, start - SETTLE, start) else "up"


def matches(appearances: list[Appearance], camera: str, first: float, last: float) -> Appearance | None:
    """The appearance a sighting (seen from ``first`` to ``last``, wall time) overlaps most, allowing for LATENCY."""
    best, overlap = None, 0.0
    for a in appearances:
        if a.camera != camera:
            continue
        shared = min(last, (a.end or a.start + SHOWN) + LATENCY) - max(first, a.start)
        if shared >= 0 and (best is None or shared > overlap):
            best, overlap = a, shared
    return best


@dataclass(frozen=True)
class Seen:
    """A sighting as one record keeper has it: the database's row, or the MQTT events of one id."""

    id: str
    camera: str
    first: float
    last: float
    label: str


def from_mqtt(messages: list[dict[str, object]]) -> list[Seen]:
    latest: dict[str, dict[str, object]] = {}
    for message in messages:
        after = message["after"]
        assert isinstance(after, dict)
        latest[str(after["id"])] = after
    return [Seen(i, str(a["camera"]), float(a["start_time"]), float(a["last_seen_time"]), str(a["label"])) for i, a in latest.items()]  # type: ignore[arg-type]


def tally(soak: Soak, seen: list[Seen]) -> tuple[dict[str, Counter[str]], list[Seen], list[str]]:
    """Per appearance state: how many appearances got 0, 1 or more records; the records matching no appearance; and
    each appearance of a camera not down that got none or several, with the faults of its camera around it."""
    found: dict[int, list[Seen]] = {}
    stray = []
    for s in seen:
        a = matches(soak.appearances, s.camera, s.first, s.last)
        if a is None:
            stray.append(s)
        else:
            found.setdefault(id(a), []).append(s)
    table: dict[str, Counter[str]] = {}
    odd = []
    for a in soak.appearances:
        n, state = len(found.get(id(a), [])), appearance_state(a, soak.faults)
        table.setdefault(state, Counter())[f"{min(n, 2)}{'+' if n >= 2 else ''}"] += 1
        if n != 1 and state in ("up", "recovering"):
            near = [f"{f.what} {clock(f.start)}-{clock(f.end or f.start)}" for f in covered(soak.faults, a.start - SETTLE, a.start + PERIOD)
                    if f.target in (a.camera, "disk", "broker")]  # fmt: skip
            odd.append(f"{a.camera} {clock(a.start)}-{clock(a.end or a.start)} ({state}): {n} record(s); faults near: {', '.join(near) or 'none'}")
    return table, stray, odd


def report_delays(soak: Soak, seen: list[Seen]) -> None:
    """How soon after an appearance began its sighting started, and how much of its 15 s the sighting covers (camera up)."""
    delays, spans = [], []
    for s in seen:
        a = matches(soak.appearances, s.camera, s.first, s.last)
        if a is not None and appearance_state(a, soak.faults) == "up":
            delays.append(s.first - a.start)
            spans.append(s.last - s.first)
    if delays:
        delays.sort()
        print(f"  camera up: sighting started {statistics.median(delays):.1f} s after the animal appeared (median; 95 % "
              f"{delays[int(0.95 * (len(delays) - 1))]:.1f} s, max {delays[-1]:.1f} s); seen for {statistics.median(spans):.1f} s "
              f"of its {SHOWN:g} s (median, min {min(spans):.1f} s)")  # fmt: skip


def clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


def report_counts(soak: Soak, rows: list[StoredSighting], events: list[dict[str, object]]) -> None:
    news = [e for e in events if e["type"] == "new"]
    by_id = Counter(str(e["after"]["id"]) for e in news)  # type: ignore[index]
    db = [Seen(r.id, r.camera, r.started_at, r.last_seen_at, r.label) for r in rows]
    mqtt = from_mqtt(news)
    print(f"\nAppearances: {len(soak.appearances)} ({len(soak.appearances) / max(1, len({a.camera for a in soak.appearances})):g} per camera, "
          f"{SHOWN:g} s each). Records per appearance (0 / exactly 1 / 2 or more):")  # fmt: skip
    for what, seen in (("sightings in the database", db), ("MQTT 'new' events", mqtt)):
        table, stray, odd = tally(soak, seen)
        print(f"  {what}:")
        for state in ("up", "recovering", "partly down", "down"):
            if state in table:
                c = table[state]
                print(f"    camera {state:11s}: {sum(c.values()):4d} appearances → none {c['0']:4d}, once {c['1']:4d}, twice or more {c['2+']:3d}")
        listed = "; ".join(f"{s.camera} {s.label} {clock(s.first)}-{clock(s.last)}" for s in stray[:10])
        print(f"    {len(stray)} matching no appearance" + (f": {listed}" if stray else ""))
        for line in odd:
            print(f"    {line}")
    report_delays(soak, db)
    statuses = Counter(r.status for r in rows)
    print(f"  database: {len(rows)} sightings, {dict(statuses)}; labels {dict(Counter(r.label for r in rows))}")
    for r in rows:
        if r.status != "ended":  # the watcher ended every open sighting when it stopped: none should be left
            print(f"    left {r.status}: {r.camera} {r.label} {clock(r.started_at)}-{clock(r.last_seen_at)}, {r.frames} frames")
    ends = sum(1 for e in events if e["type"] == "end")
    twice = [i for i, n in by_id.items() if n > 1]
    db_ids = {r.id for r in rows}
    print(f"  MQTT: {len(news)} 'new' ({len(by_id)} sightings, {len(twice)} announced more than once), {ends} 'end'; "
          f"{len(db_ids - set(by_id))} database sightings never announced, {len(set(by_id) - db_ids)} announced but not in the database")  # fmt: skip


def report_faults(soak: Soak, lines: list[tuple[float, str]], started_wall: float) -> None:
    print("\nFaults (minutes from the start; for cameras, seconds from the server back to the watcher's 'live'):")
    for f in sorted((f for f in soak.faults if f.what != "starting"), key=lambda f: f.start):
        back = f.end or f.start
        recovery = ""
        if f.target.startswith("cam"):
            live = [t for t, line in lines if t >= back and f"{f.target}: live" in line]
            recovery = f", live again after {live[0] - back:5.1f} s" if live else ", never live again"
        note = f"; {f.note}" if f.note else ""
        print(f"  {(f.start - started_wall) / 60:6.1f}  {f.target:6s} {f.what:15s} for {back - f.start:5.1f} s{recovery}{note}")


def report_log(lines: list[tuple[float, str]]) -> None:
    levels = Counter(m.group(1) for _, line in lines if (m := re.search(r" (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", line)))
    tracebacks = sum(1 for _, line in lines if line.startswith("Traceback"))
    print(f"\nWatcher log: {len(lines)} lines, {dict(levels)}, {tracebacks} tracebacks. Warnings and errors, digits masked:")
    shapes = Counter(re.sub(r"\d+", "N", line.split(" ", 3)[-1])[:150] for _, line in lines if " WARNING " in line or " ERROR " in line)
    for shape, n in shapes.most_common(20):
        print(f"  {n:4d} × {shape}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the watcher runs (default 30)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slopes (default 5)")
    parser.add_argument("--cycle", type=float, default=600.0, help="seconds between repeats of every fault (default 600)")
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--fps", type=int, default=8, help="frames per second each camera serves (default 8)")
    parser.add_argument("--disk-mb", type=int, default=64, help="size of the private tmpfs for the output (default 64)")
    parser.add_argument("--no-disk", action="store_true", help="skip the full-disk fault")
    args = parser.parse_args()
    bench = Bench(args)
    stopped: tuple[int | None, float] = (None, 0.0)
    try:
        bench.run()
    finally:
        stopped = bench.close()
    assert bench.watch is not None and bench.subscriber is not None
    rc, took = stopped
    print(f"\nSIGTERM at the end: the watcher exited with {rc} after {took:.1f} s" if rc is not None else "\nnot stopped within 90 s: killed")
    (bench.work / "soak.json").write_text(json.dumps(asdict(bench.soak), indent=1))  # the bench's record, to look at again
    report_growth(bench.soak.samples, args.warmup * 60)
    started_wall = time.time() - (time.monotonic() - bench.started)
    report_faults(bench.soak, bench.watch.lines, started_wall)
    received = list(bench.subscriber.received)
    events = [json.loads(m.payload) for m in received if m.topic == "livespecies/events"]
    stats = [json.loads(m.payload) for m in received if m.topic == "livespecies/stats"]
    database = SightingDatabase(bench.database, readonly=True)
    try:
        rows, integrity = database.query(), database.integrity()
    finally:
        database.close()
    report_counts(bench.soak, rows, events)
    if stats:
        print(f"  the watcher's last MQTT statistics: {stats[-1]['service']['mqtt']}")
    print(f"  database integrity_check: {integrity}")
    report_log(bench.watch.lines)
    for note in bench.soak.skipped:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
