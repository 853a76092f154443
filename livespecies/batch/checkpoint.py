"""The durable record of a ``classify`` run: a SQLite file beside the output, so an interrupted run can resume.

    OUTPUT.checkpoint.sqlite
      run(key, value)                      what the run was made with: models, settings, inputs
      records(path, seq, failed, record)   one row per image, the lossless record as JSON

Each checkpoint is one transaction that appends the records finished since the last
(a few B-tree pages, whatever the size of the archive), instead of rewriting a
growing file as MegaDetector's checkpoints do. SQLite's journal makes it atomic: a
``kill -9`` or a power cut loses at most the records of the last second, which are
then simply classified again. The outputs (JSON Lines, CSV, MegaDetector JSON, text)
are written from this record at the end, in input order, streaming, so memory does
not grow with the archive. The file is removed once the output is complete.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from livespecies.atomic import why_not_writable
from livespecies.batch.clips import Clip, ClipFrame, ClipTaxon
from livespecies.batch.records import ImageRecord
from livespecies.errors import UserError
from livespecies.serialization import detection_from_lossless, detection_to_lossless, prediction_from_lossless, prediction_to_lossless
from livespecies.types import Result

FORMAT = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (path TEXT PRIMARY KEY, seq INTEGER NOT NULL, failed INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_order ON records (seq, path);
"""
# What a resumed run must share with the run it continues, in the order a difference is reported. The identity also
# keeps "names" (the files the run named), to say which file changed, but two runs need not share them.
IDENTITY_PARTS = ("models", "settings", "inputs", "format")


def checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint.sqlite")


def _result_to(result: Result) -> dict[str, Any]:
    return {"width": result.width, "height": result.height, "mode": result.mode,
            "predictions": [prediction_to_lossless(p) for p in result.predictions],
            "unidentified": [detection_to_lossless(d) for d in result.unidentified]}  # fmt: skip


def _result_from(raw: dict[str, Any]) -> Result:
    unidentified = tuple(detection_from_lossless(d) for d in raw["unidentified"])
    return Result(raw["width"], raw["height"], tuple(prediction_from_lossless(p) for p in raw["predictions"]), unidentified, raw["mode"])


def record_to_row(record: ImageRecord) -> str:
    """Every field of the record, floats unrounded: outputs written from the checkpoint equal a direct run's."""
    data: dict[str, Any] = {"path": str(record.path), "error": record.error, "result": None, "clip": None}
    if record.result is not None:
        data["result"] = _result_to(record.result)
    clip = record.clip
    if clip is not None:
        data["clip"] = {
            "frame_rate": clip.frame_rate, "frame_count": clip.frame_count,
            "taxa": [{"prediction": prediction_to_lossless(t.prediction), "first": t.first_seconds, "last": t.last_seconds, "best": t.best_frame}
                     for t in clip.taxa],
            "frames": [{"index": f.index, "seconds": f.seconds, "result": _result_to(f.result)} for f in clip.frames],
        }  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def record_from_row(text: str) -> ImageRecord:
    data = json.loads(text)
    result = _result_from(data["result"]) if data["result"] is not None else None
    clip = None
    if (raw := data.get("clip")) is not None:
        clip = Clip(raw["frame_rate"], raw["frame_count"],
                    tuple(ClipTaxon(prediction_from_lossless(t["prediction"]), t["first"], t["last"], t["best"]) for t in raw["taxa"]),
                    tuple(ClipFrame(f["index"], f["seconds"], _result_from(f["result"])) for f in raw["frames"]))  # fmt: skip
    return ImageRecord(Path(data["path"]), result, data["error"], clip)


def describe_difference(part: str, old: Any, new: Any, old_names: dict[str, Any], new_names: dict[str, Any]) -> str:
    """What differs in one identity part, in words. The species list is compared by its contents' digest, and named by
    its file (``*_names``: the files each run named, kept beside the identity but not part of it)."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed = [_changed_setting(k, old.get(k), new.get(k), old_names, new_names) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        return f"other {part} ({'; '.join(changed[:3])})"
    return f"other {part} ({old!r} → {new!r})"


def _changed_setting(key: str, old: Any, new: Any, old_names: dict[str, Any], new_names: dict[str, Any]) -> str:
    if key != "species_list":
        return f"{key} {old!r} → {new!r}"
    before = "none" if old is None else old_names.get(key) or "another file"  # a checkpoint from before names were kept
    after = "none" if new is None else new_names.get(key) or "another file"
    if before == after:
        return f"species list {after} (changed since that run)"
    return f"species list {before} → {after}"


class Checkpoint:
    """Open (or, with ``resume``, continue) the checkpoint of the run that writes ``output``."""

    def __init__(self, output: Path, identity: dict[str, Any], resume: bool, every: float = 1.0) -> None:
        self.path = checkpoint_path(output)
        self.every = every
        if reason := why_not_writable(self.path.parent):  # SQLite would only say "unable to open database file"
            raise UserError(f"Cannot write the output file {output}: {reason}; give --output a file in a folder you can write to.")
        existed = self.path.exists()
        if existed and not resume:
            raise UserError(f"{self.path} holds an interrupted run for {output}: add --resume to continue it, or delete it to start again.")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path} cannot be used as a checkpoint ({exc}); delete it to start again.") from None
        identity = {**identity, "format": FORMAT}
        stored = dict(self.db.execute("SELECT key, value FROM run").fetchall())
        if stored:
            old_names, new_names = json.loads(stored.get("names", "null")) or {}, identity.get("names") or {}
            for part in IDENTITY_PARTS:
                old, new = json.loads(stored.get(part, "null")), identity.get(part)
                if old != new:
                    self.db.close()
                    raise UserError(f"Cannot resume {output}: it was made with {describe_difference(part, old, new, old_names, new_names)}; "
                                    f"delete {self.path.name} to start again.")  # fmt: skip
        else:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO run VALUES (?, ?)", [(k, json.dumps(v, sort_keys=True)) for k, v in identity.items()])
            self.db.execute("COMMIT")
        self.resumed = bool(stored)
        self._pending: list[tuple[str, int, int, str]] = []
        self._last_commit = time.monotonic()

    def done(self, path: Path) -> bool:
        """Classified without error in an earlier attempt (failed images are tried again)."""
        row = self.db.execute("SELECT failed FROM records WHERE path = ?", (str(path),)).fetchone()
        return row is not None and row[0] == 0

    def add(self, seq: int, record: ImageRecord) -> None:
        self._pending.append((str(record.path), seq, int(record.failed), record_to_row(record)))
        if time.monotonic() - self._last_commit >= self.every:
            self.commit()

    def commit(self) -> None:
        if self._pending:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", self._pending)
            self.db.execute("COMMIT")
            self._pending = []
        self._last_commit = time.monotonic()

    def records(self) -> Iterator[ImageRecord]:
        """Every record, in input order, read a page at a time."""
        self.commit()
        cursor = self.db.execute("SELECT record FROM records ORDER BY seq, path")
        while rows := cursor.fetchmany(256):
            for (text,) in rows:
                yield record_from_row(text)

    def counts(self) -> tuple[int, int]:
        """(images recorded, of which failed)."""
        total, failed = self.db.execute("SELECT COUNT(*), COALESCE(SUM(failed), 0) FROM records").fetchone()
        return int(total), int(failed)

    def close(self, remove: bool = False) -> None:
        self.commit()
        self.db.close()
        if remove:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
