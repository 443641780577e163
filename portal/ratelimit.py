"""Failure counters for sign-in: per device, per code, per address and overall.

Counters live in the storage named by PORTAL_REDIS_URL (shared by every instance), or in
memory for a single process (`make run`). Only failures count, and a failure refused by a
narrow limit (this device, this code) is not counted in the wider ones: one device's burst
never uses up everyone else's allowance.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Response
from flask_babel import ngettext
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Limit:
    scope: str
    item: RateLimitItem


# Staff: a device that keeps failing on one account is stopped; nothing counts per account
# alone, so an attacker cannot lock a staff member out by failing on purpose.
STAFF_SIGN_IN_LIMITS = (
    Limit("account_device", parse("5 per 15 minutes")),
    Limit("address", parse("50 per 15 minutes")),
)

# Complaints sent without signing in: open to everyone, so a flood from one place is slowed.
COMPLAINT_LIMITS = (
    Limit("device", parse("5 per hour")),
    Limit("address", parse("30 per hour")),
)

# Staff two-step codes: a pending sign-in (one right password) allows 5 wrong codes, then the
# password is asked again; 20 wrong codes on one account within an hour, across sign-ins, lock
# the account until an administrator lifts the lock.
TWO_STEP_LIMITS = (
    Limit("pending", parse("5 per 10 minutes")),
    Limit("account", parse("20 per hour")),
)

# Clients: nothing counts for everybody at once, so no one actor can use up the allowance of
# every client. A known code is held for 15 minutes after 5 wrong dates of birth (staff can lift
# the hold); a device (a key the server issues and signs) and an address are slowed on their own.
SIGN_IN_LIMITS = (
    Limit("device", parse("10 per 15 minutes")),
    Limit("code", parse("5 per 15 minutes")),
    Limit("address", parse("50 per 15 minutes")),
)


class FailureLimiter:
    def __init__(self, storage_uri: str, limits: tuple[Limit, ...] = SIGN_IN_LIMITS) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._limits = limits

    def blocked_for(self, keys: dict[str, str]) -> int:
        """Seconds until every limit that applies allows another try (0: try now)."""
        waits = [0]
        for limit in self._limits:
            key = keys.get(limit.scope, "all")
            if not self._limiter.test(limit.item, limit.scope, key):
                reset_at, _remaining = self._limiter.get_window_stats(limit.item, limit.scope, key)
                waits.append(max(1, math.ceil(reset_at - time.time())))
        return max(waits)

    def exhausted(self, keys: dict[str, str]) -> set[str]:
        """The scopes of these keys that allow no more failures now."""
        return {
            limit.scope
            for limit in self._limits
            if limit.scope in keys
            and not self._limiter.test(limit.item, limit.scope, keys[limit.scope])
        }

    def clear(self, scope: str, key: str) -> None:
        """Forget the failures counted for one key (a hold or lock lifted by staff)."""
        for limit in self._limits:
            if limit.scope == scope:
                self._limiter.clear(limit.item, limit.scope, key)

    def record_failure(self, keys: dict[str, str]) -> None:
        for limit in self._limits:
            self._limiter.hit(limit.item, limit.scope, keys.get(limit.scope, "all"))

    def reset(self) -> None:
        self._limiter.storage.reset()


def retry_after(response: Response, seconds: int) -> Response:
    """A 429 answer: the status and when to try again, for browsers and scripts alike."""
    response.status_code = 429
    response.headers["Retry-After"] = str(max(1, seconds))
    return response


def try_again_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many tries. Please wait %(num)d minute and try again.",
        "Too many tries. Please wait %(num)d minutes and try again.",
        minutes,
    )
