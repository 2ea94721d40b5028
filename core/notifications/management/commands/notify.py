"""``manage.py notify "text"``: send a notification in any scope from the shell (broadcast by default)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.accounts.models import User
from core.notifications.api import Scope, notify


class Command(BaseCommand):
    help = "Send a notification: to everyone (default), --user NAME, --group NAME, or --session KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--user", help="username of the one user to notify (every tab)")
        target.add_argument("--group", help="named group, e.g. room.<id> or a Django auth group name")
        target.add_argument("--session", help="session key of one browser session")

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["text"].strip()
        if not text:
            raise CommandError("The text can't be empty.")
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            item = notify(scope=Scope.USER, user=user, text=text)
        elif options["group"]:
            item = notify(scope=Scope.GROUP, group=options["group"], text=text)
        elif options["session"]:
            item = notify(scope=Scope.SESSION, session_key=options["session"], text=text)
        else:
            item = notify(scope=Scope.BROADCAST, kind="announcement", text=text)
        self.stdout.write(f"Queued notification {item.pk} ({item.scope}); running servers deliver it.")
