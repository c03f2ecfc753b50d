"""Join codes and participant tokens."""

from __future__ import annotations

import hashlib
import secrets

#: no 0/O, 1/I/L, 5/S, 2/Z, 8/B: readable from the back of a room and typed on a phone
JOIN_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """Accept lower case, spaces and dashes, as people type them."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def new_participant_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
