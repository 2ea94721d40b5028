"""Every websocket route: the platform's sockets, then each game's own, if it has one."""

from core.lobby.routing import websocket_urlpatterns as lobby
from core.rooms.routing import websocket_urlpatterns as rooms

websocket_urlpatterns = [*lobby, *rooms]
