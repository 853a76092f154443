"""Rate meters for the status bar: no figure before there is history, and skipped frames still count for the source."""

from __future__ import annotations

from livespecies.rates import RateMeter


def test_no_rate_until_the_events_span_the_minimum() -> None:
    meter = RateMeter(window=2.0, min_span=1.0)
    for i in range(5):  # a connect burst: five frames in 40 ms
        meter.tick(10.0 + i * 0.01)
    assert meter.rate(10.05) is None
    for i in range(1, 13):
        meter.tick(10.04 + i / 12)
    rate = meter.rate(11.04)
    assert rate is not None and 14 <= rate <= 17  # the burst still inflates it a little within the 2 s window


def test_steady_rate_and_decay_when_events_stop() -> None:
    meter = RateMeter(window=2.0, min_span=1.0)
    for i in range(61):
        meter.tick(i / 12)
    assert abs((meter.rate(5.0) or 0) - 12.0) < 0.2
    assert (meter.rate(6.5) or 0) < 12.0 * 0.5  # stopped 1.5 s ago: the figure falls instead of freezing
    assert meter.rate(20.0) == 0.0


def test_counted_frames_include_those_the_display_skipped() -> None:
    source, shown = RateMeter(), RateMeter()
    for i in range(0, 73, 3):  # a 12 fps source of which the display painted every third frame
        source.tick(i / 12, count=3 if i else 1)
        shown.tick(i / 12)
    source_rate, shown_rate = source.rate(6.0), shown.rate(6.0)
    assert source_rate is not None and shown_rate is not None
    assert abs(source_rate - 12.0) < 0.3 and abs(shown_rate - 4.0) < 0.2 and shown_rate < source_rate
