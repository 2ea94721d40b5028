"""Guests on first visit, renaming, signing up in place, logging in and out."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.accounts.models import User
from core.rooms.models import Room, Seat

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


def logged_in(client: Client) -> int | None:
    """The pk of the user the client's session is logged in as."""
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def guest(client: Client) -> User:
    """Visit the lobby; the guest it made."""
    assert client.get("/").status_code == 200
    pk = logged_in(client)
    assert pk is not None
    return User.objects.get(pk=pk)


def test_first_visit_creates_a_logged_in_guest(client: Client) -> None:
    """The first visit to / creates a guest with a generated name; later visits reuse it."""
    user = guest(client)
    assert user.is_guest and not user.has_usable_password()
    assert user.username.startswith("guest-")
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d\d", user.display_name), user.display_name
    assert guest(client).pk == user.pk and User.objects.count() == 1
    assert guest(Client()).pk != user.pk, "another browser is another guest"


def test_profile_renames(client: Client) -> None:
    """A valid name (whitespace collapsed) is saved and the user is sent to the lobby."""
    user = guest(client)
    response = client.post("/accounts/profile/", {"display_name": "  Captain   Tic  "})
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.display_name == "Captain Tic"


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "bell\x07name"])
def test_profile_refuses_bad_names(client: Client, name: str) -> None:
    """Empty, blank, too long and unprintable names are refused and nothing changes."""
    user = guest(client)
    before = user.display_name
    response = client.post("/accounts/profile/", {"display_name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    user.refresh_from_db()
    assert user.display_name == before


def test_name_of_exactly_forty_characters_is_accepted(client: Client) -> None:
    """The limit is inclusive."""
    user = guest(client)
    assert client.post("/accounts/profile/", {"display_name": "y" * 40}).status_code == 302
    user.refresh_from_db()
    assert user.display_name == "y" * 40


def test_signup_upgrades_the_guest_in_place(client: Client) -> None:
    """Signing up as a guest keeps the same row, its name and its seats, and stays logged in."""
    user = guest(client)
    room = Room.objects.create(game="tictactoe", created_by=user)
    Seat.objects.create(room=room, user=user, index=0)
    response = client.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    member = User.objects.get(username="alice")
    assert member.pk == user.pk and not member.is_guest
    assert member.display_name == user.display_name and member.check_password(PASSWORD)
    assert list(Seat.objects.filter(user=member).values_list("room_id", flat=True)) == [room.pk]
    assert User.objects.count() == 1 and logged_in(client) == user.pk


def test_signup_can_choose_a_display_name(client: Client) -> None:
    """An optional display name at signup replaces the generated one."""
    user = guest(client)
    data = {"username": "bob", "password1": PASSWORD, "password2": PASSWORD, "display_name": "Bobby"}
    assert client.post("/accounts/signup/", data).status_code == 302
    user.refresh_from_db()
    assert (user.username, user.display_name, user.is_guest) == ("bob", "Bobby", False)


def test_signup_refuses_a_taken_username_and_keeps_the_guest(client: Client) -> None:
    """A taken username is a form error; the guest stays a guest."""
    User.objects.create_user("carol", password=PASSWORD, display_name="Carol")
    user = guest(client)
    response = client.post("/accounts/signup/", {"username": "carol", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200 and response.context["form"].errors["username"]
    user.refresh_from_db()
    assert user.is_guest and user.username.startswith("guest-")


def test_signup_without_a_guest_creates_a_member(client: Client) -> None:
    """A visitor who never became a guest gets a new account named after the username."""
    data = {"username": "dave", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", data).status_code == 302
    member = User.objects.get(username="dave")
    assert not member.is_guest and member.display_name == "dave" and logged_in(client) == member.pk


def test_login_and_logout(client: Client) -> None:
    """A wrong password is refused; the right one logs in; logout ends the session."""
    member = User.objects.create_user("erin", password=PASSWORD, display_name="Erin")
    response = client.post("/accounts/login/", {"username": "erin", "password": "wrong-password"})
    assert response.status_code == 200 and logged_in(client) is None
    response = client.post("/accounts/login/", {"username": "erin", "password": PASSWORD})
    assert response.status_code == 302 and logged_in(client) == member.pk
    assert guest(client).pk == member.pk, "a logged-in member is not turned into a guest"
    assert client.post("/accounts/logout/").status_code == 302
    assert logged_in(client) is None
    assert guest(client).pk != member.pk
