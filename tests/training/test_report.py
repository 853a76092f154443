"""The training report's sentence about drift: what a user should expect on a later season's frames."""

from __future__ import annotations

from training.frame_eval import FrameScore
from training.report import drift_sentence


def score(right: int, wrong: int, frames: int = 100) -> FrameScore:
    return FrameScore(0.7, frames, right, wrong, 0, frames - right - wrong)


def test_a_drop_from_earlier_to_latest_events_is_said_with_its_size() -> None:
    """A real trail camera: its report promised 65 % right; the weeks after gave 51 %."""
    sentence = drift_sentence(score(67, 12), score(45, 25))
    assert "22% fewer right and 13% more wrong" in sentence and "later season may lose about as much again" in sentence
    assert "\n" not in sentence


def test_no_drop_says_none_showed_but_a_new_season_still_can() -> None:
    sentence = drift_sentence(score(80, 5), score(81, 5))
    assert "no drift showed" in sentence and "new season" in sentence
