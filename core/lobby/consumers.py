"""The lobby socket, ``/ws/lobby/``: live catalog, presence, open rooms; create, invite, rename."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
from channels.db import database_sync_to_async

from core.accounts.services import InvalidName, user_rename
from core.presence.handlers import announce
from core.rooms.live import LiveRoom
from core.rooms.runtime import runtime
from core.transport import wire
from core.transport.consumers import ParlorConsumer

from . import feed, services
from .selectors import lobby_state


class Create(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "lobby.create", "game": slug, "options": {...}, "public": bool}``."""

    game: str
    options: dict[str, Any] = msgspec.field(default_factory=dict)
    public: bool = True


class Invite(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "lobby.invite", "user": id, "game": slug, "options": {...}}``."""

    user: int
    game: str
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class PlayBot(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "lobby.play_bot", "game": slug, "level": "medium", "options": {...}}``."""

    game: str
    level: str
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class Rename(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "lobby.rename", "name": "..."}``."""

    name: str


class LobbyConsumer(ParlorConsumer):
    """The lobby page's socket."""

    routes: ClassVar[dict[str, tuple[type[msgspec.Struct], str]]] = {
        **ParlorConsumer.routes,
        "lobby.create": (Create, "on_create"),
        "lobby.invite": (Invite, "on_invite"),
        "lobby.rename": (Rename, "on_rename"),
        "lobby.play_bot": (PlayBot, "on_play_bot"),
    }
    early: list[str] | None  # lobby feed frames held while lobby.state is being built

    async def opened(self) -> None:
        """Subscribe to the lobby feed, then send the whole lobby, then the feed's frames that came meanwhile."""
        self.early = []
        feed.subscribe(self.lobby_push)
        self.send_json(await database_sync_to_async(lobby_state)(user=self.user))
        early, self.early = self.early, None
        for frame in early:
            self.push(frame)

    async def closed(self) -> None:
        """Leave the lobby feed."""
        feed.unsubscribe(self.lobby_push)

    def lobby_push(self, frame: str) -> None:
        """A lobby feed frame: queued, or held until ``lobby.state`` has been queued."""
        if self.early is None:
            self.push(frame)
        else:
            self.early.append(frame)

    async def on_create(self, message: Create) -> None:
        room = await services.room_open(
            user=self.user, game=message.game, options=message.options, public=message.public
        )
        await self.created(room)

    async def on_play_bot(self, message: PlayBot) -> None:
        room = await services.room_open_with_bot(
            user=self.user, game=message.game, level=message.level, options=message.options
        )
        await self.created(room)

    async def created(self, room: LiveRoom) -> None:
        """Send the new room's link; the room itself loads where its sockets arrive (``runtime.let_go``)."""
        summary = room.summary()
        await runtime.let_go(room)
        self.send_json({"type": "lobby.created", "room": summary, "url": room.watch_url})

    async def on_invite(self, message: Invite) -> None:
        invitation = await services.invitation_create(
            from_user=self.user, to_user_id=message.user, game=message.game, options=message.options
        )
        self.send_json({"type": "invitation.sent", "invitation": invitation.as_json()})

    async def on_rename(self, message: Rename) -> None:
        try:
            await database_sync_to_async(user_rename)(user=self.user, name=message.name)
        except InvalidName as exc:
            raise wire.BadMessage(str(exc)) from None
        announce(self.user)
