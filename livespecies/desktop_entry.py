"""``livespecies desktop-entry``: a menu launcher for the window, for this user.

A wheel cannot put a launcher in the menu (pip writes no files outside its scheme, and ``share/applications`` under
a venv is nowhere a desktop looks), so the program writes it itself, following the XDG Desktop Entry and Base
Directory specifications: ``$XDG_DATA_HOME/applications/livespecies.desktop`` and the icon in the user's hicolor
theme, ``$XDG_DATA_HOME`` being ``~/.local/share`` when unset.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from livespecies.atomic import write_atomically
from livespecies.errors import UserError

APP_ID = "livespecies"
# Characters that make a Desktop Entry Exec argument need double quotes, and those that must be escaped inside them.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = set('"`$\\')


@dataclass(frozen=True)
class Installed:
    """The two files a launcher is made of."""

    desktop_file: Path
    icon: Path


def data_home(environ: dict[str, str] | os._Environ[str]) -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share``; a relative value is ignored, as the Base Directory spec requires."""
    value = environ.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def exec_argument(arg: str) -> str:
    """One argument of the Exec key: quoted when it holds a reserved character, ``%`` doubled (field codes)."""
    arg = arg.replace("%", "%%")
    if not any(ch in _RESERVED for ch in arg):
        return arg
    quoted = "".join("\\" + ch if ch in _ESCAPED_IN_QUOTES else ch for ch in arg)
    return f'"{quoted}"'


def desktop_string(value: str) -> str:
    """A Desktop Entry string value: backslashes escaped (the Exec quoting's own backslashes included)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def launch_command(executable: str) -> list[str]:
    """How the menu starts this very installation: its ``livespecies`` script when it sits beside the interpreter
    (a venv or pipx is rarely on the desktop's PATH), else the interpreter running the package."""
    script = Path(executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "gui"]
    return [executable, "-m", APP_ID, "gui"]


def entry_text(command: Sequence[str]) -> str:
    """The ``.desktop`` file that opens the live window."""
    exec_line = " ".join(exec_argument(arg) for arg in command)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.4\n"
        "Name=livespecies\n"
        "GenericName=Animal species recognition\n"
        "Comment=Recognise animal species live in webcam, trail-camera and video frames\n"
        f"Exec={desktop_string(exec_line)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "Categories=Science;Biology;\n"
        "Keywords=animal;wildlife;species;camera trap;bird;webcam;\n"
    )


def install(home: Path, icon_source: Path, command: Sequence[str]) -> Installed:
    """Write the launcher and its icon under ``home`` (an XDG data folder); rewriting replaces both."""
    if not icon_source.is_file():
        raise UserError(f"The icon {icon_source} is missing from this installation; reinstall livespecies.")
    target = Installed(home / "applications" / f"{APP_ID}.desktop", home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")
    try:
        for path in (target.desktop_file, target.icon):
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target.icon, icon_source.read_bytes())
        write_atomically(target.desktop_file, entry_text(command))
    except OSError as exc:
        raise UserError(f"Cannot write the launcher under {home} ({exc.strerror or exc}); set XDG_DATA_HOME to a folder you can write.") from None
    return target


def remove(home: Path) -> list[Path]:
    """Delete the launcher and icon that ``install`` wrote under ``home``; the paths removed."""
    paths = [home / "applications" / f"{APP_ID}.desktop", home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"]
    removed = [p for p in paths if p.is_file()]
    for path in removed:
        path.unlink()
    return removed


def run(args: argparse.Namespace) -> int:
    from livespecies.inference.defaults import app_icon

    home = data_home(os.environ)
    if args.remove:
        for path in remove(home):
            print(f"removed {path}")
        return 0
    done = install(home, app_icon(), launch_command(sys.executable))
    print(f"wrote {done.desktop_file}")
    print(f"wrote {done.icon}")
    return 0


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``desktop-entry`` subcommand (``commands`` is the CLI's subparsers object)."""
    parser = commands.add_parser(
        "desktop-entry",
        help="add the live window to this user's application menu",
        description="Write an XDG launcher ($XDG_DATA_HOME/applications/livespecies.desktop, default ~/.local/share) "
        "and its icon, so the live window appears in the desktop's menu. It starts this installation.",
    )
    parser.add_argument("--remove", action="store_true", help="delete the launcher and icon instead")
    parser.set_defaults(handler=run)
