"""What the pages show, computed from sightings by pure functions: days, species groups, camera totals.

Kept apart from the web handlers so each rule (which day a sighting belongs to,
what a species' best snapshot is, what counts as one camera's total) has a table
of tests and no server in the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from livespecies.errors import UserError
from livespecies.sightings.database import StoredSighting

TaxonKey = tuple[str, str]
Viewable = Callable[[StoredSighting], bool]  # whether the page can show a sighting's snapshot


def has_snapshot(sighting: StoredSighting) -> bool:
    return bool(sighting.snapshot)


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day from a URL; anything else is a sentence the page shows."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"'{text}' is not a day: write it as YYYY-MM-DD, for example 2026-05-17.") from None


def day_bounds(day: date, tz: tzinfo | None = None) -> tuple[float, float]:
    """Unix seconds of the day's first moment and of the next day's, in ``tz`` (None: this machine's zone).

    Computed from both midnights rather than start + 86400, because days on which
    the clocks change are 23 or 25 hours long."""
    start = _midnight(day, tz)
    end = _midnight(day + timedelta(days=1), tz)
    return start, end


def _midnight(day: date, tz: tzinfo | None) -> float:
    moment = datetime(day.year, day.month, day.day)
    # A naive datetime's timestamp() is taken in the machine's zone; an aware one in its own.
    return (moment.replace(tzinfo=tz) if tz is not None else moment).timestamp()


def local_day(moment: float, tz: tzinfo | None = None) -> date:
    """The calendar day a moment falls on, in ``tz`` (None: this machine's zone)."""
    return datetime.fromtimestamp(moment, tz).date()


@dataclass(frozen=True)
class SpeciesGroup:
    """Every sighting of one taxon. ``label`` is the newest sighting's, so a renamed common name shows as it is now."""

    key: TaxonKey
    label: str
    count: int
    first_seen: float
    last_seen: float
    cameras: tuple[str, ...]
    best: StoredSighting | None  # the most confident sighting whose snapshot the page can show
    sightings: tuple[StoredSighting, ...]  # newest first

    @property
    def rank(self) -> str:
        return self.key[0]

    @property
    def name(self) -> str:
        return self.key[1]


def group_by_species(sightings: Iterable[StoredSighting], viewable: Viewable = has_snapshot) -> list[SpeciesGroup]:
    """One group per taxon (rank and name, so "Ursus" the genus never merges with a species), most seen first."""
    groups: dict[TaxonKey, list[StoredSighting]] = {}
    for s in sightings:
        groups.setdefault((s.taxon_rank, s.taxon_name), []).append(s)
    result = []
    for key, members in groups.items():
        members.sort(key=lambda s: (s.started_at, s.id), reverse=True)
        result.append(
            SpeciesGroup(
                key=key,
                label=members[0].label,
                count=len(members),
                first_seen=min(s.started_at for s in members),
                last_seen=max(s.last_seen_at for s in members),
                cameras=tuple(sorted({s.camera for s in members})),
                best=best_snapshot(members, viewable),
                sightings=tuple(members),
            )
        )
    return sorted(result, key=lambda g: (-g.count, g.label.casefold(), g.key))


def best_snapshot(sightings: Iterable[StoredSighting], viewable: Viewable = has_snapshot) -> StoredSighting | None:
    """The sighting whose snapshot to show for a group: the most confident one whose snapshot can be shown (a file
    that lies outside the served folder would be an empty frame), the later one on a tie."""
    with_snapshot = [s for s in sightings if viewable(s)]
    return max(with_snapshot, key=lambda s: (s.best_confidence, s.started_at, s.id), default=None)


@dataclass(frozen=True)
class CameraTotal:
    camera: str
    sightings: int
    species: int  # distinct taxa
    frames: int
    first_seen: float
    last_seen: float


def camera_totals(sightings: Iterable[StoredSighting]) -> list[CameraTotal]:
    """Per camera: how many sightings, of how many taxa, over how many frames; cameras by name."""
    by_camera: dict[str, list[StoredSighting]] = {}
    for s in sightings:
        by_camera.setdefault(s.camera, []).append(s)
    return [
        CameraTotal(
            camera=camera,
            sightings=len(members),
            species=len({(s.taxon_rank, s.taxon_name) for s in members}),
            frames=sum(s.frames for s in members),
            first_seen=min(s.started_at for s in members),
            last_seen=max(s.last_seen_at for s in members),
        )
        for camera, members in sorted(by_camera.items())
    ]


@dataclass(frozen=True)
class DaySummary:
    day: date
    total: int
    species: list[SpeciesGroup]
    cameras: list[CameraTotal]


def day_summary(day: date, sightings: Sequence[StoredSighting], viewable: Viewable = has_snapshot) -> DaySummary:
    """The daily summary of the sightings that overlap ``day`` (the caller queries them with :func:`day_bounds`)."""
    return DaySummary(day, len(sightings), group_by_species(sightings, viewable), camera_totals(sightings))


def merge_cameras(states: Sequence[dict[str, object]], recorded: Iterable[str]) -> list[tuple[str, dict[str, object] | None]]:
    """Every camera worth a panel: the watched ones in the watcher's order (with their live state), then cameras
    that only the database knows (watched earlier, or by another program), by name, without a state."""
    merged: list[tuple[str, dict[str, object] | None]] = []
    seen: set[str] = set()
    for state in states:
        name = str(state.get("name", ""))
        if name and name not in seen:
            merged.append((name, state))
            seen.add(name)
    merged.extend((name, None) for name in sorted(set(recorded) - seen))
    return merged
