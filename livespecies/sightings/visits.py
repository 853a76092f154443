"""When a sighting (a visit of one animal) starts, changes its name, and ends: a pure rule with a table of tests.

A sighting follows a tracked animal, not a taxon: one animal whose answer moves
between "mammal" and "red panda" is one sighting named by the most specific
answer its whole visit supports, not a "mammal" sighting beside a "red panda"
one. A visit starts when a track is first named, and takes in a new track of
the same lineage when its own track was lost for a moment (the animal walked
behind a post) while no other of its tracks is in view; it ends once none of
its tracks has been seen for ``gone_after`` seconds. Two animals in view at once
are two visits, even of one species.

A track that joined on a coarse answer is only provisionally the same animal:
a koala first seen as "mammal" where a polar bear stood a moment ago joins the
bear's visit, and leaves it as soon as its answer becomes one the visit's name
rules out: for the koala's own open visit when none of its tracks is in view
(the koala came back within ``gone_after``), else as a visit of its own. A
visit is never renamed to a coarser taxon of its own lineage (a moment of
"mammal" does not undo "polar bear"), so no sighting is named after another
animal, nor made vaguer by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

TaxonKey = tuple[str, str]


@dataclass(frozen=True)
class NamedTrack:
    """One tracked, named animal in one frame: its track, and the answer its sighting's evidence supports so far."""

    track: int
    key: TaxonKey
    label: str
    confidence: float
    lineage: tuple[TaxonKey, ...] = ()  # the key and every taxon above it
    common_names: tuple[str, ...] = ()  # of the key and every taxon above it ("bird" for Aves), for finding by any of them


@dataclass(frozen=True)
class Sighting:
    """One animal's stay in view under one name, while it goes on (README, "Glossary"); ``visit_id`` numbers it
    in its window or camera, the records' ``sighting_id`` names it everywhere. ``started``/``last_seen`` are on the
    clock that decides when it ends (monotonic in the live program, so a wall-clock jump never ends or stretches a
    sighting); ``*_at`` are wall times, for records."""

    visit_id: int
    key: TaxonKey
    label: str
    started: float
    last_seen: float
    best_confidence: float
    frames: int
    tracks: tuple[int, ...] = ()
    lineage: tuple[TaxonKey, ...] = ()
    started_at: float = 0.0
    last_seen_at: float = 0.0
    common_names: tuple[str, ...] = ()  # those of its lineage (see ``NamedTrack``): they change with it


@dataclass(frozen=True)
class SightingEvent:
    kind: Literal["started", "renamed", "ended"]
    visit: Sighting


def _related(s: NamedTrack, v: Sighting) -> bool:
    return s.key in v.lineage or v.key in s.lineage


def _free_visit(visits: Mapping[int, Sighting], s: NamedTrack, in_view: set[int]) -> Sighting | None:
    """The open visit a new track of ``s`` continues: one of a related taxon none of whose tracks is in view, the one
    seen last (on a coarse answer this is a guess, which a finer answer later corrects)."""
    free = [v for v in visits.values() if s.track not in v.tracks and not in_view & set(v.tracks) and _related(s, v)]
    return max(free, key=lambda v: v.last_seen, default=None)


def update_visits(
    open_visits: Mapping[int, Sighting], sighted: Sequence[NamedTrack], now: float, gone_after: float, next_id: int, wall: float | None = None
) -> tuple[dict[int, Sighting], list[SightingEvent], int]:
    """Fold one frame's named animals into the open visits; return the open visits, what happened, and the next id.

    ``now`` is the clock visits end by (monotonic); ``wall`` the same moment as wall time (default: ``now``)."""
    wall = now if wall is None else wall
    visits = dict(open_visits)
    events: list[SightingEvent] = []
    in_view = {s.track for s in sighted}
    owner = {track: vid for vid, v in visits.items() for track in v.tracks}
    for s in sorted(sighted, key=lambda s: s.track not in owner):  # known tracks first, so returning animals join the right visit
        vid = owner.get(s.track)
        if vid is None:
            free = _free_visit(visits, s, in_view)
            if free is not None:
                vid = free.visit_id
                visits[vid] = replace(free, tracks=(*free.tracks, s.track))
            else:
                vid, next_id = next_id, next_id + 1
                visits[vid] = Sighting(vid, s.key, s.label, now, now, s.confidence, 0, (s.track,), s.lineage, wall, wall, s.common_names)
                events.append(SightingEvent("started", visits[vid]))
            owner[s.track] = vid
            in_view.add(s.track)
        v = visits[vid]
        if not _related(s, v) and len(v.tracks) > 1:  # a joined track turned out to be another animal
            visits[vid] = replace(v, tracks=tuple(t for t in v.tracks if t != s.track))
            home = _free_visit(visits, s, in_view - {s.track})
            if home is None:
                vid, next_id = next_id, next_id + 1
                visits[vid] = Sighting(vid, s.key, s.label, now, now, s.confidence, 1, (s.track,), s.lineage, wall, wall, s.common_names)
                owner[s.track] = vid
                events.append(SightingEvent("started", visits[vid]))
                continue
            # That animal's own sighting is open and none of its tracks in view: it came back, so it continues it.
            vid = home.visit_id
            visits[vid] = v = replace(home, tracks=(*home.tracks, s.track))
            owner[s.track] = vid
        if s.key != v.key and s.key in v.lineage:  # coarser than the visit's name: seen again, still called what it was
            visits[vid] = replace(v, last_seen=now, last_seen_at=wall, frames=v.frames + 1)
            continue
        updated = replace(v, key=s.key, label=s.label, lineage=s.lineage or v.lineage, last_seen=now, last_seen_at=wall,
                          best_confidence=max(v.best_confidence, s.confidence), frames=v.frames + 1,
                          common_names=s.common_names if s.lineage else v.common_names)  # fmt: skip
        if updated.key != v.key and v.frames:
            events.append(SightingEvent("renamed", updated))
        visits[vid] = updated
    for vid, v in list(visits.items()):
        if now - v.last_seen >= gone_after:
            events.append(SightingEvent("ended", v))
            del visits[vid]
    return visits, events, next_id


def end_all(open_visits: Mapping[int, Sighting]) -> list[SightingEvent]:
    """Every open visit ended now: the source closed or the program stops (their last sighting is when they end)."""
    return [SightingEvent("ended", v) for v in open_visits.values()]
