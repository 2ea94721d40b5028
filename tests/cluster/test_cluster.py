"""Two processes behind nginx: the lobby, presence, invitations and notifications cross processes (Redis layer).

Each player's lobby socket is pinned to a different process by connecting to that process's own port.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from tests.clients import expect, open_socket, send
from tests.cluster.harness import Cluster, Player, Proxy

pytestmark = pytest.mark.server


async def lobby(ws_url: str, player: Player) -> tuple[ClientConnection, dict[str, Any]]:
    """A lobby socket of ``player`` and its ``lobby.state``."""
    ws = await open_socket(ws_url, "/ws/lobby/", player.cookie)
    return ws, await expect(ws, "lobby.state")


async def notice(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next ``notify`` of this kind (``expect`` takes ``kind`` as the message type)."""

    async def wait() -> dict[str, Any]:
        while (message := await expect(ws, "notify"))["kind"] != kind:
            pass
        return message

    return await asyncio.wait_for(wait(), 5)


def upstreams_of(proxy: Proxy, path: str, count: int) -> list[str]:
    """The processes nginx sent ``path`` to, once ``count`` of them are logged (sockets are logged when closed)."""
    deadline = time.monotonic() + 5
    while len(found := proxy.upstreams(path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(found) == count, found
    return found


async def test_presence_crosses_processes(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """Bob comes online on p2: Alice's lobby on p1 sees him come and go, and he sees her online."""
    alice, bob = players
    a, state_a = await lobby(cluster.process(1).ws_url, alice)
    async with a:
        b, state_b = await lobby(cluster.process(2).ws_url, bob)
        async with b:
            assert state_a["me"]["id"] in [user["id"] for user in state_b["online"]]
            await presence(a, state_b["me"]["id"], online=True)
        await presence(a, state_b["me"]["id"], online=False)


async def presence(ws: ClientConnection, user_id: int, online: bool) -> None:
    """Wait for a ``lobby.presence`` frame listing ``user_id`` as ``online`` (frames batch every process's changes)."""

    async def wait() -> None:
        while True:
            frame = await expect(ws, "lobby.presence")
            if any(c["user"]["id"] == user_id and c["online"] is online for c in frame.get("changes", [])):
                return

    await asyncio.wait_for(wait(), 10)


async def test_an_invitation_and_its_answer_cross_processes(cluster: Cluster, players: tuple[Player, Player]) -> None:
    """Alice (p1) invites Bob (p2): he gets it live, accepts, and she is told on her process."""
    alice, bob = players
    a, _ = await lobby(cluster.process(1).ws_url, alice)
    b, state_b = await lobby(cluster.process(2).ws_url, bob)
    async with a, b:
        await send(a, type="lobby.invite", user=state_b["me"]["id"], game="connect4")
        invitation = (await expect(a, "invitation.sent"))["invitation"]
        received = await notice(b, "invitation")
        assert received["data"]["invitation"]["id"] == invitation["id"]
        await send(b, type="invitation.accept", id=invitation["id"])
        await expect(b, "invitation.accepted")
        accepted = await notice(a, "invitation.accepted")
        assert accepted["data"]["invitation"]["id"] == invitation["id"] and accepted["data"]["url"]


async def test_notifications_in_every_scope_reach_both_processes(
    cluster: Cluster, players: tuple[Player, Player]
) -> None:
    """``manage.py notify`` (stored, then sent by whichever process's poller claims it) in the four scopes."""
    alice, bob = players
    group = f"testers_{uuid.uuid4().hex[:8]}"
    script = (
        "from django.contrib.auth.models import Group; from core.accounts.models import User; "
        f"group = Group.objects.create(name={group!r}); "
        f"[user.groups.add(group) for user in User.objects.filter(username__in=[{alice.name!r}, {bob.name!r}])]"
    )
    await asyncio.to_thread(cluster.manage, "shell", "-c", script)
    a, _ = await lobby(cluster.process(1).ws_url, alice)
    b, _ = await lobby(cluster.process(2).ws_url, bob)

    async def notify(*args: str) -> None:
        await asyncio.to_thread(cluster.manage, "notify", *args)

    async with a, b:
        await notify(f"to everyone {group}")
        for ws in (a, b):
            assert (await expect(ws, "notify", scope="broadcast"))["text"] == f"to everyone {group}"
        await notify("to alice", "--user", alice.name)
        assert (await expect(a, "notify", scope="user"))["text"] == "to alice"
        await notify("to bob's browser", "--session", bob.session)
        assert (await expect(b, "notify"))["text"] == "to bob's browser"
        await notify("to the testers", "--group", group)
        assert (await expect(a, "notify"))["text"] == "to the testers"
        assert (await expect(b, "notify"))["text"] == "to the testers"


async def knock(cluster: Cluster, path: str, cookie: str | None = None) -> None:
    """Open a socket to ``path`` through nginx and close it; whatever the process answers, nginx logs where it went."""
    try:
        async with await open_socket(cluster.ws_url, path, cookie) as ws:
            await asyncio.wait_for(ws.recv(), 2)
    except (InvalidStatus, WebSocketException, TimeoutError):
        pass


async def test_nginx_sends_every_socket_of_a_room_to_one_process(
    cluster: Cluster, players: tuple[Player, Player]
) -> None:
    """Four sockets of one room land on one process; rooms spread over both processes, each room consistently."""
    alice, bob = players
    a, _ = await lobby(cluster.ws_url, alice)
    async with a:
        await send(a, type="lobby.create", game="connect4", options={}, public=False)
        room = (await expect(a, "lobby.created"))["room"]["id"]
    path = f"/ws/room/{room}/"
    for player in (alice, bob, alice, bob):
        await knock(cluster, path, player.cookie)
    assert len(set(upstreams_of(cluster.proxy, path, 4))) == 1
    assert len(cluster.serving(path)) == 4 and len(set(cluster.serving(path))) == 1

    homes = set()
    for _ in range(16):
        other = f"/ws/room/{uuid.uuid4().hex[:12]}/"
        for _ in range(2):
            await knock(cluster, other)
        served = upstreams_of(cluster.proxy, other, 2)
        assert len(set(served)) == 1, served
        homes.add(cluster.number(served[0]))
    assert homes == {1, 2}


async def test_tls_serves_through_nginx_and_plain_http_redirects(
    cluster: Cluster, players: tuple[Player, Player]
) -> None:
    """HTTPS (self-signed) answers /healthz with HSTS, serves /static/ and wss://; plain HTTP redirects to it."""
    proxy = cluster.tls_proxy()
    assert proxy.https_url is not None
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with urllib.request.urlopen(proxy.https_url + "/healthz", context=context, timeout=5) as response:
        assert response.status == 200 and response.read() == b"OK\n"
        assert response.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    (proxy.static / "probe.css").write_text("body {}\n")
    with urllib.request.urlopen(proxy.https_url + "/static/probe.css", context=context, timeout=5) as response:
        assert response.read() == b"body {}\n" and response.headers["Cache-Control"] == "max-age=604800"

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(Stay).open(proxy.url + "/healthz?x=1", timeout=5)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"] == proxy.https_url + "/healthz?x=1"

    wss = proxy.https_url.replace("https", "wss")
    async with connect(wss + "/ws/lobby/", ssl=context, additional_headers={"Cookie": players[0].cookie}) as ws:
        assert (await expect(ws, "lobby.state"))["me"]["name"] == players[0].name


def staff_session(url: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    """Log in to the admin at ``url`` as a browser would: an opener keeping the cookies, and the CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/admin/login/", timeout=5) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    assert token is not None
    form = {"csrfmiddlewaretoken": token[1], "username": username, "password": password, "next": "/admin/"}
    with opener.open(url + "/admin/login/", data=urllib.parse.urlencode(form).encode(), timeout=5) as done:
        assert urllib.parse.urlsplit(done.url).path == "/admin/", "the staff login failed"
    return opener, next(cookie.value for cookie in jar if cookie.name == "csrftoken")


async def test_the_monitor_on_one_process_shows_and_closes_a_room_of_the_other(
    cluster: Cluster, players: tuple[Player, Player]
) -> None:
    """A room p1 owns is listed by p2's monitor, and closing it from p2 closes its socket on p1 (4410)."""
    username, password = f"staff_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    create = f"from core.accounts.models import User; User.objects.create_superuser({username!r}, '', {password!r})"
    await asyncio.to_thread(cluster.manage, "shell", "-c", create)
    p1, p2 = cluster.process(1), cluster.process(2)
    opener, csrf = await asyncio.to_thread(staff_session, p2.url, username, password)

    def listed() -> dict[str, Any]:
        with opener.open(p2.url + "/admin/monitor/rooms.json", timeout=5) as response:
            return {room["id"]: room for room in json.loads(response.read())["rooms"]}

    a, _ = await lobby(p1.ws_url, players[0])
    async with a:
        await send(a, type="lobby.create", game="connect4", options={}, public=False)
        room = (await expect(a, "lobby.created"))["room"]["id"]
    async with await open_socket(p1.ws_url, f"/ws/room/{room}/", players[0].cookie) as ws:
        await expect(ws, "room.state")
        assert cluster.owner(room) == 1
        deadline = time.monotonic() + 6
        while room not in (rooms := await asyncio.to_thread(listed)) and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
        assert rooms[room]["process"] == "p1" and rooms[room]["players"][0]["connected"] is True
        request = urllib.request.Request(
            p2.url + "/admin/monitor/close/", data=urllib.parse.urlencode({"room": room}).encode(),
            headers={"X-CSRFToken": csrf},
        )  # fmt: skip
        with await asyncio.to_thread(opener.open, request, timeout=10) as response:
            assert json.loads(response.read())["message"].startswith(f"Closed room {room}: 1 socket(s)")
        assert (await expect(ws, "error"))["message"] == "A moderator closed this room."
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4410
    assert room not in await asyncio.to_thread(listed), "p1 publishes its rooms again after the close"
