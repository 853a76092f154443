"""The capture loop: one thread per source, reading into a newest-frame slot, reconnecting when a stream drops.

The loop receives its collaborators (how to make the source, where to put
frames, whom to tell about its state, when to stop) so tests can drive it with
real files and a real RTSP server. The decisions it makes (retry or give up,
how long to wait) are small pure functions below it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from livespecies.capture.latest import LatestFrame
from livespecies.capture.probe import NEEDS_THE_USER, NEVER_RETRIED
from livespecies.capture.source_spec import SourceError, SourceKind, StreamError
from livespecies.capture.sources import FrameSource
from livespecies.types import Frame

log = logging.getLogger(__name__)
# A wrong password is tried this many times, then the loop stops: cameras lock an account after a few
# failed logins, and a password does not fix itself.
LOGIN_ATTEMPTS = 3

Status = Literal["connecting", "live", "reconnecting", "failed", "ended", "stopped"]


@dataclass(frozen=True)
class SourceState:
    """What the window shows about its source: "live", "reconnecting in 4 s (stream stopped)", "failed: …"."""

    status: Status
    source: str
    detail: str = ""
    retry_in: float | None = None
    retry_at: float | None = None  # time.monotonic() of the next attempt, so a display can count down
    cause: str = ""  # the probe's cause ("refused", "wrong login"…) when a stream did not open

    def describe(self, now: float | None = None) -> str:
        """One line; ``now`` (time.monotonic()) turns the retry delay into the seconds still to wait."""
        if self.status == "reconnecting" and self.retry_in is not None:
            left = self.retry_in if now is None or self.retry_at is None else max(0.0, self.retry_at - now)
            text = f"reconnecting in {left:.0f} s"
            return f"{text} ({self.detail})" if self.detail else text
        if self.status == "failed":
            return f"failed: {self.detail}"
        return self.status if not self.detail else f"{self.status} ({self.detail})"


@dataclass(frozen=True)
class ReconnectPolicy:
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0


def next_delay(attempt: int, policy: ReconnectPolicy) -> float:
    """Capped exponential backoff: 1, 2, 4, … seconds up to the cap, for attempt 1, 2, 3, …"""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    return float(min(policy.max_delay, policy.first_delay * policy.factor ** (attempt - 1)))


def should_retry(kind: SourceKind, was_live: bool, cause: str = "", login_failures: int = 0) -> bool:
    """Streams come back (a restarted camera, a Wi-Fi dropout), but a rejected login only a few times;
    a webcam that worked may be replugged; a webcam that never opened, a file or a folder will not fix itself."""
    if kind == "stream":
        if cause in NEVER_RETRIED:
            return False
        return cause not in NEEDS_THE_USER or login_failures < LOGIN_ATTEMPTS
    if kind == "camera":
        return was_live
    return False


def run_capture(
    make_source: Callable[[], FrameSource],
    slot: LatestFrame,
    on_state: Callable[[SourceState], None],
    stop: threading.Event,
    policy: ReconnectPolicy | None = None,
    name: str = "source",
    log_as: str | None = None,
) -> None:
    """Read frames into ``slot`` until ``stop`` is set, the source ends, or it fails for good."""
    policy = policy or ReconnectPolicy()
    seq = 0
    attempt = 0
    login_failures = 0
    was_live = False
    try:
        source = make_source()
    except SourceError as exc:  # e.g. the demo clip is not installed: nothing to open, ever
        on_state(SourceState("failed", name, str(exc)))
        slot.close()
        return
    name = source.spec.display_name
    # Log lines name the camera where the program watches several (the URL alone does not say which one it is).
    prefix = f"{log_as}: " if log_as else ""
    kind = source.spec.kind
    try:
        while not stop.is_set():
            on_state(SourceState("connecting", name))
            try:
                source.open()
            except SourceError as exc:
                cause = exc.cause if isinstance(exc, StreamError) else ""
                login_failures = login_failures + 1 if cause in NEEDS_THE_USER else 0
                log.warning("%s%s", prefix, exc)  # messages name the source with its password redacted
                reason = _reason(str(exc), name)
                if not should_retry(kind, was_live, cause, login_failures):
                    if cause in NEEDS_THE_USER:
                        reason = f"{reason} (stopped after {login_failures} tries: cameras lock accounts after failed logins)"
                    on_state(SourceState("failed", name, reason, cause=cause))
                    return
                attempt += 1
                delay = next_delay(attempt, policy)
                on_state(SourceState("reconnecting", name, reason, delay, time.monotonic() + delay, cause))
                stop.wait(delay)
                continue
            on_state(SourceState("live", name))
            was_live = True
            attempt = login_failures = 0
            while not stop.is_set():
                pixels = source.read()
                if pixels is None:
                    break
                seq += 1
                slot.put(Frame(seq=seq, timestamp=time.monotonic(), wall_time=time.time(), pixels=pixels))
            source.close()
            if stop.is_set():
                break
            if not should_retry(kind, was_live):
                on_state(SourceState("ended", name))
                return
            attempt += 1
            delay = next_delay(attempt, policy)
            log.warning("%s%s: the stream stopped sending frames; reconnecting in %.0f s", prefix, name, delay)
            on_state(SourceState("reconnecting", name, "the stream stopped sending frames", delay, time.monotonic() + delay))
            stop.wait(delay)
            source = make_source()
        on_state(SourceState("stopped", name))
    finally:
        source.close()
        slot.close()


def _reason(message: str, name: str) -> str:
    """The error without its "Cannot open <source>: " lead, since the state already names the source."""
    lead = f"Cannot open {name}: "
    return message[len(lead) :].rstrip(".") if message.startswith(lead) else message


class CaptureThread:
    """``run_capture`` in a daemon thread, with a start/stop handle."""

    def __init__(self, make_source: Callable[[], FrameSource], slot: LatestFrame, on_state: Callable[[SourceState], None],
                 policy: ReconnectPolicy | None = None, name: str = "source", log_as: str | None = None) -> None:  # fmt: skip
        self.stop_event = threading.Event()
        self.slot = slot
        self._thread = threading.Thread(
            target=run_capture, args=(make_source, slot, on_state, self.stop_event, policy, name, log_as), name="capture", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the loop to stop; True if it did within ``timeout`` (a read blocked on a frozen stream may take its timeout)."""
        self.stop_event.set()
        self.slot.close()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()
