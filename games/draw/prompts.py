"""Draw Together's prompt providers: a theme and one series of prompts per seat, from OpenAI or the offline deck.

Unlike the rules this module does I/O, always awaited: the OpenAI call is bounded by a timeout, and
``FallbackProvider`` answers from the curated deck (``deck.json``) when the call fails or times out.
Every provider returns the same validated ``PromptSet``; ``as_json()`` is the match's content.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import msgspec
import openai
from openai.types.chat import ChatCompletionMessageParam

logger = logging.getLogger("games.draw.prompts")

DECK_PATH = Path(__file__).with_name("deck.json")
MIN_PLAYERS, MAX_PLAYERS = 2, 8  # one part of the picture per seat
MAX_ROUNDS = 4  # prompts per part: every deck theme has at least this many
MAX_AVOID = 50  # the most recent themes named to the model as already used
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 10.0
DEFAULT_BASE_URL = "https://api.openai.com/v1"

Source = Literal["openai", "deck"]
Theme = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
PartName = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=r"\S")]
Prompt = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]


class PromptError(Exception):
    """A provider could not produce a valid prompt set (HTTP error, timeout, malformed or unfit answer)."""


class PromptPart(msgspec.Struct):
    """One part of the picture and the prompts, each building on the last, of the seat that draws it."""

    name: PartName
    prompts: Annotated[list[Prompt], msgspec.Meta(min_length=1, max_length=8)]


class Picture(msgspec.Struct):
    """A theme split into parts, as the deck stores it and the model answers (extra keys are ignored)."""

    theme: Theme
    parts: Annotated[list[PromptPart], msgspec.Meta(min_length=1, max_length=16)]


class PromptSet(msgspec.Struct, forbid_unknown_fields=True):
    """A match's content: the theme, part i with its prompts for seat i, and where it came from."""

    theme: Theme
    parts: Annotated[list[PromptPart], msgspec.Meta(min_length=MIN_PLAYERS, max_length=MAX_PLAYERS)]
    source: Source

    def as_json(self) -> dict[str, Any]:
        """The set as plain JSON, the shape ``Game.provide`` receives."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


class PromptProvider(Protocol):
    """Anything that can prepare a match's prompts."""

    async def series(self, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
        """A theme with ``players`` distinct parts of ``rounds`` prompts each, not one of the ``avoid`` themes."""
        ...


def _check_request(players: int, rounds: int) -> None:
    if not MIN_PLAYERS <= players <= MAX_PLAYERS:
        raise ValueError(f"players must be {MIN_PLAYERS}..{MAX_PLAYERS}, not {players}")
    if not 1 <= rounds <= MAX_ROUNDS:
        raise ValueError(f"rounds must be 1..{MAX_ROUNDS}, not {rounds}")


def _key(theme: str) -> str:
    return " ".join(theme.casefold().split())


def _fits(picture: Picture, players: int, rounds: int) -> bool:
    parts = picture.parts[:players]
    return len(parts) == players and all(len(part.prompts) >= rounds for part in parts)


def _cut(picture: Picture, players: int, rounds: int, source: Source) -> PromptSet:
    """The first ``players`` parts with their first ``rounds`` prompts, as fresh lists."""
    parts = [PromptPart(name=part.name, prompts=part.prompts[:rounds]) for part in picture.parts[:players]]
    return PromptSet(theme=picture.theme, parts=parts, source=source)


@functools.cache
def load_deck() -> tuple[Picture, ...]:
    """The curated offline deck, read and validated once per process."""
    return tuple(msgspec.json.decode(DECK_PATH.read_bytes(), type=list[Picture]))


class DeckProvider:
    """Prompts from the curated deck: a random theme not yet used in the room, until every theme has been."""

    def __init__(self, deck: Sequence[Picture] | None = None, rng: random.Random | None = None) -> None:
        self.deck = load_deck() if deck is None else tuple(deck)
        self.rng = rng if rng is not None else random.Random()

    def pick(self, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
        """The synchronous draw behind ``series``; ValueError if no theme has enough parts and prompts."""
        _check_request(players, rounds)
        usable = [picture for picture in self.deck if _fits(picture, players, rounds)]
        if not usable:
            raise ValueError(f"no deck theme has {players} parts of {rounds} prompts")
        used = {_key(theme) for theme in avoid}
        fresh = [picture for picture in usable if _key(picture.theme) not in used]
        return _cut(self.rng.choice(fresh or usable), players, rounds, "deck")

    async def series(self, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
        """A deck theme (no I/O: the deck is already loaded)."""
        return self.pick(players, rounds, avoid)


def system_prompt(players: int, rounds: int) -> str:
    """The seed tutorial's instructions, for ``players`` series of ``rounds`` prompts in a strict JSON shape."""
    return f"""\
There is a game in which {players} players all work to complete one simple drawing together, \
following series of prompts that build on one another.

Each player receives their own series of {rounds} prompts. The series are related in that they all \
apply to the same drawing (its theme), but each series is about a different part of that drawing. \
For instance, one player might receive a series of prompts about drawing the sky while another draws \
the ground. This is only an example; please invent your own theme.

Prompts must be short (under 100 characters), concrete and easy for amateurs to draw with a mouse. \
Each prompt builds on the previous ones of the same series, for example "Draw a tall lighthouse on the \
rocks", then "Add a red stripe around it", then "Give it a glowing lamp at the top".

Answer with a JSON object only, in exactly this shape:
{{"theme": "<the picture, at most 80 characters>", "parts": [{{"name": "<the part, at most 60 \
characters>", "prompts": ["<prompt 1>", "<prompt 2>"]}}]}}
The "parts" array must have exactly {players} objects with different names, each with exactly \
{rounds} prompts."""


def user_prompt(players: int, rounds: int, avoid: Collection[str]) -> str:
    """The request itself, naming the room's recent themes so the model picks another."""
    text = f"Invent a new picture for {players} players with {rounds} prompts each."
    recent = list(dict.fromkeys(theme.strip() for theme in avoid if theme.strip()))[-MAX_AVOID:]
    if recent:
        text += " Do not use any of these themes, or anything close to them: " + "; ".join(recent) + "."
    return text


def parse_answer(text: str, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
    """The model's JSON answer validated strictly and cut to size; PromptError if it does not fit."""
    try:
        picture = msgspec.json.decode(text, type=Picture)
    except msgspec.DecodeError as exc:  # also msgspec.ValidationError: the JSON has the wrong shape
        raise PromptError(f"the answer is not a valid picture: {exc}") from exc
    if not _fits(picture, players, rounds):
        raise PromptError(f"the answer does not have {players} parts of {rounds} prompts")
    names = {_key(part.name) for part in picture.parts[:players]}
    if len(names) < players:
        raise PromptError("the answer repeats a part")
    if _key(picture.theme) in {_key(theme) for theme in avoid}:
        raise PromptError(f"the answer repeats the used theme {picture.theme!r}")
    return _cut(picture, players, rounds, "openai")


class OpenAIProvider:
    """Prompts from an OpenAI chat model, awaited with a hard timeout; raises PromptError on any failure."""

    def __init__(self, api_key: str, model: str, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"the timeout must be a positive number of seconds, not {timeout}")
        self.api_key = api_key
        self.model = model
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout = timeout

    async def series(self, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
        """Ask the model once (no retry), so the whole call ends within ``timeout`` seconds."""
        _check_request(players, rounds)
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system_prompt(players, rounds)},
            {"role": "user", "content": user_prompt(players, rounds, avoid)},
        ]
        try:
            text = await asyncio.wait_for(self._ask(messages), self.timeout)
        except PromptError:
            raise
        except (TimeoutError, openai.APITimeoutError) as exc:
            raise PromptError(f"no answer from {self.model} within {self.timeout:g} s") from exc
        except Exception as exc:  # openai.OpenAIError, and anything else the client lets through
            raise PromptError(f"the request to {self.model} failed: {exc!r}") from exc
        return parse_answer(text, players, rounds, avoid)

    async def _ask(self, messages: list[ChatCompletionMessageParam]) -> str:
        # A client per call: it lives on the running loop only, and the call is rare (once per match).
        async with openai.AsyncOpenAI(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        ) as client:
            completion = await client.chat.completions.create(
                model=self.model, messages=messages, response_format={"type": "json_object"}
            )
        if not completion.choices or not completion.choices[0].message.content:
            raise PromptError(f"{self.model} gave an empty answer")
        return completion.choices[0].message.content


class FallbackProvider:
    """Asks ``primary``; if it fails in any way, logs a warning and answers from ``fallback`` instead."""

    def __init__(self, primary: PromptProvider, fallback: PromptProvider) -> None:
        self.primary = primary
        self.fallback = fallback

    async def series(self, players: int, rounds: int, avoid: Collection[str]) -> PromptSet:
        """The primary's prompts, else the fallback's (which should not fail: the deck)."""
        try:
            return await self.primary.series(players, rounds, avoid)
        except Exception as exc:
            logger.warning(
                "Draw prompts from %s failed, using %s: %s",
                type(self.primary).__name__,
                type(self.fallback).__name__,
                exc,
            )
        return await self.fallback.series(players, rounds, avoid)


def provider_from_settings(settings: Mapping[str, str]) -> PromptProvider:
    """OpenAI with the deck as fallback when OPENAI_API_KEY is set, else the deck alone.

    Also reads OPENAI_BASE_URL, PARLOR_DRAW_MODEL and PARLOR_DRAW_TIMEOUT (seconds); pass os.environ or settings.
    """
    deck = DeckProvider()
    api_key = settings.get("OPENAI_API_KEY", "").strip()
    if not api_key:
        return deck
    timeout = float(settings.get("PARLOR_DRAW_TIMEOUT", "").strip() or DEFAULT_TIMEOUT)
    primary = OpenAIProvider(
        api_key=api_key,
        model=settings.get("PARLOR_DRAW_MODEL", "").strip() or DEFAULT_MODEL,
        base_url=settings.get("OPENAI_BASE_URL", "").strip() or None,
        timeout=timeout,
    )
    return FallbackProvider(primary, deck)
