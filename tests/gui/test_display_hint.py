"""The no-display sentence names commands that work as typed, also where the virtualenv is not active."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from livespecies.gui.display import display_problem, launch_command

ROOT = Path(__file__).resolve().parents[2]
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"  # a shell where the virtualenv is not active


@pytest.mark.parametrize(
    ("argv", "python", "expected"),
    [
        (["/opt/venv/bin/livespecies"], "/opt/venv/bin/python", "/opt/venv/bin/livespecies"),
        (["/opt/venv/bin/livespecies", "gui", "--source", "demo"], "/opt/venv/bin/python", "/opt/venv/bin/livespecies"),
        (["/src/livespecies/__main__.py"], "/opt/venv/bin/python", "/opt/venv/bin/python -m livespecies"),
        ([], "/opt/venv/bin/python", "/opt/venv/bin/python -m livespecies"),
        (["/my tools/bin/livespecies"], "/usr/bin/python3", "'/my tools/bin/livespecies'"),
    ],
)
def test_launch_command_is_an_absolute_path(argv: list[str], python: str, expected: str) -> None:
    assert launch_command(argv, python) == expected


def test_relative_script_and_python_become_absolute_without_leaving_a_virtualenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv's python is a symlink to the base interpreter: resolving it would lose the venv's packages."""
    monkeypatch.chdir(tmp_path)
    assert launch_command(["bin/livespecies"], "py") == str(tmp_path / "bin/livespecies")
    assert launch_command(["-m"], "venv/bin/python") == f"{tmp_path / 'venv/bin/python'} -m livespecies"


def test_the_hint_repeats_the_arguments_without_a_password() -> None:
    argv = ["/opt/venv/bin/livespecies", "gui", "--source", "rtsp://cam:hunter2@10.0.0.5/live"]
    problem = display_problem({}, "linux", argv, "/opt/venv/bin/python")
    assert problem is not None and "hunter2" not in problem
    assert "`/opt/venv/bin/livespecies classify PATH...`" in problem
    assert "/opt/venv/bin/livespecies gui --source 'rtsp://cam:***@10.0.0.5/live'`" in problem


def suggested(stderr: str) -> list[str]:
    """The xvfb-run command in the sentence, as a shell would split it."""
    commands = re.findall(r"`([^`]*)`", stderr)
    window = [c for c in commands if c.startswith("xvfb-run")]
    assert len(window) == 1, stderr
    return shlex.split(window[0])


@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_suggested_command_runs_where_the_virtualenv_is_not_active(how: str, tmp_path: Path) -> None:
    """Guards the hint `xvfb-run livespecies`, which said "not found" outside the venv: the suggested program
    is started, from another folder, with only the system's PATH."""
    script = Path(sys.executable).parent / "livespecies"
    if how == "console script" and not script.is_file():
        pytest.skip(f"no console script beside {sys.executable} (the package is not installed in this environment)")
    command = [str(script)] if how == "console script" else [sys.executable, "-m", "livespecies"]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "VIRTUAL_ENV")}
    env["PATH"] = BARE_PATH
    env["PYTHONPATH"] = str(ROOT)  # the checkout's package, wherever the test runs from
    done = subprocess.run([*command, "gui", "--source", "demo"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    words = suggested(done.stderr)
    program = words[words.index("-screen 0 1280x800x24") + 1 :]
    assert program[-3:] == ["gui", "--source", "demo"]
    again = subprocess.run([*program[:-3], "--help"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert again.returncode == 0 and "classify" in again.stdout, again.stderr
