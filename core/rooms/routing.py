from django.urls import path

from .consumers import RoomConsumer

websocket_urlpatterns = [path("ws/room/<str:room_id>/", RoomConsumer.as_asgi())]  # type: ignore[arg-type]
