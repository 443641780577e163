"""What kind of device this is (kiosk or personal) and a stable id for counting failures."""

from __future__ import annotations

import secrets
from typing import TypeVar

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from portal.config import secret_key

KIOSK_COOKIE = "portal_kiosk"
DEVICE_COOKIE = "portal_device"
ONE_YEAR = 365 * 24 * 3600


def _kiosk_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(), salt="kiosk device")


def kiosk_name() -> str | None:
    """The registered kiosk's name when this browser carries a valid kiosk cookie."""
    raw = request.cookies.get(KIOSK_COOKIE)
    if not raw:
        return None
    try:
        return str(_kiosk_serializer().loads(raw))
    except BadSignature:
        return None


def device_kind() -> str:
    return "kiosk" if kiosk_name() else "personal"


def mark_as_kiosk(response: Response, name: str) -> None:
    response.set_cookie(
        KIOSK_COOKIE,
        _kiosk_serializer().dumps(name),
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(), salt="device key")


def _device() -> dict[str, object]:
    """This browser's device key as the server issued it: {"id": ..., "trusted": bool}."""
    if "device" not in g:
        try:
            found = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
        except BadSignature:
            found = None
        if isinstance(found, dict) and isinstance(found.get("id"), str):
            g.device = {"id": found["id"], "trusted": bool(found.get("trusted"))}
        else:
            g.device = {"id": secrets.token_urlsafe(16), "trusted": False}
            g.device_changed = True
    device: dict[str, object] = g.device
    return device


def device_id() -> str:
    """This browser's device key, issued and signed by the server; failures are counted per
    device with it. A key the browser made up (or changed) is not taken: it gets a new one, so
    nobody can pick another device's key to use up its allowance."""
    return str(_device()["id"])


def device_trusted() -> bool:
    """Whether a client signed in on this device before (or it is a registered kiosk): such a
    device is not slowed by what others at the same address do."""
    return bool(_device()["trusted"]) or kiosk_name() is not None


def trust_device() -> None:
    """A client signed in here: remember it in the device key."""
    if not _device()["trusted"]:
        g.device = {**_device(), "trusted": True}
        g.device_changed = True


def new_device() -> str:
    """Give this browser a new device key (a kiosk is a device of its own from its set-up)."""
    g.device = {"id": secrets.token_urlsafe(16), "trusted": False}
    g.device_changed = True
    return device_id()


_R = TypeVar("_R", bound=Response)


def remember_device(response: _R) -> _R:
    if g.get("device_changed"):
        response.set_cookie(
            DEVICE_COOKIE,
            _device_serializer().dumps(g.device),
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
