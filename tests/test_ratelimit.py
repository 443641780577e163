"""The failure limiter's rules, with small limits so the tests stay quick."""

from __future__ import annotations

from limits import parse

from portal.ratelimit import FailureLimiter, Limit


def _limiter() -> FailureLimiter:
    return FailureLimiter(
        "memory://",
        (Limit("device", parse("2 per minute")), Limit("overall", parse("5 per minute"))),
    )


def test_a_device_is_stopped_after_its_failures_and_told_when_to_retry() -> None:
    limiter = _limiter()
    keys = {"device": "a"}
    assert limiter.blocked_for(keys) == 0
    limiter.record_failure(keys)
    limiter.record_failure(keys)
    assert 0 < limiter.blocked_for(keys) <= 60
    assert limiter.blocked_for({"device": "b"}) == 0


def test_the_overall_limit_stops_everyone_only_after_many_devices_fail() -> None:
    limiter = _limiter()
    for device in "abcde":
        limiter.record_failure({"device": device})
    assert limiter.blocked_for({"device": "z"}) > 0
