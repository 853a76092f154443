"""A real Mosquitto broker on loopback for the MQTT tests: started, stopped, killed and restarted on one port.

It listens on 127.0.0.1 only. Readiness is the broker's own "running" log line (read from its stderr by a
thread, which also keeps the pipe drained), never a fixed sleep.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

START_TIMEOUT = 10.0


def mosquitto_binary() -> str | None:
    """Debian installs the broker in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Mosquitto:
    """``users``: user → password, written with mosquitto_passwd (anonymous clients are then refused).
    ``persistence``: sessions and retained messages survive a stop/start, as on a real installation."""

    def __init__(self, folder: Path, port: int | None = None, users: dict[str, str] | None = None, persistence: bool = False) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed")
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.log: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._config = folder / "mosquitto.conf"
        # Started as root, Mosquitto switches to its own user, which cannot read a private test folder: stay us.
        lines = [f"listener {self.port} 127.0.0.1", f"user {pwd.getpwuid(os.geteuid()).pw_name}", "log_dest stderr", "log_type all"]
        if users:
            passwords = folder / "passwords"
            passwords.write_text("")
            for user, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwords), user, password], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if persistence:
            lines += ["persistence true", f"persistence_location {folder}/", "autosave_interval 0"]
        self._config.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        """Start and wait until the broker says it is running (or fail with its log)."""
        ready = threading.Event()
        process = subprocess.Popen([self.binary, "-c", str(self._config)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self._process = process

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                self.log.append(line.rstrip("\n"))
                if " running" in line:
                    ready.set()
            ready.set()  # the broker ended: let start() see it

        threading.Thread(target=read, daemon=True, name="mosquitto-log").start()
        if not ready.wait(START_TIMEOUT) or process.poll() is not None:
            self.kill()
            raise RuntimeError("mosquitto did not start:\n" + "\n".join(self.log))

    def stop(self) -> None:
        """A clean stop (SIGTERM): a persistent broker saves its sessions first."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None


class Subscriber:
    """A real paho client that records every message it receives, for tests to wait on with a timeout."""

    def __init__(self, port: int, topics: tuple[str, ...] = ("#",), client_id: str = "", clean_session: bool = True,
                 username: str | None = None, password: str | None = None) -> None:  # fmt: skip
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.received: list[paho.MQTTMessage] = []
        self._changed = threading.Condition()
        subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session)
        if username:
            self.client.username_pw_set(username, password)

        def on_connect(client: paho.Client, *_: object) -> None:
            client.subscribe([(topic, 1) for topic in topics])

        def on_message(_client: paho.Client, _userdata: object, message: paho.MQTTMessage) -> None:
            with self._changed:
                self.received.append(message)
                self._changed.notify_all()

        self.client.on_connect = on_connect
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        if not subscribed.wait(START_TIMEOUT):
            self.close()
            raise RuntimeError(f"could not subscribe to {topics} on 127.0.0.1:{port}")

    def wait_for(self, topic: str, count: int = 1, timeout: float = 10.0, where: Callable[[Any], bool] | None = None) -> list[Any]:
        """The first ``count`` messages on topics matching ``topic`` (wildcards allowed) that satisfy ``where``."""
        from paho.mqtt.client import topic_matches_sub

        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in self.received if topic_matches_sub(topic, m.topic) and (where is None or where(m))]
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({m.topic for m in self.received})
                    raise AssertionError(f"{len(found)} of {count} message(s) on {topic} within {timeout} s; topics seen: {seen}")
                self._changed.wait(remaining)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(START_TIMEOUT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
