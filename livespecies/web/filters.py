"""The JSON API's filters, read from a query string into the database's own SightingQuery.

Unknown parameters are refused rather than ignored, so a typo such as
``?specis=fox`` says so instead of quietly returning every sighting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from livespecies.errors import UserError
from livespecies.sightings.database import SightingQuery

FILTERS = ("camera", "species", "since", "until", "min_rank", "limit")
IGNORED = frozenset({"token"})  # the access token may ride in the query string; it is not a filter
MAX_LIMIT = 100_000


def parse_moment(name: str, text: str, tz: tzinfo | None = None) -> float:
    """Unix seconds, or an ISO 8601 date or date-time (without a zone: in ``tz``, None being this machine's zone)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{name}='{text}' is not a time: give Unix seconds or an ISO date such as 2026-05-17T06:30.") from None
    if moment.tzinfo is None and tz is not None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


def parse_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"limit='{text}' is not a number of sightings from 1 to {MAX_LIMIT}.")
    return limit


def query_from_params(params: Mapping[str, str], tz: tzinfo | None = None) -> SightingQuery:
    """A SightingQuery from URL parameters; empty values (an untouched form field) count as absent."""
    unknown = sorted(set(params) - set(FILTERS) - IGNORED)
    if unknown:
        raise UserError(f"Unknown filter '{unknown[0]}': use {', '.join(FILTERS)}.")
    given = {key: value.strip() for key, value in params.items() if key in FILTERS and value.strip()}
    return SightingQuery(
        camera=given.get("camera"),
        species=given.get("species"),
        since=parse_moment("since", given["since"], tz) if "since" in given else None,
        until=parse_moment("until", given["until"], tz) if "until" in given else None,
        min_rank=given.get("min_rank"),
        limit=parse_limit(given["limit"]) if "limit" in given else None,
    )
