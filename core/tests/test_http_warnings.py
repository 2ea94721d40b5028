"""The suite turns warnings into errors, so the HTTP stack itself must not warn."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_http_stack_raises_no_warning(client: Client) -> None:
    """A plain request warns nothing (WhiteNoise warns when STATIC_ROOT is missing, as it is before collectstatic)."""
    assert client.get("/healthz").status_code == 200
