"""Cross-site websocket handshakes are refused; same-site and Origin-less ones pass."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from core.transport.origin import OriginCheck, origin_allowed


@pytest.mark.parametrize(
    "origin",
    [None, b"http://127.0.0.1:8000", b"http://localhost", b"https://localhost:8443", b"http://[::1]:8000"],
)
def test_own_hosts_and_no_origin_are_allowed(origin: bytes | None) -> None:
    """No Origin (scripts), and the site's own hosts on any port, pass."""
    assert origin_allowed(origin)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.com",
        b"http://127.0.0.1.evil.com",
        b"http://localhost.evil.com:8000",
        b"null",
        b"",
        b"file://localhost",
        b"ws://127.0.0.1:8000",
        "http://l\u00f6calhost".encode(),
        b"http://\xff\xfe",
    ],
)
def test_foreign_origins_are_refused(origin: bytes) -> None:
    """Foreign hosts, look-alike suffixes, opaque and non-ASCII origins are refused."""
    assert not origin_allowed(origin)


@pytest.mark.parametrize("origin", [b"http://[::1", b"http://[evil.com]", b"https://[::1:8000"])
def test_unparseable_origins_are_refused_not_crashing(origin: bytes) -> None:
    """A malformed Origin is refused (False), never an exception in the handshake."""
    assert origin_allowed(origin) is False


def test_csrf_trusted_origins_are_allowed(settings: SettingsWrapper) -> None:
    """An exact entry of CSRF_TRUSTED_ORIGINS passes even when it is not an allowed host."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://play.example.org"]
    assert origin_allowed(b"https://play.example.org")
    assert not origin_allowed(b"https://other.example.org")


def test_allowed_hosts_decide(settings: SettingsWrapper) -> None:
    """With ALLOWED_HOSTS set to a domain, only it (and its subdomains for a dot entry) pass."""
    settings.ALLOWED_HOSTS = [".example.org"]
    assert origin_allowed(b"https://example.org")
    assert origin_allowed(b"https://www.example.org")
    assert not origin_allowed(b"http://127.0.0.1:8000")


async def test_middleware_denies_foreign_and_duplicate_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """OriginCheck passes allowed handshakes to the app and hands the others to the denier."""
    passed: list[object] = []
    denied: list[object] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        passed.append(scope["headers"])

    class Denier:
        async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
            denied.append(scope["headers"])

    monkeypatch.setattr("core.transport.origin.WebsocketDenier", Denier)
    check = OriginCheck(app)
    cases = {
        "own": [(b"origin", b"http://localhost:8000"), (b"cookie", b"a=b")],
        "none": [(b"cookie", b"a=b")],
        "foreign": [(b"origin", b"http://evil.com")],
        "twice": [(b"origin", b"http://localhost"), (b"origin", b"http://localhost")],
    }
    for headers in cases.values():
        await check({"type": "websocket", "headers": headers}, None, None)
    assert passed == [cases["own"], cases["none"]]
    assert denied == [cases["foreign"], cases["twice"]]
