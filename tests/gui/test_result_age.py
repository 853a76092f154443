"""Which result the live view draws: the newest, for as long as a next one can be expected, not a fixed time after capture."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.gui.live_session import latest_result_for_display
from livespecies.pipeline import LiveResult
from livespecies.types import Frame, Result

MAX_AGE = 1.5


def result(captured: float, started: float, finished: float) -> LiveResult:
    frame = Frame(1, captured, 1.7e9, np.zeros((4, 4, 3), np.uint8))
    return LiveResult(frame, Result(4, 4, ()), (), started, finished, 0.7)


@pytest.mark.parametrize(
    ("captured", "finished", "now", "drawn"),
    [
        (10.0, 10.1, 10.2, True),  # a quick machine: drawn at once
        (10.0, 10.1, 11.5, True),  # and until the next result is due
        (10.0, 10.1, 11.8, False),  # no result since: the boxes of an animal that left do not linger
        (10.0, 12.0, 12.0, True),  # a loaded machine, 2 s from capture to result: drawn when it arrives (was never drawn)
        (10.0, 12.0, 15.4, True),  # and while the next one, about as slow, is on its way
        (10.0, 12.0, 15.6, False),  # recognition stalled: gone 1.5 s after the next result was due
        (10.0, 14.0, 14.1, True),  # a 4 s result on a 2-core machine under a CPU hog (seen: 1.4-4.1 s)
    ],
)
def test_a_result_is_drawn_from_its_arrival_until_the_next_is_overdue(captured: float, finished: float, now: float, drawn: bool) -> None:
    live = result(captured, finished - 0.05, finished)
    assert (latest_result_for_display(live, MAX_AGE, now) is live) is drawn


def test_no_result_draws_nothing() -> None:
    assert latest_result_for_display(None, MAX_AGE, 10.0) is None
