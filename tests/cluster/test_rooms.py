"""Rooms across processes: a game whose players sit on different processes.

These need room placement (one owner per room, sockets elsewhere forwarded to it; core/rooms/placement.py).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from core.rooms.remote import ANSWER_SECONDS
from tests.clients import expect, open_socket
from tests.cluster.connect4 import join, new_room, play, sockets
from tests.cluster.harness import Cluster, Player

pytestmark = pytest.mark.server


async def test_players_on_two_processes_play_one_game(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """Red's socket on p1 and yellow's on p2 (bypassing nginx): each sees the other sit and every move.

    The forwarded socket outlives the owner's attach deadline: the owner confirmed its attach."""
    room = await new_room(cluster.process(1).ws_url, players[0])
    urls = (cluster.process(1).ws_url, cluster.process(2).ws_url)
    async with sockets(urls, room, players) as (a, b):
        await join(a, b)
        await play((a, b), [3, 3])
        await asyncio.sleep(ANSWER_SECONDS + 0.5)
        final = await play((a, b), [4, 4, 2], before=2)
    assert final["view"]["moves"] == [[0, 3, 0], [1, 3, 1], [0, 4, 0], [1, 4, 1], [0, 2, 0]]


async def test_a_new_room_lives_where_its_sockets_go(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """Rooms created through p1's lobby: each loads on the process nginx hashes its sockets to, so none is forwarded."""
    for _ in range(4):
        room = await new_room(cluster.process(1).ws_url, players[0])
        async with await open_socket(cluster.ws_url, f"/ws/room/{room}/", players[0].cookie) as ws:
            await expect(ws, "room.state")
            assert cluster.serving(f"/ws/room/{room}/") == [cluster.owner(room)]


async def test_the_tutorial_client_plays_across_processes(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """The python-websockets tutorial's protocol (/ws/connect4/): red starts on p1, yellow joins on p2 (forwarded,
    in the tutorial's shapes), and each sees both moves."""
    red_player, yellow_player = players
    async with await open_socket(cluster.process(1).ws_url, "/ws/connect4/", red_player.cookie) as red:
        await red.send(json.dumps({"type": "init"}))
        join = (await expect(red, "init"))["join"]
        async with await open_socket(cluster.process(2).ws_url, "/ws/connect4/", yellow_player.cookie) as yellow:
            await yellow.send(json.dumps({"type": "init", "join": join}))
            for _ in range(25):  # the join reaches p1 in its own time; until then red hears the game has not begun
                await red.send(json.dumps({"type": "play", "column": 3}))
                answer = json.loads(await asyncio.wait_for(red.recv(), 5))
                if answer["type"] == "play":
                    break
                assert answer == {"type": "error", "message": "The game hasn't started yet."}
                await asyncio.sleep(0.2)
            assert answer == {"type": "play", "player": "red", "column": 3, "row": 0}
            assert await expect(yellow, "play") == answer
            await yellow.send(json.dumps({"type": "play", "column": 3}))
            moved = {"type": "play", "player": "yellow", "column": 3, "row": 1}
            assert await expect(yellow, "play") == moved and await expect(red, "play") == moved
