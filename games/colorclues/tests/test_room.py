"""Color Clues over real sockets: a full game where non-givers and spectators never receive the target
before its reveal; cue refusals and forged fields changing nothing; scores only from the server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from core.rooms.runtime import runtime
from core.tests.helpers import Sockets, make_user, receive_until, roundtrip, send, started_room
from games.colorclues import board
from games.colorclues.rules import giver_of, target_of

pytestmark = pytest.mark.django_db(transaction=True)

CUES = ["lavender", "seafoam", "sunset", "lagoon", "tangerine", "moss"]


async def drain(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Every message already sent to this socket."""
    seen = []
    while not await comm.receive_nothing(timeout=0.05):
        seen.append(json.loads((await comm.receive_output())["text"]))
    return seen


def secrets_in(message: Any, squares: set[int], texts: set[str]) -> list[str]:
    """Every place where ``message`` names one of ``squares`` (by index under a telling key, label or colour)."""
    found = []
    if isinstance(message, dict):
        for key, value in message.items():
            named = [value] if isinstance(value, int) else value if isinstance(value, list) else []
            if key in ("square", "target", "card", "chosen") and squares & {v for v in named if isinstance(v, int)}:
                found.append(f"{key}={value}")
            found += secrets_in(value, squares, texts)
    elif isinstance(message, list):
        for value in message:
            found += secrets_in(value, squares, texts)
    elif isinstance(message, str) and message.lower() in texts:
        found.append(message)
    return found


async def test_a_full_game_never_leaks_the_target_before_its_reveal(ws: Sockets) -> None:
    """Three players and a spectator; every frame any non-giver receives before a reveal is searched for the card."""
    players = [await make_user(name) for name in ("Ann", "Ben", "Cat")]
    room_id, sockets = await started_room(ws, "colorclues", players, rounds_each=1)
    spectator = await ws.connect(f"/ws/room/{room_id}/", await make_user("Dan"))
    live = runtime.rooms[room_id]
    state = live.state
    frames: dict[int, list[dict[str, Any]]] = {seat: [] for seat in range(4)}  # seat 3: the spectator
    comms = [*sockets, spectator]

    async def act(seat: int, message: dict[str, Any]) -> None:
        await send(sockets[seat], message)
        frames[seat] += await roundtrip(sockets[seat])

    checked = 0
    dealt = {square for card in state.cards for square in card}
    for number in range(3):
        giver = giver_of(state)
        card = set(state.cards[state.round])
        texts = {board.label(sq).lower() for sq in card} | {board.BOARD[sq].lower() for sq in card}
        await act(giver, {"type": "clue", "card": 2, "cue": CUES[number]})
        # Far from every card of the game: a piece left from an earlier round is never mistaken for a leak.
        free = (sq for sq in range(board.SQUARES) if all(board.distance(sq, c) > 2 for c in dealt))
        while state.phase in ("guess1", "cue2", "guess2"):
            if state.phase == "cue2":
                await act(giver, {"type": "clue", "cue": f"deep {CUES[number + 3]}"} if number else {"type": "pass"})
            else:
                await act(state.order[state.turn], {"type": "place", "square": next(free)})
        assert state.phase == "reveal" and target_of(state) == state.cards[state.round][2]
        for seat, comm in enumerate(comms):
            frames[seat] += await drain(comm)
            if seat == giver:
                continue
            revealed = [
                i for i, m in enumerate(frames[seat]) if any(e["type"] == "revealed" for e in m.get("events", []))
            ]
            before = frames[seat][: revealed[-1]]
            checked += len(before)
            leaks = [leak for message in before for leak in secrets_in(message, card, texts)]
            assert leaks == [], f"round {number + 1}: seat {seat} saw {leaks}"
            frames[seat] = []  # what came after the reveal shows this round's target, rightly; the next card is new
        assert any(e["type"] == "target" for m in frames[giver] for e in m.get("events", [])), "the giver sees it"
        frames[giver] = []
        await live.expire(live.phase_clock.key)
    assert live.status == "finished" and checked > 30
    result = live.match.result  # type: ignore[union-attr]
    assert result["scores"] == {str(seat): score for seat, score in enumerate(state.scores)}
    assert sum(state.scores) == 0, "every piece was placed far from the target: no points for anyone"


async def test_bad_cues_and_forged_fields_change_nothing(ws: Sockets) -> None:
    """A basic colour name, a coordinate, a guesser's cue, a forged score: each refused with its reason."""
    players = [await make_user(name) for name in ("Ann", "Ben", "Cat")]
    room_id, sockets = await started_room(ws, "colorclues", players)
    live = runtime.rooms[room_id]
    refusals = [
        (sockets[0], {"type": "clue", "card": 0, "cue": "reddish"}, "red"),
        (sockets[0], {"type": "clue", "card": 0, "cue": "C12"}, "coordinate"),
        (sockets[0], {"type": "clue", "card": 0, "cue": "two words"}, "single word"),
        (sockets[1], {"type": "clue", "card": 0, "cue": "lavender"}, "cue giver"),
        (sockets[1], {"type": "place", "square": 3}, "not time"),
        (sockets[0], {"type": "place", "square": 3, "points": 3}, "points"),
    ]
    for comm, message, reason in refusals:
        await send(comm, message)
        error = await receive_until(comm, "error")
        assert reason in error["message"].lower(), error
    assert live.seq == 0 and live.state.phase == "cue1" and live.state.scores == [0, 0, 0]
    await send(sockets[0], {"type": "clue", "card": 1, "cue": "Lavender"})
    await roundtrip(sockets[0])
    await send(sockets[1], {"type": "place", "square": 5})
    await roundtrip(sockets[1])
    await send(sockets[2], {"type": "place", "square": 5})
    assert "taken" in (await receive_until(sockets[2], "error"))["message"]
