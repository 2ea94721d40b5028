"""The board's colours, labels and colour names, sent once per page load rather than in every state."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.transport import wire

from . import board


@cache
def _board_json() -> bytes:
    labels = [board.label(index) for index in range(board.SQUARES)]
    data = {
        "rows": board.ROWS,
        "columns": board.COLUMNS,
        "colours": board.BOARD,
        "labels": labels,
        "names": board.NAMES,
    }
    return wire.encode(data).encode()


@require_GET
def board_json(request: HttpRequest) -> HttpResponse:
    """The 16 × 30 board: it is the same for every room and never changes while the server runs."""
    response = HttpResponse(_board_json(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
