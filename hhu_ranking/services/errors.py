"""The one exception services raise for a user's mistake: its message is shown as is."""

from __future__ import annotations

from flask_babel.speaklater import LazyString


class ServiceError(Exception):
    """A refused action, with a translated message fit for the person who tried it.

    Services pass a lazy string (``lazy_gettext``) with named placeholders, so the
    message is translated when it is read: in a request, into that request's
    language; outside one (the command line, a test calling the service), in
    Dutch, the source language. ``message`` is always a plain ``str``, safe to
    flash, store or compare.
    """

    def __init__(self, message: str | LazyString, *, status: int = 400) -> None:
        super().__init__(message)
        self._message = message
        self.status = status

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message
