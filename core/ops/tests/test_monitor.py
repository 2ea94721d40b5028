"""The live room monitor: room summaries, the staff-only endpoints, close / kick / announce as players see them."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import AsyncClient
from playwright.async_api import Browser, expect

from core.accounts.models import User
from core.notifications.models import Notification
from core.ops import moderation, monitor
from core.ops.ticks import TickWindow
from core.rooms import registry, remote
from core.rooms.live import LiveRoom
from core.rooms.models import Action, Seat
from core.rooms.runtime import runtime
from core.tests.helpers import (
    Message,
    Sockets,
    collect_until,
    make_user,
    open_room,
    receive_close,
    receive_until,
    roundtrip,
    send,
)
from core.transport import closecodes
from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


async def staff_client(name: str = "Staff") -> AsyncClient:
    """A client logged in as a staff member."""
    client = AsyncClient()
    await client.aforce_login(await make_user(name, is_staff=True))
    return client


async def enter(ws: Sockets, room_id: str, user: User | None = None) -> tuple[Any, Message]:
    """A room socket and its first ``room.state``."""
    comm = await ws.connect(f"/ws/room/{room_id}/", user)
    return comm, await receive_until(comm, "room.state")


async def seat_two(ws: Sockets, slug: str, first: User, second: User) -> tuple[LiveRoom, Any, Any]:
    """A public room of ``slug`` that ``first`` created, ``second`` seated beside them: the room and both sockets."""
    game = registry.get(slug)
    assert game is not None
    room = await runtime.create(game=game, options=game.Options(), public=True, creator=first, seated=[first])
    a, _ = await enter(ws, room.id, first)
    b, _ = await enter(ws, room.id, second)
    await send(b, {"type": "room.sit"})
    await receive_until(a, "room.state", where=lambda m: len(m["room"]["seats"]) == 2)
    return room, a, b


@database_sync_to_async
def counts(room_id: str) -> tuple[int, int, int]:
    """The room's stored actions, its seats and every notification."""
    actions = Action.objects.filter(match__room_id=room_id).count()
    return actions, Seat.objects.filter(room_id=room_id).count(), Notification.objects.count()


async def test_a_live_room_with_players_is_summarised(ws: Sockets, users: tuple[User, User]) -> None:
    """Players in game-seat order with who is connected, sockets and spectators, and a state line."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    await enter(ws, room.id)
    await send(a, {"type": "mark", "cell": 4})
    await receive_until(a, "room.state", where=lambda m: m["seq"] == 1)
    report = monitor.room_report(runtime.rooms[room.id])
    assert report["players"] == [
        {"id": alice.pk, "name": "Alice", "seat": 0, "label": "X", "connected": True, "sockets": 1, "bot": False,
         "away": None},
        {"id": bob.pk, "name": "Bob", "seat": 1, "label": "O", "connected": False, "sockets": 0, "bot": False,
         "away": report["players"][1]["away"]},
    ]  # fmt: skip
    assert report["players"][1]["away"] is not None, "Bob has not come yet: he counts as away"
    assert (report["sockets"], report["spectators"], report["seated"]) == (2, 1, 2)
    assert (report["status"], report["match"], report["process"]) == ("playing", 1, monitor.process_name())
    assert report["summary"] == "match 1, 1 moves, to play: Bob (O)"
    assert report["tick"] is None, "a turn-based room has no ticks"
    assert report["game_name"] == "Tic-tac-toe" and report["watch_url"] == f"/room/{room.id}/"


async def test_a_real_time_room_reports_its_ticks(users: tuple[User, User]) -> None:
    """The arena's tick loop fills the window: ticks per second, tick time and lateness; the game's own line."""
    game = registry.get("arena")
    assert game is not None and game.tick_hz
    room = await runtime.create(game=game, options=game.Options(), public=True, creator=users[0], seated=[users[0]])
    await asyncio.sleep(0.6)
    report = monitor.room_report(room)
    tick = report["tick"]
    assert tick["hz"] == game.tick_hz and tick["rate"] > 0
    assert tick["p50_ms"] is not None and tick["p99_ms"] >= tick["p50_ms"] and tick["late_p99_ms"] is not None
    assert report["summary"].endswith("; 1 ships, 0 bullets; top: Alice 0"), report["summary"]


def test_the_tick_window_judges_recent_ticks() -> None:
    """20 Hz on time is ok; late starts are late; ticks taking most of the period are busy; none is stalled."""
    window = TickWindow()
    for n in range(100):
        window.add(n / 20, 0.002, 0.001)
    report = window.report(100 / 20, 20)
    assert report["health"] == "ok" and report["rate"] == 20.0
    assert (report["p50_ms"], report["p99_ms"], report["late_p99_ms"]) == (2.0, 2.0, 1.0)
    for spent, late, health in ((0.03, 0.0, "busy"), (0.002, 0.06, "late")):
        judged = TickWindow()
        for n in range(40):
            judged.add(n / 20, spent, late)
        assert judged.report(2.0, 20)["health"] == health
    slow = TickWindow()
    for n in range(20):
        slow.add(n / 10, 0.002, 0.0)
    assert (slow.report(2.0, 20)["rate"], slow.report(2.0, 20)["health"]) == (10.0, "late")
    stalled = window.report(60.0, 20)
    assert (stalled["health"], stalled["rate"], stalled["p50_ms"]) == ("stalled", 0.0, None)
    assert TickWindow().report(1.0, 20)["health"] == "idle"


async def test_only_staff_see_and_use_the_monitor(users: tuple[User, User]) -> None:
    """Visitors and players get 403 from the JSON endpoints and the login page for the page; staff get both."""
    alice, _ = users
    room = await open_room(alice)
    player = AsyncClient()
    await player.aforce_login(alice)
    for client in (AsyncClient(), player):
        listing = await client.get("/admin/monitor/rooms.json")
        assert listing.status_code == 403 and "staff" in listing.json()["error"]
        assert (await client.post("/admin/monitor/close/", {"room": room.id})).status_code == 403
        page = await client.get("/admin/monitor/")
        assert page.status_code == 302 and page["Location"].startswith("/admin/login/")
    assert room.id in runtime.rooms and not room.closed
    staff = await staff_client()
    listing = await staff.get("/admin/monitor/rooms.json")
    assert listing.status_code == 200
    assert room.id in [entry["id"] for entry in listing.json()["rooms"]]
    assert listing.json()["processes"][0]["name"] == monitor.process_name()
    page = await staff.get("/admin/monitor/")
    assert page.status_code == 200 and b'id="monitor"' in page.content and b"ops/monitor.js" in page.content
    assert b'href="/admin/monitor/"' in (await staff.get("/admin/")).content, "the admin index links to it"
    assert (await staff.get("/admin/monitor/close/")).status_code == 405, "actions are POSTs"


async def test_actions_need_the_csrf_token(users: tuple[User, User]) -> None:
    """A staff member's POST without the CSRF token is refused and changes nothing."""
    room = await open_room(users[0])
    client = AsyncClient(enforce_csrf_checks=True)
    await client.aforce_login(await make_user("Staff", is_staff=True))
    assert (await client.post("/admin/monitor/close/", {"room": room.id})).status_code == 403
    assert runtime.rooms.get(room.id) is room and not room.closed


async def test_closing_a_room_tells_and_closes_its_sockets(ws: Sockets, users: tuple[User, User]) -> None:
    """Players and spectators are told and closed with 4410; the room leaves memory but its moves stay stored."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    spectator, _ = await enter(ws, room.id)
    await send(a, {"type": "mark", "cell": 4})
    await receive_until(b, "room.state", where=lambda m: m["seq"] == 1)
    response = await (await staff_client()).post("/admin/monitor/close/", {"room": room.id})
    assert response.status_code == 200 and response.json()["message"].startswith(f"Closed room {room.id}: 3 socket")
    for comm in (a, b, spectator):
        code, seen = await receive_close(comm)
        assert code == closecodes.ROOM_CLOSED
        assert {"type": "error", "message": moderation.CLOSED_TEXT} in seen
    assert room.closed and room.id not in runtime.rooms
    assert (await counts(room.id))[:2] == (1, 2)
    again, state = await enter(ws, room.id, alice)
    assert state["seq"] == 1 and state["room"]["status"] == "playing", "opening it again reloads it from storage"


async def test_kicking_a_player_during_a_match_keeps_the_seat(ws: Sockets, users: tuple[User, User]) -> None:
    """Bob's sockets close with 4403 and a reason; he keeps his seat, and Alice sees him gone."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    b2, _ = await enter(ws, room.id, bob)
    response = await (await staff_client()).post("/admin/monitor/kick/", {"room": room.id, "user": bob.pk})
    assert response.status_code == 200
    assert response.json()["message"] == (
        f"Removed Bob from room {room.id}: 2 socket(s) closed; their seat stays for this match; "
        "opponents may claim the win after 1 s."
    )
    for comm in (b, b2):
        code, seen = await receive_close(comm)
        assert code == closecodes.KICKED and {"type": "error", "message": moderation.KICKED_TEXT} in seen
        await ws.disconnect(comm)  # the server's side of the close, as uvicorn reports it
    state = await receive_until(a, "room.state", where=lambda m: not m["room"]["seats"][1]["online"])
    assert state["room"]["seats"][1]["user"]["name"] == "Bob" and state["room"]["seats"][1]["away"] is not None
    assert [seat.user_id for seat in room.seats] == [alice.pk, bob.pk]
    assert await roundtrip(a) is not None


async def test_kicking_a_seated_player_before_the_start_frees_the_seat(ws: Sockets, users: tuple[User, User]) -> None:
    """Before the game starts a kick frees the seat, as leaving it would."""
    alice, bob = users
    room, a, b = await seat_two(ws, "colorclues", alice, bob)  # 3 to 10 players: two seated still wait
    assert room.status == "waiting"
    response = await (await staff_client()).post("/admin/monitor/kick/", {"room": room.id, "user": bob.pk})
    assert response.json()["message"].endswith("1 socket(s) closed; their seat is free again.")
    code, _ = await receive_close(b)
    assert code == closecodes.KICKED
    await receive_until(a, "room.state", where=lambda m: len(m["room"]["seats"]) == 1)
    assert (await counts(room.id))[1] == 1


async def test_kicking_a_player_from_a_drop_in_world_takes_their_ship_out_at_once(
    ws: Sockets, users: tuple[User, User]
) -> None:
    """In the arena a kick does what leaving does: the ship and the seat go now, with no reconnection grace."""
    alice, bob = users
    room, a, b = await seat_two(ws, "arena", alice, bob)
    response = await (await staff_client()).post("/admin/monitor/kick/", {"room": room.id, "user": bob.pk})
    assert response.json()["message"].endswith("1 socket(s) closed; their ship has left the world.")
    assert sorted(room.state.ships) == [0] and [seat.user_id for seat in room.seats] == [alice.pk]
    code, _ = await receive_close(b)
    assert code == closecodes.KICKED
    await ws.disconnect(b)
    assert not room.holds
    async with asyncio.timeout(3):  # the seat's row goes after the room's lock is released
        while (await counts(room.id))[1] != 1:
            await asyncio.sleep(0.05)


async def test_an_announcement_reaches_everyone_in_the_room_only(ws: Sockets, users: tuple[User, User]) -> None:
    """Stored as a group notification first, then shown to the room's players and spectators, nobody else."""
    alice, bob = users
    room, other = await open_room(alice), await open_room(bob)
    a, _ = await enter(ws, room.id, alice)
    spectator, _ = await enter(ws, room.id)
    elsewhere, _ = await enter(ws, other.id, bob)
    staff = await staff_client()
    text = "The server restarts in five minutes."
    response = await staff.post("/admin/monitor/announce/", {"room": room.id, "text": f"  {text} "})
    assert response.json() == {"ok": True, "message": f"Announced to room {room.id}."}
    for comm in (a, spectator):
        note = await receive_until(comm, "notify", where=lambda m: m["text"] == text)
        assert (note["kind"], note["scope"], note["data"]) == ("announcement", "group", {"room": room.id})
    stored = await database_sync_to_async(Notification.objects.get)(text=text)
    assert (stored.scope, stored.group, stored.dispatched_at is not None) == ("group", f"room.{room.id}", True)
    marker = "Only for the other room."
    await staff.post("/admin/monitor/announce/", {"room": other.id, "text": marker})
    seen = await collect_until(elsewhere, "notify", where=lambda m: m["text"] == marker)
    assert text not in [message.get("text") for message in seen]


async def test_bad_requests_are_refused_and_change_nothing(ws: Sockets, users: tuple[User, User]) -> None:
    """Unknown room, unknown player, empty text, a bad id: 400 with the reason; every socket stays open."""
    alice, bob = users
    carol = await make_user("Carol")
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    before = await counts(room.id)
    staff = await staff_client()
    refusals = [
        ("close", {"room": "no-such-room"}, "No live room 'no-such-room'"),
        ("close", {}, "its id is missing"),
        ("kick", {"room": room.id, "user": carol.pk}, f"User {carol.pk} is neither seated nor connected"),
        ("kick", {"room": room.id, "user": "bob"}, "by user id"),
        ("kick", {"room": "no-such-room", "user": bob.pk}, "No live room"),
        ("announce", {"room": room.id, "text": "   "}, "The announcement is empty"),
        ("announce", {"room": room.id, "text": "x" * 501}, "too long"),
        ("announce", {"room": "no-such-room", "text": "Hello"}, "No live room"),
    ]
    for op, fields, reason in refusals:
        response = await staff.post(f"/admin/monitor/{op}/", fields)
        assert response.status_code == 400, (op, fields)
        assert response.json()["ok"] is False and reason in response.json()["error"], response.json()
    assert await counts(room.id) == before
    assert runtime.rooms.get(room.id) is room and not room.closed
    assert not [message for message in await roundtrip(a) if message["type"] in ("error", "notify")]


async def test_a_request_reaches_the_owner_over_the_channel_layer(ws: Sockets, users: tuple[User, User]) -> None:
    """The owner answers a request on its channel: what it did, or why not; ``remote.receive`` passes it on."""
    alice, bob = users
    room = await open_room(alice, bob)
    b, _ = await enter(ws, room.id, bob)
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()

    async def serve(times: int) -> None:
        for _ in range(times):
            await moderation.answer(await layer.receive(channel))

    serving = asyncio.create_task(serve(2))
    with pytest.raises(moderation.Refused, match="neither seated nor connected"):
        await moderation.ask(f"p9@{channel}", "kick", room.id, {"user": 0})
    assert (await moderation.ask(f"p9@{channel}", "kick", room.id, {"user": bob.pk})).startswith("Removed Bob")
    assert (await receive_close(b))[0] == closecodes.KICKED
    await serving
    reply = await layer.new_channel()  # what the process channel's reader does with one: answer it in a task
    request = {"type": "monitor.request", "op": "close", "room": room.id, "data": {}, "reply": reply}
    await remote.receive(runtime, request)
    answer = await layer.receive(reply)
    assert answer["ok"] and answer["message"].startswith(f"Closed room {room.id}") and room.closed


async def test_the_site_lists_every_process(users: tuple[User, User]) -> None:
    """With Redis, other processes' rooms are listed, and requests go to the owner's process channel."""
    room = await open_room(users[0])
    if not settings.REDIS_URL:
        site = await monitor.site()
        assert [entry["name"] for entry in site["processes"]] == [monitor.process_name()]
        assert [entry["id"] for entry in site["rooms"]] == [room.id]
        with pytest.raises(moderation.Refused, match="No live room"):
            await moderation.act("close", "far-away")
        return
    layer = get_channel_layer()
    assert layer is not None
    redis = monitor.board._redis()
    name, channel = f"elsewhere-{uuid.uuid4().hex[:8]}", await layer.new_channel()
    far = {"id": f"far-{name}", "game_name": "Arena", "players": []}
    await monitor.board.write({"process": name, "at": time.time() - 1, "rooms": [far]})
    await redis.set(f"{settings.REDIS_PREFIX}:owner:{far['id']}", f"{name}@{channel}", px=5000)
    try:
        site = await monitor.site()
        assert await monitor.board.watched(), "a look at the site asks every process for updates"
        assert {room.id, far["id"]} <= {entry["id"] for entry in site["rooms"]}
        assert {"name": name, "rooms": 1, "age": pytest.approx(1, abs=0.5)} in site["processes"]

        async def owner() -> None:
            request = await layer.receive(channel)
            assert (request["type"], request["op"], request["room"]) == ("monitor.request", "close", far["id"])
            await layer.send(request["reply"], {"type": "monitor.answer", "ok": True, "message": "Closed far away."})

        serving = asyncio.create_task(owner())
        assert await moderation.act("close", far["id"]) == "Closed far away."
        await serving
    finally:
        await redis.delete(f"{settings.REDIS_PREFIX}:monitor:{name}", f"{settings.REDIS_PREFIX}:owner:{far['id']}")
        await redis.zrem(f"{settings.REDIS_PREFIX}:monitor-processes", name)


@pytest.mark.browser
async def test_the_admin_page_shows_a_room_and_closes_it(browser: Browser, parlor_server: LiveServer) -> None:
    """A staff member finds a player's room on the monitor, closes it, and the player's page says so."""
    username, password = f"staff-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    create = f"from core.accounts.models import User; User.objects.create_superuser({username!r}, '', {password!r})"
    await asyncio.to_thread(parlor_server.manage, "shell", "-c", create)
    player = await open_page(browser, parlor_server.url + "/")
    name = (await player.locator("#me").inner_text()).strip()
    await player.select_option("#game", "tictactoe")
    await player.get_by_role("button", name="Create room").click()
    await expect(player.locator("#status")).to_have_text("Waiting for 1 more player…")
    room_id = player.url.rstrip("/").rsplit("/", 1)[-1]

    staff = await (await browser.new_context()).new_page()
    await staff.goto(parlor_server.url + "/admin/login/?next=/admin/")
    await staff.fill("#id_username", username)
    await staff.fill("#id_password", password)
    await staff.get_by_role("button", name="Log in").click()
    await staff.get_by_role("link", name="Live room monitor").click()
    row = staff.locator(f'tr[data-room="{room_id}"]')
    await expect(row.locator("td.players")).to_contain_text(f"X: {name}")
    await expect(row.locator("td.status")).to_have_text("waiting")
    await expect(row.locator("td.sockets")).to_have_text("1 open, 0 watching")
    await row.get_by_role("button", name="Close room").click()
    await row.get_by_role("button", name="Really close?").click()
    await expect(staff.locator("#monitor-message")).to_contain_text(f"Closed room {room_id}: 1 socket(s)")
    await expect(player.locator("#status")).to_have_text(moderation.CLOSED_TEXT)
    await expect(player.locator("#connection")).to_have_text("disconnected")
    await expect(row).to_have_count(0)
