"""The server-side PNG renderer: colours, eraser, dots, size and determinism."""

from __future__ import annotations

import io

from PIL import Image

from games.draw.render import render_png
from games.draw.rules import HEIGHT, WIDTH

RED = (255, 0, 0)
WHITE = (255, 255, 255)


def stroke(points: list[int], color: str = "#ff0000", size: int = 10, tool: str = "brush") -> dict[str, object]:
    return {"seat": 0, "stroke": 0, "color": color, "size": size, "tool": tool, "points": points}


def image(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return picture.convert("RGB")


def test_empty_picture_is_a_white_png_of_the_scaled_size() -> None:
    """Half scale by default; any scale and canvas size give the matching pixel size."""
    data = render_png([])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    picture = image(data)
    assert picture.size == (WIDTH // 2, HEIGHT // 2)
    assert picture.getcolors() == [(WIDTH // 2 * HEIGHT // 2, WHITE)]
    assert image(render_png([], width=300, height=200, scale=1)).size == (300, 200)


def test_a_red_horizontal_stroke_is_red_along_its_line_and_white_elsewhere() -> None:
    """A 10-unit-wide line from (100, 400) to (1100, 400) at half scale: red along y = 200, white away from it."""
    picture = image(render_png([stroke([100, 400, 600, 400, 1100, 400])]))
    for x in range(50, 551, 25):
        assert picture.getpixel((x, 200)) == RED
    assert picture.getpixel((47, 200)) == RED, "round cap past the end point"
    for x, y in ((40, 200), (560, 200), (300, 190), (300, 210), (0, 0), (599, 399)):
        assert picture.getpixel((x, y)) == WHITE
    colours = dict((colour, count) for count, colour in picture.getcolors())
    assert set(colours) == {RED, WHITE}


def test_the_eraser_covers_earlier_strokes() -> None:
    """A wider eraser stroke over the red line turns it white again; order matters."""
    red = stroke([100, 400, 1100, 400])
    eraser = stroke([0, 400, 1200, 400], color="#000000", size=30, tool="eraser")
    assert image(render_png([red, eraser])).getcolors() == [(600 * 400, WHITE)]
    assert image(render_png([eraser, red])).getpixel((300, 200)) == RED


def test_a_single_point_is_a_dot() -> None:
    """One point draws a disc of the stroke's size in its colour."""
    picture = image(render_png([stroke([600, 400], color="#0000ff", size=20)]))
    assert picture.getpixel((300, 200)) == (0, 0, 255)
    assert picture.getpixel((304, 200)) == (0, 0, 255)
    assert picture.getpixel((310, 200)) == WHITE


def test_rendering_is_deterministic() -> None:
    """The same strokes give the same bytes."""
    strokes = [stroke([10, 10, 500, 700, 900, 30], color="#12ab34", size=7), stroke([5, 5])]
    assert render_png(strokes) == render_png(list(strokes))
