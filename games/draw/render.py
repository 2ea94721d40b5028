"""A finished (or unfinished) picture as a PNG, drawn on the server with Pillow.

Takes the view's ``strokes`` list, so a saved match, a replay or a live room render the same way.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from PIL import Image, ImageDraw

from .rules import HEIGHT, WIDTH

WHITE = (255, 255, 255)


def rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` as a tuple; anything malformed is drawn black rather than failing the whole picture."""
    try:
        value = int(color[1:7], 16) if len(color) == 7 and color.startswith("#") else 0
    except ValueError:
        value = 0
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def draw_stroke(canvas: ImageDraw.ImageDraw, stroke: Mapping[str, Any], scale: float) -> None:
    """One stroke as a polyline of its size with round caps and joins (a disc at every vertex)."""
    numbers = stroke["points"]
    points = [(numbers[i] * scale, numbers[i + 1] * scale) for i in range(0, len(numbers) - 1, 2)]
    if not points:
        return
    fill = WHITE if stroke.get("tool") == "eraser" else rgb(str(stroke.get("color", "#000000")))
    width = max(1, round(stroke["size"] * scale))
    if len(points) > 1:
        canvas.line(points, fill=fill, width=width)
    radius = width / 2
    for x, y in points:
        if radius <= 0.5:
            canvas.point((x, y), fill=fill)
        else:
            canvas.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


def render_png(
    strokes: Sequence[Mapping[str, Any]], width: int = WIDTH, height: int = HEIGHT, scale: float = 0.5
) -> bytes:
    """The strokes in order on a white ``width`` × ``height`` canvas, scaled by ``scale``, as PNG bytes."""
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.new("RGB", size, WHITE)
    canvas = ImageDraw.Draw(image)
    for stroke in strokes:
        draw_stroke(canvas, stroke, scale)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
