"""Lobby writes: opening rooms and the invitation lifecycle (invite, accept, decline, cancel)."""

from __future__ import annotations

from typing import Any

import msgspec
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.services import bot_user
from core.notifications.api import Scope, anotify, mark_read
from core.rooms import registry
from core.rooms.protocol import Game, IllegalAction
from core.rooms.runtime import LiveRoom, runtime
from core.transport import groups, wire

from .models import Invitation

db = database_sync_to_async


def game_and_options(slug: str, options: dict[str, Any]) -> tuple[Game[Any], msgspec.Struct]:
    """The game named ``slug`` and its options, validated."""
    game = registry.get(slug)
    if game is None:
        raise wire.BadMessage(f"There is no game {slug!r}.")
    try:
        return game, msgspec.convert(options, game.Options)
    except msgspec.ValidationError as exc:
        raise wire.BadMessage(f"Invalid options for {game.name}: {exc}.") from None


async def room_open(*, user: User, game: str, options: dict[str, Any], public: bool) -> LiveRoom:
    """Create a room with the user in the first seat."""
    found, parsed = game_and_options(game, options)
    return await runtime.create(game=found, options=parsed, public=public, creator=user, seated=[user])


async def room_open_with_bot(*, user: User, game: str, level: str, options: dict[str, Any]) -> LiveRoom:
    """A private room where the user plays first against the computer at ``level``."""
    found, parsed = game_and_options(game, options)
    if level not in found.bot_levels:
        choices = ", ".join(found.bot_levels) or "none"
        raise wire.BadMessage(f"{found.name} has no computer level {level!r} (levels: {choices}).")
    bot = await db(bot_user)(level)
    return await runtime.create(game=found, options=parsed, public=False, creator=user, seated=[user, bot])


def _invitation(pk: int) -> Invitation | None:
    return Invitation.objects.select_related("from_user", "to_user", "room").filter(pk=pk).first()


@transaction.atomic
def _invitation_store(*, from_user: User, to_user_id: int, game: str, options: dict[str, Any]) -> Invitation:
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None:
        raise IllegalAction("That player doesn't exist.")
    if to_user.pk == from_user.pk:
        raise IllegalAction("You can't invite yourself.")
    open_already = Invitation.objects.filter(
        from_user=from_user, to_user=to_user, game=game, status=Invitation.Status.PENDING
    )
    if open_already.exists():
        raise IllegalAction(f"You have already invited {to_user} to this game.")
    return Invitation.objects.create(from_user=from_user, to_user=to_user, game=game, options=options)


async def _tell_user(user_id: int, message: wire.JSON) -> None:
    await groups.send_frame(groups.user_group(user_id), wire.encode(message))


async def invitation_create(*, from_user: User, to_user_id: int, game: str, options: dict[str, Any]) -> Invitation:
    """Invite a player; they see it live on every tab, or unread when they come back."""
    found, parsed = game_and_options(game, options)
    invitation = await db(_invitation_store)(
        from_user=from_user, to_user_id=to_user_id, game=found.slug, options=msgspec.to_builtins(parsed)
    )
    invitation.notification = await anotify(
        scope=Scope.USER,
        user=invitation.to_user,
        kind="invitation",
        text=f"{from_user} invites you to play {found.name}.",
        data={"invitation": invitation.as_json()},
    )
    await db(invitation.save)(update_fields=["notification"])
    await _tell_user(from_user.pk, {"type": "invitation.update", "invitation": invitation.as_json()})
    return invitation


@transaction.atomic
def _answer(*, invitation_id: int, user: User, status: str) -> Invitation:
    invitation = _invitation(invitation_id)
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        raise IllegalAction("This invitation is no longer open.")
    mine = invitation.from_user_id if status == Invitation.Status.CANCELLED else invitation.to_user_id
    if mine != user.pk:
        raise IllegalAction("This invitation is not yours to answer.")
    invitation.status = status
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    if invitation.notification_id is not None:
        mark_read(user=invitation.to_user, notification_ids=[invitation.notification_id])
    return invitation


async def invitation_accept(*, user: User, invitation_id: int) -> Invitation:
    """Accept: the room is created with both players seated, and both are sent to it."""
    invitation = await db(_answer)(invitation_id=invitation_id, user=user, status=Invitation.Status.ACCEPTED)
    game, options = game_and_options(invitation.game, invitation.options)
    room = await runtime.create(
        game=game,
        options=options,
        public=False,
        creator=invitation.from_user,
        seated=[invitation.from_user, invitation.to_user],
    )
    await runtime.let_go(room)
    invitation.room_id = room.id
    await db(invitation.save)(update_fields=["room"])
    invitation = await db(_invitation)(invitation.pk) or invitation
    data = {"invitation": invitation.as_json(), "url": room.watch_url}
    await anotify(
        scope=Scope.USER,
        user=invitation.from_user,
        kind="invitation.accepted",
        text=f"{user} accepted your invitation to {game.name}.",
        data=data,
    )
    await _tell_user(user.pk, {"type": "invitation.update", "invitation": invitation.as_json()})
    return invitation


async def invitation_decline(*, user: User, invitation_id: int) -> Invitation:
    """Decline: the inviter is told."""
    invitation = await db(_answer)(invitation_id=invitation_id, user=user, status=Invitation.Status.DECLINED)
    game = registry.get(invitation.game)
    await anotify(
        scope=Scope.USER,
        user=invitation.from_user,
        kind="invitation.declined",
        text=f"{user} declined your invitation to {game.name if game else invitation.game}.",
        data={"invitation": invitation.as_json()},
    )
    await _tell_user(user.pk, {"type": "invitation.update", "invitation": invitation.as_json()})
    return invitation


async def invitation_cancel(*, user: User, invitation_id: int) -> Invitation:
    """Withdraw an invitation not yet answered."""
    invitation = await db(_answer)(invitation_id=invitation_id, user=user, status=Invitation.Status.CANCELLED)
    for user_id in (invitation.from_user_id, invitation.to_user_id):
        await _tell_user(user_id, {"type": "invitation.update", "invitation": invitation.as_json()})
    return invitation
