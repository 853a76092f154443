"""Serving the page from inside the watcher: uvicorn on a background thread, started and stopped by the caller.

The socket is bound in :meth:`WebServer.start`, on the caller's thread, so a
port in use or an address not on this machine is a sentence there and then,
rather than a log line from a thread that quietly died; and port 0 yields the
port the system chose. uvicorn installs no signal handlers off the main thread,
so the watcher keeps its own SIGINT/SIGTERM handling and calls :meth:`stop`.
"""

from __future__ import annotations

import errno
import socket
import threading

import uvicorn
from starlette.applications import Starlette

from livespecies.errors import UserError
from livespecies.web.access import check_bind

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5  # open keep-alive connections get this long to finish before they are cut


class _Server(uvicorn.Server):
    """uvicorn's server with an event for "accepting requests", so nobody has to poll or sleep for it."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class WebServer:
    """One page server: ``start()`` returns once it accepts requests; ``stop()`` lets running requests finish."""

    def __init__(self, app: Starlette, host: str, port: int, token: str | None) -> None:
        check_bind(host, token)
        if token is not None and getattr(app.state, "token", None) != token:
            raise ValueError("serve() was given a token the app does not check: create the app with the same token")
        self.host = host
        self.port = port
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=STOP_TIMEOUT_S)
        self._server = _Server(config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def bind(self) -> None:
        """Take the port now, serving nothing yet: a caller that must start other things (cameras, threads) binds first,
        so a port in use refuses the whole program before any of them runs. ``stop()`` lets the port go again."""
        if self._socket is None:
            self._socket = bind(self.host, self.port)
            self.port = int(self._socket.getsockname()[1])

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("WebServer.start() called twice")
        self.bind()
        assert self._socket is not None
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, name="web page", daemon=True)
        self._thread.start()
        while not self._server.ready.wait(0.05):
            if not self._thread.is_alive():
                self._thread = None
                self._close_socket()
                raise UserError(f"The web page could not start on {self.url} (see the log above).")

    def stop(self) -> None:
        if self._thread is None:  # never started: at most a bound socket to let go
            self._close_socket()
            return
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT_S + 2.0)
        if self._thread.is_alive():  # a connection that would not close: cut it rather than hang the watcher's exit
            self._server.force_exit = True
            self._thread.join(STOP_TIMEOUT_S)
        self._close_socket()
        self._thread = None

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (IPv4 or IPv6, whichever the host names); failures are one sentence."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise UserError(f"Cannot serve the web page on '{host}': {exc.strerror}.") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after a stop (TIME_WAIT)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        advice = "; stop the program that uses it, or choose another port" if exc.errno == errno.EADDRINUSE else ""
        raise UserError(f"Cannot serve the web page on {host}:{port}: {exc.strerror or exc}{advice}.") from None
    return sock


def serve(app: Starlette, host: str, port: int, token: str | None) -> WebServer:
    """A server for ``app`` on host:port, not yet started; refuses a non-loopback host without a token."""
    return WebServer(app, host, port, token)
