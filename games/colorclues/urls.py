from django.urls import path

from . import views

app_name = "colorclues"
urlpatterns = [path("board.json", views.board_json, name="board")]
