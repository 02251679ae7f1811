"""The real public texts the demo is built around (copied from shared/seeds into core/seeds/).

`seeds.json` keeps each text's metadata — number, date, issuer, signer, recipients — and which lines are the
content (the rest is the source website's chrome).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"


@dataclass(frozen=True)
class Seed:
    key: str
    kind: str
    title: str
    meta: dict[str, Any] = field(repr=False)
    paragraphs: tuple[str, ...] = field(repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _paragraphs(raw: str, first: int, last: int) -> tuple[str, ...]:
    lines = raw.splitlines()[first - 1 : last]
    return tuple(line.strip() for line in lines if line.strip())


@cache
def all_seeds() -> tuple[Seed, ...]:
    entries = json.loads((SEEDS_DIR / "seeds.json").read_text(encoding="utf-8"))
    seeds = []
    for entry in entries:
        raw = (SEEDS_DIR / entry["file"]).read_text(encoding="utf-8")
        first, last = entry["body_lines"]
        seeds.append(
            Seed(
                key=entry["key"],
                kind=entry["kind"],
                title=entry["title"],
                meta=entry,
                paragraphs=_paragraphs(raw, first, last),
            )
        )
    return tuple(seeds)


def get_seed(key: str) -> Seed:
    for seed in all_seeds():
        if seed.key == key:
            return seed
    raise KeyError(key)
