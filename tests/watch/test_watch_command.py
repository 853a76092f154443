"""``livespecies watch`` as a user runs it, in a real subprocess: what it would refuse is refused at once, with one
sentence and exit code 2, before any camera or thread starts; ``--check`` refuses the same configs; and the log
says where the web page is."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

from livespecies.errors import UserError
from livespecies.inference.engine import Recognizer
from livespecies.watch.config import load_config
from livespecies.watch.watcher import Watcher
from tests.servers.rtsp import free_port
from tests.watch.streams import wait_until, write_config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-token-for-the-watch-tests-0123"


def watch(path: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "livespecies", "watch", str(path), *options], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})  # fmt: skip


def refused_in_one_line(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def dead_stream() -> str:
    """An RTSP URL on loopback where nothing listens: a camera started on it would log its failure on stderr at once,
    so "one line on stderr" also proves that no camera started."""
    return f"rtsp://127.0.0.1:{free_port()}/nothing-here"


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def test_a_busy_web_port_is_one_sentence_and_exit_2(tmp_path: Path, busy_port: int) -> None:
    """Defect: the watcher printed the sentence, then aborted ("terminate called without an active exception", 134)."""
    web = f'[web]\naddress = "127.0.0.1"\nport = {busy_port}\n'
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": dead_stream()}], extra=web)
    done = watch(path)
    refused_in_one_line(done, f"Cannot serve the web page on 127.0.0.1:{busy_port}: Address already in use")
    assert "choose another port" in done.stderr
    # --check needs no network and binds nothing: a running watcher holds its own port while its config is re-checked.
    checked = watch(path, "--check")
    assert checked.returncode == 0 and "looks right" in checked.stdout, checked.stderr


def test_a_web_page_for_every_address_without_a_token_is_refused_by_watch_and_check(tmp_path: Path) -> None:
    web = f'[web]\naddress = "0.0.0.0"\nport = {free_port()}\n'
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": dead_stream()}], extra=web)
    for options in ((), ("--check",)):
        refused_in_one_line(watch(path, *options), "Serving the web page on 0.0.0.0 lets other machines see the cameras: give it a token")


def _file_in_the_way(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path / "a-file"


# (what the config holds beyond one camera, the camera's source, the environment, the sentence expected)
REFUSED = {
    "unset camera password": ("", "rtsp://viewer:${LS18_CAM_PW}@127.0.0.1:9/stream", {},
                              "Camera 'gate': its source URL needs the environment variable LS18_CAM_PW, which is not set"),
    "unset web token": ('[web]\naddress = "0.0.0.0"\ntoken_env = "LS18_WEB_TOKEN"\n', "demo", {},
                        "The web page's token is read from the environment variable LS18_WEB_TOKEN, which is not set"),
    "short web token": ('[web]\naddress = "0.0.0.0"\ntoken_env = "LS18_WEB_TOKEN"\n', "demo", {"LS18_WEB_TOKEN": "short"},
                        "The web token must be at least 16"),
    "unset mqtt password": ('[mqtt]\nusername = "u"\npassword_env = "LS18_MQTT_PW"\n', "demo", {},
                            "The MQTT password is read from the environment variable LS18_MQTT_PW, which is not set"),
    "missing model": ('[models]\nclassifier = "no-such-model.onnx"\n', "demo", {}, "no-such-model.onnx does not exist"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
@pytest.mark.parametrize("options", [("--check",), ()], ids=["check", "watch"])
def test_what_watch_would_refuse_check_refuses_too(tmp_path: Path, case: str, options: tuple[str, ...]) -> None:
    """Defect: --check said "looks right", then watch refused (token) or retried forever (an unset ${CAM_PW})."""
    extra, source, env, message = REFUSED[case]
    for name in ("LS18_CAM_PW", "LS18_WEB_TOKEN", "LS18_MQTT_PW"):
        os.environ.pop(name, None)  # the subprocess inherits os.environ: none of these may leak in from outside
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": source}], extra=extra)
    refused_in_one_line(watch(path, *options, env=env), message)


def test_a_set_camera_password_and_token_check(tmp_path: Path) -> None:
    """The other side of the table above: the same config with the variables set looks right."""
    web = '[web]\naddress = "0.0.0.0"\ntoken_env = "LS18_WEB_TOKEN"\n'
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": "rtsp://viewer:${LS18_CAM_PW}@127.0.0.1:9/stream"}], extra=web)
    done = watch(path, "--check", env={"LS18_CAM_PW": "pw", "LS18_WEB_TOKEN": TOKEN})
    assert done.returncode == 0 and "looks right" in done.stdout, done.stderr


def test_a_species_list_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": "demo", "species_list": str(tmp_path / "garden.txt")}])
    refused_in_one_line(watch(path, "--check"), f"Species list {tmp_path / 'garden.txt'} does not exist")


@pytest.mark.parametrize("which", ["snapshot_folder", "database"])
def test_a_folder_that_cannot_be_made_is_refused(tmp_path: Path, which: str) -> None:
    in_the_way = _file_in_the_way(tmp_path)
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": "demo"}])
    text = path.read_text()
    if which == "snapshot_folder":
        text = text.replace(f'snapshot_folder = "{tmp_path / "snapshots"}"', f'snapshot_folder = "{in_the_way / "snapshots"}"')
    else:
        text = text.replace(f'path = "{tmp_path / "sightings.db"}"', f'path = "{in_the_way / "sightings.db"}"')
    path.write_text(text)
    for options in (("--check",), ()):
        refused_in_one_line(watch(path, *options), f"cannot be created: {in_the_way} is a file, not a folder")


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A folder this user cannot write: its mode for a normal user; for root (who writes anyway) a read-only mount."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"root writes into any folder, and a read-only mount was refused: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": "demo"}])
    path.write_text(path.read_text().replace(f'snapshot_folder = "{tmp_path / "snapshots"}"', f'snapshot_folder = "{locked / "snaps"}"'))
    with read_only(locked):
        refused_in_one_line(watch(path, "--check"), f"The snapshot folder {locked / 'snaps'} cannot be written ({locked} is read-only")


class Lines:
    """A subprocess's output, line by line, as a queue to wait on."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> str:
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"not within {timeout} s: a line with {text!r}; seen {self.seen}") from None
            if line is None:
                raise AssertionError(f"the output ended without a line with {text!r}; seen {self.seen}")
            self.seen.append(line)
            if text in line:
                return line


def test_the_log_says_where_the_web_page_is(tmp_path: Path) -> None:
    port = free_port()
    web = f'[web]\naddress = "127.0.0.1"\nport = {port}\n'
    path = write_config(tmp_path / "watch.toml", [{"name": "gate", "source": "demo"}], extra=web)
    process = subprocess.Popen([sys.executable, "-m", "livespecies", "watch", str(path)], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        line = Lines(process).wait_for("web page", 120)
        url = f"http://127.0.0.1:{port}/"
        assert url in line, line
        assert httpx.get(url, timeout=30).status_code == 200  # the logged address really is the page
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def test_a_refused_watcher_leaves_no_thread_and_no_port(tmp_path: Path, busy_port: int, recognizer: Recognizer) -> None:
    """The same refusals in-process (the camera grid window builds a Watcher too): a busy port before MQTT's thread
    starts, a bad species list after it started; either way nothing is left running and the web port is free again."""
    before = _threads()
    mqtt = f'[mqtt]\nhost = "127.0.0.1"\nport = {free_port()}\n'
    busy = load_config(write_config(tmp_path / "busy.toml", [{"name": "gate", "source": "demo"}],
                                    extra=f'[web]\naddress = "127.0.0.1"\nport = {busy_port}\n{mqtt}'))  # fmt: skip
    with pytest.raises(UserError, match="Address already in use"):
        Watcher(busy, recognizer)
    assert _threads() == before
    port = free_port()
    late = load_config(write_config(tmp_path / "late.toml", [{"name": "gate", "source": "demo", "species_list": str(tmp_path / "none.txt")}],
                                    extra=f'[web]\naddress = "127.0.0.1"\nport = {port}\n{mqtt}'))  # fmt: skip
    with pytest.raises(UserError, match="does not exist"):
        Watcher(late, recognizer)
    wait_until(lambda: _threads() == before, 10, f"threads ended: {_threads() - before}")  # MQTT's loop ends on close()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the refused watcher let its port go
