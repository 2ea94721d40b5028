from django.urls import path

from . import views

app_name = "lobby"
urlpatterns = [path("", views.index, name="index")]
