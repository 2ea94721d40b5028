"""The board: 480 distinct colours laid out like Hues and Cues, square labels, distances and colour names."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from coloraide import Color
from hypothesis import given
from hypothesis import strategies as st

from games.colorclues import board
from games.colorclues.board import BOARD, COLUMNS, ROWS, colour_name, distance, label, parse

SQUARES = st.integers(0, ROWS * COLUMNS - 1)


def oklch(index: int) -> tuple[float, float, float]:
    """A square's lightness, chroma and hue, measured back from its hex colour."""
    lightness, chroma, hue = Color(BOARD[index]).convert("oklch").coords(nans=False)
    return lightness, chroma, hue


def hue_gap(a: float, b: float) -> float:
    """How far hue ``b`` lies ahead of hue ``a`` going round the circle, in -180..180 degrees."""
    return (b - a + 180.0) % 360.0 - 180.0


# Colours.


def test_board_has_480_distinct_valid_colours() -> None:
    """16 rows of 30 "#rrggbb" colours, no two alike."""
    assert (ROWS, COLUMNS) == (16, 30)
    assert len(BOARD) == 480 and len(set(BOARD)) == 480
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in BOARD)


def test_hue_turns_once_round_the_circle_along_every_row() -> None:
    """Each square's hue is its column's (within half a column), and a row's hues add up to one full turn."""
    for row in range(ROWS):
        hues = [oklch(row * COLUMNS + column)[2] for column in range(COLUMNS)]
        for column, hue in enumerate(hues):
            assert abs(hue_gap(board.column_hue(column), hue)) < 6, label(row * COLUMNS + column)
        steps = [hue_gap(hues[i], hues[(i + 1) % COLUMNS]) for i in range(COLUMNS)]
        assert all(0 < step < 24 for step in steps), f"row {board.ROW_LETTERS[row]}"
        assert sum(steps) == pytest.approx(360.0)


def test_lightness_falls_down_every_column() -> None:
    """Down each column the colours get darker, from pale at the top to dark at the bottom."""
    for column in range(COLUMNS):
        lightness = [oklch(row * COLUMNS + column)[0] for row in range(ROWS)]
        assert all(upper > lower for upper, lower in zip(lightness, lightness[1:], strict=False)), column + 1
        assert lightness[0] > 0.85 and lightness[-1] < 0.35


def test_middle_rows_are_the_most_vivid() -> None:
    """Every column is more colourful in the middle row (H) than in the top and bottom rows."""
    for column in range(COLUMNS):
        top, middle, bottom = (oklch(row * COLUMNS + column)[1] for row in (0, 7, ROWS - 1))
        assert middle > 2 * top and middle > bottom, column + 1


def test_neighbouring_squares_differ() -> None:
    """Squares side by side or one above the other are never the same colour, even in the palest row."""
    for index in range(ROWS * COLUMNS):
        row, column = divmod(index, COLUMNS)
        for other in ([index + 1] if column < COLUMNS - 1 else []) + ([index + COLUMNS] if row < ROWS - 1 else []):
            assert Color(BOARD[index]).delta_e(BOARD[other], method="ok") > 0.007, (label(index), label(other))


# Labels and distances.


def test_label_examples() -> None:
    """Row letter then 1-based column: A1 is the first square, P30 the last, C12 row 3 column 12."""
    assert label(0) == "A1" and label(29) == "A30" and label(30) == "B1"
    assert label(2 * COLUMNS + 11) == "C12"
    assert label(479) == "P30"
    assert parse("A1") == 0 and parse("P30") == 479 and parse("c12") == 71 and parse(" H15 ") == 7 * 30 + 14


def test_every_label_round_trips() -> None:
    """parse(label(i)) == i for all 480 squares, and the labels are distinct."""
    labels = [label(index) for index in range(480)]
    assert len(set(labels)) == 480
    assert [parse(name) for name in labels] == list(range(480))


@pytest.mark.parametrize("name", ["", "A", "12", "Q1", "A0", "A31", "A1x", "AA1", "A-1", "A١", "A 1"])
def test_parse_refuses_what_is_not_a_square(name: str) -> None:
    """Off-board rows or columns, missing parts and non-ASCII digits are not squares."""
    with pytest.raises(ValueError, match="No square"):
        parse(name)


@pytest.mark.parametrize("index", [-1, 480])
def test_label_refuses_off_board_indexes(index: int) -> None:
    """Only 0..479 are squares."""
    with pytest.raises(ValueError, match="No square"):
        label(index)


def test_distance_examples() -> None:
    """Chebyshev distance: the number of rings around a square, diagonals counting as one step."""
    h15 = parse("H15")
    assert distance(h15, h15) == 0
    assert {distance(h15, parse(name)) for name in ("G14", "G15", "G16", "H14", "H16", "I14", "I15", "I16")} == {1}
    assert distance(h15, parse("F13")) == 2 and distance(h15, parse("J17")) == 2 and distance(h15, parse("H17")) == 2
    assert distance(h15, parse("E15")) == 3 and distance(h15, parse("H12")) == 3
    assert distance(parse("A1"), parse("P30")) == 29
    assert distance(parse("A30"), parse("B1")) == 29, "rows do not wrap round"


@given(SQUARES, SQUARES, SQUARES)
def test_distance_is_a_metric(a: int, b: int, c: int) -> None:
    """Zero only for the same square, symmetric, and obeying the triangle inequality."""
    assert (distance(a, b) == 0) == (a == b)
    assert distance(a, b) == distance(b, a)
    assert distance(a, c) <= distance(a, b) + distance(b, c)


# Colour names.


def test_colour_names_are_short_plain_and_varied() -> None:
    """Every square has a short name (tone, strength, hue); names are many and varied, with every hue word used."""
    names = [colour_name(index) for index in range(480)]
    assert all(name and name == name.strip() and "  " not in name and len(name.split()) <= 5 for name in names)
    assert len(set(names)) >= 80
    assert max(Counter(names).values()) <= 20
    words = " ".join(names)
    for hue in ("red", "orange", "yellow", "green", "blue-green", "cyan", "blue", "violet", "purple", "magenta"):
        assert re.search(rf"(^| ){hue}( |$)", " | ".join(names)), hue
    for word in ("pale", "light", "dark", "vivid", "muted", "pink", "brown", "olive"):
        assert word in words.split(), word


def test_colour_names_follow_the_layout() -> None:
    """Top rows are named pale or light, bottom rows dark; the vivid middle row of column 1 is "vivid red"."""
    for column in range(COLUMNS):
        assert colour_name(column).startswith("pale")
        assert colour_name((ROWS - 1) * COLUMNS + column).startswith("very dark")
    assert colour_name(parse("H1")) == "vivid red"
    assert colour_name(parse("K20")) == "vivid blue"
    assert "green" in colour_name(parse("H12"))


def test_colour_names_are_deterministic() -> None:
    """A name depends only on the colour: recomputing it gives the same words."""
    assert all(board.describe_colour(BOARD[index]) == colour_name(index) for index in range(0, 480, 7))
