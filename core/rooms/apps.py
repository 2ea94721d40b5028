from django.apps import AppConfig


class RoomsConfig(AppConfig):
    """Rooms: the room runtime, its storage, and the room socket and page."""

    name = "core.rooms"
    label = "rooms"

    def ready(self) -> None:
        from . import runtime  # noqa: F401  (registers the idle-room sweeper)
