"""The lobby page; everything on it arrives over its socket."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.accounts.services import request_user


def index(request: HttpRequest) -> HttpResponse:
    """The lobby: a first-time visitor becomes a guest and can play at once."""
    request_user(request)
    return render(request, "lobby/lobby.html")
