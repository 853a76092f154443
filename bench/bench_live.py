"""Benchmark: the live window on a 1080p 30 fps file played in real time, with recognition on.

    QT_QPA_PLATFORM=offscreen python bench/bench_live.py [--seconds 60] [--detector-size 416] [--threads N] [--no-detector]

Runs the real MainWindow (offscreen Qt: every frame is really composed and
painted) on a 1920×1080, 30 fps clip made from the real photos, paced to real
time like a camera, and prints:

* source frame rate and displayed frame rate (and their ratio);
* results per second and inference time;
* capture-to-screen latency, median and p95 (from the frame's capture time to the end of its paint);
* the GUI event loop's longest stall (a 1 ms timer's worst lateness);
* CPU use of the process (all threads, in cores) and resident memory at the start, after warm-up and at the end.

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
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from livespecies.capture.source_spec import SourceSpec  # noqa: E402
from livespecies.capture.sources import VideoCaptureSource  # noqa: E402
from livespecies.gui.app import LIVE_DETECTOR_SIZE, load_live_recognizer  # noqa: E402
from livespecies.gui.live_session import LiveSession  # noqa: E402
from livespecies.gui.main_window import MainWindow, WindowOptions  # noqa: E402
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists  # noqa: E402
from livespecies.inference.engine import EngineSettings  # noqa: E402
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


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured duration after a 10 s warm-up")
    parser.add_argument("--detector-size", type=int, default=LIVE_DETECTOR_SIZE, help=f"default {LIVE_DETECTOR_SIZE}, as the window")
    parser.add_argument("--no-detector", action="store_true", help="whole-frame mode")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    start_rss = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "1080p30.mp4"
        make_clip(clip)
        settings = EngineSettings(detector_size=args.detector_size, use_detector=not args.no_detector)
        recognizer = load_live_recognizer(default_classifier(), None if args.no_detector else default_detector(), settings, default_specialists())
        options = WindowOptions(recognizer, None, None, (), Path(tmp) / "snaps", 0.7)
        window = MainWindow(options, QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window.resize(1280, 760)
        window.show()

        spec = SourceSpec("video", str(clip))
        latencies: list[float] = []
        results = {"count": 0, "inference": []}  # type: ignore[var-annotated]
        stall = {"worst": 0.0, "last": time.monotonic(), "measuring": False}
        marks: dict[str, float] = {}

        def on_shown(frame: Frame) -> None:
            if stall["measuring"]:
                latencies.append(time.monotonic() - frame.timestamp)

        def on_result(live) -> None:  # type: ignore[no-untyped-def]
            if stall["measuring"]:
                results["count"] += 1
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
            marks["start"], marks["cpu"], marks["shown"], marks["seq"] = time.monotonic(), cpu_seconds(), window.shown_frames, 0.0
            frame = session.slot.peek()
            marks["seq"] = frame.seq if frame else 0
            marks["rss_warm"] = rss_mb()
            stall["measuring"], stall["last"] = True, time.monotonic()

        def finish() -> None:
            stall["measuring"] = False
            marks["end"], marks["cpu_end"] = time.monotonic(), cpu_seconds()
            frame = session.slot.peek()
            marks["seq_end"] = frame.seq if frame else 0
            marks["shown_end"] = window.shown_frames
            marks["rss_end"] = rss_mb()
            app.quit()

        QTimer.singleShot(10_000, begin)  # warm-up: models, caches, first reconnect-free seconds
        QTimer.singleShot(int(10_000 + args.seconds * 1000), finish)
        app.exec()
        session.stop()

    wall = marks["end"] - marks["start"]
    source_fps = (marks["seq_end"] - marks["seq"]) / wall
    shown_fps = (marks["shown_end"] - marks["shown"]) / wall
    ordered = sorted(latencies)
    mode = "whole-frame" if args.no_detector else f"detector {recognizer.detector.spec.width if recognizer.detector else '-'} px"
    threads = recognizer.classifier.generalist.model.session.get_session_options().intra_op_num_threads
    print(f"live window, 1920x1080 30 fps file in real time, {mode}, onnxruntime threads {threads}, {wall:.0f} s measured")
    print(f"source {source_fps:.1f} fps, displayed {shown_fps:.1f} fps ({shown_fps / source_fps:.1%} of source)")
    print(f"results {results['count'] / wall:.1f}/s, inference median {statistics.median(results['inference']) * 1000:.0f} ms")
    print(f"capture-to-screen latency median {ordered[len(ordered) // 2] * 1000:.0f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f} ms")
    print(f"longest event-loop stall {stall['worst'] * 1000:.0f} ms")
    print(f"CPU {(marks['cpu_end'] - marks['cpu']) / wall:.2f} cores of {os.cpu_count()}")
    print(f"resident memory: start {start_rss:.0f} MB, after warm-up {marks['rss_warm']:.0f} MB, end {marks['rss_end']:.0f} MB "
          f"(growth after warm-up {marks['rss_end'] - marks['rss_warm']:+.0f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
