"""Every route declares who may use it; an architecture test fails on any that does not.

The declaration is read by tests and (in later features) enforced by the views' own checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

PUBLIC = "public"
CLIENT = "client"
ANY_STAFF = "staff"


def audience(*who: str) -> Callable[[F], F]:
    """Mark a view with its audience: PUBLIC, CLIENT, or staff role names."""
    if not who:
        raise ValueError("a route must name at least one audience")

    def mark(view: F) -> F:
        view.audience = frozenset(who)  # type: ignore[attr-defined]  # a mark on the function object
        return view

    return mark
