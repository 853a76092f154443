"""The pure rules behind the pages, from tables: which day a moment belongs to (clock changes included), species
groups and their best snapshot, camera totals, the merge of watched and recorded cameras, statistics as text, and
the API's filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from livespecies.errors import UserError
from livespecies.redaction import redact_text
from livespecies.sightings.database import SightingQuery, StoredSighting
from livespecies.web.filters import parse_moment, query_from_params
from livespecies.web.formatting import badge, duration, state_class, state_rows
from livespecies.web.summaries import best_snapshot, camera_totals, day_bounds, day_summary, group_by_species, local_day, merge_cameras, parse_day

BERLIN = ZoneInfo("Europe/Berlin")


def sighting(id: str, camera: str = "north", key: tuple[str, str] = ("species", "Vulpes vulpes"), label: str = "red fox",
             start: float = 1000.0, last: float | None = None, confidence: float = 0.8, snapshot: str | None = "/s/a.jpg",
             frames: int = 3) -> StoredSighting:  # fmt: skip
    return StoredSighting(id, camera, "ended", start, last if last is not None else start + 10, last, key[0], key[1], label, (key,),
                    confidence, frames, snapshot, None, None, {})  # fmt: skip


@pytest.mark.parametrize(
    ("day", "tz", "hours"),
    [
        (date(2026, 5, 17), UTC, 24),
        (date(2026, 3, 29), BERLIN, 23),  # clocks go forward: the day is an hour short
        (date(2026, 10, 25), BERLIN, 25),  # and back: an hour long
        (date(2026, 5, 17), BERLIN, 24),
    ],
)
def test_a_day_runs_from_its_midnight_to_the_next(day: date, tz: ZoneInfo, hours: int) -> None:
    since, until = day_bounds(day, tz)
    assert until - since == hours * 3600
    assert datetime.fromtimestamp(since, tz) == datetime(day.year, day.month, day.day, tzinfo=tz)
    assert local_day(since, tz) == day and local_day(until - 0.001, tz) == day and local_day(until, tz) != day


def test_without_a_zone_the_day_is_this_machines() -> None:
    since, until = day_bounds(date(2026, 5, 17))
    assert datetime.fromtimestamp(since) == datetime(2026, 5, 17) and datetime.fromtimestamp(until) == datetime(2026, 5, 18)


@pytest.mark.parametrize(("text", "expected"), [("2026-05-17", date(2026, 5, 17)), (" 2026-01-02 ", date(2026, 1, 2))])
def test_days_in_urls(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "17.05.2026", "", "2026-05-17/../x"])
def test_a_bad_day_is_a_sentence(text: str) -> None:
    with pytest.raises(UserError, match="is not a day: write it as YYYY-MM-DD"):
        parse_day(text)


HEN = ("species", "Gallus gallus")
URSUS = ("genus", "Ursus")


@pytest.mark.parametrize(
    ("sightings", "expected"),
    [
        ([], []),
        # (key, label, count, first, last, cameras, best id, ids newest first)
        ([sighting("a")], [(("species", "Vulpes vulpes"), "red fox", 1, 1000.0, 1010.0, ("north",), "a", ("a",))]),
        # most seen first; within a group newest first; the label is the newest one's
        ([sighting("a", start=100), sighting("h1", key=HEN, label="hen", start=200, camera="south"),
          sighting("h2", key=HEN, label="chicken", start=300, last=400, camera="north")],
         [(HEN, "chicken", 2, 200.0, 400.0, ("north", "south"), "h2", ("h2", "h1")),
          (("species", "Vulpes vulpes"), "red fox", 1, 100.0, 110.0, ("north",), "a", ("a",))]),
        # a genus is its own group even when a species of it was seen too
        ([sighting("g", key=URSUS, label="Ursus"), sighting("p", key=("species", "Ursus maritimus"), label="polar bear")],
         [(("species", "Ursus maritimus"), "polar bear", 1, 1000.0, 1010.0, ("north",), "p", ("p",)),
          (URSUS, "Ursus", 1, 1000.0, 1010.0, ("north",), "g", ("g",))]),
        # the best snapshot is the most confident sighting that has one, not the most confident sighting
        ([sighting("sure", confidence=0.99, snapshot=None, start=1), sighting("less", confidence=0.7, start=2)],
         [(("species", "Vulpes vulpes"), "red fox", 2, 1.0, 12.0, ("north",), "less", ("less", "sure"))]),
        ([sighting("none", snapshot=None)], [(("species", "Vulpes vulpes"), "red fox", 1, 1000.0, 1010.0, ("north",), None, ("none",))]),
    ],
)  # fmt: skip
def test_species_groups(sightings: list[StoredSighting], expected: list[tuple[object, ...]]) -> None:
    got = [(g.key, g.label, g.count, g.first_seen, g.last_seen, g.cameras, g.best.id if g.best else None, tuple(s.id for s in g.sightings))
           for g in group_by_species(sightings)]  # fmt: skip
    assert got == expected


def test_best_snapshot_prefers_the_later_of_equally_confident_sightings() -> None:
    assert best_snapshot([sighting("early", start=1), sighting("late", start=2)]).id == "late"  # type: ignore[union-attr]


def test_camera_totals_count_sightings_taxa_and_frames_per_camera() -> None:
    rows = [sighting("a", camera="south", start=50, frames=2), sighting("b", camera="north", key=HEN, start=10, frames=5),
            sighting("c", camera="north", start=30, last=90, frames=1), sighting("d", camera="north", key=HEN, start=20)]  # fmt: skip
    got = [(t.camera, t.sightings, t.species, t.frames, t.first_seen, t.last_seen) for t in camera_totals(rows)]
    assert got == [("north", 3, 2, 9, 10.0, 90.0), ("south", 1, 1, 2, 50.0, 60.0)]


def test_day_summary_holds_both_views_of_the_same_sightings() -> None:
    summary = day_summary(date(2026, 5, 17), [sighting("a"), sighting("b", key=HEN, camera="south")])
    assert (summary.total, len(summary.species), [c.camera for c in summary.cameras]) == (2, 2, ["north", "south"])


@pytest.mark.parametrize(
    ("states", "recorded", "expected"),
    [
        ([], [], []),
        ([], ["b", "a"], [("a", False), ("b", False)]),
        # watched cameras first in the watcher's order, then the database's others by name, each once
        ([{"name": "z", "state": "live"}, {"name": "a", "state": "failed"}], ["a", "m", "b"], [("z", True), ("a", True), ("b", False), ("m", False)]),
        ([{"name": "z"}, {"name": "z"}, {"state": "live"}], [], [("z", True)]),  # duplicates and nameless states dropped
    ],
)
def test_merge_cameras(states: list[dict[str, object]], recorded: list[str], expected: list[tuple[str, bool]]) -> None:
    assert [(name, state is not None) for name, state in merge_cameras(states, recorded)] == expected


@pytest.mark.parametrize(
    ("state", "rows"),
    [
        ({"name": "x", "state": "live"}, []),
        ({"state": "live", "status": "live", "skipped": 3, "fps_processed": 4.0, "fps_in": 12.25, "reconnects_last_hour": 1},
         [("Frames in", "12.2/s"), ("Frames recognised", "4.0/s"), ("Frames skipped", "3"), ("Reconnects in the last hour", "1")]),
        ({"last_sighting": None, "zeta": 0.5, "alpha_beta": "rtsp://u:pw@h/x", "flag": True, "fps_in": float("inf")},
         [("Frames in", "–"), ("Last sighting", "–"), ("alpha beta", "rtsp://u:***@h/x"), ("flag", "True"), ("zeta", "0.50")]),
        ({"last_sighting": "red fox", "last_sighting_at": datetime(2026, 5, 17, 8, 30).timestamp(), "static_share": 0.254, "lag": 0.5},
         [("Share of frames without motion", "25%"), ("Lag", "0.50 s"), ("Last sighting", "red fox"), ("Last sighting at", "2026-05-17 08:30:00")]),
        ({"last_sighting": datetime(2026, 5, 17, 8, 30).timestamp()}, [("Last sighting", "2026-05-17 08:30:00")]),
        ({"last_error_at": datetime(2026, 5, 17, 8, 31).timestamp(), "last_error": "refused: nothing listens (rtsp://u:pw@h/x)"},
         [("Last error", "refused: nothing listens (rtsp://u:***@h/x)"), ("Last error at", "2026-05-17 08:31:00")]),
    ],
)  # fmt: skip
def test_state_rows(state: dict[str, object], rows: list[tuple[str, str]]) -> None:
    assert state_rows(state) == rows


@pytest.mark.parametrize(("state", "css"), [("live", "ok"), ("reconnecting", "warn"), ("connecting", "warn"), ("failed", "bad"),
                                            ("stopped", "idle"), ("something new", "idle"), (None, "idle")])  # fmt: skip
def test_state_badges(state: object, css: str) -> None:
    assert state_class(state) == css


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (
            {"state": "reconnecting in 4 s (refused: rtsp://u:pw@h/)", "status": "reconnecting"},
            ("reconnecting in 4 s (refused: rtsp://u:***@h/)", "warn"),
        ),
        ({"state": "live"}, ("live", "ok")),  # no status: the state is the status
        ({"status": "failed"}, ("unknown", "bad")),
    ],
)
def test_badge_says_the_state_in_words_coloured_by_status(state: dict[str, object], shown: tuple[str, str]) -> None:
    assert badge(state) == shown


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (44.6, "45 s"), (60, "1 min 00 s"), (185, "3 min 05 s"), (7440, "2 h 04 min"), (-3, "0 s")]
)
def test_durations(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, SightingQuery()),
        ({"camera": "north", "species": "Ursus", "min_rank": "genus", "limit": "5", "token": "not a filter"},
         SightingQuery(camera="north", species="Ursus", min_rank="genus", limit=5)),
        ({"since": "1000.5", "until": "2026-05-17T06:30:00+00:00"},
         SightingQuery(since=1000.5, until=datetime(2026, 5, 17, 6, 30, tzinfo=UTC).timestamp())),
        ({"camera": "", "species": "  "}, SightingQuery()),  # an untouched form field
    ],
)  # fmt: skip
def test_api_filters(params: dict[str, str], expected: SightingQuery) -> None:
    assert query_from_params(params) == expected


def test_a_time_without_a_zone_is_in_the_given_zone() -> None:
    assert parse_moment("since", "2026-05-17", BERLIN) == datetime(2026, 5, 17, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"specis": "fox"}, "Unknown filter 'specis': use camera, species"),
        ({"since": "last week"}, "since='last week' is not a time"),
        ({"limit": "0"}, "limit='0' is not a number of sightings from 1"),
        ({"limit": "ten"}, "limit='ten' is not a number"),
        ({"min_rank": "size"}, "Unknown rank 'size'"),
    ],
)
def test_bad_filters_are_sentences(params: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        query_from_params(params)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("rtsp://u:pw@h/x", "rtsp://u:***@h/x"),
        ("refused (rtsp://ranger:pw@10.0.0.5/live), then http://a:b@c:80/", "refused (rtsp://ranger:***@10.0.0.5/live), then http://a:***@c:80/"),
        ("rtsp://u:p@ss@h/x", "rtsp://u:***@h/x"),  # an unencoded @ in the password does not leave its tail behind
        ("rtsp://token@h/", "rtsp://***@h/"),
        ("RTSP://U:PW@H", "RTSP://U:***@H"),
        ("rtsp://u:***@h/x", "rtsp://u:***@h/x"),
        ("write to a@b.example", "write to a@b.example"),
        ("http://h/path@x", "http://h/path@x"),
    ],
)  # fmt: skip
def test_passwords_in_any_text_are_redacted(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_best_snapshot_skips_snapshots_the_page_cannot_show() -> None:
    outside, inside = sighting("outside", confidence=0.99, snapshot="/elsewhere/a.jpg"), sighting("inside", confidence=0.5)
    assert best_snapshot([outside, inside], lambda s: not str(s.snapshot).startswith("/elsewhere")) is inside
    [group] = group_by_species([outside, inside], lambda s: s.id == "inside")
    assert group.best is inside
    assert best_snapshot([outside], lambda s: False) is None
