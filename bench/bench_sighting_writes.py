"""Benchmark: how often the watcher writes the sightings database, and what a `kill -9` would lose, on 4 cameras.

    python bench/bench_sighting_writes.py [--seconds 60] [--cameras 4] [--progress-every 2.0] [--source rtsp|images] [--no-gating]

Every camera shows a real polar bear photo standing in a real landscape the whole
time (the worst case for writes: every camera has an open sighting all along),
served by real GStreamer RTSP servers on 127.0.0.1 at 12 fps (``--source rtsp``)
or played from image folders at 2 frames per second (``--source images``, no
encoding CPU). With motion gating on (the default), a still animal's frames
are looked at every ``check_every`` (2 s) only; ``--no-gating`` runs the models
on every frame they can take. The watcher runs in this process exactly as ``livespecies watch``
does. ``--progress-every`` sets how often open sightings' progress is stored
(the shipped ``service.PROGRESS_EVERY``; ``inf``: never, the behaviour before
issue 18, for comparison).

Prints the database's committed transactions (each one a WAL append and an
fsync with ``synchronous=FULL``) per second, split into sighting records (start,
rename, snapshot, end) and progress batches, the rows those batches updated;
and, sampled every 0.5 s from a second connection as a restarted watcher would
read it, how far each open sighting's stored last sighting lags behind now
(what a `kill -9` at that moment would lose: the models' own lag on a loaded
machine included) and behind the last sighting the watcher itself holds in
memory (the part that storing every few seconds costs). Numbers only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livespecies.capture.reader import ReconnectPolicy  # noqa: E402
from livespecies.sightings.database import SightingDatabase  # noqa: E402
from livespecies.sightings.records import SightingProgress, SightingRecord  # noqa: E402
from livespecies.sightings.service import PROGRESS_EVERY  # noqa: E402
from livespecies.watch.config import load_config  # noqa: E402
from livespecies.watch.watcher import Watcher  # noqa: E402
from tests.servers.rtsp import RtspServer  # noqa: E402
from tests.watch.streams import scene_frames  # noqa: E402

PHOTOS = ROOT / "tests/data/photos"


class Counts:
    """Records and progress batches that reached the database (a sink after it, and a wrapper around its method)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: dict[str, int] = {}
        self.batches = 0
        self.rows = 0

    def record(self, record: SightingRecord) -> None:
        with self.lock:
            self.records[record.kind] = self.records.get(record.kind, 0) + 1

    def close(self) -> None:
        pass

    def count_progress(self, database: SightingDatabase) -> None:
        store = database.record_progress

        def counted(progress: Sequence[SightingProgress]) -> None:
            store(progress)
            with self.lock:
                self.batches += 1
                self.rows += len(progress)

        database.record_progress = counted  # type: ignore[method-assign]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--progress-every", type=float, default=PROGRESS_EVERY, help="seconds; inf: never store progress")
    parser.add_argument("--source", choices=("rtsp", "images"), default="rtsp")
    parser.add_argument("--no-gating", action="store_true", help="motion gating off: the models run on every frame they can take")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_sighting_writes_"))
    servers: list[RtspServer] = []
    lines = [f'snapshot_folder = "{work / "snapshots"}"', "[database]", f'path = "{work / "sightings.db"}"']
    for i in range(args.cameras):
        pattern = scene_frames(PHOTOS, work / f"cam{i + 1}", 0, 24, 24, seed=i)
        source = str(Path(pattern).parent)
        if args.source == "rtsp":
            server = RtspServer(pattern, fps=12)
            server.start()
            servers.append(server)
            source = server.url
        lines += ["[[cameras]]", f'name = "cam{i + 1}"', f'source = "{source}"', "gone_after = 20.0", "[cameras.motion]", "check_every = 2.0",
                  f"enabled = {'false' if args.no_gating else 'true'}"]  # fmt: skip
    (work / "watch.toml").write_text("\n".join(lines) + "\n")
    config = load_config(work / "watch.toml")
    counts = Counts()
    watcher = Watcher(config, policy=ReconnectPolicy(first_delay=0.5, max_delay=2.0), extra_sinks=[counts])
    for camera in watcher.cameras:
        camera.service.progress_every = args.progress_every
    counts.count_progress(watcher.database)
    print(f"{args.cameras} cameras ({args.source}, motion gating {'off' if args.no_gating else 'on'}), a bear in view on each all along, "
          f"{args.seconds:.0f} s, progress stored every {args.progress_every:g} s")  # fmt: skip
    reader: SightingDatabase | None = None
    lags: list[float] = []
    behind: list[float] = []
    watcher.start()
    try:
        # Measure from the moment every camera has its sighting open, so the start-up does not dilute the rates.
        while len([r for r in watcher.database.query() if r.status == "open"]) < args.cameras:
            time.sleep(0.2)
        reader = SightingDatabase(config.database.path, readonly=True)
        started, transactions = time.monotonic(), watcher.database.transactions
        with counts.lock:
            records, batches, rows = sum(counts.records.values()), counts.batches, counts.rows
        while time.monotonic() - started < args.seconds:
            time.sleep(0.5)
            now = time.time()
            held = {c.service.sighting_ids.get(v.visit_id): v.last_seen_at for c in watcher.cameras for v in list(c.service.open_visits.values())}
            stored = [r for r in reader.query() if r.status == "open"]
            lags += [now - r.last_seen_at for r in stored]
            behind += [held[r.id] - r.last_seen_at for r in stored if r.id in held]
        wall = time.monotonic() - started
        transactions = watcher.database.transactions - transactions
        states = watcher.camera_states()
        with counts.lock:
            records, batches, rows = sum(counts.records.values()) - records, counts.batches - batches, counts.rows - rows
            kinds = dict(counts.records)
    finally:
        if reader is not None:
            reader.close()
        watcher.stop()
        for server in servers:
            server.stop()
    processed = sum(int(s["processed"]) for s in states)  # type: ignore[call-overload]
    print(f"frames processed: {processed / wall / args.cameras:.2f} per camera per second")
    print(f"transactions: {transactions} in {wall:.0f} s = {transactions / wall:.2f}/s "
          f"({transactions / wall / args.cameras:.2f}/s per camera)")  # fmt: skip
    print(f"  sighting records: {records} ({records / wall:.2f}/s); all run: {kinds}")
    print(f"  progress batches: {batches} ({batches / wall:.2f}/s), {rows} rows updated ({rows / wall:.2f}/s)")
    if lags:
        print(f"stored last sighting behind now (what a kill -9 would lose), {len(lags)} samples: median {statistics.median(lags):.2f} s, "
              f"95% {percentile(lags, 0.95):.2f} s, max {max(lags):.2f} s")  # fmt: skip
    if behind:
        print(f"stored last sighting behind the watcher's own, {len(behind)} samples: median {statistics.median(behind):.2f} s, "
              f"95% {percentile(behind, 0.95):.2f} s, max {max(behind):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
