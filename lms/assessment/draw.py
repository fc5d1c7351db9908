"""Which questions an attempt shows, and in what order its options appear.

Both are decided on the server when an attempt starts and stored with it, so the attempt page,
the result and any later review show the same thing.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Item = TypeVar("Item", bound=Hashable)


def unseen_first(
    pool: Sequence[Item], last_seen: Mapping[Item, object], count: int, rng: random.Random
) -> list[Item]:
    """``count`` items of ``pool``: never-seen ones first (at random), then, only when those run
    out, the least recently seen. ``last_seen`` maps an item to when it was last shown (anything
    that sorts: a datetime, an attempt number)."""
    unseen = [item for item in pool if item not in last_seen]
    picked = rng.sample(unseen, min(count, len(unseen)))
    if len(picked) < count:
        seen = [item for item in pool if item in last_seen]
        rng.shuffle(seen)  # ties (seen in the same attempt) in random order
        seen.sort(key=lambda item: last_seen[item])  # type: ignore[arg-type,return-value]
        picked += seen[: count - len(picked)]
    rng.shuffle(picked)
    return picked


def option_order(keys: Sequence[str], pin_last: bool, rng: random.Random) -> list[str]:
    """The options' keys in a fresh random order; with ``pin_last`` the last stays last."""
    if len(keys) < 2:
        return list(keys)
    movable = list(keys[:-1] if pin_last else keys)
    rng.shuffle(movable)
    return [*movable, keys[-1]] if pin_last else movable
