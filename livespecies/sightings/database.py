"""The sightings database: one SQLite row per sighting, crash-safe, shared by cameras, read by the CLI, web and exports.

SQLite in WAL mode with ``synchronous=FULL``: a record is on disk when
``record`` returns, so a ``kill -9`` (or a power cut) at any moment loses no
sighting whose end was recorded. A sighting's row is written when it starts and
updated as it changes, and while it is open its last sighting and frame count
are stored every few seconds (``record_progress``, one transaction per camera
at most every ``service.PROGRESS_EVERY`` seconds); rows still open when the
program died are closed as ``interrupted`` the next time the database is
opened, at their last stored sighting, and never duplicated (the row's key is
the sighting's id). A record the file refuses (a full disk) is kept, as the
sighting's latest, and written at the next write, at ``flush`` (the watcher
calls it every few seconds) or at ``close``: a disk full for a while delays
sightings, it does not lose them. Retention deletes a
sighting's files first and then its row, so a crash between the two leaves a
row whose files are gone (deleted by the next pass), never files nobody knows.

Readers (``livespecies sightings``, the web page, exports) open their own
connection; WAL lets them read while a watcher writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from livespecies.errors import UserError
from livespecies.inference.contract import RANK_ORDER
from livespecies.sightings.records import SightingProgress, SightingRecord

SCHEMA_VERSION = 1
# Sightings whose latest record waits for a disk that refused it; beyond this the oldest waiting ones are dropped
# (a disk full for days must not take the watcher's memory with it).
PENDING_LIMIT = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sightings (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'ended', 'interrupted')),
    started_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    ended_at REAL,
    taxon_rank TEXT NOT NULL,
    taxon_name TEXT NOT NULL,
    label TEXT NOT NULL,
    lineage TEXT NOT NULL,
    best_confidence REAL NOT NULL,
    frames INTEGER NOT NULL,
    snapshot TEXT,
    raw_snapshot TEXT,
    sidecar TEXT,
    models TEXT NOT NULL,
    common_names TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sightings_by_time ON sightings (started_at);
CREATE INDEX IF NOT EXISTS sightings_by_camera ON sightings (camera, started_at);
CREATE INDEX IF NOT EXISTS sightings_by_taxon ON sightings (taxon_name);
"""
COLUMNS = ("id", "camera", "status", "started_at", "last_seen_at", "ended_at", "taxon_rank", "taxon_name", "label", "lineage",
           "best_confidence", "frames", "snapshot", "raw_snapshot", "sidecar", "models", "common_names")  # fmt: skip
# Columns added after schema 1 was released, with what a row written before them holds. A writer adds them to an
# older file; a reader of an older file reads the default; older programs still read and write a newer file.
ADDED_COLUMNS = {"common_names": "TEXT NOT NULL DEFAULT '[]'"}
# One record's whole state, inserted or replacing the row. A later record without a snapshot (a rename while the
# first snapshot is written) keeps the one stored.
UPSERT = (f"INSERT INTO sightings ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)}) ON CONFLICT(id) DO UPDATE SET "
          + ", ".join(f"{c} = COALESCE(excluded.{c}, {c})" if c in ("snapshot", "raw_snapshot", "sidecar") else f"{c} = excluded.{c}"
                      for c in COLUMNS if c not in ("id", "started_at")))  # fmt: skip


@dataclass(frozen=True)
class StoredSighting:
    """A sighting as the database holds it: one row, as readers see it. Times are Unix seconds (UTC); lineage runs from the taxon up."""

    id: str
    camera: str
    status: str
    started_at: float
    last_seen_at: float
    ended_at: float | None
    taxon_rank: str
    taxon_name: str
    label: str
    lineage: tuple[tuple[str, str], ...]
    best_confidence: float
    frames: int
    snapshot: str | None
    raw_snapshot: str | None
    sidecar: str | None
    models: dict[str, str]
    common_names: tuple[str, ...] = ()  # of the lineage's taxa, finest first ("bird" for Aves); none in rows written before

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in COLUMNS} | {"lineage": [list(pair) for pair in self.lineage],
                                                                   "common_names": list(self.common_names)}  # fmt: skip


@dataclass(frozen=True)
class SightingQuery:
    """A filter: every field optional. ``species`` matches the label, or the scientific or common name of any taxon
    of the lineage, case-insensitively ("Ursus" and "bear" find polar bears, "bird" finds Aves); ``min_rank`` keeps
    answers at least that specific."""

    camera: str | None = None
    species: str | None = None
    since: float | None = None
    until: float | None = None
    min_rank: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.min_rank is not None and self.min_rank not in RANK_ORDER:
            raise UserError(f"Unknown rank '{self.min_rank}': use one of species, genus, family, order, class.")


class SightingDatabase:
    """The sink that stores records, and the reader's queries. Safe to share between cameras' recorder threads."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()  # re-entered: a write first writes the records still waiting
        self._pending: dict[str, dict[str, object]] = {}  # sighting id → its latest refused record, oldest first
        self.dropped = 0  # refused records dropped beyond PENDING_LIMIT
        self.transactions = 0  # committed writes since opening: what the disk sees (bench/bench_sighting_writes.py)
        try:
            if readonly:
                if not path.is_file():
                    raise UserError(f"No sightings database at {path}.")
                self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=10)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False, timeout=10, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                # In one transaction: a reader polling a file a first watcher is creating sees all tables or none.
                self._db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
                self._check_version()
                self._add_missing_columns()
            self._db.execute("PRAGMA busy_timeout=10000")
            self._select = self._select_list()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{path} is not a usable sightings database ({exc}).") from None
        except OSError as exc:
            raise UserError(f"Cannot open the sightings database {path}: {exc.strerror or exc}.") from None

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            raise UserError(f"{self.path} was made by another version of livespecies (schema {row[0]}, this one reads {SCHEMA_VERSION}).")

    def _present_columns(self) -> set[str]:
        return {str(row[1]) for row in self._db.execute("PRAGMA table_info(sightings)")}

    def _add_missing_columns(self) -> None:
        present = self._present_columns()
        for name, definition in ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE sightings ADD COLUMN {name} {definition}")

    def _select_list(self) -> str:
        """The columns to read: a reader cannot add a missing column, so it reads the default in its place."""
        present = self._present_columns() or set(COLUMNS)  # no table yet (a writer is creating the file): as it will be
        defaults = {name: definition.rsplit("DEFAULT ", 1)[1] for name, definition in ADDED_COLUMNS.items()}
        return ", ".join(c if c in present else f"{defaults[c]} AS {c}" for c in COLUMNS)

    # ---- writing ------------------------------------------------------------------------
    def record(self, record: SightingRecord) -> None:
        visit = record.visit
        snapshot = record.snapshot
        values: dict[str, object] = {
            "id": record.sighting_id,
            "camera": record.camera,
            "status": "ended" if record.kind == "ended" else "open",
            "started_at": visit.started_at or visit.started,
            "last_seen_at": visit.last_seen_at or visit.last_seen,
            "ended_at": (visit.last_seen_at or visit.last_seen) if record.kind == "ended" else None,
            "taxon_rank": visit.key[0],
            "taxon_name": visit.key[1],
            "label": visit.label,
            "lineage": json.dumps([list(pair) for pair in visit.lineage]),
            "best_confidence": visit.best_confidence,
            "frames": visit.frames,
            "snapshot": str(snapshot.annotated) if snapshot else None,
            "raw_snapshot": str(snapshot.raw) if snapshot else None,
            "sidecar": str(snapshot.sidecar) if snapshot else None,
            "models": json.dumps(record.models, sort_keys=True),
            "common_names": json.dumps(list(visit.common_names), ensure_ascii=False),
        }
        with self._lock:
            # Each record holds the sighting's whole state: the newest replaces one still waiting, and all go in one write.
            self._pending.pop(record.sighting_id, None)
            self._pending[record.sighting_id] = values
            while len(self._pending) > PENDING_LIMIT:
                del self._pending[next(iter(self._pending))]
                self.dropped += 1
            try:
                self._write_pending()
            except UserError as exc:
                raise UserError(f"{exc} The sighting is kept and written once the file can be written again.") from None

    def _write_pending(self) -> None:
        """Write the records still waiting, oldest first, in one transaction; if refused, they wait and the error rises."""
        if not self._pending:
            return
        with self._write() as db:
            db.executemany(UPSERT, list(self._pending.values()))
        self._pending.clear()

    def flush(self) -> int:
        """Try again to write the records a full disk refused; how many still wait (0: all written). Never raises: the
        refusal was reported when the record came."""
        with self._lock:
            try:
                self._write_pending()
            except UserError:
                pass
            return len(self._pending)

    def record_progress(self, progress: Sequence[SightingProgress]) -> None:
        """Open sightings' last sighting and frame count, in one transaction. Only open rows move, and only forward:
        a late batch never reopens an ended sighting nor undoes a newer record."""
        sql = "UPDATE sightings SET last_seen_at = MAX(last_seen_at, ?), frames = MAX(frames, ?) WHERE id = ? AND status = 'open'"
        with self._lock:
            with self._write() as db:
                db.executemany(UPSERT, list(self._pending.values()))  # a refused start first: its row must exist to move
                db.executemany(sql, [(p.last_seen_at, p.frames, p.sighting_id) for p in progress])
            self._pending.clear()

    def close_interrupted(self) -> int:
        """Rows left open by a program that died: closed at their last sighting. Returns how many."""
        with self._write() as db:
            return db.execute("UPDATE sightings SET status = 'interrupted', ended_at = last_seen_at WHERE status = 'open'").rowcount

    def delete_older_than(self, days: float, now: float | None = None) -> int:
        """Retention: sightings that ended more than ``days`` ago go, files first, then rows. Returns how many."""
        cutoff = (now if now is not None else time.time()) - days * 86400.0
        with self._lock:
            rows = self._db.execute("SELECT id, snapshot, raw_snapshot, sidecar FROM sightings WHERE status != 'open' AND ended_at < ?",
                                    (cutoff,)).fetchall()  # fmt: skip
        for _, *files in rows:
            for name in files:
                if name:
                    Path(name).unlink(missing_ok=True)
        with self._write() as db:
            db.executemany("DELETE FROM sightings WHERE id = ?", [(row[0],) for row in rows])
        return len(rows)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
                self.transactions += 1
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise UserError(f"Cannot write the sightings database {self.path}: {exc}.") from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def close(self) -> None:
        """Write what still waits, then close; raise if some of it could not be written."""
        with self._lock:
            lost = self.flush() + self.dropped
            self._db.close()
        if lost:
            raise UserError(f"{lost} sighting record(s) could not be written to {self.path} (its disk is full or failing): they are lost.")

    # ---- reading ------------------------------------------------------------------------
    def query(self, query: SightingQuery | None = None) -> list[StoredSighting]:
        """Matching sightings, newest first."""
        q = query or SightingQuery()
        where: list[str] = ["1 = 1"]
        args: list[object] = []
        if q.camera is not None:
            where.append("camera = ?")
            args.append(q.camera)
        if q.since is not None:
            where.append("COALESCE(ended_at, last_seen_at) >= ?")
            args.append(q.since)
        if q.until is not None:
            where.append("started_at < ?")
            args.append(q.until)
        if q.min_rank is not None:
            allowed = RANK_ORDER[: RANK_ORDER.index(q.min_rank) + 1]
            where.append(f"taxon_rank IN ({', '.join('?' * len(allowed))})")
            args.extend(allowed)
        sql = f"SELECT {self._select} FROM sightings WHERE {' AND '.join(where)} ORDER BY started_at DESC, id"
        with self._lock:
            try:
                rows = [self._row(r) for r in self._db.execute(sql, args).fetchall()]
            except sqlite3.OperationalError as exc:
                if self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                    return []  # an empty file: a watcher is creating it this moment
                raise UserError(f"{self.path} is not a sightings database ({exc}): use the file a watcher config names "
                                "under [database] path.") from None  # fmt: skip
        if q.species is not None:
            wanted = q.species.strip().casefold()
            rows = [r for r in rows if wanted in {r.label.casefold(), *(n.casefold() for _, n in r.lineage), *(n.casefold() for n in r.common_names)}]
        return rows[: q.limit] if q.limit is not None else rows

    def cameras(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT camera FROM sightings ORDER BY camera")]

    def integrity(self) -> str:
        """SQLite's own check: "ok" for a sound file."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    @staticmethod
    def _row(values: Sequence[object]) -> StoredSighting:
        row = dict(zip(COLUMNS, values, strict=True))
        row["lineage"] = tuple(tuple(pair) for pair in json.loads(str(row["lineage"])))
        row["models"] = json.loads(str(row["models"]))
        row["common_names"] = tuple(json.loads(str(row["common_names"])))
        return StoredSighting(**row)  # type: ignore[arg-type]
