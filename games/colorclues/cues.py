"""The cue checker: what a cue giver may say, enforced by the server with a reason the player can read.

A cue is one or two words of letters (any alphabet), with hyphens and apostrophes allowed inside words.
Refused: digits and other symbols; basic colour names (red … grey) and their simple inflections
("reddish", "greens", "bluey", "pinker", "whitened"); board coordinates ("c", "c12"); number words
("seven", "twentieth", "hundred") and Roman numerals up to XXX; single letters; and a cue already given in this game.

Colour names are matched against whole word parts: a hyphenated or apostrophised word is checked part by part
("sea-green" and "green's" are refused), but a longer word that merely contains or starts with a colour stays
allowed ("bread", "credit", "sapphire", "whiteboard", "bluebird"), as in the board game, where only the plain
colour words are off limits. Matching ignores case and accents ("RÉD" is "red"); so does the repeat check.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 60

BASIC_COLOURS = "red orange yellow green blue purple pink brown black white gray grey".split()
SUFFIXES = ("", "s", "es", "ish", "y", "ey", "er", "est", "en", "ens", "ened", "ening", "ed", "ing", "ness")
VOWELS = "aeiouy"

UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty hundred thousand"
).split()
ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth hundredth thousandth"
).split()

COORDINATE = re.compile(r"[a-p]\d{1,2}|\d{1,2}[a-p]")
ROMAN = re.compile(r"x{0,3}(ix|iv|v?i{0,3})")
TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


class CueRefused(ValueError):
    """A cue the rules refuse; the message names the problem and is shown to the cue giver."""


def _inflections(base: str) -> set[str]:
    """``base`` with each simple suffix, also dropping a final "e" or doubling a final consonant before a vowel
    ("bluish", "reddish")."""
    forms = {base + suffix for suffix in SUFFIXES}
    if base.endswith("e"):
        stem = base[:-1]
    elif base[-1] not in VOWELS + "w":
        stem = base + base[-1]
    else:
        return forms
    return forms | {stem + suffix for suffix in SUFFIXES if suffix[:1] in tuple(VOWELS)}


def _number_words() -> set[str]:
    """Cardinal and ordinal number words from zero to thirty, written whole or run together ("twentyone")."""
    words = set(UNITS) | set(ORDINALS)
    for ones, ordinal in zip(UNITS[1:10], ORDINALS[1:10], strict=True):
        words |= {"twenty" + ones, "twenty" + ordinal}
    return words


COLOUR_FORMS = {form: base for base in BASIC_COLOURS for form in _inflections(base)}
NUMBER_WORDS = _number_words()


def fold(text: str) -> str:
    """``text`` for comparison: case-folded and without accents, so "Rèd" and "red" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Trimmed, single-spaced, lowercase and in composed Unicode, with typographic apostrophes made plain."""
    return " ".join(unicodedata.normalize("NFC", text).translate(TYPOGRAPHIC).lower().split())


def _is_letters(part: str) -> bool:
    """Whether ``part`` is one or more letters of any alphabet, with their combining marks."""
    return part[:1].isalpha() and all(ch.isalpha() or unicodedata.category(ch).startswith("M") for ch in part)


def _check_word(word: str) -> None:
    """Refuse one word that is a coordinate, a number, a colour or not letters joined by hyphens and apostrophes."""
    folded = fold(word)
    if COORDINATE.fullmatch(folded):
        raise CueRefused(f'"{word}" looks like a board coordinate; cues may not point at squares.')
    if any(ch.isnumeric() for ch in word):
        raise CueRefused("Cues may not contain digits or other numbers.")
    if not all(_is_letters(part) for part in re.split(r"['-]", word)):
        raise CueRefused(f'"{word}" has a symbol: use only letters, with hyphens or apostrophes inside a word.')
    if len(folded) == 1:
        raise CueRefused(f'"{word}" is a single letter; cues may not use single letters, which name rows.')
    for part in re.split(r"['-]", folded):
        base = COLOUR_FORMS.get(part)
        if base is not None and part == folded:
            if word == base:
                named = "is a basic colour name"
            else:
                named = f'is {"" if part == base else "a form of "}the basic colour name "{base}"'
            raise CueRefused(f'"{word}" {named}, which cues may not use.')
        if base is not None:
            raise CueRefused(f'"{word}" contains the basic colour name "{base}", which cues may not use.')
        if part in NUMBER_WORDS or (part and ROMAN.fullmatch(part)):
            raise CueRefused(f'"{word}" is a number, which could point at a row or column.')


def check_cue(text: str, *, max_words: int, used: Iterable[str]) -> str:
    """The cue ``text`` normalised (see ``normalise``), or CueRefused naming the first problem found."""
    cue = normalise(text)
    if not cue:
        raise CueRefused("The cue is empty: type a word.")
    if len(cue) > MAX_LENGTH:
        raise CueRefused(f"The cue is too long (at most {MAX_LENGTH} characters).")
    words = cue.split(" ")
    if len(words) > max_words:
        raise CueRefused("Use a single word." if max_words == 1 else f"Use at most {max_words} words.")
    for word in words:
        _check_word(word)
    folded = fold(cue)
    if any(fold(normalise(earlier)) == folded for earlier in used):
        raise CueRefused(f'"{cue}" was already given in this game; choose another cue.')
    return cue
