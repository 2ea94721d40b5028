from django.urls import path

from .tutorial import TutorialConsumer

websocket_urlpatterns = [path("ws/connect4/", TutorialConsumer.as_asgi())]  # type: ignore[arg-type]
