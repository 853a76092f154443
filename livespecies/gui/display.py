"""Is there a screen to open a window on? Asked before Qt is loaded, so a headless machine gets a sentence, not an abort."""

from __future__ import annotations

import sys
from collections.abc import Mapping

HEADLESS_HINT = (
    "run `livespecies classify PATH...` to recognise animals in photos without a window, "
    "or start the window on a virtual display with `xvfb-run livespecies`"
)


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """None when a window can open; otherwise one sentence saying why not and what to run instead."""
    if not platform.startswith("linux"):
        return None  # macOS and Windows always have a window server for a logged-in user
    if environ.get("QT_QPA_PLATFORM"):
        return None  # the user chose a platform (offscreen, xcb, wayland, vnc …): trust it
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return f"No display found (neither DISPLAY nor WAYLAND_DISPLAY is set): {HEADLESS_HINT}."
