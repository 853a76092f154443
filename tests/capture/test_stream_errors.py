"""Each way a stream fails to open, against real servers on loopback, with its own message.

Traffic goes to 127.0.0.1 only. Where a test needs a host that does not answer, it makes one there
(a listening socket whose queue is full, a socket that accepts and stays silent); "no route to host"
and "no name server" run in a user+network namespace of their own, which has no network at all.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from livespecies.capture.latest import LatestFrame
from livespecies.capture.probe import authorization_header, probe
from livespecies.capture.reader import LOGIN_ATTEMPTS, ReconnectPolicy, SourceState, run_capture
from livespecies.capture.source_spec import SourceError, StreamError, parse_source
from livespecies.capture.sources import open_source
from tests.servers.mjpeg import MjpegServer
from tests.servers.rtsp import RtspServer, free_port

QUICK = ReconnectPolicy(first_delay=0.05, factor=2.0, max_delay=0.2)
ROOT = Path(__file__).resolve().parents[2]


def states_of(url: str, until: int = 1, timeout: float = 30.0) -> list[SourceState]:
    """Run the real capture loop on ``url`` until it gave up or reported ``until`` failed attempts."""
    slot, states, stop = LatestFrame(), [], threading.Event()
    done = threading.Event()

    def record(state: SourceState) -> None:
        states.append(state)
        if state.status == "failed" or sum(s.status == "reconnecting" for s in states) >= until:
            done.set()

    thread = threading.Thread(target=run_capture, args=(lambda: open_source(parse_source(url)), slot, record, stop, QUICK), daemon=True)
    thread.start()
    assert done.wait(timeout), [s.describe() for s in states]
    stop.set()
    thread.join(15)
    assert not thread.is_alive()
    return states


def first_failure(url: str) -> SourceState:
    return next(s for s in states_of(url) if s.status in ("reconnecting", "failed"))


@pytest.fixture(scope="module")
def login_servers(rtsp_frames: str) -> Iterator[dict[str, RtspServer]]:
    servers = {auth: RtspServer(rtsp_frames, credentials=("ranger", "Pa55-secret"), auth=auth) for auth in ("basic", "digest")}
    for server in servers.values():
        server.start()
    yield servers
    for server in servers.values():
        server.stop()


def test_refused_says_nothing_listens() -> None:
    state = first_failure(f"rtsp://127.0.0.1:{free_port()}/live")
    assert state.cause == "refused" and state.status == "reconnecting"
    assert state.detail.startswith("refused: nothing listens on 127.0.0.1:")


def test_a_full_listen_queue_times_out() -> None:
    """SYNs to a listener whose backlog is full go unanswered, like a camera behind a firewall that drops them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            result = probe(f"rtsp://127.0.0.1:{port}/live", timeout=1.0)
        finally:
            for filler in fillers:
                filler.close()
    assert result.cause == "timed out"
    assert result.message == f"timed out: 127.0.0.1:{port} did not answer within 1 s (a wrong address, a firewall, or the camera is off)"


def test_a_server_that_accepts_and_never_answers_times_out(rtsp_server: RtspServer) -> None:
    rtsp_server.freeze()  # the kernel still accepts connections for the stopped process
    try:
        result = probe(rtsp_server.url, timeout=1.0)
    finally:
        rtsp_server.thaw()
    assert result.cause == "timed out" and "accepted the connection but did not answer within 1 s" in result.message


def test_wrong_path_is_not_found(rtsp_server: RtspServer) -> None:
    url = rtsp_server.url.replace("/live", "/stream1")
    state = first_failure(url)
    assert state.cause == "not found" and state.status == "reconnecting"
    assert state.detail == f"not found: the server has no stream at {url} (check the path)"


def test_something_that_is_not_a_stream_server() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def answer_nonsense() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

        thread = threading.Thread(target=answer_nonsense, daemon=True)
        thread.start()
        result = probe(f"rtsp://127.0.0.1:{port}/live", timeout=5.0)
        thread.join(5)
    assert result.cause == "not a stream" and result.message == f"127.0.0.1:{port} answered, but not as an RTSP server"


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_right_password_plays(login_servers: dict[str, RtspServer], auth: str) -> None:
    assert probe(login_servers[auth].url).ok
    source = open_source(parse_source(login_servers[auth].url))
    source.open()
    try:
        assert source.read() is not None
    finally:
        source.close()


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_wrong_password_stops_after_a_few_tries(login_servers: dict[str, RtspServer], auth: str) -> None:
    url = login_servers[auth].url.replace("Pa55-secret", "wrong-guess")
    states = states_of(url, until=LOGIN_ATTEMPTS + 5)
    failures = [s for s in states if s.status in ("reconnecting", "failed")]
    # Tried LOGIN_ATTEMPTS times in all, then stopped for good: the loop ended on its own (states_of joined it).
    assert [s.status for s in failures] == ["reconnecting"] * (LOGIN_ATTEMPTS - 1) + ["failed"]
    assert all(s.cause == "wrong login" for s in failures)
    shown = failures[-1].describe()
    assert shown.startswith("failed: wrong user or password for rtsp://127.0.0.1:")
    assert "wrong-guess" not in " ".join(s.describe() + s.source for s in states)


def test_missing_login_says_so(login_servers: dict[str, RtspServer]) -> None:
    url = login_servers["basic"].url.replace("ranger:Pa55-secret@", "")
    state = first_failure(url)
    assert state.cause == "needs login" and "needs a user and password" in state.detail


def test_http_camera_errors(photos: Path) -> None:
    jpeg = cv2.imencode(".jpg", cv2.imread(str(photos / "animals/explore_world_animals-koala.webp")))[1].tobytes()
    server = MjpegServer([jpeg], fps=5, credentials=("admin", "s3cret"))
    server.start()
    try:
        assert probe(server.url).ok
        assert probe(server.url.replace("s3cret", "nope")).cause == "wrong login"
        assert probe(server.url.replace("admin:s3cret@", "")).cause == "needs login"
        assert probe(server.url.replace("video.mjpg", "cam.mjpg")).cause == "not found"
    finally:
        server.stop()


def _in_empty_network_namespace(url: str) -> str:
    """The probe's message for ``url``, run in a new user+network namespace: no interface is up, not even loopback."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    code = "import sys; from livespecies.capture.probe import probe; r = probe(sys.argv[1], timeout=2); print(r.cause + '|' + r.message)"
    run = subprocess.run(["unshare", "--user", "--map-root-user", "--net", sys.executable, "-c", code, url],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    if run.returncode != 0 and "unshare" in run.stderr:
        pytest.skip(f"this machine does not allow unprivileged namespaces: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_no_route_to_host_is_unreachable() -> None:
    assert _in_empty_network_namespace("rtsp://127.0.0.1:8554/live") == "unreachable|host unreachable: the network has no route to 127.0.0.1"


def test_a_name_that_cannot_be_looked_up() -> None:
    cause, message = _in_empty_network_namespace("rtsp://trailcam.example/live").split("|")
    assert cause == "unknown host" and "trailcam.example" in message


@pytest.mark.parametrize(
    ("typed", "message"),
    [("rtps://127.0.0.1/live", "unsupported scheme 'rtps' (did you mean rtsp://?)"),
     ("rtsp:///live", "has no host name"),
     ("rtsp://127.0.0.1:88a/live", "is not a valid URL"),
     ("rtsp://ranger:***@127.0.0.1/live", "The password for rtsp://ranger:***@127.0.0.1/live was not remembered")],
)  # fmt: skip
def test_urls_that_cannot_be_used_are_errors(typed: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_source(typed)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_each_failure_is_logged_once_with_the_password_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="livespecies.capture.reader")
    states_of(f"rtsp://viewer:hunter2@127.0.0.1:{free_port()}/live", until=2)
    lines = [record.getMessage() for record in caplog.records if record.name == "livespecies.capture.reader"]
    assert len(lines) >= 2 and all(line.startswith("Cannot open rtsp://viewer:***@127.0.0.1:") and "refused" in line for line in lines)
    assert "hunter2" not in caplog.text


def test_stream_error_carries_its_cause() -> None:
    source = open_source(parse_source(f"rtsp://user:topsecret@127.0.0.1:{free_port()}/live"))
    with pytest.raises(StreamError) as caught:
        source.open()
    assert caught.value.cause == "refused" and "topsecret" not in str(caught.value) and "user:***@" in str(caught.value)


def test_digest_answer_follows_rfc_2617() -> None:
    """The worked example of RFC 2617 section 3.5 (qop=auth), with its client nonce, gives its response."""
    challenge = ('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
                 'opaque="5ccc069c403ebaf9f0171e9517f40e41"')  # fmt: skip
    header = authorization_header(challenge, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", cnonce="0a4f113b")
    assert header is not None and 'response="6629fae49393a05397450978507c4ef1"' in header
