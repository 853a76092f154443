"""Slugs: a name made safe for a file name or an MQTT topic level.

One rule for both: accents folded to ASCII, letters lowercased, every run of anything else one separator,
no separator at either end, at most ``limit`` characters, never empty. Snapshot and folder names use ``-``
(``snapshots.slug``), MQTT topic levels ``_`` (``mqtt.topic_slug``).
"""

from __future__ import annotations

import re
import unicodedata


def slug(text: str, limit: int = 40, *, separator: str = "-", fallback: str = "animal") -> str:
    """A file-name-safe form of a label: ASCII letters, digits and ``separator`` only, never empty, never a path.
    ``separator`` is one character that is not a letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)
    return cleaned[:limit].strip(separator) or fallback
