"""The one slug: for coalition keys in URLs and for export file names."""

from __future__ import annotations

import re
import unicodedata

#: the longest slug (a coalition key column holds 60; file names stay readable)
MAX_SLUG = 50


def slug(text: str, fallback: str = "") -> str:
    """``"Gezond & Wel!"`` → ``"gezond-wel"``: lower-case ASCII words joined by hyphens.

    Accents are dropped, not the letters (``é`` → ``e``); ``fallback`` when
    nothing is left.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG] or fallback
