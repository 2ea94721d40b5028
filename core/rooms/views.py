"""The room page: one template for every game; the game's own script draws the board."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.accounts.services import request_user

from . import registry
from .models import Match, Room
from .replay import match_replay


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


def replay(request: HttpRequest, room_id: str, number: int) -> HttpResponse:
    """A finished match, move by move, drawn by the game's own board script."""
    match = get_object_or_404(Match.objects.select_related("room"), room_id=room_id, number=number, status="finished")
    game = registry.get(match.room.game)
    if game is None or not game.replayable:
        raise Http404("This game has no replays.")
    others = match.room.matches.filter(status="finished").order_by("number").values_list("number", flat=True)
    context = {
        "room": match.room,
        "match": match,
        "game": game,
        "script": f"{game.slug}/view.js",
        "replay": match_replay(match, game),
        "others": list(others),
    }
    return render(request, "rooms/replay.html", context)
