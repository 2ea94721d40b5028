"""``/healthz`` and ``/readyz``: what they check, and how they answer when a dependency is gone."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from django.conf import settings
from django.test import AsyncClient, override_settings

from core.ops import health
from tests.server import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stopping_reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Restore the signal handlers and the stopping flag a test changes."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    monkeypatch.setattr(health, "_stopping", False)
    monkeypatch.setattr(health, "_chained", set())
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


async def test_healthz_answers_without_io() -> None:
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200 and response.content == b"OK\n"


async def test_readyz_checks_the_database_and_the_channel_layer() -> None:
    """With the real database and this pass's channel layer (in-memory or Redis), every check passes."""
    response = await AsyncClient().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "channel_layer": "ok", "process": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


async def test_readyz_fails_when_redis_does_not_answer() -> None:
    """A channel layer on a Redis nobody listens on: 503, naming the check and its error; the others still pass."""
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = await AsyncClient().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failing"]) == ["channel_layer"]
    assert "onnect" in body["failing"]["channel_layer"]  # ConnectionError / "Connect call failed"
    assert body["checks"]["database"] == "ok"


async def test_readyz_fails_once_the_server_is_told_to_stop(stopping_reset: None) -> None:
    """SIGTERM marks the process as stopping, then still reaches the handler the server installed."""
    received: list[int] = []

    def server_handler(number: int, frame: FrameType | None) -> None:
        received.append(number)

    signal.signal(signal.SIGTERM, server_handler)
    health.watch_signals()
    health.watch_signals()  # idempotent: one wrapper, not two
    assert (await AsyncClient().get("/readyz")).status_code == 200
    signal.raise_signal(signal.SIGTERM)
    assert received == [signal.SIGTERM]
    response = await AsyncClient().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == {"process": "RuntimeError: shutting down"}


async def test_probe_middleware_answers_before_host_and_https_checks() -> None:
    """As in production: a container probe on 127.0.0.1 over plain HTTP gets answers; other paths do not."""
    production_like = {
        "MIDDLEWARE": ["core.ops.health.ProbeMiddleware", *settings.MIDDLEWARE],
        "ALLOWED_HOSTS": ["play.example.com"],
        "SECURE_SSL_REDIRECT": True,
    }
    with override_settings(**production_like):
        client = AsyncClient(headers={"host": "127.0.0.1:8000"})
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/")).status_code == 400
