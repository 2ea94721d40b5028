"""Close codes Parlor uses besides the standard ones (documented in docs/protocol.md)."""

KICKED = 4403  # a moderator removed this user from the room (the page does not reconnect)
ROOM_NOT_FOUND = 4404
TOO_SLOW = 4408
ROOM_CLOSED = 4410  # a moderator closed the room (the page does not reconnect)
RATE_LIMITED = 4429
RESTARTING = 4503
