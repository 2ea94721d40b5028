"""Generated display names for guests, like "Brave Otter 42"."""

from __future__ import annotations

import random

ADJECTIVES = (
    "Brave Calm Clever Cosmic Daring Eager Fancy Gentle Happy Jolly Keen Lucky Mellow Nimble "
    "Plucky Quick Quiet Rapid Shiny Sly Sunny Swift Witty Zesty Bold Bright Cheery Dapper Merry Noble"
).split()
ANIMALS = (
    "Otter Falcon Badger Panda Lynx Heron Koala Fox Owl Tiger Walrus Yak Zebra Gecko Moose "
    "Newt Orca Puffin Quokka Raven Seal Tapir Wombat Bison Crane Dingo Egret Ferret Ibis Jaguar"
).split()


def guest_name(rng: random.Random) -> str:
    """A friendly random name; the number keeps collisions rare without checking."""
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)} {rng.randint(10, 99)}"
