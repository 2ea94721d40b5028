"""A process dies, Redis restarts, a process is stopped: the game goes on from its stored state (issue 7, point 2).

Each test starts a Connect Four game through nginx, breaks the cluster, and checks that both players reconnect
as the page does and see the same position, then play on. ``cluster.heal()`` restarts what a test broke.
"""

from __future__ import annotations

import asyncio

import pytest

from core.transport.memberships import MARK_SECONDS
from tests.clients import expect, open_socket
from tests.cluster.connect4 import resumes, started
from tests.cluster.harness import Cluster, Player

pytestmark = pytest.mark.server
RECONNECT = {1001, 1012, 4503}  # going away, service restart, room moving: what a stop or a move says


async def test_a_killed_process_loses_no_move(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """kill -9 of the room's process mid-game: through nginx both players reach another process and play on."""
    async with started(cluster, players) as (room, number, _):
        cluster.kill(number)
    await resumes(cluster, room, players, before=2)


async def test_sigterm_closes_sockets_for_reconnection_within_the_bound(
    cluster: Cluster, players: tuple[Player, Player]
) -> None:
    """SIGTERM ends the room's process within 10 s (graceful timeout 2 s); its sockets are told to reconnect."""
    async with started(cluster, players) as (room, number, sockets):
        assert await asyncio.to_thread(cluster.stop, number) < 10
        for ws in sockets:
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert ws.close_code in RECONNECT, (ws.close_code, ws.close_reason)
    await resumes(cluster, room, players, before=2)


# Last in this file: it leaves the cluster without live upstreams for a while.
async def test_a_redis_restart_mid_game(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """Redis is killed and comes back empty (leases, groups gone): the players reconnect and play on, and a
    lobby socket that stayed open through it still gets its notifications (its process joined again)."""
    async with await open_socket(cluster.process(1).ws_url, "/ws/lobby/", players[0].cookie) as lobby:
        await expect(lobby, "lobby.state")
        async with started(cluster, players) as (room, _, _):
            await asyncio.to_thread(cluster.restart_redis)
        await resumes(cluster, room, players, before=2)
        await asyncio.sleep(MARK_SECONDS)  # the processes have seen that Redis forgot them
        await asyncio.to_thread(cluster.manage, "notify", "after the restart", "--user", players[0].name)
        await expect(lobby, "notify", timeout=10, text="after the restart")
