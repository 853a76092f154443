"""Is there a screen to open a window on? Asked before Qt is loaded, so a headless machine gets a sentence, not an abort."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from livespecies.capture.source_spec import redact

XVFB = 'xvfb-run -a -s "-screen 0 1280x800x24"'  # -a: any free display number; 24-bit colour, room for the whole window


def launch_command(argv: Sequence[str], python: str) -> str:
    """This program as a shell outside its virtualenv can start it: the console script's absolute path, or this
    Python with ``-m livespecies``. Made absolute, not resolved: a venv's ``python`` is a symlink to the base
    interpreter, and following it would leave the venv and its packages behind."""
    first = argv[0] if argv else ""
    if not first or first in ("-m", "-c") or Path(first).name == "__main__.py":
        return f"{shlex.quote(os.path.abspath(python))} -m livespecies"
    found = os.path.abspath(first) if os.sep in first else shutil.which(first) or first
    return shlex.quote(found)


def headless_hint(argv: Sequence[str], python: str) -> str:
    """What to run instead of the window, and how to run the window as asked on a virtual display."""
    program = launch_command(argv, python)
    arguments = "".join(" " + shlex.quote(redact(word)) for word in argv[1:])
    return (f"run `{program} classify PATH...` to recognise animals in photos without a window, "
            f"or start the window on a virtual display with `{XVFB} {program}{arguments}`")  # fmt: skip


def display_problem(environ: Mapping[str, str], platform: str = sys.platform, argv: Sequence[str] | None = None,
                    python: str | None = None) -> str | None:  # fmt: skip
    """None when a window can open; otherwise one sentence saying why not and what to run instead."""
    if not platform.startswith("linux"):
        return None  # macOS and Windows always have a window server for a logged-in user
    if environ.get("QT_QPA_PLATFORM"):
        return None  # the user chose a platform (offscreen, xcb, wayland, vnc …): trust it
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    hint = headless_hint(sys.argv if argv is None else argv, python or sys.executable)
    return f"No display found (neither DISPLAY nor WAYLAND_DISPLAY is set): {hint}."
