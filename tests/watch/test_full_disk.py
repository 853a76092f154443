"""A disk that cannot be written for a while loses no sighting: records the database refused are written once it can
write again (at its next write, at the watcher's periodic retry, or when it closes), each sighting once, as it last was.

Seen in bench/soak_watch.py with a full tmpfs under a running watcher: a sighting that ended while the disk was full
stayed "open" in the database for good (MQTT had announced its end), and one that came and went during it was never
stored. Here the disk is "full" for a child process by its file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored): no file
may grow, so SQLite's WAL appends fail as they do on a full disk, for a normal user and root alike, without filling a
real disk that others share.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from livespecies.sightings.database import SightingDatabase

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import json, resource, signal, sys
    from pathlib import Path
    from livespecies.errors import UserError
    from livespecies.sightings.database import SightingDatabase
    from livespecies.sightings.records import SightingRecord
    from livespecies.sightings.visits import Sighting

    path, then = Path(sys.argv[1]), sys.argv[2]
    database = SightingDatabase(path)

    def record(sighting, kind, seen):
        visit = Sighting(1, ("species", "Ursus maritimus"), "polar bear", 0.0, seen, 0.9, int(seen), started_at=1000.0,
                      last_seen_at=1000.0 + seen)
        database.record(SightingRecord(sighting, "gate", kind, visit, None, {"classifier": "m"}))

    record("seen-before", "started", 1.0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max(p.stat().st_size for p in path.parent.iterdir()), hard))  # full
    refused = []
    for step in (("seen-before", "ended", 9.0), ("came-and-went", "started", 2.0), ("came-and-went", "renamed", 4.0),
                 ("came-and-went", "ended", 6.0)):
        try:
            record(*step)
        except UserError as error:
            refused.append(str(error))
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # room again
    if then == "a later record":
        record("later", "started", 1.0)
    elif then == "the periodic retry":
        database.flush()
    database.close()
    print(json.dumps(refused))
""")


@pytest.mark.parametrize("then", ["a later record", "the periodic retry", "closing"])
def test_records_refused_by_a_full_disk_are_written_once_there_is_room(tmp_path: Path, then: str) -> None:
    path = tmp_path / "sightings.db"
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), then], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    refused = json.loads(done.stdout)
    assert len(refused) == 4, refused  # the disk really refused every one of them
    assert all(message.startswith(f"Cannot write the sightings database {path}: ") for message in refused), refused
    database = SightingDatabase(path, readonly=True)
    try:
        rows = {row.id: row for row in database.query()}
    finally:
        database.close()
    assert rows["seen-before"].status == "ended" and rows["seen-before"].ended_at == 1009.0  # not left open for good
    assert rows["came-and-went"].status == "ended" and rows["came-and-went"].ended_at == 1006.0  # not lost
    assert rows["came-and-went"].frames == 6  # as it last was, not as it started
    assert set(rows) == {"seen-before", "came-and-went"} | ({"later"} if then == "a later record" else set())
