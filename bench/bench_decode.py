"""Benchmark: what receiving and decoding camera streams costs, apart from recognition.

    python bench/bench_decode.py [--cameras 1 8] [--seconds 60]

Real GStreamer RTSP servers on 127.0.0.1 serve 1280×720, 15 fps H.264 (the busy cameras of ``bench_watch.py``: a
slow pan over real photos, every frame different). This process receives each stream exactly as the watcher does
(``Station`` capture threads, OpenCV's FFmpeg, every frame decoded into the newest-frame slot) with no models, and
prints, for each number of cameras side by side: frames received per second per camera and this process's CPU in
cores, total and per camera; the RTSP servers' own CPU (H.264 encoding, which a real camera does for us) apart.
Compare with ``bench_watch.py``'s watcher CPU (decoding + recognition) in a run of the same length. Numbers only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_watch import FPS, busy_frames, proc_cpu_seconds  # noqa: E402

from livespecies.capture.source_spec import parse_source  # noqa: E402
from livespecies.capture.sources import open_source  # noqa: E402
from livespecies.station import Station  # noqa: E402
from tests.servers.rtsp import RtspServer  # noqa: E402


def measure(count: int, pattern: str, seconds: float) -> dict[str, float]:
    servers = [RtspServer(pattern, fps=FPS) for _ in range(count)]
    for server in servers:
        server.start()
    stations = []
    for k, server in enumerate(servers):
        spec = parse_source(server.url)
        stations.append(Station(f"cam{k}", lambda spec=spec: open_source(spec), None, None, lambda: 0.7))  # type: ignore[misc]
    try:
        for station in stations:
            station.start()
        time.sleep(10.0)  # connect and settle
        frames0 = [s.stats.frames_in for s in stations]
        cpu0, servers0, began = proc_cpu_seconds(os.getpid()), sum(proc_cpu_seconds(s.process.pid) for s in servers), time.monotonic()
        time.sleep(seconds)
        span = time.monotonic() - began
        cpu = (proc_cpu_seconds(os.getpid()) - cpu0) / span
        server_cpu = (sum(proc_cpu_seconds(s.process.pid) for s in servers) - servers0) / span
        rates = [(s.stats.frames_in - f0) / span for s, f0 in zip(stations, frames0, strict=True)]
    finally:
        for station in stations:
            station.signal_stop()
        for station in stations:
            station.stop(10.0)
        for server in servers:
            server.stop()
    return {"fps per camera (min)": min(rates), "fps per camera (mean)": sum(rates) / len(rates), "decode cores": cpu,
            "decode cores per camera": cpu / count, "RTSP servers' cores": server_cpu}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pattern = busy_frames(Path(tmp) / "busy")
        figures = {n: measure(n, pattern, args.seconds) for n in args.cameras}
    print(f"receiving and decoding 1280x720 {FPS} fps H.264 over RTSP on loopback, no recognition, {args.seconds:.0f} s each, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'':28s}" + "".join(f"{f'{n} camera' + ('s' if n > 1 else ''):>14s}" for n in figures))
    for key in next(iter(figures.values())):
        print(f"{key:28s}" + "".join(f"{figures[n][key]:14.2f}" for n in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
