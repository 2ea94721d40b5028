"""The Color Clues board: 16 rows (A–P) × 30 columns of colours, laid out like the Hues and Cues board.

Hue turns once round the circle along the columns; down the rows lightness falls (pale at the top,
vivid in the middle, dark at the bottom). Colours are chosen in OKLCH, a perceptual space, and mapped
into sRGB keeping their lightness and hue, so neighbouring squares look evenly spaced. Each square also
has a plain-English name, for players who cannot tell some hues apart.
"""

from __future__ import annotations

from functools import cache

from coloraide import Color
from coloraide.spaces.okhsv import Okhsv

ROWS = 16
COLUMNS = 30
SQUARES = ROWS * COLUMNS
ROW_LETTERS = "ABCDEFGHIJKLMNOP"
FIRST_HUE = 24.0  # OKLCH hue of column 1: red, so the board reads red → yellow → green → blue → purple → pink
VIVID_ROW = 7  # row H holds each hue at its most vivid
TOP_LIGHTNESS = 0.91
BOTTOM_LIGHTNESS = 0.27
VIVID_LIGHTNESS = (0.55, 0.82)  # the vivid row's lightness is the hue's own (yellow light, blue dark) within these

# Hue names by the OKLCH hue where they start, in increasing order; hues below the first wrap to the last.
HUES = (
    (15.0, "red"),
    (45.0, "orange"),
    (75.0, "yellow-orange"),
    (95.0, "yellow"),
    (115.0, "yellow-green"),
    (135.0, "green"),
    (165.0, "blue-green"),
    (190.0, "cyan"),
    (220.0, "sky blue"),
    (245.0, "blue"),
    (275.0, "violet"),
    (300.0, "purple"),
    (330.0, "magenta"),
    (350.0, "pink-red"),
)


class _Colour(Color):
    """coloraide's Color with Okhsv registered, whose full-saturation, full-value colour is a hue's sRGB cusp."""


_Colour.register(Okhsv())


def column_hue(column: int) -> float:
    """The OKLCH hue of ``column`` (0-based): the 30 columns share the hue circle evenly."""
    return (FIRST_HUE + 360.0 * column / COLUMNS) % 360.0


@cache
def cusp(hue: float) -> tuple[float, float]:
    """The lightness and chroma of the most vivid sRGB colour of ``hue``."""
    lightness, chroma, _ = _Colour("okhsv", [hue, 1.0, 1.0]).convert("oklch").coords(nans=False)
    return lightness, chroma


def square_colour(row: int, column: int) -> str:
    """The "#rrggbb" colour of one square: lightness falls down the column, through the hue's vivid
    lightness at VIVID_ROW, and chroma rises from pale to the cusp then eases off; mapped into sRGB at constant
    lightness and hue (chroma gives way)."""
    hue = column_hue(column)
    cusp_lightness, cusp_chroma = cusp(hue)
    vivid = min(max(cusp_lightness, VIVID_LIGHTNESS[0]), VIVID_LIGHTNESS[1])
    if row <= VIVID_ROW:
        t = row / VIVID_ROW
        lightness, strength = TOP_LIGHTNESS + (vivid - TOP_LIGHTNESS) * t, 0.3 + 0.7 * t**0.9
    else:
        t = (row - VIVID_ROW) / (ROWS - 1 - VIVID_ROW)
        lightness, strength = vivid + (BOTTOM_LIGHTNESS - vivid) * t, 1.0 - 0.45 * t
    wanted = Color("oklch", [lightness, 1.05 * cusp_chroma * strength, hue])
    return wanted.convert("srgb").fit(method="raytrace", pspace="oklch").to_string(hex=True)


BOARD: tuple[str, ...] = tuple(square_colour(row, column) for row in range(ROWS) for column in range(COLUMNS))


def label(index: int) -> str:
    """The square's name on the board, like "C12": row letter then 1-based column."""
    if not 0 <= index < SQUARES:
        raise ValueError(f"No square {index}.")
    row, column = divmod(index, COLUMNS)
    return f"{ROW_LETTERS[row]}{column + 1}"


def parse(name: str) -> int:
    """The square index of a label like "C12" (case-insensitive); ValueError if there is no such square."""
    text = name.strip().upper()
    row = ROW_LETTERS.find(text[:1]) if text else -1
    digits = text[1:]
    if row < 0 or not digits.isascii() or not digits.isdigit() or not 1 <= int(digits) <= COLUMNS:
        raise ValueError(f"No square {name!r}.")
    return row * COLUMNS + int(digits) - 1


def distance(a: int, b: int) -> int:
    """Chebyshev distance between two squares: how many rings of squares around ``a`` reach ``b``."""
    row_a, column_a = divmod(a, COLUMNS)
    row_b, column_b = divmod(b, COLUMNS)
    return max(abs(row_a - row_b), abs(column_a - column_b))


def hue_name(hue: float) -> str:
    """The hue word for an OKLCH hue angle."""
    name = HUES[-1][1]
    for start, word in HUES:
        if hue >= start:
            name = word
    return name


def describe_colour(hex_colour: str) -> str:
    """A short plain-English name, like "light muted blue-green": words for lightness, for chroma (relative to
    the most vivid colour of that hue) and for the hue, with pink, brown and olive for light reds and dark yellows."""
    lightness, chroma, hue = Color(hex_colour).convert("oklch").coords(nans=False)
    vividness = chroma / cusp(hue)[1]
    if chroma < 0.015:
        shade = "grey"
    else:
        shade = hue_name(hue)
        if shade in ("red", "pink-red") and lightness > 0.8:
            shade = "pink"
        elif shade in ("orange", "yellow-orange") and lightness < 0.55:
            shade = "brown"
        elif shade in ("yellow", "yellow-green") and lightness < 0.55:
            shade = "olive"
    if lightness > 0.87:
        tone = "pale"
    elif lightness > 0.72:
        tone = "light"
    elif lightness > 0.5:
        tone = ""
    elif lightness > 0.38:
        tone = "dark"
    else:
        tone = "very dark"
    if shade == "grey":
        strength = ""
    elif vividness < 0.2:
        strength = "greyish"
    elif vividness < 0.45:
        strength = "muted"
    elif vividness > 0.75:
        strength = "vivid"
    else:
        strength = ""
    return " ".join(word for word in (tone, strength, shade) if word)


NAMES: tuple[str, ...] = tuple(describe_colour(colour) for colour in BOARD)


def colour_name(index: int) -> str:
    """The plain-English name of square ``index``'s colour, for players who cannot tell the hues apart."""
    return NAMES[index]
