"""The page served from inside the watcher: uvicorn on a thread that start() returns from once requests are
accepted, a stop() that lets a running request finish and frees the port, and bind failures as sentences."""

from __future__ import annotations

import re
import socket
import threading

import httpx
import pytest

from livespecies.errors import UserError
from livespecies.web import create_app, serve
from livespecies.web.server import bind
from tests.web.site import NOW, SampleSite


def test_start_serves_at_once_and_stop_frees_the_port(site: SampleSite) -> None:
    server = serve(create_app(site.database, site.snapshots, site.camera_states, clock=lambda: NOW), "127.0.0.1", 0, None)
    server.start()
    try:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        response = httpx.get(server.url + "/species")
        assert response.status_code == 200 and "polar bear" in response.text
        with pytest.raises(RuntimeError, match="called twice"):
            server.start()
    finally:
        server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    server.stop()  # a second stop is harmless


def test_stop_lets_a_running_request_finish(site: SampleSite) -> None:
    inside, release = threading.Event(), threading.Event()

    def slow_states() -> list[dict[str, object]]:
        inside.set()
        assert release.wait(30)
        return site.camera_states()

    server = serve(create_app(site.database, site.snapshots, slow_states), "127.0.0.1", 0, None)
    server.start()
    answers: list[httpx.Response] = []
    request = threading.Thread(target=lambda: answers.append(httpx.get(server.url + "/cameras", timeout=30)))
    request.start()
    assert inside.wait(30)
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    release.set()
    request.join(30)
    stopping.join(30)
    assert not stopping.is_alive()
    assert [a.status_code for a in answers] == [200] and "reconnecting in 4 s" in answers[0].text


def test_a_port_in_use_is_a_sentence(site: SampleSite) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = serve(create_app(site.database, site.snapshots, site.camera_states), "127.0.0.1", port, None)
        message = f"Cannot serve the web page on 127.0.0.1:{port}: Address already in use; stop the program that uses it, or choose another port."
        with pytest.raises(UserError, match=re.escape(message)):
            server.start()


def test_bind_takes_the_port_before_serving_and_stop_lets_it_go(site: SampleSite) -> None:
    """The watcher binds first and starts cameras after: a bound server holds the port, serves nothing, and a stop
    without a start frees the port (a watcher refused later must not keep it)."""
    server = serve(create_app(site.database, site.snapshots, site.camera_states), "127.0.0.1", 0, None)
    server.bind()
    port = server.port
    try:
        with socket.socket() as rival, pytest.raises(OSError):
            rival.bind(("127.0.0.1", port))
    finally:
        server.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
    server.start()  # bind() again, on the port it had: a server stopped before starting can still start
    try:
        assert server.port == port and httpx.get(server.url + "/").status_code == 200
    finally:
        server.stop()


def test_an_unknown_host_is_a_sentence() -> None:
    with pytest.raises(UserError, match=re.escape("Cannot serve the web page on 'no-such-host.invalid': ")):
        bind("no-such-host.invalid", 0)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_ipv6_loopback(site: SampleSite) -> None:
    server = serve(create_app(site.database, site.snapshots, site.camera_states), "::1", 0, None)
    server.start()
    try:
        assert server.url.startswith("http://[::1]:") and httpx.get(server.url + "/").status_code == 200
    finally:
        server.stop()
