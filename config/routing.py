"""Every websocket route: the platform's sockets, then each game's own, if it has one."""

from core.lobby.routing import websocket_urlpatterns as lobby
from core.rooms.routing import websocket_urlpatterns as rooms
from games.arena.routing import websocket_urlpatterns as arena
from games.connect4.routing import websocket_urlpatterns as connect4

websocket_urlpatterns = [*lobby, *rooms, *connect4, *arena]
