"""How values read on the page: times in the machine's zone, rates, percentages, a camera's live statistics.

Pure functions, registered as Jinja filters by the app. Every text that came
from a camera passes through ``redaction.redact_text`` here too: the watcher
already hands over redacted names, but a page that may be reachable from the
network should not depend on every caller remembering.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, tzinfo

from livespecies.redaction import redact_text

# The live statistics the watcher reports (watch.camera's CameraStats.as_dict), in the order and words a person
# reads them; keys not listed here follow by name, so a new statistic shows up before anyone labels it.
STAT_LABELS: dict[str, str] = {
    "fps_in": "Frames in",
    "fps_processed": "Frames recognised",
    "frames_in": "Frames received",
    "processed": "Frames recognised in all",
    "skipped": "Frames skipped",
    "skipped_busy": "Frames skipped, recogniser busy",
    "skipped_static": "Frames skipped, nothing moved",
    "static_share": "Share of frames without motion",
    "lag": "Lag",
    "reconnects_last_hour": "Reconnects in the last hour",
    "last_sighting": "Last sighting",
    "last_sighting_at": "Last sighting at",
    "last_error": "Last error",
    "last_error_at": "Last error at",
}
NOT_STATS = frozenset({"name", "state", "status"})  # shown as the panel's title and badge
# Badge colours by a source's status (capture.reader's Status; the watcher's "starting" before its first state).
STATE_CLASSES = {"live": "ok", "starting": "warn", "connecting": "warn", "reconnecting": "warn", "failed": "bad", "ended": "idle",
                 "stopped": "idle"}  # fmt: skip


def clock(moment: float | None, tz: tzinfo | None = None) -> str:
    return "" if moment is None else datetime.fromtimestamp(moment, tz).strftime("%H:%M:%S")


def moment(moment: float | None, tz: tzinfo | None = None) -> str:
    return "" if moment is None else datetime.fromtimestamp(moment, tz).strftime("%Y-%m-%d %H:%M:%S")


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def duration(seconds: float) -> str:
    """ "45 s", "3 min 05 s", "2 h 04 min": a visit's length at the precision a person cares about."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def state_class(state: object) -> str:
    """The badge colour of a source state (capture.reader's states); anything unknown is neutral."""
    return STATE_CLASSES.get(str(state), "idle")


def stat_value(key: str, value: object, tz: tzinfo | None = None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return redact_text(str(value))
    if key.startswith("fps"):
        return f"{value:.1f}/s"
    if key.endswith("_share"):
        return percent(value)
    if key == "lag":
        return f"{value:.2f} s"
    if key in ("last_sighting", "last_sighting_at", "last_error_at"):  # a wall time
        return moment(value, tz)
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def badge(state: Mapping[str, object]) -> tuple[str, str]:
    """The badge's text and colour: the state as the watcher words it ("reconnecting in 4 s (refused: …)"),
    coloured by its one-word status."""
    text = redact_text(str(state.get("state", "unknown")))
    return text, state_class(state.get("status", state.get("state")))


def state_rows(state: Mapping[str, object], tz: tzinfo | None = None) -> list[tuple[str, str]]:
    """A camera's statistics as (label, value) rows: the known ones first, in a fixed order, then the rest by key."""
    known = [(label, stat_value(key, state[key], tz)) for key, label in STAT_LABELS.items() if key in state]
    others = [(key.replace("_", " "), stat_value(key, state[key], tz)) for key in sorted(state) if key not in STAT_LABELS and key not in NOT_STATS]
    return known + others
