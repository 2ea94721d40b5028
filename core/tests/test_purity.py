"""Every game's rules stay pure (protocol rule 1): no Django, Channels, asyncio, clock or global random."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_MODULES = ("django", "channels", "asyncio", "time")
RULES = sorted(ROOT.glob("games/*/rules.py"))


def impurities(source: str) -> list[str]:
    """Every forbidden import or use of the global random generator in ``source``, with its line."""
    tree = ast.parse(source)
    found: list[str] = []
    random_names: set[str] = set()  # local names bound to the random module itself

    def forbidden(module: str) -> bool:
        return module.split(".")[0] in FORBIDDEN_MODULES

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if forbidden(alias.name):
                    found.append(f"line {node.lineno}: import {alias.name}")
                if alias.name == "random":
                    random_names.add(alias.asname or "random")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and forbidden(module):
                found.append(f"line {node.lineno}: from {module} import ...")
            if node.level == 0 and module == "random":
                for alias in node.names:
                    if alias.name != "Random":
                        found.append(f"line {node.lineno}: from random import {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "__import__" or node.func.id == "import_module":
                found.append(f"line {node.lineno}: dynamic import")
    attribute_bases = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in random_names and node.attr != "Random":
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
            if node.value.id == "importlib":
                found.append(f"line {node.lineno}: importlib.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in random_names and id(node) not in attribute_bases:
            found.append(f"line {node.lineno}: the random module itself is used")
    return found


def test_there_are_rules_to_check() -> None:
    """The glob finds the games (an empty list would make the purity test pass vacuously)."""
    assert ROOT / "games" / "tictactoe" / "rules.py" in RULES


@pytest.mark.parametrize("path", RULES, ids=lambda path: path.parent.name)
def test_rules_are_pure(path: Path) -> None:
    """No forbidden import and no global randomness in any game's rules."""
    assert impurities(path.read_text()) == [], f"{path.relative_to(ROOT)} is not pure"


ALLOWED = """
    from __future__ import annotations
    import random
    import msgspec
    from core.rooms.protocol import Game

    def setup(rng: random.Random) -> int:
        return rng.randint(1, 6) + rng.choice([1, 2])

    def fresh() -> "random.Random":
        return random.Random(42)
"""


def test_checker_accepts_random_type_and_injected_rng() -> None:
    """``import random`` with only ``random.Random`` and calls on an injected rng is pure."""
    assert impurities(textwrap.dedent(ALLOWED)) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import django",
        "from django.conf import settings",
        "import channels.layers",
        "from channels.db import database_sync_to_async",
        "import asyncio",
        "from asyncio import sleep",
        "import time",
        "from time import monotonic",
        "import time as clock",
        "import random\nx = random.choice([1, 2])",
        "import random\nrandom.seed(1)",
        "import random as r\nx = r.randint(1, 6)",
        "from random import randint",
        "from random import Random, shuffle",
        "import random\nf = random.random",
        "import random\ndef f(m=random): ...",
        "t = __import__('time')",
        "import importlib\nt = importlib.import_module('time')",
    ],
)
def test_checker_flags_forbidden_snippets(snippet: str) -> None:
    """The checker itself catches each kind of impurity, so it cannot silently pass."""
    assert impurities(snippet), f"not flagged: {snippet!r}"
