"""What the user asked to watch: parsing a source string, and keeping credentials out of sight.

    "0", "camera:1"                  → a webcam by device index
    "rtsp://…", "rtsps://…", "http(s)://…", "rtmp://…"  → a network stream
    "demo"                           → the bundled demo clip
    a folder                         → its images, played as a stream
    any other path                   → a video file

A URL may carry a password. It is needed to connect and nowhere else: every
name shown or stored goes through ``redact`` (from ``livespecies.redaction``).
``${NAME}`` in a URL is read from the environment at connect time, so settings
can keep the template and never the secret.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from livespecies.errors import UserError
from livespecies.redaction import REDACTED as REDACTED
from livespecies.redaction import redact as redact  # re-exported: the GUI names sources through this module

SourceKind = Literal["camera", "stream", "video", "images", "demo"]
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SourceError(UserError):
    """A source that cannot be opened or read: no camera, bad URL, missing file."""


class StreamError(SourceError):
    """A stream that did not open, with the probe's cause ("refused", "wrong login"…) for the retry decision."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass(frozen=True)
class SourceSpec:
    kind: SourceKind
    target: str  # device index, URL (as typed, possibly with ${VAR}), or path

    @property
    def display_name(self) -> str:
        """Safe to show in titles, logs, errors, snapshot sidecars and settings."""
        if self.kind == "camera":
            return f"camera {self.target}"
        if self.kind == "demo":
            return "demo clip"
        return redact(self.target)


def parse_source(text: str) -> SourceSpec:
    text = text.strip()
    if not text:
        raise SourceError("No source given: use a camera number, a stream URL, a video file, a folder of images or 'demo'.")
    if text.lower() == "demo":
        return SourceSpec("demo", "demo")
    index = text[len("camera:") :] if text.lower().startswith("camera:") else text
    if index.isdigit():
        return SourceSpec("camera", str(int(index)))
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme:
        if scheme not in STREAM_SCHEMES:
            # A transposition (rtps, htpp) is the usual typo: same letters first, then the closest spelling.
            near = [s for s in STREAM_SCHEMES if sorted(s) == sorted(scheme)] or get_close_matches(scheme, STREAM_SCHEMES, n=1, cutoff=0.7)
            hint = f" (did you mean {near[0]}://?)" if near else ""
            raise SourceError(f"'{redact(text)}' uses the unsupported scheme '{scheme}'{hint}; use rtsp://, http:// or a file path.")
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError as exc:
            raise SourceError(f"'{redact(text)}' is not a valid URL ({exc}).") from None
        if not parts.hostname:
            raise SourceError(f"'{redact(text)}' has no host name: write it as {scheme}://HOST[:PORT]/PATH.")
        if parts.password == REDACTED:
            # What ``storable`` wrote in place of a password: sending it would fail the login, again and again.
            raise SourceError(f"The password for {redact(text)} was not remembered (only ${{NAME}} passwords are): "
                              "type the URL with its password, or write it as ${NAME} and set NAME.")  # fmt: skip
        return SourceSpec("stream", text)
    path = Path(text).expanduser()
    if path.is_dir():
        return SourceSpec("images", str(path))
    if path.is_file():
        return SourceSpec("video", str(path))
    raise SourceError(f"{text} is not a camera number, a stream URL, or an existing file or folder.")


def expand_secrets(url: str, environ: dict[str, str] | None = None) -> str:
    """Fill ``${NAME}`` from the environment; a missing variable is a clear error, not an empty password."""
    env = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            # A StreamError with its own cause: the reader gives up at once instead of retrying forever.
            raise StreamError(f"The source URL needs the environment variable {name}, which is not set; set it in the "
                              "environment that starts livespecies.", "unset variable")  # fmt: skip
        return env[name]

    return _ENV.sub(value, url)


def storable(text: str) -> str:
    """What may be written to a settings file: a ``${NAME}`` password stays, a literal one becomes ***."""
    if "://" not in text:
        return text
    try:
        password = urlsplit(text).password
    except ValueError:
        return redact(text)
    if password is not None and _ENV.fullmatch(password):
        return text
    return redact(text)
