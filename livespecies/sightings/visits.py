"""When a sighting (a visit) starts and ends: a pure rule with a table of tests.

A visit of a taxon starts the first time it is recognised while no visit of it
is open, and ends once it has not been recognised for ``gone_after`` seconds.
Between the two, every frame only updates the visit (last seen, best
confidence), so an animal that stays an hour at the feeder is one visit and one
snapshot, not 100 000. Taxa are kept apart: a fox arriving while a badger is
there starts its own visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

TaxonKey = tuple[str, str]


@dataclass(frozen=True)
class Sighted:
    """One recognised animal in one frame."""

    key: TaxonKey
    label: str
    confidence: float


@dataclass(frozen=True)
class Visit:
    key: TaxonKey
    label: str
    started: float
    last_seen: float
    best_confidence: float
    frames: int


@dataclass(frozen=True)
class VisitEvent:
    kind: Literal["started", "ended"]
    visit: Visit


def update_visits(
    open_visits: Mapping[TaxonKey, Visit], sighted: Sequence[Sighted], now: float, gone_after: float
) -> tuple[dict[TaxonKey, Visit], list[VisitEvent]]:
    """Fold one frame's recognitions into the open visits; return the new open visits and what happened."""
    visits = dict(open_visits)
    events: list[VisitEvent] = []
    best: dict[TaxonKey, Sighted] = {}
    for s in sighted:
        if s.key not in best or s.confidence > best[s.key].confidence:
            best[s.key] = s
    for key, s in best.items():
        if key in visits:
            v = visits[key]
            visits[key] = replace(v, last_seen=now, best_confidence=max(v.best_confidence, s.confidence), frames=v.frames + 1)
        else:
            visits[key] = Visit(key, s.label, now, now, s.confidence, 1)
            events.append(VisitEvent("started", visits[key]))
    for key, v in list(visits.items()):
        if key not in best and now - v.last_seen >= gone_after:
            events.append(VisitEvent("ended", v))
            del visits[key]
    return visits, events
