from django.urls import path

from . import views

app_name = "rooms"
urlpatterns = [
    path("<str:room_id>/", views.room, name="room"),
    path("<str:room_id>/join/<str:key>/", views.join, name="join"),
    path("<str:room_id>/replay/<int:number>/", views.replay, name="replay"),
]
