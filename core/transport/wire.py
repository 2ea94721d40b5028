"""The wire format: JSON objects with a "type" key, checked at the edge before any game code sees them.

Every problem becomes a ``BadMessage`` whose text is sent back verbatim as
``{"type": "error", "message": ...}``; nothing else happens.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

JSON = dict[str, Any]
T = TypeVar("T", bound=msgspec.Struct)

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class BadMessage(Exception):
    """An inbound message refused at the edge; the text names the problem."""


def decode(text: str | None, data: bytes | None, *, max_bytes: int) -> JSON:
    """Parse one frame into a JSON object with a string ``type``, within ``max_bytes``."""
    if text is None:
        raise BadMessage("Binary frames are not accepted; send JSON text.")
    size = len(text) if text.isascii() else len(text.encode())
    if size > max_bytes:
        raise BadMessage(f"Message too large: {size} bytes (the limit is {max_bytes}).")
    try:
        message = _decoder.decode(text)
    except msgspec.DecodeError as exc:
        raise BadMessage(f"Malformed JSON: {exc}.") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadMessage('A message must be a JSON object with a string "type".')
    return message


def convert(message: JSON, schema: type[T]) -> T:
    """Validate a decoded message (less its ``type``) against ``schema``."""
    fields = {key: value for key, value in message.items() if key != "type"}
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        raise BadMessage(f"Invalid {message['type']!r} message: {exc}.") from None


def encode(message: JSON) -> str:
    """Serialise an outbound message once, ready to be sent to any number of sockets."""
    return _encoder.encode(message).decode()


def error(message: str) -> str:
    """The encoded error reply."""
    return encode({"type": "error", "message": message})
