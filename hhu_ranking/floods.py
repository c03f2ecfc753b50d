"""Class 9: rate limits on join codes, joining and the big screen, per address and overall.

Designed for a festival hall whose 2,000 phones reach us from ONE NAT address:

- **Failed code lookups** (a code we do not know, on any page that takes one) are limited
  strictly: they are what guessing looks like. Once an address (or everyone together) has
  used them up, every lookup *without a participant token for that session* is a 429,
  known code or not, so a 404 against a 200 tells a guesser nothing more. A phone that
  has joined never pays: its polls and ballots skip the check (no storage read), and its
  status polls are mostly answered before Flask anyway (``polling.py``).
- **Joins** (the join form's POST) are limited generously per address (a hall behind one
  address joins a few hundred a minute) and overall.
- **The big screen** is limited per address and overall on what reaches Flask (its 304s
  are answered by the poll middleware and cost nothing).

The limits are ``limits`` strings in the config (``LIMIT_*``, documented in ``config.py``;
empty switches one off) and live in ``RATELIMIT_STORAGE_URI``: by default a SQLite file in
the instance folder that every worker of the machine shares (``ratelimit_storage.py``),
``redis://…`` for several hosts. ``RATELIMIT_ENABLED=False`` switches them all off.
A refusal is a 429 with a Dutch page and ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from . import ratelimit_storage  # noqa: F401  (registers the sqlite:// scheme)

log = logging.getLogger(__name__)

EXTENSION = "hhu_floods"
#: the identifier of "everyone together"
EVERYONE = "*"


@dataclass(frozen=True)
class Rule:
    """One kind of request, with its limits for one address and for everyone."""

    name: str
    per_address: tuple[RateLimitItem, ...]
    overall: tuple[RateLimitItem, ...]

    def keyed(self, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(item, self.name, address) for item in self.per_address] + [
            (item, self.name, EVERYONE) for item in self.overall
        ]


class Flooded(TooManyRequests):
    """A 429 with a sentence for people and ``Retry-After`` for programs."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)


class Floods:
    """The rules of one app and the shared storage they count in."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config.get("RATELIMIT_ENABLED", True))
        self.rules = {
            name: Rule(
                name,
                _parse(config.get(f"LIMIT_{name.upper()}_PER_ADDRESS", "")),
                _parse(config.get(f"LIMIT_{name.upper()}_OVERALL", "")),
            )
            for name in ("code_failures", "joins", "screen")
        }
        self._uri = str(config["RATELIMIT_STORAGE_URI"])
        self._strategy: FixedWindowRateLimiter | None = None

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        """Made at the first request that counts: an app with the limits off opens nothing."""
        if self._strategy is None:
            storage = storage_from_string(self._uri)
            if not isinstance(storage, Storage):
                raise TypeError(f"RATELIMIT_STORAGE_URI {self._uri!r} is not a synchronous storage")
            self._strategy = FixedWindowRateLimiter(storage)
        return self._strategy

    def exhausted(self, rule_name: str, address: str) -> int | None:
        """Seconds until the rule allows this address again, or None when it does now."""
        rule = self.rules[rule_name]
        if not self.enabled or not (rule.per_address or rule.overall):
            return None
        strategy = self.strategy
        try:
            for item, *ids in rule.keyed(address):
                if not strategy.test(item, *ids):
                    return _retry_after(strategy, item, ids)
        except strategy.storage.base_exceptions:
            _unavailable(rule_name)
        return None

    def hit(self, rule_name: str, address: str) -> int | None:
        """Count one request; seconds to wait when that went over a limit, else None."""
        rule = self.rules[rule_name]
        if not self.enabled:
            return None
        strategy = self.strategy
        try:
            return self._hit(strategy, rule, address)
        except strategy.storage.base_exceptions:
            _unavailable(rule_name)
            return None

    @staticmethod
    def _hit(strategy: FixedWindowRateLimiter, rule: Rule, address: str) -> int | None:
        # the address first: one that is over its own limit does not use up everyone's
        for scope, items in ((address, rule.per_address), (EVERYONE, rule.overall)):
            over: int | None = None
            for item in items:
                if not strategy.hit(item, rule.name, scope):
                    over = max(over or 0, _retry_after(strategy, item, [rule.name, scope]))
            if over is not None:
                return over
        return None


def _unavailable(rule_name: str) -> None:
    """The storage failed (locked, Redis gone): the request goes on, unlimited, and the log
    says so. A limit that cannot be counted must not turn every join into an error."""
    log.warning("rate limit storage unavailable for %s", rule_name, exc_info=True)


def _parse(value: object) -> tuple[RateLimitItem, ...]:
    text = str(value or "").strip()
    return tuple(parse_many(text)) if text else ()


def _retry_after(strategy: FixedWindowRateLimiter, item: RateLimitItem, ids: list[str]) -> int:
    reset = strategy.get_window_stats(item, *ids).reset_time
    return max(1, math.ceil(reset - time.time()))


def _floods() -> Floods:
    floods: Floods = current_app.extensions[EXTENSION]
    return floods


def _address() -> str:
    # the client's own address: behind a proxy ProxyFix (PROXY_FIX_HOPS) has put it here
    return request.remote_addr or "unknown"


def _guessing(retry_after: int) -> Flooded:
    return Flooded(
        _(
            "Er zijn vanaf dit netwerk te veel verkeerde codes geprobeerd. Wacht %(n)s "
            "seconden, kijk goed naar de code op het grote scherm en probeer het opnieuw.",
            n=retry_after,
        ),
        retry_after,
    )


def check_lookup() -> None:
    """Before a code lookup without a participant token: 429 while guessing is limited."""
    if (wait := _floods().exhausted("code_failures", _address())) is not None:
        raise _guessing(wait)


def failed_lookup() -> None:
    """A code we do not know: counted; the 429 as soon as that used the limit up."""
    if (wait := _floods().hit("code_failures", _address())) is not None:
        raise _guessing(wait)


def count_join() -> None:
    """One join (the form's POST): 429 when this address or everyone joined too often."""
    if (wait := _floods().hit("joins", _address())) is not None:
        raise Flooded(
            _(
                "Er doen nu heel veel mensen tegelijk mee. Wacht %(n)s seconden en probeer "
                "het dan opnieuw.",
                n=wait,
            ),
            wait,
        )


def count_screen() -> None:
    """One big screen request that reached Flask: 429 when it asks far too often."""
    if (wait := _floods().hit("screen", _address())) is not None:
        raise Flooded(
            _("Het grote scherm vraagt te vaak om nieuws. Het probeert het zo vanzelf opnieuw."),
            wait,
        )


def init_floods(app: Flask) -> None:
    app.extensions[EXTENSION] = Floods(app)
