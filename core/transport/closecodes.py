"""Close codes Parlor uses besides the standard ones (documented in docs/protocol.md)."""

ROOM_NOT_FOUND = 4404
TOO_SLOW = 4408
RATE_LIMITED = 4429
RESTARTING = 4503
