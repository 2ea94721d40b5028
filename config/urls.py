from django.contrib import admin
from django.urls import include, path

from core.ops import health
from core.ops.views import metrics_view

urlpatterns = [
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", metrics_view),
    path("admin/monitor/", include("core.ops.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("core.accounts.urls")),
    path("room/", include("core.rooms.urls")),
    path("draw/", include("games.draw.urls")),
    path("colorclues/", include("games.colorclues.urls")),
    path("", include("core.lobby.urls")),
]
