"""``livespecies desktop-entry``: the launcher it writes is one the desktop accepts, and starts this installation."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from livespecies import desktop_entry
from livespecies.cli import main
from livespecies.errors import UserError
from livespecies.inference.defaults import app_icon

VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(VALIDATOR is None, reason="desktop-file-validate is not installed (Debian package desktop-file-utils)")


def validate(path: Path) -> str:
    """desktop-file-validate's complaints about ``path`` (empty: none); it prints errors and exits 1 on any."""
    assert VALIDATOR is not None
    done = subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True, timeout=60)
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else f" (exit {done.returncode})")


def exec_words(desktop_file: Path) -> list[str]:
    """The Exec key's arguments, read as the Desktop Entry spec says a launcher reads them (shlex would keep ``\\$``)."""
    (line,) = [line for line in desktop_file.read_text(encoding="utf-8").splitlines() if line.startswith("Exec=")]
    text = line.removeprefix("Exec=").replace("\\\\", "\\")  # the string value's own escaping first
    words: list[str] = []
    word, quoted, i = "", False, 0
    while i < len(text):
        ch = text[i]
        if quoted and ch == "\\" and text[i + 1] in '"`$\\':
            word, i = word + text[i + 1], i + 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted:
            words.append(word)
            word = ""
        else:
            word += ch
        i += 1
    return [*words, word]


@needs_validator
def test_the_command_writes_a_launcher_the_validator_accepts_and_that_starts_this_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Guards the menu entry: a valid .desktop file, the icon it names installed in the user's hicolor theme, and an
    Exec line that really runs this livespecies."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["desktop-entry"]) == 0
    desktop_file = tmp_path / "data" / "applications" / "livespecies.desktop"
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "livespecies.svg"
    assert capsys.readouterr().out.split() == ["wrote", str(desktop_file), "wrote", str(icon)]
    assert validate(desktop_file) == ""
    assert "Icon=livespecies\n" in desktop_file.read_text(encoding="utf-8")
    assert icon.read_bytes() == app_icon().read_bytes()
    assert ET.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    words = exec_words(desktop_file)
    assert words[-1] == "gui"
    version = subprocess.run([*words[:-1], "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("livespecies "), version


@needs_validator
def test_a_command_path_with_spaces_quotes_and_percent_signs_stays_one_valid_argument(tmp_path: Path) -> None:
    """Guards the Exec quoting: reserved characters are quoted and escaped as the Desktop Entry spec says."""
    odd = '/opt/my apps/it\'s "$HOME"/100%/livespecies'
    written = desktop_entry.install(tmp_path, app_icon(), [odd, "gui"])
    assert validate(written.desktop_file) == ""
    assert exec_words(written.desktop_file) == [odd.replace("%", "%%"), "gui"]


@pytest.mark.parametrize(("arg", "expected"), [
    ("/usr/bin/livespecies", "/usr/bin/livespecies"),
    ("gui", "gui"),
    ("/a b/c", '"/a b/c"'),
    ('/a"b', '"/a\\"b"'),
    ("/a$b", '"/a\\$b"'),
    ("/a`b", '"/a\\`b"'),
    ("/a\\b", '"/a\\\\b"'),
    ("/50%", "/50%%"),
])  # fmt: skip
def test_exec_arguments_are_quoted_only_when_they_must_be(arg: str, expected: str) -> None:
    assert desktop_entry.exec_argument(arg) == expected


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, Path.home() / ".local" / "share"),
    ({"XDG_DATA_HOME": ""}, Path.home() / ".local" / "share"),
    ({"XDG_DATA_HOME": "relative/data"}, Path.home() / ".local" / "share"),  # the spec: relative paths are invalid
    ({"XDG_DATA_HOME": "/srv/data"}, Path("/srv/data")),
])  # fmt: skip
def test_the_data_folder_follows_the_base_directory_spec(environ: dict[str, str], expected: Path) -> None:
    assert desktop_entry.data_home(environ) == expected


def test_the_launcher_runs_the_script_beside_the_interpreter_else_the_interpreter_itself(tmp_path: Path) -> None:
    """Guards a venv or pipx install whose bin folder is not on the desktop's PATH."""
    python = tmp_path / "python3"
    assert desktop_entry.launch_command(str(python)) == [str(python), "-m", "livespecies", "gui"]
    script = tmp_path / "livespecies"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert desktop_entry.launch_command(str(python)) == [str(script), "gui"]
    assert desktop_entry.launch_command(sys.executable)[0] != sys.executable or not (Path(sys.executable).parent / "livespecies").exists()


def test_remove_deletes_exactly_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    (tmp_path / "applications").mkdir()
    other = tmp_path / "applications" / "other.desktop"
    other.write_text("[Desktop Entry]\n")
    assert main(["desktop-entry"]) == 0
    assert main(["desktop-entry", "--remove"]) == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [other]
    assert capsys.readouterr().out.count("removed ") == 2


def test_an_unwritable_data_folder_is_one_sentence_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A file where the data folder should be (this holds as root too, unlike a read-only folder)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["desktop-entry"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"livespecies: Cannot write the launcher under {blocker}") and "XDG_DATA_HOME" in err and "\n" not in err
    with pytest.raises(UserError, match=r"icon .* is missing"):
        desktop_entry.install(tmp_path, tmp_path / "absent.svg", ["livespecies", "gui"])
