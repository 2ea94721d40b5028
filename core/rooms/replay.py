"""Replays of finished matches, rebuilt from the stored log: a spectator's view after every move."""

from __future__ import annotations

from typing import Any

import msgspec

from .log import fresh_state, replay_entry
from .models import Match
from .protocol import Game


def match_replay(match: Match, game: Game[Any]) -> dict[str, Any]:
    """The spectator view before the first move and after each one, with one line per move."""
    options = msgspec.convert(match.room.options, game.Options)
    state = fresh_state(game, len(match.players), options, match.seed, match.content)
    views = [game.view(state, None)]
    moves = []
    for action in match.actions.order_by("seq"):
        moves.append(replay_entry(game, state, action.seat, action.payload))
        views.append(game.view(state, None))
    names = dict(match.room.seats.values_list("user_id", "user__display_name"))
    seats = [
        {
            "seat": index,
            "label": game.seat_label(index),
            "user": {"id": uid, "name": names.get(uid, "?")},
            "online": False,
        }
        for index, uid in enumerate(match.players)
    ]
    return {"views": views, "moves": moves, "seats": seats, "result": match.result}
