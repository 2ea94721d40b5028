"""Invitation answers on every socket (an invitee may be in a game), and the live room feed."""

from __future__ import annotations

import msgspec

from core.rooms.runtime import runtime
from core.transport import groups, wire
from core.transport.consumers import ParlorConsumer
from core.transport.handlers import register

from . import services


class InvitationRef(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "invitation.accept" | "invitation.decline" | "invitation.cancel", "id": N}``."""

    id: int


@register("invitation.accept", InvitationRef)
async def on_accept(consumer: ParlorConsumer, message: InvitationRef) -> None:
    """Accept; this tab is sent to the new room."""
    invitation = await services.invitation_accept(user=consumer.user, invitation_id=message.id)
    consumer.send_json({"type": "invitation.accepted", "invitation": invitation.as_json()})


@register("invitation.decline", InvitationRef)
async def on_decline(consumer: ParlorConsumer, message: InvitationRef) -> None:
    await services.invitation_decline(user=consumer.user, invitation_id=message.id)


@register("invitation.cancel", InvitationRef)
async def on_cancel(consumer: ParlorConsumer, message: InvitationRef) -> None:
    await services.invitation_cancel(user=consumer.user, invitation_id=message.id)


async def room_feed(summary: wire.JSON) -> None:
    """Public rooms' changes go to every lobby (a finished room is dropped from the list there)."""
    if summary["public"]:
        await groups.send_frame(groups.LOBBY, wire.encode({"type": "lobby.room", "room": summary}))


runtime.listeners.append(room_feed)
