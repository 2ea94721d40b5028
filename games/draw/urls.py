from django.urls import path

from . import views

app_name = "draw"
urlpatterns = [
    path("gallery/", views.gallery, name="gallery"),
    path("pictures/<int:pk>/", views.picture, name="picture"),
    path("pictures/<int:pk>.png", views.png, name="png"),
]
