"""Parsing what the user typed as a source, and keeping passwords out of every name we show or store."""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.capture.source_spec import SourceError, expand_secrets, parse_source, redact, storable


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("0", "camera", "0"),
        ("camera:2", "camera", "2"),
        (" demo ", "demo", "demo"),
        ("rtsp://cam.local:554/stream1", "stream", "rtsp://cam.local:554/stream1"),
        ("http://10.0.0.5/mjpg/video.mjpg", "stream", "http://10.0.0.5/mjpg/video.mjpg"),
    ],
)
def test_parse_source(text: str, kind: str, target: str) -> None:
    spec = parse_source(text)
    assert (spec.kind, spec.target) == (kind, target)


def test_paths_become_video_or_images(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x")
    assert parse_source(str(tmp_path / "clip.mp4")).kind == "video"
    assert parse_source(str(tmp_path)).kind == "images"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "No source given"),
        ("ftp://host/x", "unsupported scheme 'ftp'"),
        ("rtsp:///nohost", "has no host name"),
        ("/no/such/file.mp4", "is not a camera number"),
        ("rtsp://u:p4ss@/x", "has no host name"),
    ],
)
def test_bad_sources_are_one_sentence(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        parse_source(text)
    assert "p4ss" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("rtsp://admin:hunter2@10.0.0.9:554/h264", "rtsp://admin:***@10.0.0.9:554/h264"),
        ("rtsp://token@cam/x", "rtsp://***@cam/x"),
        ("rtsp://cam/x?user=a", "rtsp://cam/x?user=a"),
        ("/videos/fox.mp4", "/videos/fox.mp4"),
        ("http://u:p@h:8080/a?b=c#d", "http://u:***@h:8080/a?b=c#d"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert parse_source(text).display_name == shown if "://" in text else True


def test_settings_keep_env_placeholders_but_never_literal_passwords() -> None:
    assert storable("rtsp://admin:hunter2@cam/x") == "rtsp://admin:***@cam/x"
    assert storable("rtsp://admin:${CAM_PASSWORD}@cam/x") == "rtsp://admin:${CAM_PASSWORD}@cam/x"
    assert storable("/videos/fox.mp4") == "/videos/fox.mp4"


def test_expand_secrets() -> None:
    assert expand_secrets("rtsp://a:${P}@h/x", {"P": "s3cret"}) == "rtsp://a:s3cret@h/x"
    with pytest.raises(SourceError, match="environment variable P, which is not set"):
        expand_secrets("rtsp://a:${P}@h/x", {})
