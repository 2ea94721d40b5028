"""The room page: one template for every game; the game's own script draws the board."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.accounts.services import request_user

from . import registry
from .models import Room


def _render(request: HttpRequest, room: Room, join_key: str | None) -> HttpResponse:
    game = registry.get(room.game)
    if game is None:
        raise Http404("This game is not installed.")
    request_user(request)
    context = {"room": room, "game": game, "join_key": join_key, "script": f"{game.slug}/view.js"}
    return render(request, "rooms/room.html", context)


def room(request: HttpRequest, room_id: str) -> HttpResponse:
    """The watch link: anyone may watch; players with a seat play from here."""
    return _render(request, get_object_or_404(Room, pk=room_id), None)


def join(request: HttpRequest, room_id: str, key: str) -> HttpResponse:
    """The join link: the room page, which takes a free seat once its socket opens."""
    return _render(request, get_object_or_404(Room, pk=room_id, join_key=key), key)
