"""Creating guests, upgrading them to members, renaming: the only writers of User rows."""

from __future__ import annotations

import secrets
from random import SystemRandom
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from .models import User
from .names import guest_name

MAX_NAME = 40


class InvalidName(ValueError):
    """A display name that cannot be used; the message says why."""


def clean_display_name(raw: str) -> str:
    """Trim and check a display name chosen by a user."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidName("A name can't be empty.")
    if len(name) > MAX_NAME:
        raise InvalidName(f"A name can be at most {MAX_NAME} characters.")
    if not name.isprintable():
        raise InvalidName("A name can only contain printable characters.")
    return name


def guest_create() -> User:
    """A new guest with a generated name and an unusable password."""
    user = User(username=f"guest-{secrets.token_hex(6)}", display_name=guest_name(SystemRandom()), is_guest=True)
    user.set_unusable_password()
    user.save()
    return user


def request_user(request: HttpRequest) -> User:
    """The visitor's user, logging a new guest in on a first visit so they can play at once."""
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        return request.user
    user = guest_create()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


async def socket_user(scope: dict[str, Any]) -> User:
    """The user of a websocket handshake: its session's user, else a fresh guest for this socket."""
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        assert isinstance(user, User)
        return user
    return await database_sync_to_async(guest_create)()


def bot_user(level: str) -> User:
    """The computer player of a level ("easy", "medium", ...), created on first use; it never logs in."""
    user, created = User.objects.get_or_create(
        username=f"bot-{level}", defaults={"display_name": f"Computer ({level})", "bot_level": level}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def guest_upgrade(*, user: User, username: str, password: str) -> User:
    """Turn a guest into a member, keeping their games, seats and notifications."""
    user.username = username
    user.set_password(password)
    user.is_guest = False
    user.save(update_fields=["username", "password", "is_guest"])
    return user


def user_rename(*, user: User, name: str) -> User:
    """Change a user's display name (validated)."""
    user.display_name = clean_display_name(name)
    user.save(update_fields=["display_name"])
    return user
