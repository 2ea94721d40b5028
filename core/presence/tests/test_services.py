"""Presence rows and the lobby.presence message built from them; the per-process flush."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from core import background
from core.accounts.models import User
from core.presence import handlers, services
from core.tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _open(user: User, tab: str) -> bool:
    return services.presence_open(channel_name=f"test.{tab}", user_id=user.pk, server_id=background.SERVER_ID)


async def test_changes_give_each_user_state_now() -> None:
    """A user who came and went is listed offline; one still here, online; in the order given."""
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await database_sync_to_async(_open)(alice, "a1")
    await database_sync_to_async(_open)(bob, "b1")
    await database_sync_to_async(services.presence_close)(channel_name="test.b1", user_id=bob.pk)
    changed = {bob.pk: bob.public(), alice.pk: alice.public()}
    message = await database_sync_to_async(services.presence_changes)(changed=changed)
    assert message == {
        "type": "lobby.presence",
        "changes": [{"user": bob.public(), "online": False}, {"user": alice.public(), "online": True}],
        "online_count": 1,
    }


async def test_newest_and_count_merge_tabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user with several tabs counts once and ranks by their newest; past SHOWN changes, the newest instead."""
    monkeypatch.setattr(services, "SHOWN", 2)
    people = [await make_user(name) for name in ("Ann", "Ben", "Cy")]
    for user, tab in ((people[0], "a1"), (people[1], "b1"), (people[2], "c1"), (people[0], "a2")):
        await database_sync_to_async(_open)(user, tab)
    newest = await database_sync_to_async(services.online_recent)(limit=2)
    assert [user.pk for user in newest] == [people[0].pk, people[2].pk]
    assert await database_sync_to_async(services.online_count)() == 3
    changed = {user.pk: user.public() for user in people}
    message = await database_sync_to_async(services.presence_changes)(changed=changed)
    assert message == {"type": "lobby.presence", "online": [u.public() for u in newest], "online_count": 3}


async def test_a_failed_flush_keeps_its_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes whose frame could not be built are sent with the next flush, before newer ones."""
    alice, bob = await make_user("Alice"), await make_user("Bob")
    handlers.announce(alice)

    def broken(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "presence_changes", broken)
    with pytest.raises(RuntimeError):
        await handlers.flush()
    handlers.announce(bob)
    assert list(handlers._changed) == [alice.pk, bob.pk]
    monkeypatch.undo()
    await handlers.flush()
    assert handlers._changed == {}
