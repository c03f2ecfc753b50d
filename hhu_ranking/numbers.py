"""Whole numbers from untrusted text: ASCII digits only, bounded before ``int()``."""

from __future__ import annotations

#: the largest number an ``Integer`` column holds on both databases: PostgreSQL's
#: ``integer`` is 32 bits (SQLite's 64), and every id is such a column; a larger id in a
#: URL or a form would otherwise be a 500 ("integer out of range") on PostgreSQL
MAX_DATABASE_ID = 2**31 - 1
#: the most digits a place on a ballot may have (a round has at most 60 items)
MAX_PLACE_DIGITS = 3


def ascii_int(value: object, *, max_digits: int = 19, maximum: int = MAX_DATABASE_ID) -> int:
    """A whole number written in ASCII digits only, at most ``max_digits`` long and ``maximum``.

    ``int()`` also reads ``"٣"`` and ``" 3 "``, and refuses 4,301 digits with an error
    no form catches (``str.isdigit`` even accepts ``"²"``); raises ValueError instead.
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > max_digits:
        raise ValueError(f"not a whole number: {text[:20]!r}")
    number = int(text)
    if number > maximum:
        raise ValueError(f"out of range: {text[:20]!r}")
    return number


def ascii_int_or_none(value: object, **bounds: int) -> int | None:
    """:func:`ascii_int`, or None when ``value`` is not such a number."""
    try:
        return ascii_int(value, **bounds)
    except ValueError:
        return None
