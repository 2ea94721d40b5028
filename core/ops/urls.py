"""The live room monitor, under ``/admin/monitor/`` (staff only)."""

from django.urls import path

from . import views

app_name = "ops"
urlpatterns = [
    path("", views.monitor_page, name="monitor"),
    path("rooms.json", views.monitor_rooms, name="monitor-rooms"),
    path("close/", views.monitor_action, {"op": "close"}, name="monitor-close"),
    path("kick/", views.monitor_action, {"op": "kick"}, name="monitor-kick"),
    path("announce/", views.monitor_action, {"op": "announce"}, name="monitor-announce"),
]
