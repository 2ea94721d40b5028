"""The Game interface: what every game implements, and the vocabulary it shares with the runtime.

Rule 1 (after h11): a game does no I/O. No Django, Channels, asyncio, clock or global random:
time arrives as ``dt`` in ``tick``, randomness as the ``rng`` given to ``setup``.
Rule 2: ``apply`` checks everything before it changes anything, so a refused action changes nothing.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

JSON = dict[str, Any]
S = TypeVar("S")


class IllegalAction(Exception):
    """An action the rules refuse; its message is shown to the player who sent it."""


class NoOptions(msgspec.Struct, forbid_unknown_fields=True):
    """Options of a game that has none."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, for clients to animate; ``to`` limits it to some seats."""

    type: str
    data: Mapping[str, Any] = field(default_factory=dict)
    to: frozenset[int] | None = None

    def visible_to(self, seat: int | None) -> bool:
        """Whether a viewer in ``seat`` (None for a spectator) may receive this event."""
        return self.to is None or (seat is not None and seat in self.to)


@dataclass(frozen=True, slots=True)
class Timer:
    """A phase clock run by the runtime: if ``seconds`` pass while ``timer()`` still returns this ``key``,
    the runtime calls ``expire(state, key)`` (stored in the log like an action, so replays repeat it)."""

    key: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a finished game ended: the winning seats (none for a draw) and why."""

    winners: tuple[int, ...]
    reason: str
    scores: Mapping[int, int] | None = None

    def as_json(self) -> JSON:
        """The outcome as stored and sent to clients."""
        data: JSON = {"winners": list(self.winners), "reason": self.reason, "draw": not self.winners}
        if self.scores is not None:
            data["scores"] = {str(seat): score for seat, score in self.scores.items()}
        return data


class Game(ABC, Generic[S]):
    """A game's rules. One instance serves every room of that game; all state lives in ``S``.

    ``actions`` maps each message type a player may send (``{"type": name, ...}``) to the
    msgspec Struct that validates the rest of the message before ``apply`` sees it.
    A ``drop_in`` game's match starts with the room and players join and leave it while it runs;
    ``log_actions = False`` keeps high-frequency inputs out of the action log (the world is ephemeral);
    ``unlogged`` names single actions that are applied and shown but never stored (cursor moves);
    ``replayable = False`` hides the move-by-move replay page (a drawing's thousands of strokes);
    ``resignable = False`` for cooperative games, where giving up would make no one a winner.
    """

    slug: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str] = ""
    min_players: ClassVar[int]
    max_players: ClassVar[int]
    tick_hz: ClassVar[float | None] = None
    drop_in: ClassVar[bool] = False
    log_actions: ClassVar[bool] = True
    Options: ClassVar[type[msgspec.Struct]] = NoOptions
    actions: ClassVar[Mapping[str, type[msgspec.Struct]]]
    seat_labels: ClassVar[Sequence[str]] = ()
    bot_levels: ClassVar[Mapping[str, int]] = {}
    unlogged: ClassVar[frozenset[str]] = frozenset()
    replayable: ClassVar[bool] = True
    resignable: ClassVar[bool] = True

    @abstractmethod
    def setup(self, players: int, options: Any, rng: random.Random) -> S:
        """The initial state for ``players`` seated players (seat 0 moves first)."""

    @abstractmethod
    def apply(self, state: S, seat: int, action: Any) -> list[Event]:
        """Apply one validated action by ``seat``; raise IllegalAction, before any change, to refuse it."""

    def provide(self, state: S, content: JSON) -> None:
        """Put a match's prepared content (from the game's preparer, e.g. AI prompts) into a fresh state."""

    def timer(self, state: S) -> Timer | None:
        """The phase clock now running, if any (a turn's time limit, a drawing round's countdown)."""
        return None

    def expire(self, state: S, key: int) -> list[Event]:
        """The phase clock ``key`` ran out: skip the missing move, end the round (like ``apply``, no I/O)."""
        return []

    def join(self, state: S, seat: int, name: str) -> list[Event]:
        """A player enters a running match (``drop_in`` games: real-time worlds)."""
        return []

    def away(self, state: S, seat: int, gone: bool) -> list[Event]:
        """A drop-in player's last socket closed (``gone``), or one of theirs came back within the grace: the
        world may show them away meanwhile (the arena's ship stops thrusting and is drawn faded)."""
        return []

    def leave(self, state: S, seat: int) -> list[Event]:
        """A player leaves a running match (``drop_in`` games): they chose to (``room.leave``), or their last
        socket closed ``DROP_IN_GRACE`` seconds ago and they did not come back."""
        return []

    def tick(self, state: S, dt: float) -> list[Event]:
        """Advance a real-time game by ``dt`` seconds; only called when ``tick_hz`` is set."""
        return []

    @abstractmethod
    def view(self, state: S, seat: int | None) -> JSON:
        """What ``seat`` may see of the state (None: a spectator); hides everything secret."""

    @abstractmethod
    def outcome(self, state: S) -> Outcome | None:
        """The result once the game is over, else None."""

    def seat_label(self, seat: int) -> str:
        """The name of a seat shown to players, like "X" or "red"."""
        return self.seat_labels[seat] if seat < len(self.seat_labels) else f"Player {seat + 1}"

    def current_seats(self, state: S) -> frozenset[int]:
        """The seats whose move it is (for the page's "your turn"); empty when no one is awaited."""
        return frozenset()

    def status_line(self, state: S) -> str:
        """A short line on the state for the staff's room monitor, like a score line; none by default."""
        return ""

    def describe(self, seat: int, action: Any) -> str:
        """One line for the move list, like "red: column 4"."""
        fields = ", ".join(f"{name} {value}" for name, value in msgspec.structs.asdict(action).items())
        return f"{self.seat_label(seat)}: {fields}" if fields else self.seat_label(seat)

    def bot_action(self, state: S, seat: int, level: int, rng: random.Random) -> JSON:
        """The message a computer player in ``seat`` sends (games listing ``bot_levels`` implement it)."""
        raise NotImplementedError(f"{self.slug} has no computer player")
