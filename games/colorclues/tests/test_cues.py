"""The cue checker: accepted cues come back normalised; each kind of refused cue says why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games.colorclues.cues import CueRefused, check_cue, fold, normalise


def refusal(text: str, *, max_words: int = 2, used: tuple[str, ...] = ()) -> str:
    """The reason ``text`` is refused (the test fails if it is accepted)."""
    with pytest.raises(CueRefused) as refused:
        check_cue(text, max_words=max_words, used=used)
    return str(refused.value)


# Accepted cues.


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("lavender", "lavender"),
        ("seafoam", "seafoam"),
        ("Sunset", "sunset"),
        ("ocean breeze", "ocean breeze"),
        ("  Ocean \t  Breeze ", "ocean breeze"),
        ("crème brûlée", "crème brûlée"),
        ("cre\u0300me", "crème"),
        ("forget-me-not", "forget-me-not"),
        ("rock’n’roll", "rock'n'roll"),
        ("Ägäis", "ägäis"),
        ("नमस्ते", "नमस्ते"),
        ("ok", "ok"),
    ],
)
def test_accepted_cues_come_back_normalised(text: str, cue: str) -> None:
    """Trimmed, single-spaced, lowercase, composed accents and plain apostrophes; any alphabet's letters."""
    assert check_cue(text, max_words=2, used=()) == cue


@pytest.mark.parametrize("word", ["bread", "credit", "sapphire", "whiteboard", "bluebird", "redwood", "shred", "tired"])
def test_longer_words_merely_containing_a_colour_are_allowed(word: str) -> None:
    """Only whole words or hyphen/apostrophe parts are matched, so "bread" and "whiteboard" pass."""
    assert check_cue(word, max_words=1, used=()) == word


# Refusals, each with its reason.


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_cue_is_refused(text: str) -> None:
    assert refusal(text) == "The cue is empty: type a word."


def test_too_many_words_are_refused() -> None:
    """Cue 1 is one word; cue 2 up to two."""
    assert refusal("ocean breeze", max_words=1) == "Use a single word."
    assert refusal("warm ocean breeze", max_words=2) == "Use at most 2 words."
    assert check_cue("ocean", max_words=1, used=()) == "ocean"


def test_overlong_cue_is_refused() -> None:
    assert "too long" in refusal("a" * 61)


@pytest.mark.parametrize("text", ["sky2", "4ever", "7", "½", "x²", "١٢"])
def test_digits_are_refused(text: str) -> None:
    assert refusal(text) == "Cues may not contain digits or other numbers."


@pytest.mark.parametrize(
    "text", ["hi!", "sun.set", "-sea", "sea-", "sea--foam", "o''k", "sun_set", "☀sun", "🌅", "a/b"]
)
def test_symbols_are_refused(text: str) -> None:
    """Only letters, with single hyphens or apostrophes inside a word."""
    assert refusal(text).endswith("has a symbol: use only letters, with hyphens or apostrophes inside a word.")


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("red", "red"),
        ("Grey", "grey"),
        ("gray", "gray"),
        ("RÉD", "red"),
        ("reddish", "red"),
        ("redder", "red"),
        ("greens", "green"),
        ("greenish", "green"),
        ("bluey", "blue"),
        ("bluish", "blue"),
        ("blues", "blue"),
        ("pinker", "pink"),
        ("pinkest", "pink"),
        ("whitened", "white"),
        ("blacken", "black"),
        ("yellowy", "yellow"),
        ("purplish", "purple"),
        ("orangey", "orange"),
        ("browns", "brown"),
        ("greyness", "grey"),
    ],
)
def test_basic_colour_words_and_inflections_are_refused(text: str, base: str) -> None:
    """The twelve basic colour names with plurals, -ish, -y, -er, -est and similar simple endings."""
    reason = refusal(text)
    assert f'"{base}"' in reason and "cues may not use" in reason


@pytest.mark.parametrize(("text", "base"), [("sea-green", "green"), ("blue-ish", "blue"), ("green's", "green")])
def test_colour_parts_of_hyphenated_words_are_refused(text: str, base: str) -> None:
    assert refusal(text) == f'"{text}" contains the basic colour name "{base}", which cues may not use.'


def test_a_colour_as_one_of_two_words_is_refused() -> None:
    assert refusal("deep blue") == '"blue" is a basic colour name, which cues may not use.'


@pytest.mark.parametrize("text", ["c12", "C12", "p30", "a1", "12c"])
def test_coordinates_are_refused(text: str) -> None:
    assert refusal(text) == f'"{text.lower()}" looks like a board coordinate; cues may not point at squares.'


@pytest.mark.parametrize("text", ["C", "x", "é"])
def test_single_letters_are_refused(text: str) -> None:
    assert refusal(text) == f'"{text.lower()}" is a single letter; cues may not use single letters, which name rows.'


def test_a_single_letter_inside_a_two_word_cue_is_refused() -> None:
    assert "single letter" in refusal("row c")


@pytest.mark.parametrize(
    "text",
    ["zero", "three", "Twelve", "thirty", "first", "third", "thirtieth", "hundred", "twenty-one", "twentyfirst", "xii"],
)
def test_number_words_are_refused(text: str) -> None:
    """Cardinals and ordinals up to thirty, "hundred", and Roman numerals: they could point at a row or column."""
    assert refusal(text) == f'"{text.lower()}" is a number, which could point at a row or column.'


def test_a_cue_already_given_is_refused_ignoring_case_spacing_and_accents() -> None:
    used = ("lavender", "ocean breeze", "crème")
    message = '"{}" was already given in this game; choose another cue.'
    assert refusal("Lavender", used=used) == message.format("lavender")
    assert refusal("ocean   BREEZE", used=used) == message.format("ocean breeze")
    assert refusal("creme", used=used) == message.format("creme")
    assert check_cue("ocean", max_words=2, used=used) == "ocean"


def test_checks_run_in_order_emptiness_length_words_content_repeats() -> None:
    """The first problem found is the one reported."""
    assert refusal("red blue green", max_words=2) == "Use at most 2 words."
    assert refusal("red", used=("red",)).startswith('"red" is a basic colour name')


# Helpers and properties.


def test_normalise_and_fold() -> None:
    assert normalise("  Crème   Brûlée ") == "crème brûlée"
    assert fold("Crème Brûlée") == "creme brulee"


@given(st.text(max_size=30))
def test_checker_never_crashes_and_its_result_is_a_fixed_point(text: str) -> None:
    """Any text is accepted or refused with a CueRefused; an accepted cue is already normalised and acceptable."""
    try:
        cue = check_cue(text, max_words=2, used=())
    except CueRefused as refused:
        assert str(refused)
        return
    assert cue == normalise(cue) and check_cue(cue, max_words=2, used=()) == cue
    assert 1 <= len(cue.split(" ")) <= 2 and not any(ch.isnumeric() for ch in cue)
    with pytest.raises(CueRefused, match="already given"):
        check_cue(text.upper(), max_words=2, used=(cue,))
