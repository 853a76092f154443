"""Benchmark: the live window on a 1080p 30 fps file played in real time, with recognition on.

    QT_QPA_PLATFORM=offscreen python bench/bench_live.py [--seconds 60] [--detector-size 416] [--no-detector] [--startup-runs 3]

Runs the real MainWindow (offscreen Qt: every frame is really composed and
painted) on a 1920×1080, 30 fps clip made from the real photos, paced to real
time like a camera, once the old way (float detector on every result) and once
the new default way (INT8 detector on every k-th result, boxes followed by
optical flow between), one after the other in the same process, and prints side by side:

* source frame rate and displayed frame rate (and their ratio);
* results per second and inference time;
* capture-to-screen latency, median and p95 (from the frame's capture time to the end of its paint);
* the GUI event loop's longest stall (a 1 ms timer's worst lateness);
* CPU use of the process (all threads, in cores) and resident memory at the start, after warm-up and at the end;
* the time from launching ``livespecies gui --source demo`` to its first labelled frame (fresh processes).

Numbers only, no pass/fail. Compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from growth import rss_mb  # noqa: E402  (this folder, on the path as the script's own)
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from livespecies.capture.source_spec import SourceSpec  # noqa: E402
from livespecies.capture.sources import VideoCaptureSource  # noqa: E402
from livespecies.gui.app import LIVE_DETECTOR_SIZE, load_live_recognizer  # noqa: E402
from livespecies.gui.live_session import LiveSession  # noqa: E402
from livespecies.gui.main_window import MainWindow, WindowOptions  # noqa: E402
from livespecies.inference.defaults import default_classifier, default_live_detector, default_specialists, float_detector  # noqa: E402
from livespecies.inference.engine import EngineSettings  # noqa: E402
from livespecies.inference.following import FollowSettings  # noqa: E402
from livespecies.pipeline import LivePipeline, LiveResult  # noqa: E402
from livespecies.types import Frame  # noqa: E402


def make_clip(path: Path, seconds: int = 20, fps: int = 30) -> None:
    """A 1080p30 clip of real animal photos with a slow pan, so every frame differs as on a camera."""
    photos = [ROOT / "tests/data/photos/animals" / n for n in ("explore_world_animals-polar_bear.webp", "explore_farm_animals-chicken.webp",
                                                              "explore_world_animals-koala.webp", "erase-red_panda.webp")]  # fmt: skip
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1920, 1080))
    per_photo = seconds * fps // len(photos)
    for photo in photos:
        image = cv2.resize(cv2.imread(str(photo)), (2112, 1188), interpolation=cv2.INTER_CUBIC)
        for k in range(per_photo):
            dx = int(k / per_photo * 190)
            writer.write(image[54 : 54 + 1080, dx : dx + 1920])
    writer.release()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


STARTUP_DRIVER = """
import sys, time
from livespecies.gui.main_window import MainWindow
from PySide6.QtWidgets import QApplication
original = MainWindow.on_result
def on_result(self, live):
    original(self, live)
    if live.result.predictions:
        print(f"FIRST_LABEL {time.time():.4f}", flush=True)
        QApplication.quit()
MainWindow.on_result = on_result
from livespecies.cli import main
sys.exit(main(sys.argv[1:]))
"""


def startup_seconds(settings_dir: Path, runs: int) -> list[float]:
    """Launch to the first labelled frame: ``livespecies gui --source demo`` in a fresh process, as a user starts it
    (interpreter, imports, models, window, demo clip), timed from just before the process is created."""
    import subprocess

    times = []
    for run in range(runs):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        began = time.time()
        out = subprocess.run([sys.executable, "-c", STARTUP_DRIVER, "gui", "--source", "demo", "--settings", str(settings_dir / f"{run}.ini"),
                              "--snapshots", str(settings_dir / "snaps")], capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
        stamps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("FIRST_LABEL")]
        if not stamps:
            raise RuntimeError(f"no labelled frame: {out.stderr.strip()[-500:]}")
        times.append(float(stamps[0]) - began)
    return times


def under_hog(processes: int, measure_it: Callable[[], list[float]]) -> list[float]:
    """``measure_it`` while ``processes`` busy loops (one core each, at normal priority) compete for the CPU: a user's
    compile, backup or browser on the same machine."""
    import subprocess

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        return measure_it()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def measure(app: QApplication, clip: Path, tmp: Path, name: str, detector: Path | None, size: int, follow: bool, seconds: float) -> dict[str, float]:
    """One variant of the live window on the clip: warm-up 10 s, then ``seconds`` measured."""
    settings = EngineSettings(detector_size=size, use_detector=detector is not None)
    recognizer = load_live_recognizer(default_classifier(), detector, settings, default_specialists())
    options = WindowOptions(recognizer, None, None, (), tmp / "snaps", 0.7)
    window = MainWindow(options, QSettings(str(tmp / f"{name}.ini"), QSettings.Format.IniFormat))
    window.pipeline = LivePipeline(recognizer, follow=FollowSettings() if follow else None)
    window.resize(1280, 760)
    window.show()
    spec = SourceSpec("video", str(clip))
    latencies: list[float] = []
    results = {"count": 0, "detected": 0, "inference": []}  # type: ignore[var-annotated]
    stall = {"worst": 0.0, "last": time.monotonic(), "measuring": False}
    marks: dict[str, float] = {}

    def on_shown(frame: Frame) -> None:
        if stall["measuring"]:
            latencies.append(time.monotonic() - frame.timestamp)

    def on_result(live: LiveResult) -> None:
        if stall["measuring"]:
            results["count"] += 1
            results["detected"] += live.detected
            results["inference"].append(live.inference_seconds)

    def tick() -> None:
        now = time.monotonic()
        if stall["measuring"]:
            stall["worst"] = max(stall["worst"], now - stall["last"] - 0.001)
        stall["last"] = now

    window.frame_shown.connect(on_shown)
    # Open the file as a looping, real-time source, exactly as the window opens any source.
    window.close_source()
    session = LiveSession(spec, window.pipeline, lambda: window.threshold, make_source=lambda: VideoCaptureSource(spec, loop=True))
    session.state_changed.connect(window.on_state)
    session.result_ready.connect(window.on_result)
    session.result_ready.connect(on_result)
    window.session = session
    session.start()
    heartbeat = QTimer()
    heartbeat.setTimerType(heartbeat.timerType().PreciseTimer)
    heartbeat.timeout.connect(tick)
    heartbeat.start(1)

    def begin() -> None:
        marks["start"], marks["cpu"], marks["shown"] = time.monotonic(), cpu_seconds(), window.shown_frames
        frame = session.slot.peek()
        marks["seq"] = frame.seq if frame else 0
        marks["rss_warm"] = rss_mb()
        marks["reused"] = window.pipeline.reused if window.pipeline else 0
        stall["measuring"], stall["last"] = True, time.monotonic()

    def finish() -> None:
        stall["measuring"] = False
        marks["end"], marks["cpu_end"] = time.monotonic(), cpu_seconds()
        frame = session.slot.peek()
        marks["seq_end"] = frame.seq if frame else 0
        marks["shown_end"] = window.shown_frames
        marks["rss_end"] = rss_mb()
        marks["reused_end"] = window.pipeline.reused if window.pipeline else 0
        app.quit()

    QTimer.singleShot(10_000, begin)  # warm-up: models, caches, first reconnect-free seconds
    QTimer.singleShot(int(10_000 + seconds * 1000), finish)
    app.exec()
    heartbeat.stop()
    session.stop()
    window.session = None
    window.close()
    wall = marks["end"] - marks["start"]
    ordered = sorted(latencies)
    source_fps = (marks["seq_end"] - marks["seq"]) / wall
    return {
        "source fps": source_fps,
        "displayed fps": (marks["shown_end"] - marks["shown"]) / wall,
        "displayed share": (marks["shown_end"] - marks["shown"]) / wall / source_fps,
        "results/s": results["count"] / wall,
        "detector runs/s": results["detected"] / wall,
        "answers kept, not reclassified/s": (marks["reused_end"] - marks["reused"]) / wall,
        "inference ms median": statistics.median(results["inference"]) * 1000,
        "latency ms median": ordered[len(ordered) // 2] * 1000,
        "latency ms p95": ordered[int(len(ordered) * 0.95)] * 1000,
        "longest stall ms": stall["worst"] * 1000,
        "CPU cores": (marks["cpu_end"] - marks["cpu"]) / wall,
        "RSS growth after warm-up MB": marks["rss_end"] - marks["rss_warm"],  # the variants share one process: growth only
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured duration of each variant, after a 10 s warm-up")
    parser.add_argument("--detector-size", type=int, default=LIVE_DETECTOR_SIZE, help=f"default {LIVE_DETECTOR_SIZE}, as the window")
    parser.add_argument("--no-detector", action="store_true", help="whole-frame mode only")
    parser.add_argument("--startup-runs", type=int, default=3, help="launches timed to the first labelled frame (0: none)")
    parser.add_argument("--hog", type=int, default=0, help="also time the launches under this many busy processes (one per core)")
    parser.add_argument("--startup-only", action="store_true", help="only the launch timings (idle, and under --hog)")
    args = parser.parse_args()
    if args.startup_only:
        with tempfile.TemporaryDirectory() as tmp_name:
            idle = startup_seconds(Path(tmp_name), args.startup_runs)
            hogged = under_hog(args.hog, lambda: startup_seconds(Path(tmp_name), args.startup_runs)) if args.hog else []
        print_startup(idle, hogged, args.hog)
        return 0

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        clip = tmp / "1080p30.mp4"
        make_clip(clip)
        size = args.detector_size
        if args.no_detector:
            variants = [("whole-frame", None, size, False)]
        else:
            variants = [(f"old: float detector {size} px, every crop classified on every result", float_detector(), size, False),
                        (f"int8: INT8 detector {size} px, otherwise as old", default_live_detector(), size, False),
                        (f"new: INT8 detector {size} px, only new or changed crops classified, boxes followed between detector "
                         "frames when the budget asks for it (default)", default_live_detector(), size, True)]  # fmt: skip
        figures = {name: measure(app, clip, tmp, name.split(":")[0], detector, vsize, follow, args.seconds)
                   for name, detector, vsize, follow in variants}  # fmt: skip
        startup = startup_seconds(tmp, args.startup_runs) if args.startup_runs else []
        hogged = under_hog(args.hog, lambda: startup_seconds(tmp, args.startup_runs)) if args.startup_runs and args.hog else []

    print(f"live window, 1920x1080 30 fps file in real time, {args.seconds:.0f} s measured per variant after 10 s warm-up, "
          f"{os.cpu_count()} cores, onnxruntime threads {os.cpu_count()}")  # fmt: skip
    names = list(figures)
    print(f"{'':34s}" + "".join(f"{n.split(':')[0]:>12s}" for n in names) + "    new / old")
    for key in figures[names[0]]:
        values = [figures[n][key] for n in names]
        ratio = f"    x{values[-1] / values[0]:.2f}" if len(names) > 1 and values[0] > 0.05 and "RSS" not in key else ""
        fmt = "{:12.1%}" if key == "displayed share" else "{:12.1f}"
        print(f"{key:34s}" + "".join(fmt.format(v) for v in values) + ratio)
    for name in names:
        print(f"  {name.split(':')[0]} = {name}")
    print_startup(startup, hogged, args.hog)
    return 0


def print_startup(idle: list[float], hogged: list[float], hogs: int) -> None:
    """Launch to first labelled frame, idle and under the hog side by side (the same runs of the same build)."""
    if idle:
        print(f"launch to first labelled frame (`livespecies gui --source demo`, new default): median {statistics.median(idle):.2f} s, "
              f"runs {', '.join(f'{t:.2f}' for t in idle)}")  # fmt: skip
    if idle and hogged:
        print(f"  under {hogs} busy processes: median {statistics.median(hogged):.2f} s, runs {', '.join(f'{t:.2f}' for t in hogged)} "
              f"(x{statistics.median(hogged) / statistics.median(idle):.2f} of idle)")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
