"""The join link of a session, and its QR code as SVG (segno)."""

from __future__ import annotations

import segno
from flask import url_for

from ..urls import absolute_url


def join_url(join_code: str) -> str:
    """The absolute link a phone opens to join, on the public base URL (see ``urls``)."""
    return absolute_url(url_for("participate.join", code=join_code))


def qr_svg(url: str) -> str:
    """A standalone SVG document of the QR code for ``url``, scalable to any size.

    Error correction M is readable on a projector from the back of a room;
    the viewBox (no fixed size) lets CSS scale it without blurring.
    """
    code = segno.make(url, error="m", boost_error=False)
    svg: str = code.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + svg.replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" role="img" ', 1
    )
