"""Draw Together in a room over real sockets: prompts ready at creation, own prompts only, incremental
strokes, the whole picture for late joiners, refusals that change nothing, and the saved picture."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import AsyncClient, Client

from core.accounts.models import User
from core.rooms.runtime import runtime
from core.tests.helpers import Sockets, make_user, receive_until, roundtrip, send, started_room
from games.draw import hooks
from games.draw.models import Picture
from games.draw.tests.openai_stub import OpenAIStub

pytestmark = pytest.mark.django_db(transaction=True)

RED = "#c62828"


async def _room(ws: Sockets, *players: User, **options: Any) -> tuple[str, list[Any]]:
    return await started_room(ws, "draw", list(players), **options)


def _stroke(stroke: int, *points: int) -> dict[str, Any]:
    return {"type": "draw", "stroke": stroke, "points": list(points), "color": RED, "size": 5, "tool": "brush"}


async def test_players_get_their_own_prompts_and_see_each_others_strokes(ws: Sockets) -> None:
    """Each player sees only their prompt; a batch reaches the others as a small frame; a late watcher sees it all."""
    alice, bob = await make_user("Alice"), await make_user("Bob")
    room_id, (a, b) = await _room(ws, alice, bob)
    live = runtime.rooms[room_id]
    assert live.match is not None and live.match.content is not None and live.match.content["source"] == "deck"
    welcome = await ws.connect(f"/ws/room/{room_id}/", alice)
    view_a = (await receive_until(welcome, "room.state"))["view"]
    bob_again = await ws.connect(f"/ws/room/{room_id}/", bob)
    view_b = (await receive_until(bob_again, "room.state"))["view"]
    assert view_a["prompt"] and view_b["prompt"] and view_a["prompt"] != view_b["prompt"]
    assert view_a["part"] != view_b["part"] and view_a["theme"] == view_b["theme"]
    assert view_b["prompt"] not in str(await roundtrip(a)) and view_a["prompt"] not in str(await roundtrip(b))

    await send(a, _stroke(0, 10, 10, 100, 10))
    frame = await receive_until(b, "draw.events")
    assert frame == {"type": "draw.events", "d": [[0, 0, [10, 10, 100, 10], RED, 5, "brush"]]}
    await send(a, {"type": "draw", "stroke": 0, "points": [200, 10]})
    assert await receive_until(b, "draw.events") == {"type": "draw.events", "d": [[0, 0, [200, 10]]]}

    watcher = await ws.connect(f"/ws/room/{room_id}/", await make_user("Carol"))
    late = (await receive_until(watcher, "room.state"))["view"]
    assert late["strokes"] == [
        {"seat": 0, "stroke": 0, "color": RED, "size": 5, "tool": "brush", "points": [10, 10, 100, 10, 200, 10]}
    ]
    assert late["prompt"] is None and late["part"] is None


async def test_bad_batches_are_refused_and_change_nothing(ws: Sockets) -> None:
    """Out-of-canvas points, a bad colour and too many points get an error naming the problem; nobody else hears."""
    room_id, (a, b) = await _room(ws, await make_user("Alice"), await make_user("Bob"))
    bad = [
        ({**_stroke(0, 10, 10), "points": [10, 5000]}, "points"),
        ({**_stroke(0, 10, 10), "color": "red"}, "color"),
        ({**_stroke(0, 10, 10), "points": [1, 1] * 400}, "points"),
        ({**_stroke(0, 10, 10), "size": 0}, "size"),
    ]
    for message, field in bad:
        await send(a, message)
        error = await receive_until(a, "error")
        assert field in error["message"]
    await send(a, {"type": "room.resign"})
    assert "Everyone plays together" in (await receive_until(a, "error"))["message"]
    assert [m for m in await roundtrip(b) if m["type"] == "draw.events"] == []
    assert runtime.rooms[room_id].state.strokes == [] and runtime.rooms[room_id].seq == 0


async def test_undo_is_your_own_and_clear_is_for_everyone(ws: Sockets) -> None:
    """Bob's undo removes Bob's stroke, never Alice's; clear empties the picture for both."""
    room_id, (a, b) = await _room(ws, await make_user("Alice"), await make_user("Bob"))
    await send(a, _stroke(0, 1, 1, 2, 2))
    await receive_until(b, "draw.events")
    await send(b, {"type": "undo"})
    assert "nothing to undo" in (await receive_until(b, "error"))["message"]
    await send(b, _stroke(0, 5, 5, 6, 6))
    await receive_until(a, "draw.events")
    await send(b, {"type": "undo"})
    undo = await receive_until(a, "draw.events", where=lambda m: "events" in m and m["events"][0]["type"] == "undo")
    assert undo["events"] == [{"type": "undo", "seat": 1, "stroke": 0}]
    assert [(s.seat, s.stroke) for s in runtime.rooms[room_id].state.strokes] == [(0, 0)]
    await send(b, {"type": "clear"})
    clear = await receive_until(a, "draw.events", where=lambda m: "events" in m and m["events"][0]["type"] == "clear")
    assert clear["events"] == [{"type": "clear", "seat": 1}]
    assert runtime.rooms[room_id].state.strokes == []


async def test_rounds_run_on_the_server_clock_and_the_picture_is_saved(ws: Sockets) -> None:
    """The countdown is shown to all; each round brings new prompts; the end saves the PNG for the gallery."""
    room_id, (a, b) = await _room(ws, await make_user("Alice"), await make_user("Bob"), seconds=10, rounds=2)
    live = runtime.rooms[room_id]
    await send(a, _stroke(0, 100, 100, 300, 100))
    await receive_until(b, "draw.events")
    clock = live.clock()
    assert clock is not None and clock["total"] == 10
    first = live.state.prompts[0][0]
    await live.expire(0)
    after = await receive_until(a, "room.state", where=lambda m: m["view"]["round"] == 1)
    assert "strokes" not in after["view"], "a new round does not resend the picture"
    assert (
        after["view"]["prompt"] != first
        and {"type": "prompt", "round": 1, "prompt": after["view"]["prompt"]} in after["events"]
    )
    await live.expire(1)
    final = await receive_until(b, "room.state", where=lambda m: m["room"]["status"] == "finished")
    assert final["view"]["all_prompts"] and final["room"]["replay_url"] is None
    picture = await Picture.objects.aget(match__room_id=room_id)
    assert picture.theme == live.state.theme and bytes(picture.png).startswith(b"\x89PNG") and picture.strokes == 1
    assert [entry["name"] for entry in picture.prompts] == ["Alice", "Bob"]
    client = AsyncClient()
    gallery = (await client.get("/draw/gallery/")).content.decode()
    assert html.escape(picture.theme) in gallery and picture.png_url() in gallery
    png = await client.get(picture.png_url())
    assert png["Content-Type"] == "image/png" and png.content == bytes(picture.png)
    page = (await client.get(picture.get_absolute_url())).content.decode()
    assert "Alice" in page and html.escape(live.state.prompts[1][1]) in page


def test_gallery_lists_finished_pictures() -> None:
    """The gallery page and the PNG are served to anyone."""
    client = Client()
    assert "No finished pictures yet." in client.get("/draw/gallery/").content.decode()


@pytest.mark.parametrize("mode", ["good", "slow"])
async def test_prompts_come_from_openai_when_the_room_is_created(
    ws: Sockets, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """With a key, the room asks OpenAI (a local stub) once, at creation; a slow answer falls back to the deck."""
    with OpenAIStub(mode) as stub:  # type: ignore[arg-type]
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("PARLOR_DRAW_TIMEOUT", "1")
        hooks.provider.cache_clear()
        try:
            alice, bob = await make_user("Alice"), await make_user("Bob")
            room_id, _ = await _room(ws, alice, bob)
            assert len(stub.requests) == 1, "asked once, when the room was created"
        finally:
            hooks.provider.cache_clear()
    content = runtime.rooms[room_id].match.content  # type: ignore[union-attr]
    assert content is not None and content["source"] == ("openai" if mode == "good" else "deck")
    assert len(content["parts"]) == 8


async def test_a_restart_keeps_the_picture_and_the_round(ws: Sockets) -> None:
    """The room is dropped from memory (as after a crash): a returning player gets every stroke and the round back."""
    alice, bob = await make_user("Alice"), await make_user("Bob")
    room_id, (a, b) = await _room(ws, alice, bob, seconds=10, rounds=3)
    for comm, message in [(a, _stroke(0, 10, 10, 20, 20)), (b, _stroke(0, 30, 30)), (a, _stroke(0, 40, 40))]:
        await send(comm, message)
        await roundtrip(comm)
    await runtime.rooms[room_id].expire(0)
    before = runtime.rooms[room_id].state
    await runtime.reset()
    again = await ws.connect(f"/ws/room/{room_id}/", bob)
    view = (await receive_until(again, "room.state"))["view"]
    assert view["round"] == 1 == before.round and view["prompt"] == before.prompts[1][1]
    assert [(s["seat"], s["points"]) for s in view["strokes"]] == [(0, [10, 10, 20, 20, 40, 40]), (1, [30, 30])]
    assert view["next_stroke"] == 1
