"""Keeping passwords out of sight: the one place that decides how a login in a URL is hidden.

A source URL may carry a password (``rtsp://user:secret@host/…``). It is needed to connect and nowhere else, so
every name shown, logged, stored, published or exported passes through one of these:

    redact(url)          one URL, its password replaced by ***          rtsp://user:***@host/path?query
    redact_text(text)    every URL inside a sentence, the same way      "refused (rtsp://user:***@host/…)"
    public_camera(name)  a camera's name for the network (MQTT): only scheme, host and path
                         (``address_only=False``: the name as ``redact`` writes it, for exports)

Stdlib only, and imported by every layer that names a camera: capture, sightings, exports and the web page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "***"

# The userinfo of any URL inside a text, up to the last "@" before the host (a password may hold an unencoded "@").
URL_LOGIN = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/]*)@")
# A URL's scheme, login (dropped), host and path; its query and fragment are left off.
_ADDRESS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(?:[^/@]*@)?([^/?#]*)([^?#]*)")


def _masked(user: str, has_password: bool) -> str:
    """What stands in a URL's login: the user stays (it says which account), the password never does."""
    return f"{user}:{REDACTED}" if has_password else REDACTED


def redact(text: str) -> str:
    """Replace any password in a URL with ***; leave everything else as typed."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return re.sub(r"//[^@/]*@", f"//{REDACTED}@", text)
    if parts.password is None and "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[-1]
    credentials = _masked(parts.username or "", parts.password is not None)
    return urlunsplit((parts.scheme, f"{credentials}@{host}", parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL password in a text replaced by ***, wherever the URL sits ("refused: … (rtsp://u:pw@host/…)"):
    ``redact`` takes one URL, and a camera's state reason is a sentence around one."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _ = match.group(2).partition(":")
        return f"{match.group(1)}{_masked(user, bool(colon))}@"

    return URL_LOGIN.sub(hide, text)


def public_camera(name: str, *, address_only: bool = True) -> str:
    """A camera's name safe to publish. A camera named by its source URL loses the user, query and fragment (they can
    hold secrets, and a topic or a payload on a shared broker needs neither); any other name is kept.

    ``address_only=False`` keeps the whole name with its password as ***: the exports name cameras so, because two
    channels of one recorder often differ only by their query (``?channel=2``), and one deployment must not merge
    them. The sightings service stores names redacted already; a database written by something else must still
    never put a password into a file or a message meant to be shared."""
    if not address_only:
        return redact(name)
    match = _ADDRESS.match(name)
    return f"{match[1]}://{match[2]}{match[3]}" if match else name
