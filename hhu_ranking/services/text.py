"""Text people type: one form for names, titles and notes, and one key to compare them.

Typed text is normalised to NFC (an "é" typed as e + accent equals the one-character
"é"), and invisible characters that change how text reads are removed: the bidi controls
(U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates, U+200E/U+200F marks),
which can make "exe.txt" show as "txt.exe", and the zero-width characters (U+200B-U+200D,
U+2060, U+FEFF), which make "Al\u200bpha" look like "Alpha". Joiners go too, so an emoji
sequence falls apart into its emoji; names and titles here are words.
"""

from __future__ import annotations

import unicodedata

#: characters removed from every name, title and note
INVISIBLE = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F]
    + [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
)
_REMOVE = dict.fromkeys(INVISIBLE)


def clean_text(value: str) -> str:
    """``value`` in NFC without bidi controls or zero-width characters, stripped."""
    return unicodedata.normalize("NFC", value).translate(_REMOVE).strip()


def clean_line(value: str) -> str:
    """:func:`clean_text` on one line: runs of whitespace (newlines too) become one space."""
    return " ".join(clean_text(value).split())


def text_key(value: str) -> str:
    """What two texts share when they are "the same" to a reader: for duplicate checks."""
    return unicodedata.normalize("NFKC", clean_line(value)).casefold()


def clean_optional(value: str | None) -> str | None:
    """:func:`clean_text` as a WTForms filter: None and the empty field stay as they are."""
    return clean_text(value) if value else value
