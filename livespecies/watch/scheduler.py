"""Shared inference: one loaded set of models serves every camera, fairly, always on each camera's newest frame.

N cameras must not mean N engines each using every core: on a small computer
that is N times the memory and a fight for the same cores. One thread runs the
models (with the configured number of intra-op threads, the CPU budget) and
serves cameras in rotation: each turn goes to the next camera that has a frame
it has not looked at, and that camera then waits for its next turn behind the
others. A dead or frozen camera simply has no new frame and costs nothing; a
busy one cannot starve the rest, because it goes to the back after each turn.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeVar

from livespecies.station import Station
from livespecies.types import Frame

log = logging.getLogger("livespecies.watch")


T = TypeVar("T")


def next_turn(order: deque[T], take_new_frame: Callable[[T], Frame | None]) -> tuple[T, Frame] | None:
    """The first camera in rotation order with a new frame, and that frame; the camera moves to the back of the
    rotation. None when no camera has one."""
    for _ in range(len(order)):
        camera = order[0]
        order.rotate(-1)
        frame = take_new_frame(camera)
        if frame is not None:
            return camera, frame
    return None


class SharedInference:
    def __init__(self, cameras: Sequence[Station]) -> None:
        self.cameras = list(cameras)
        self.wake = threading.Event()  # set by every capture thread on each new frame
        self.stop_event = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inference", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        self.stop_event.set()
        self.wake.set()
        if self._thread.ident is not None:  # started: a watcher that failed to start stops a scheduler that never ran
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        order = deque(self.cameras)
        while not self.stop_event.is_set():
            self.wake.clear()  # before looking: a frame that arrives while we look sets it again
            turn = next_turn(order, Station.take_new_frame)
            if turn is None:
                self.wake.wait(0.5)
                continue
            camera, frame = turn
            try:
                camera.step(frame)
            except Exception as exc:  # one camera's bad frame must not stop the others
                message = f"{camera.name}: recognition failed: {type(exc).__name__}: {exc}"
                if camera.stats.last_error != message:
                    log.error("%s", message)
                camera.stats.error(message)
