"""The page's read-only view of the sightings database, opened when it first exists.

The watcher may start serving before its first sighting creates the database,
so a missing file reads as "no sightings yet" rather than an error, and the
file is looked for again on the next request.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from livespecies.errors import UserError
from livespecies.sightings.database import SightingDatabase, SightingQuery, StoredSighting


class DatabaseUnavailable(UserError):
    """The file exists but cannot be read as a sightings database: the page says so with 503."""


class SightingStore:
    """Read-only queries, shared by the server's worker threads (the database serialises them itself)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: SightingDatabase | None = None
        self._lock = threading.Lock()

    def _database(self) -> SightingDatabase | None:
        with self._lock:
            if self._db is None and self.path.is_file():
                try:
                    self._db = SightingDatabase(self.path, readonly=True)
                except UserError as exc:
                    raise DatabaseUnavailable(str(exc)) from None
            return self._db

    def query(self, query: SightingQuery | None = None) -> list[StoredSighting]:
        db = self._database()
        with self._readable():
            return db.query(query) if db is not None else []

    def cameras(self) -> list[str]:
        db = self._database()
        with self._readable():
            return db.cameras() if db is not None else []

    @contextmanager
    def _readable(self) -> Iterator[None]:
        # SQLite opens lazily: a file that is not a database (or another program's) fails at the first read.
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailable(f"{self.path} is not a usable sightings database ({exc}).") from None

    def get(self, sighting_id: str) -> StoredSighting | None:
        # The database has no lookup by id yet; a full read is fine at the size of one site's sightings.
        return next((s for s in self.query() if s.id == sighting_id), None)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
