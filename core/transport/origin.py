"""Refuse cross-site websocket handshakes (CSWSH) while serving clients that send no Origin.

Browsers always send Origin, so a present one must name one of the site's own hosts
(ALLOWED_HOSTS, or an entry of CSRF_TRUSTED_ORIGINS). Scripts and bots send none and are let in.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host

Scope = dict[str, Any]


def origin_allowed(origin: bytes | None) -> bool:
    """Whether a handshake carrying this Origin header value may proceed."""
    if origin is None:
        return True
    try:
        text = origin.decode("ascii")
    except UnicodeDecodeError:
        return False
    if text in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not hostname:
        return False
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    host = f"[{hostname}]" if ":" in hostname else hostname
    return validate_host(host, allowed)


class OriginCheck:
    """ASGI middleware: deny a websocket whose Origin is foreign."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        origins = [value for name, value in scope.get("headers", []) if name == b"origin"]
        if len(origins) > 1 or not origin_allowed(origins[0] if origins else None):
            return await WebsocketDenier()(scope, receive, send)  # type: ignore[arg-type]
        return await self.app(scope, receive, send)
