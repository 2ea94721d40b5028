"""Draw Together's prompt providers: the curated deck, OpenAI over real HTTP to a local stub, the fallback."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from games.draw import prompts
from games.draw.prompts import (
    DECK_PATH,
    MAX_ROUNDS,
    DeckProvider,
    FallbackProvider,
    OpenAIProvider,
    Picture,
    PromptError,
    PromptPart,
    PromptSet,
    load_deck,
    provider_from_settings,
    system_prompt,
)
from games.draw.rules import Content

from .openai_stub import GOOD_ANSWER, OpenAIStub

TIMEOUT = 0.5  # seconds the OpenAI provider may take against the stub
RAW_DECK: list[dict[str, Any]] = json.loads(DECK_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def openai_provider(stub: OpenAIStub, timeout: float = TIMEOUT) -> OpenAIProvider:
    return OpenAIProvider(api_key="test-key", model="test-model", base_url=stub.base_url, timeout=timeout)


def fallback(stub: OpenAIStub) -> FallbackProvider:
    return FallbackProvider(openai_provider(stub), DeckProvider(rng=random.Random(1)))


def assert_shape(result: PromptSet, players: int, rounds: int) -> None:
    assert len(result.parts) == players
    assert all(len(part.prompts) == rounds for part in result.parts)
    assert len({part.name for part in result.parts}) == players
    msgspec.convert(result.as_json(), PromptSet)  # round-trips through its own validation
    msgspec.convert(result.as_json(), Content)  # and is what the rules accept


def picture(theme: str, parts: int = 8, prompts: int = 4) -> Picture:
    return Picture(theme, [PromptPart(f"part {i}", [f"Draw thing {j}" for j in range(prompts)]) for i in range(parts)])


# The deck file.


def test_the_deck_has_enough_distinct_themes() -> None:
    themes = [entry["theme"] for entry in RAW_DECK]
    assert len(themes) >= 32
    assert len({theme.casefold() for theme in themes}) == len(themes)


@pytest.mark.parametrize("entry", RAW_DECK, ids=lambda entry: entry["theme"])
def test_every_theme_has_eight_distinct_parts_of_short_prompts(entry: dict[str, Any]) -> None:
    """Exactly the documented keys; 8 differently named parts; 4+ distinct, short, clean prompts each."""
    assert set(entry) == {"theme", "parts"}
    assert entry["theme"] == entry["theme"].strip() and 0 < len(entry["theme"]) <= 80
    assert len(entry["parts"]) == 8
    assert len({part["name"].casefold() for part in entry["parts"]}) == 8
    for part in entry["parts"]:
        assert set(part) == {"name", "prompts"}
        assert part["name"] == part["name"].strip() and 0 < len(part["name"]) <= 30
        assert len(part["prompts"]) >= MAX_ROUNDS
        assert len(set(part["prompts"])) == len(part["prompts"])
        for prompt in part["prompts"]:
            assert prompt == prompt.strip() and 0 < len(prompt) <= 80 and not prompt.endswith(".")
        assert part["prompts"][0].startswith("Draw ")  # each series starts something new, then builds on it


def test_the_deck_loads_validated_and_once() -> None:
    deck = load_deck()
    assert len(deck) == len(RAW_DECK) and all(isinstance(entry, Picture) for entry in deck)
    assert load_deck() is deck


# The deck provider.


@pytest.mark.parametrize("players", [2, 3, 8])
@pytest.mark.parametrize("rounds", [1, 3, MAX_ROUNDS])
async def test_deck_provider_shapes(players: int, rounds: int) -> None:
    result = await DeckProvider().series(players, rounds, avoid=())
    assert result.source == "deck"
    assert result.theme in {entry.theme for entry in load_deck()}
    assert_shape(result, players, rounds)


async def test_deck_provider_gives_the_first_parts_and_prompts_of_a_theme() -> None:
    """Parts are ordered with the centre of the picture first, so small rooms draw the main subject."""
    result = await DeckProvider(rng=random.Random(3)).series(2, 2, avoid=())
    entry = next(entry for entry in RAW_DECK if entry["theme"] == result.theme)
    assert result.as_json()["parts"] == [
        {"name": part["name"], "prompts": part["prompts"][:2]} for part in entry["parts"][:2]
    ]


async def test_deck_provider_respects_avoid_ignoring_case_and_spaces() -> None:
    deck = load_deck()
    keep = deck[5].theme
    avoid = [f"  {entry.theme.upper()} " for entry in deck if entry.theme != keep]
    for seed in range(10):
        assert (await DeckProvider(rng=random.Random(seed)).series(4, 2, avoid)).theme == keep


async def test_deck_provider_repeats_no_theme_until_exhausted() -> None:
    provider = DeckProvider(rng=random.Random(7))
    used: list[str] = []
    for _ in range(len(load_deck())):
        used.append((await provider.series(3, 3, used)).theme)
    assert len(set(used)) == len(load_deck())
    again = await provider.series(3, 3, used)  # exhausted: any theme, rather than none
    assert again.theme in used


async def test_deck_provider_is_deterministic_with_a_seeded_rng_and_never_shares_the_deck() -> None:
    first = await DeckProvider(rng=random.Random(42)).series(8, 4, ())
    second = await DeckProvider(rng=random.Random(42)).series(8, 4, ())
    assert first == second
    first.parts[0].prompts.clear()  # a caller changing its set leaves the cached deck alone
    assert (await DeckProvider(rng=random.Random(42)).series(8, 4, ())) == second


async def test_deck_provider_with_its_own_deck_skips_themes_too_small() -> None:
    provider = DeckProvider([picture("Small", parts=2), picture("Big", parts=5)], random.Random(0))
    assert (await provider.series(4, 2, ())).theme == "Big"
    assert (await provider.series(4, 2, ["big"])).theme == "Big"  # exhausted among the usable ones
    with pytest.raises(ValueError, match="no deck theme"):
        await provider.series(6, 2, ())


@pytest.mark.parametrize(("players", "rounds"), [(1, 3), (9, 3), (2, 0), (2, MAX_ROUNDS + 1)])
async def test_providers_refuse_impossible_requests(stub: OpenAIStub, players: int, rounds: int) -> None:
    with pytest.raises(ValueError):
        await DeckProvider().series(players, rounds, ())
    with pytest.raises(ValueError):
        await openai_provider(stub).series(players, rounds, ())
    assert stub.requests == []


# The OpenAI provider, over real HTTP to the stub.


async def test_openai_good_answer_is_parsed_and_cut_to_size(stub: OpenAIStub) -> None:
    result = await openai_provider(stub).series(3, 2, avoid=["A lighthouse on a stormy coast", "A cosy kitchen"])
    assert result.source == "openai"
    assert result.theme == GOOD_ANSWER["theme"]
    assert result.parts[0] == PromptPart("Blanket", ["Draw a checked picnic blanket", "Add some colour"])
    assert_shape(result, 3, 2)
    [request] = stub.requests  # one request: no retries
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.body["model"] == "test-model"
    assert request.body["response_format"] == {"type": "json_object"}
    system, user = request.body["messages"]
    assert system == {"role": "system", "content": system_prompt(3, 2)}
    assert "JSON" in system["content"] and "exactly 3 objects" in system["content"]
    assert user["role"] == "user" and "A lighthouse on a stormy coast; A cosy kitchen" in user["content"]


def answer(prompts: list[Any], parts: int = 3, theme: str = "A windy hill") -> str:
    """A model's answer: ``parts`` differently named parts, all with these ``prompts``."""
    return json.dumps({"theme": theme, "parts": [{"name": f"part {i}", "prompts": prompts} for i in range(parts)]})


BAD_ANSWERS = {
    "not json": "Sure! Here are your prompts.",
    "empty": "",
    "truncated": json.dumps(GOOD_ANSWER)[:200],
    "a list": json.dumps([GOOD_ANSWER]),
    "no theme": json.dumps({"parts": GOOD_ANSWER["parts"]}),
    "numbers for prompts": answer([1, 2]),
    "too few parts": answer(["Draw a kite", "Add a tail"], parts=2),
    "too few prompts": answer(["Draw a kite"]),
    "too many prompts": answer(["Draw a kite"] * 9),
    "blank prompt": answer(["Draw a kite", "  "]),
    "long prompt": answer(["Draw a kite", "x" * 201]),
    "long theme": answer(["Draw a kite", "Add a tail"], theme="x" * 81),
    "used theme": answer(["Draw a kite", "Add a tail"], theme="a cosy  KITCHEN"),
    "repeated part": json.dumps({"theme": "T", "parts": [{"name": "Sky", "prompts": ["a", "b"]}] * 3}),
}


@pytest.mark.parametrize("mode", ["malformed", "wrong_shape"])
async def test_openai_malformed_answer_is_a_prompt_error(stub: OpenAIStub, mode: Any) -> None:
    stub.mode = mode
    with pytest.raises(PromptError, match="not a valid picture"):
        await openai_provider(stub).series(3, 2, ())


async def test_openai_minimal_answer_is_accepted(stub: OpenAIStub) -> None:
    """The control for the bad answers below: each differs from this one in one way."""
    stub.content = answer(["Draw a kite", "Add a tail"])
    result = await openai_provider(stub).series(3, 2, ["A cosy kitchen"])
    assert result.theme == "A windy hill" and result.parts[2] == PromptPart("part 2", ["Draw a kite", "Add a tail"])


@pytest.mark.parametrize("content", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
async def test_openai_answer_of_the_wrong_shape_is_a_prompt_error(stub: OpenAIStub, content: str) -> None:
    stub.content = content
    with pytest.raises(PromptError):
        await openai_provider(stub).series(3, 2, ["A cosy kitchen"])


async def test_openai_slow_answer_is_a_prompt_error_within_the_timeout(stub: OpenAIStub) -> None:
    stub.mode = "slow"
    start = time.monotonic()
    with pytest.raises(PromptError, match="within 0.5 s"):
        await openai_provider(stub).series(2, 3, ())
    elapsed = time.monotonic() - start
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2
    assert len(stub.requests) == 1


async def test_openai_server_error_is_a_prompt_error_without_retry(stub: OpenAIStub) -> None:
    stub.mode = "error"
    with pytest.raises(PromptError, match="failed"):
        await openai_provider(stub).series(2, 3, ())
    assert len(stub.requests) == 1


async def test_openai_unreachable_server_is_a_prompt_error() -> None:
    with OpenAIStub() as closed:
        base_url = closed.base_url
    provider = OpenAIProvider(api_key="k", model="m", base_url=base_url, timeout=TIMEOUT)
    with pytest.raises(PromptError):
        await provider.series(2, 3, ())


async def test_the_event_loop_keeps_running_during_a_slow_call(stub: OpenAIStub) -> None:
    """A 10 ms ticker keeps ticking while the provider waits, so the call never blocks the loop."""
    stub.mode = "slow"
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        with pytest.raises(PromptError):
            await openai_provider(stub).series(2, 3, ())
    finally:
        task.cancel()
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) >= TIMEOUT / 0.01 / 2
    assert max(gaps) < 0.2


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan"), float("inf")])
def test_openai_provider_needs_a_real_timeout(timeout: float) -> None:
    with pytest.raises(ValueError):
        OpenAIProvider(api_key="k", model="m", timeout=timeout)


# The fallback.


async def test_fallback_returns_the_primary_answer_when_it_works(stub: OpenAIStub) -> None:
    assert (await fallback(stub).series(4, 3, ())).source == "openai"


@pytest.mark.parametrize("mode", ["malformed", "wrong_shape", "slow", "error"])
async def test_fallback_answers_from_the_deck_when_openai_fails(
    stub: OpenAIStub, mode: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stub.mode = mode
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="games.draw.prompts"):
        result = await fallback(stub).series(5, 4, avoid=())
    assert time.monotonic() - start < TIMEOUT + 2
    assert result.source == "deck"
    assert_shape(result, 5, 4)
    [record] = caplog.records
    assert record.name == "games.draw.prompts" and record.levelno == logging.WARNING
    assert "OpenAIProvider" in record.getMessage() and "DeckProvider" in record.getMessage()


async def test_fallback_survives_any_exception_of_the_primary() -> None:
    class Broken:
        async def series(self, players: int, rounds: int, avoid: Any) -> PromptSet:
            raise RuntimeError("boom")

    result = await FallbackProvider(Broken(), DeckProvider()).series(2, 2, ())
    assert result.source == "deck"


# Choosing a provider from settings.


@pytest.mark.parametrize("settings", [{}, {"OPENAI_API_KEY": ""}, {"OPENAI_API_KEY": "  ", "PARLOR_DRAW_TIMEOUT": "x"}])
def test_without_a_key_the_deck_alone(settings: dict[str, str]) -> None:
    assert isinstance(provider_from_settings(settings), DeckProvider)


def test_with_a_key_openai_then_the_deck_with_defaults() -> None:
    provider = provider_from_settings({"OPENAI_API_KEY": "sk-test"})
    assert isinstance(provider, FallbackProvider)
    assert isinstance(provider.fallback, DeckProvider)
    primary = provider.primary
    assert isinstance(primary, OpenAIProvider)
    assert (primary.api_key, primary.model, primary.timeout) == ("sk-test", "gpt-4o-mini", 10.0)
    assert primary.base_url == prompts.DEFAULT_BASE_URL


def test_with_a_key_every_setting_is_read() -> None:
    provider = provider_from_settings(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "PARLOR_DRAW_MODEL": "gpt-test",
            "PARLOR_DRAW_TIMEOUT": "2.5",
        }
    )
    assert isinstance(provider, FallbackProvider) and isinstance(provider.primary, OpenAIProvider)
    assert (provider.primary.base_url, provider.primary.model, provider.primary.timeout) == (
        "http://127.0.0.1:9/v1",
        "gpt-test",
        2.5,
    )


@pytest.mark.parametrize("timeout", ["soon", "0", "-3"])
def test_a_bad_timeout_setting_is_refused(timeout: str) -> None:
    with pytest.raises(ValueError):
        provider_from_settings({"OPENAI_API_KEY": "sk-test", "PARLOR_DRAW_TIMEOUT": timeout})


async def test_settings_provider_end_to_end_falls_back_on_a_failing_server(stub: OpenAIStub) -> None:
    stub.mode = "error"
    settings = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": stub.base_url, "PARLOR_DRAW_TIMEOUT": "1"}
    result = await provider_from_settings(settings).series(2, 3, ())
    assert result.source == "deck"
    assert stub.requests[0].body["model"] == "gpt-4o-mini"
