"""The wire format: decoding with limits, validating against Structs, encoding replies."""

from __future__ import annotations

import json

import msgspec
import pytest

from core.transport import wire


class Move(msgspec.Struct, forbid_unknown_fields=True):
    to: int
    note: str = ""


def test_decode_returns_the_object() -> None:
    """A JSON object with a string type decodes to a dict."""
    assert wire.decode('{"type": "mark", "cell": 4}', None, max_bytes=100) == {"type": "mark", "cell": 4}


def test_binary_frames_are_refused() -> None:
    """Only text frames are accepted."""
    with pytest.raises(wire.BadMessage, match="Binary frames are not accepted"):
        wire.decode(None, b'{"type": "ping"}', max_bytes=100)


def test_size_limit_is_inclusive() -> None:
    """A message of exactly max_bytes passes; one byte more is refused with both sizes named."""
    text = '{"type": "x", "p": "' + "a" * 10 + '"}'
    assert wire.decode(text, None, max_bytes=len(text))["p"] == "a" * 10
    with pytest.raises(
        wire.BadMessage, match=rf"Message too large: {len(text)} bytes \(the limit is {len(text) - 1}\)"
    ):
        wire.decode(text, None, max_bytes=len(text) - 1)


def test_size_limit_counts_utf8_bytes_not_characters() -> None:
    """Non-ASCII text is measured in encoded bytes."""
    text = '{"type": "x", "p": "' + "é" * 10 + '"}'
    size = len(text.encode())
    assert size == len(text) + 10
    wire.decode(text, None, max_bytes=size)
    with pytest.raises(wire.BadMessage, match=f"Message too large: {size} bytes"):
        wire.decode(text, None, max_bytes=len(text))


@pytest.mark.parametrize("text", ['{"type": "x"', "not json", '{"type": "x"} trailing', ""])
def test_malformed_json_is_refused(text: str) -> None:
    """Anything that is not one JSON document is malformed."""
    with pytest.raises(wire.BadMessage, match="Malformed JSON"):
        wire.decode(text, None, max_bytes=100)


@pytest.mark.parametrize(
    "text", ["[1, 2]", '"ping"', "42", "null", "{}", '{"type": 3}', '{"type": null}', '{"kind": "x"}']
)
def test_messages_need_an_object_with_a_string_type(text: str) -> None:
    """Non-objects and objects without a string type are refused."""
    with pytest.raises(wire.BadMessage, match='must be a JSON object with a string "type"'):
        wire.decode(text, None, max_bytes=100)


def test_convert_drops_type_and_validates() -> None:
    """convert validates everything but the type key."""
    assert wire.convert({"type": "move", "to": 3}, Move) == Move(to=3)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "move"}, r"Invalid 'move' message: Object missing required field `to`\."),
        ({"type": "move", "to": "3"}, r"Invalid 'move' message: Expected `int`, got `str` - at `\$.to`\."),
        ({"type": "move", "to": 3, "x": 1}, r"Invalid 'move' message: Object contains unknown field `x`\."),
        ({"type": "move", "to": 3.5}, r"Invalid 'move' message: Expected `int`, got `float`"),
    ],
)
def test_convert_errors_name_the_problem(message: dict[str, object], expected: str) -> None:
    """Each validation error becomes a BadMessage naming the type and the field."""
    with pytest.raises(wire.BadMessage, match=expected):
        wire.convert(message, Move)


def test_encode_and_error() -> None:
    """encode gives compact JSON text; error wraps a message in the error type."""
    text = wire.encode({"type": "x", "n": [1, None], "s": "é"})
    assert isinstance(text, str) and json.loads(text) == {"type": "x", "n": [1, None], "s": "é"}
    assert json.loads(wire.error("Nope.")) == {"type": "error", "message": "Nope."}
