from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers HTTP (as in the tutorial's deployment part)."""
    return HttpResponse("OK\n", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("accounts/", include("core.accounts.urls")),
    path("room/", include("core.rooms.urls")),
    path("draw/", include("games.draw.urls")),
    path("colorclues/", include("games.colorclues.urls")),
    path("", include("core.lobby.urls")),
]
