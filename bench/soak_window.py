"""Soak: the live window on the demo clip for a long time, offscreen, to see whether anything grows.

    python bench/soak_window.py [--minutes 30] [--interval 15] [--warmup 3] [--auto-snapshot] [--tracemalloc]

Runs ``run_gui`` exactly as ``livespecies gui --source demo`` does (shipped models, the live detector size), in
this process with QT_QPA_PLATFORM=offscreen, with a throw-away settings file and snapshot folder. Every
``--interval`` seconds it prints the resident memory, threads, open file descriptors, the sightings panel's rows,
the teach loop's kept frames and the Python objects the garbage collector tracks; at the end, the slope of each
after the warm-up (least squares), memory in MB per hour. ``--tracemalloc`` adds Python allocations to the
samples and prints where they grew most between the end of the warm-up and the end (it slows the window).

Numbers only. Compare runs on the same machine, side by side.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from growth import rss_mb, slope_per_hour  # noqa: E402  (this folder, on the path as the script's own)


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mb: float
    threads: int
    fds: int
    rows: int
    kept_frames: int
    objects: int
    traced_mb: float


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the window runs (default 30)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between samples (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="minutes left out of the slopes (default 3)")
    parser.add_argument("--source", default="demo", help="the window's source (default: the demo clip)")
    parser.add_argument("--auto-snapshot", action="store_true", help="snapshot every new sighting, as a feeder watcher would")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations and print where they grew")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from livespecies.gui.app import run_gui
    from livespecies.gui.main_window import MainWindow
    from livespecies.inference.defaults import default_classifier, default_live_detector, default_specialists

    if args.tracemalloc:
        tracemalloc.start(12)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="soak-window-"))
    settings_file = scratch / "settings.ini"
    if args.auto_snapshot:
        QSettings(str(settings_file), QSettings.Format.IniFormat).setValue("auto_snapshot", True)
    started = time.monotonic()
    samples: list[Sample] = []
    baseline: list[tracemalloc.Snapshot] = []

    def window() -> MainWindow | None:
        return next((w for w in app.topLevelWidgets() if isinstance(w, MainWindow)), None)

    def sample() -> None:
        shown = window()
        if shown is None:
            return
        now = time.monotonic() - started
        service = shown.session.station.service if shown.session else None
        traced = tracemalloc.get_traced_memory()[0] / 2**20 if args.tracemalloc else 0.0
        kept = len(service.evidence) if service is not None else len(shown.evidence)
        s = Sample(now, rss_mb(), len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd")),
                   shown.sightings.rowCount(), kept, len(gc.get_objects()), traced)  # fmt: skip
        samples.append(s)
        print(f"{s.seconds:7.0f} s  RSS {s.rss_mb:7.1f} MB  threads {s.threads:3d}  fds {s.fds:4d}  panel rows {s.rows:5d}  "
              f"kept frames {s.kept_frames:4d}  gc objects {s.objects:8d}" + (f"  traced {s.traced_mb:7.1f} MB" if args.tracemalloc else ""),
              flush=True)  # fmt: skip
        if args.tracemalloc and not baseline and now >= args.warmup * 60:
            baseline.append(tracemalloc.take_snapshot())
        if now >= args.minutes * 60:
            shown.close()  # app.exec() returns once the last window has closed

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(int(args.interval * 1000))
    print(f"soak: {args.source} for {args.minutes:g} min, a sample every {args.interval:g} s, warm-up {args.warmup:g} min, "
          f"auto snapshot {'on' if args.auto_snapshot else 'off'}; files in {scratch}", flush=True)  # fmt: skip
    status = run_gui(args.source, default_classifier(), default_live_detector(), 0.7, scratch / "snapshots", settings_file,
                     specialists=default_specialists(), only_fitting_specialists=True)  # fmt: skip
    report(samples, args.warmup * 60)
    if args.tracemalloc and baseline:
        print("Python allocations that grew most after the warm-up:")
        for stat in tracemalloc.take_snapshot().compare_to(baseline[0], "traceback")[:8]:
            print(f"  {stat.size_diff / 2**20:+8.2f} MB  {stat.count_diff:+7d} blocks")
            for line in stat.traceback.format()[-6:]:
                print("     " + line)
    return status


def report(samples: list[Sample], warmup: float) -> None:
    after = [s for s in samples if s.seconds >= warmup]
    if len(after) < 2:
        print("Too few samples after the warm-up for a slope; run longer.")
        return
    span = (after[-1].seconds - after[0].seconds) / 60
    print(f"After the warm-up ({after[0].seconds:.0f} s to {after[-1].seconds:.0f} s, {span:.1f} min, {len(after)} samples):")
    rss = slope_per_hour([(s.seconds, s.rss_mb) for s in after])
    late = slope_per_hour([(s.seconds, s.rss_mb) for s in after[len(after) // 2 :]])  # a bound reached late shows here
    print(f"  RSS         {after[0].rss_mb:.1f} → {after[-1].rss_mb:.1f} MB, slope {rss:+.1f} MB/hour (last half {late:+.1f} MB/hour)")
    for name, values in (("threads", [s.threads for s in after]), ("fds", [s.fds for s in after]),
                         ("panel rows", [s.rows for s in after]), ("kept frames", [s.kept_frames for s in after]),
                         ("gc objects", [s.objects for s in after])):  # fmt: skip
        slope = slope_per_hour([(s.seconds, float(v)) for s, v in zip(after, values, strict=True)])
        print(f"  {name:11s} {values[0]} → {values[-1]} (min {min(values)}, max {max(values)}), slope {slope:+.1f}/hour")
    # The teach loop's frames fill up to their bound first (about 25 min on the demo): what grows after that is a leak.
    full = next((i for i, s in enumerate(after) if s.kept_frames == max(s.kept_frames for s in after)), len(after))
    bounded = after[full:]
    if len(bounded) >= max(4, len(after) // 4) and full > 0:
        plateau = slope_per_hour([(s.seconds, s.rss_mb) for s in bounded])
        print(f"  once the kept frames reached {bounded[0].kept_frames} (from {bounded[0].seconds:.0f} s, {len(bounded)} samples): "
              f"RSS {bounded[0].rss_mb:.1f} → {bounded[-1].rss_mb:.1f} MB, slope {plateau:+.1f} MB/hour")  # fmt: skip
    if any(s.traced_mb for s in after):
        print(f"  traced      slope {slope_per_hour([(s.seconds, s.traced_mb) for s in after]):+.1f} MB/hour")


if __name__ == "__main__":
    sys.exit(main())
