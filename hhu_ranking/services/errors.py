"""The one exception services raise for a user's mistake: its message is shown as is."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action, with a translated message fit for the person who tried it."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
