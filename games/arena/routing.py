from django.urls import path

from .seed import SeedConsumer

websocket_urlpatterns = [path("ws/arena/", SeedConsumer.as_asgi())]  # type: ignore[arg-type]
